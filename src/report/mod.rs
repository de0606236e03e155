//! Paper-ready output: the study report, documents rendered as HTML, Word and Excel, and the
//! SVG charts they hold.

pub mod doc;
pub mod docx;
pub mod html;
pub mod sections;
pub mod study;
pub mod xlsx;

use std::io::Write;

pub use doc::{Block, Doc};

use crate::error::Result;
use crate::output::Format;

/// Render a document as a whole HTML page, a Word document or an Excel workbook; the text
/// formats print its tables one after another.
pub fn write(doc: &Doc, out: &mut dyn Write, format: Format) -> Result<()> {
    match format {
        Format::Html => html::write(doc, out),
        Format::Docx => docx::write(doc, out),
        Format::Xlsx => xlsx::write(doc, out),
        Format::Md if doc.blocks.iter().any(|b| !matches!(b, Block::Table(_))) => {
            markdown(doc, out)
        }
        _ => {
            for (i, t) in doc.tables().enumerate() {
                if i > 0 && format != Format::Csv {
                    writeln!(out)?;
                }
                t.write(out, format)?;
                // How to read the table follows it in the text formats (not in CSV or JSON,
                // which carry data only).
                for n in &t.notes {
                    match format {
                        Format::Table => writeln!(out, "{n}")?,
                        Format::Md => writeln!(out, "\n{n}")?,
                        _ => {}
                    }
                }
            }
            Ok(())
        }
    }
}

/// A whole document as Markdown: headings, paragraphs, and each table (a figure's included)
/// with its caption and notes.
fn markdown(doc: &Doc, out: &mut dyn Write) -> Result<()> {
    if !doc.title.is_empty() {
        writeln!(out, "# {}\n", doc.title)?;
    }
    if let Some(s) = &doc.subtitle {
        writeln!(out, "{s}\n")?;
    }
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text, .. } => {
                writeln!(out, "{} {text}\n", "#".repeat(usize::from(*level) + 1))?
            }
            Block::Para(t) => writeln!(out, "{t}\n")?,
            Block::Note(t) => writeln!(out, "*{t}*\n")?,
            Block::Outline(items) => {
                for (level, text) in items {
                    writeln!(out, "{}- {text}", "  ".repeat(level.saturating_sub(1)))?;
                }
                writeln!(out)?;
            }
            Block::Table(t) | Block::Figure { table: Some(t), .. } => {
                if let Block::Figure { caption, .. } = b {
                    writeln!(out, "{caption}\n")?;
                } else if let Some(c) = &t.caption {
                    writeln!(out, "**{c}**\n")?;
                }
                t.write(out, Format::Md)?;
                writeln!(out)?;
                for n in &t.notes {
                    writeln!(out, "{n}\n")?;
                }
            }
            Block::Figure { caption, .. } => writeln!(out, "{caption}\n")?,
            Block::PageBreak => {}
        }
    }
    Ok(())
}
pub mod svg;
