//! `tana codebook`: every codebook field of every theme.

use crate::cli::{Ctx, WhereArgs};
use crate::error::Result;
use crate::export::{codebook_markdown, codebook_table};
use crate::report::Doc;
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
    after_help = "Examples:\n  tana codebook > codebook.md\n  tana codebook --format csv > codebook.csv\n  tana codebook --format qdc -o codebook.qdc\n  tana codebook -o codebook.docx\n  tana codebook --where role=manager --format html > codebook.html"
)]
pub struct CodebookArgs {
    #[arg(long, value_enum, default_value = "md")]
    pub format: CodebookFormat,
    /// Write to this file instead of standard output (whole or not at all); its extension
    /// (.html, .docx, .xlsx, .qdc, .csv, .json) sets the format unless --format is given
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it exists
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Count codings and participants in these transcripts only
    #[command(flatten)]
    pub filter: WhereArgs,
}

/// The codebook's formats: the table formats, and REFI-QDA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CodebookFormat {
    Table,
    Csv,
    Json,
    Md,
    /// A self-contained HTML page
    Html,
    /// A Word document
    Docx,
    /// An Excel workbook
    Xlsx,
    /// REFI-QDA codebook (.qdc)
    Qdc,
}

pub fn run(ctx: &mut Ctx, args: &CodebookArgs) -> Result<()> {
    let coder = ctx.report_coder()?;
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    let only = match args.filter.transcripts(conn, &[])? {
        Some(names) => Some(crate::analysis::filter::ids_of(conn, &names)?),
        None => None,
    };
    let total = match &only {
        Some(o) => o.len(),
        None => conn.query_row("SELECT count(*) FROM transcript", [], |r| {
            r.get::<_, i64>(0)
        })? as usize,
    };
    let format = match (&args.output, args.format) {
        (Some(p), CodebookFormat::Md) => match p.extension().and_then(|e| e.to_str()) {
            Some("qdc") => CodebookFormat::Qdc,
            _ => match Format::from_path(p) {
                Some(Format::Table) => CodebookFormat::Table,
                Some(Format::Csv) => CodebookFormat::Csv,
                Some(Format::Json) => CodebookFormat::Json,
                Some(Format::Html) => CodebookFormat::Html,
                Some(Format::Docx) => CodebookFormat::Docx,
                Some(Format::Xlsx) => CodebookFormat::Xlsx,
                _ => CodebookFormat::Md,
            },
        },
        (_, f) => f,
    };
    if args.output.is_none()
        && matches!(format, CodebookFormat::Docx | CodebookFormat::Xlsx)
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        return Err(crate::error::Error::usage(
            "a Word or Excel codebook is a file, not text for the terminal",
        )
        .with_hint("add -o codebook.docx (or .xlsx), or redirect: > codebook.docx"));
    }
    let mut bytes = Vec::new();
    match format {
        CodebookFormat::Qdc => crate::refi::codebook::write_qdc(conn, &mut bytes)?,
        CodebookFormat::Md => {
            let text = codebook_markdown(conn, &template, total, coder, only.as_ref())?;
            bytes.extend_from_slice(text.as_bytes());
        }
        CodebookFormat::Html | CodebookFormat::Docx => {
            let mut doc = Doc::new("Codebook");
            doc.subtitle = Some(crate::report::sections::codebook_note(&template, total));
            doc.table(crate::report::sections::codebook(
                conn,
                &template,
                coder,
                only.as_ref(),
                total,
            )?);
            let f = if format == CodebookFormat::Html {
                Format::Html
            } else {
                Format::Docx
            };
            crate::report::write(&doc, &mut bytes, f)?;
        }
        f => {
            let f = match f {
                CodebookFormat::Table => Format::Table,
                CodebookFormat::Csv => Format::Csv,
                CodebookFormat::Xlsx => Format::Xlsx,
                _ => Format::Json,
            };
            let table =
                codebook_table(conn, &template, coder, only.as_ref())?.with_caption("Codebook");
            table.write(&mut bytes, f)?;
        }
    }

    match &args.output {
        Some(path) if path.is_file() && !args.force => Err(crate::error::Error::user(format!(
            "{} already exists",
            path.display()
        ))
        .with_hint("add --force to replace it, or choose another name")),
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
