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
///
/// With --for NAME the copy is a coder's copy: whoever codes in it codes as NAME (unless
/// they say --coder), and "tana merge FILE" later brings back what they did.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana backup backups/study-2026-03-01.tana\n  tana backup study-copy.tana --force\n  tana --project study-copy.tana check\n  tana backup --for bea bea.tana      # bea codes in bea.tana; later: tana merge bea.tana"
)]
pub struct BackupArgs {
    /// Where to write the copy
    pub file: PathBuf,
    /// Overwrite FILE if it exists
    #[arg(long)]
    pub force: bool,
    /// Make a coder's copy: work in it is NAME's by default, and "tana merge" brings it back
    #[arg(long, value_name = "NAME")]
    pub r#for: Option<String>,
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
    if let Some(name) = &args.r#for {
        crate::text::check_name("coder name", name.trim())?;
    }
    let blind = crate::project::setting(ctx.conn()?, "blind")?.is_some_and(|v| v == "on");
    let conn = ctx.conn()?;
    let r = check::backup_with(conn, &args.file, |copy| {
        let Some(name) = &args.r#for else {
            return Ok(());
        };
        let base: i64 =
            copy.query_row("SELECT ifnull(max(id), 0) FROM revision", [], |r| r.get(0))?;
        // Settings of the copy only: not a change to the project, so not in its log.
        for (k, v) in [
            ("copy_for", name.trim().to_string()),
            ("copy_base", base.to_string()),
            ("copy_made_at", crate::project::now()),
        ] {
            copy.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (k, v),
            )?;
        }
        Ok(())
    })?;
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
    if let Some(name) = &args.r#for {
        ctx.info(format!(
            "this is {}'s copy: work in it is {}'s unless --coder says otherwise; bring it back with \"tana merge {}\"",
            name.trim(),
            name.trim(),
            args.file.display()
        ));
        if !blind {
            ctx.info(
                "blind coding is off: the copy shows everyone's codings (\"tana config blind on\" before making copies hides them)",
            );
        }
    }
    Ok(())
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
