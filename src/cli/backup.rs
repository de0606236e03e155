//! `tana backup`: a consistent, verified copy of the project, made while others work.

use std::path::PathBuf;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::project::check;

/// Copy the project to FILE safely, even while others are coding
///
/// Copying a .tana file with cp while tana writes to it can give a damaged copy, and the
/// latest work may still sit in the -wal file beside it. "tana backup" takes one consistent
/// snapshot with SQLite's backup API, writes it as one self-contained file, checks it, and
/// only then puts it at FILE. Restore by using the copy as the project.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana backup backups/study-2026-03-01.tana\n  tana backup study-copy.tana --force\n  tana --project study-copy.tana check"
)]
pub struct BackupArgs {
    /// Where to write the copy
    pub file: PathBuf,
    /// Overwrite FILE if it exists
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &mut Ctx, args: &BackupArgs) -> Result<()> {
    if args.file.exists() && !args.force {
        return Err(Error::user(format!("{} exists", args.file.display()))
            .with_hint("choose another name, or add --force to replace it"));
    }
    let source = ctx.find_project()?;
    if same_file(&source, &args.file) {
        return Err(
            Error::usage("the backup would overwrite the project itself")
                .with_hint("name another file"),
        );
    }
    let conn = ctx.conn()?;
    let r = check::backup(conn, &args.file)?;
    ctx.info(format!(
        "backed up {} to {}: {} transcript(s), {} theme(s), {} coding(s), {} change(s) in the log; {:.1} MB, verified",
        source.display(),
        args.file.display(),
        r.transcripts,
        r.themes,
        r.codings,
        r.changes,
        r.bytes as f64 / 1e6
    ));
    Ok(())
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
