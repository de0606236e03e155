//! tana: template analysis of qualitative data, over one SQLite project file.
//!
//! The library is usable without the CLI: `project` opens files, `import` and `segment` turn
//! text into transcripts and segments, `template` owns the theme tree, `coding` applies themes
//! to spans, `analysis` counts, and `export` renders codebooks and quotes.

pub mod analysis;
pub mod autocode;
pub mod cli;
pub mod coding;
pub mod demo;
pub mod error;
pub mod export;
pub mod import;
pub mod journal;
pub mod memo;
pub mod model;
pub mod output;
pub mod progress;
pub mod project;
pub mod refi;
pub mod report;
pub mod search;
pub mod segment;
pub mod sheet;
pub mod template;
pub mod text;
pub mod web;

#[cfg(test)]
mod scale;

pub use error::{Error, Result};
