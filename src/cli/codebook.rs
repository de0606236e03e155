//! `tana codebook`: every codebook field of every theme.

use crate::cli::Ctx;
use crate::error::Result;
use crate::export::{codebook_markdown, codebook_table};
use std::io::Write;
use std::path::PathBuf;

use crate::output::{write_atomically, Format};
use crate::template::Template;

/// Print the codebook: every codebook field of every theme
///
/// Fields: number, name, parent, level, kind, origin and source, definition, when to use,
/// when not to use, example, versions created and retired, memo, colour, and how often the
/// theme is coded.
///
/// `--format qdc` writes a REFI-QDA codebook that NVivo, ATLAS.ti, MAXQDA and QualCoder
/// import: the nested themes with their guids (the same theme keeps its guid in every
/// export), colours, and a description that carries the codebook fields.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana codebook > codebook.md\n  tana codebook --format csv > codebook.csv\n  tana codebook --format qdc -o codebook.qdc"
)]
pub struct CodebookArgs {
    #[arg(long, value_enum, default_value = "md")]
    pub format: CodebookFormat,
    /// Write to this file instead of standard output (whole or not at all)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The codebook's formats: the table formats, and REFI-QDA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CodebookFormat {
    Table,
    Csv,
    Json,
    Md,
    /// REFI-QDA codebook (.qdc)
    Qdc,
}

pub fn run(ctx: &mut Ctx, args: &CodebookArgs) -> Result<()> {
    let coder = ctx.report_coder()?;
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    let mut bytes = Vec::new();
    match args.format {
        CodebookFormat::Qdc => crate::refi::codebook::write_qdc(conn, &mut bytes)?,
        CodebookFormat::Md => {
            let total: i64 = conn.query_row("SELECT count(*) FROM transcript", [], |r| r.get(0))?;
            let text = codebook_markdown(conn, &template, total as usize, coder)?;
            bytes.extend_from_slice(text.as_bytes());
        }
        f => {
            let f = match f {
                CodebookFormat::Table => Format::Table,
                CodebookFormat::Csv => Format::Csv,
                _ => Format::Json,
            };
            let table = codebook_table(conn, &template, coder)?;
            table.write(&mut bytes, f)?;
        }
    }
    match &args.output {
        Some(path) => {
            write_atomically(path, |w| Ok(w.write_all(&bytes)?))?;
            ctx.info(format!(
                "wrote the codebook ({} themes) to {}",
                template.themes.len(),
                path.display()
            ));
            Ok(())
        }
        None => Ok(ctx.out().write_all(&bytes)?),
    }
}
