//! `tana init`: create a project file.

use std::path::PathBuf;

use crate::cli::Ctx;
use crate::error::Result;
use crate::project;

/// Create a new project file
///
/// The project is one SQLite file holding transcripts, template, codings and history.
/// Copying the file is a backup.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana init study.tana\n  tana init ~/research/b2b-interviews.tana"
)]
pub struct InitArgs {
    /// Path of the new project file (conventionally *.tana)
    pub path: PathBuf,
}

pub fn run(ctx: &mut Ctx, args: &InitArgs) -> Result<()> {
    let conn = project::create(&args.path)?;
    drop(conn);
    ctx.info(format!("created project {}", args.path.display()));
    if args.path.extension().is_none_or(|e| e != "tana") {
        ctx.info("note: commands find a project automatically only if its name ends in .tana; otherwise pass --project");
    }
    Ok(())
}
