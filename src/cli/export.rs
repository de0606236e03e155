//! `tana export`: the whole project in an exchange format.

use std::path::PathBuf;

use crate::cli::Ctx;
use crate::error::Result;
use crate::output::{count, write_atomically};

/// Export the whole project as a REFI-QDA project (.qdpx)
///
/// The .qdpx opens in NVivo, ATLAS.ti, MAXQDA and QualCoder, and imports back into tana
/// with `tana import FILE.qdpx`. It holds project.qde and sources/<guid>.txt (UTF-8, no BOM):
/// coders as Users, the template as the CodeBook (with stable guids), participant
/// attributes as each TextSource's values and as Cases, transcripts as TextSources with one
/// selection per coding (its coder and time; code-point positions, end exclusive), and
/// memos as Notes and in the Descriptions where QualCoder reads them. Segment memos are
/// notes holding the segment's span; journal entries are notes; the template's revision
/// history and saved versions travel in one more note that tana reads back.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana export qdpx -o study.qdpx")]
pub struct ExportArgs {
    /// The format
    #[arg(value_enum)]
    pub format: ExportFormat,
    /// The file to write (whole or not at all)
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// REFI-QDA project (.qdpx)
    Qdpx,
}

pub fn run(ctx: &mut Ctx, args: &ExportArgs) -> Result<()> {
    ctx.conn()?;
    let name = ctx
        .project_path()
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tana project".to_string());
    let mut progress = ctx.progress("exporting", 0);
    let conn = ctx.conn()?;
    let mut done = None;
    write_atomically(&args.output, |w| {
        done = Some(crate::refi::export::write_qdpx(
            conn,
            &name,
            w,
            &mut progress,
        )?);
        Ok(())
    })?;
    drop(progress);
    let d = done.expect("set by the writer");
    ctx.info(format!(
        "wrote {}: {}, {}, {} in {}, {}, {}, {}",
        args.output.display(),
        count(d.transcripts, "transcript", "transcripts"),
        count(d.themes, "theme", "themes"),
        count(d.codings, "coding", "codings"),
        count(d.selections, "selection", "selections"),
        count(d.coders, "coder", "coders"),
        count(d.cases, "case", "cases"),
        count(d.notes, "note", "notes")
    ));
    Ok(())
}
