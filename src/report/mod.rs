//! Paper-ready output: the study report, documents rendered as HTML, Word and Excel, and the
//! SVG charts they hold.

pub mod doc;
pub mod docx;
pub mod html;
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
        _ => {
            for (i, t) in doc.tables().enumerate() {
                if i > 0 && format != Format::Csv {
                    writeln!(out)?;
                }
                t.write(out, format)?;
            }
            Ok(())
        }
    }
}
