//! `tana report`: the study report as one HTML page, a Word document or Markdown tables.

use crate::cli::{Ctx, OutputArgs, WhereArgs};
use crate::error::{Error, Result};
use crate::output::Format;
use crate::report::study::{build, Options, Section};

/// Write the study report: template, theme tables and charts, quotes, codebook, audit trail
///
/// One self-contained HTML file (no script, nothing fetched; it prints on A4) or a Word
/// document, holding: the study summary; the numbered template with definitions; a heat map of
/// themes × participants; participants per theme by group as a bar chart (--by ATTR); the
/// co-occurrence heat map; quotes per theme, spread over participants; what became of each a
/// priori theme; a picture of how the template evolved from T0 to now; the codebook; and the
/// audit trail of versions, changes and rationale. Charts are SVG, drawn by tana; in Word
/// they are shaded tables of the same numbers.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana report -o study.html\n  tana report -o study.docx --by role\n  tana report --sections summary,template,heatmap -o brief.html\n  tana report --where site=Leeds --quotes-per-theme 2 -o leeds.html"
)]
pub struct ReportArgs {
    /// The sections to include, in the report's order (default: all)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SECTIONS")]
    pub sections: Vec<Section>,
    /// Compare the groups of this participant attribute (default: the one with the most values, up to 8)
    #[arg(long, value_name = "ATTR")]
    pub by: Option<String>,
    /// Extracts per theme, each from a different participant where possible
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub quotes_per_theme: usize,
    /// Theme levels in the charts (default: as deep as keeps them to about 40 themes)
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// The report's title (default: the project's name)
    #[arg(long)]
    pub title: Option<String>,
    #[command(flatten)]
    pub filter: WhereArgs,
    #[arg(long, default_value = "html", value_parser = Format::parser(&[Format::Html, Format::Docx, Format::Md]))]
    pub format: Format,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub fn run(ctx: &mut Ctx, args: &ReportArgs) -> Result<()> {
    let format = match (&args.out.output, args.format) {
        (Some(p), Format::Html) => match Format::from_path(p) {
            Some(f @ (Format::Docx | Format::Md)) => f,
            _ => Format::Html,
        },
        (_, f) => f,
    };
    if args.depth == Some(0) {
        return Err(Error::usage("--depth must be 1 or more"));
    }
    let coder = ctx.report_coder()?;
    ctx.conn()?;
    let project = ctx
        .project_path()
        .and_then(|p| p.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "the project".into());
    let mut progress = ctx.progress("report", 0);
    let conn = ctx.conn()?;
    let transcripts = args.filter.transcripts(conn, &[])?;
    if let Some(by) = &args.by {
        let known: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM attribute WHERE key = ?1)",
            [by],
            |r| r.get(0),
        )?;
        if !known {
            return Err(
                Error::user(format!("no transcript has the attribute \"{by}\""))
                    .with_hint("\"tana attr list\" shows the attributes"),
            );
        }
    }
    let stem = project
        .rsplit_once('.')
        .map(|(s, _)| s.to_string())
        .unwrap_or_else(|| project.clone());
    let opts = Options {
        title: args
            .title
            .clone()
            .unwrap_or_else(|| format!("{stem}: template analysis")),
        sections: if args.sections.is_empty() {
            Section::ALL.to_vec()
        } else {
            args.sections.clone()
        },
        by: args.by.clone(),
        quotes_per_theme: args.quotes_per_theme,
        depth: args.depth,
        transcripts,
        chosen: args.filter.describe()?,
        coder,
        project,
    };
    let doc = build(conn, &opts, &mut progress)?;
    if args.out.output.is_none() {
        // The report goes to the terminal: clear the bar first.
        drop(progress);
        return ctx.emit(&doc, format, &args.out);
    }
    let written = ctx.emit(&doc, format, &args.out);
    drop(progress);
    written
}
