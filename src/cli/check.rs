//! `tana check`: is the project file sound?

use rusqlite::{Connection, OpenFlags};

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::output::{Format, Table};
use crate::project::{self, check};

/// Check the project file for damage and broken invariants
///
/// Runs SQLite's integrity and foreign-key checks, the search index's own check, and tana's
/// invariants: every transcript's stored length, segments in order inside their text,
/// codings inside their text and on live themes, no overlapping codings of one theme, and a
/// consistent change log. Each problem comes with what to do. Exits 1 when anything is wrong.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana check\n  tana --project copy.tana check --format json\n  tana check --rebuild-search"
)]
pub struct CheckArgs {
    /// Rebuild the search index from the transcripts (when the search index check fails)
    #[arg(long)]
    pub rebuild_search: bool,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

pub fn run(ctx: &mut Ctx, args: &CheckArgs) -> Result<()> {
    let path = ctx.find_project()?;
    if args.rebuild_search {
        let w = ctx.write()?;
        check::rebuild_search(&w)?;
        w.commit_always()?;
        ctx.info("the search index will be rebuilt by the next search");
        return Ok(());
    }
    // Open the file as it is, without migrating it: a damaged file is what this is for.
    if !path.is_file() {
        return Err(Error::user(format!("no project at {}", path.display())));
    }
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| project::classify(&path, e))?;
    conn.busy_timeout(ctx.wait()?)?;
    let findings = match project::is_tana(&conn) {
        Ok(true) => check::check(&conn)?,
        Ok(false) => {
            return Err(Error::user(format!(
                "{} is not a tana project",
                path.display()
            )))
        }
        Err(e) => vec![check::Finding {
            check: "SQLite integrity",
            result: format!("the file cannot be read: {e}"),
            fix: "the file is damaged: restore your last backup (tana backup makes them)".into(),
            problems: 1,
        }],
    };
    let problems: usize = findings.iter().map(|f| f.problems).sum();
    let mut t = Table::new(["check", "result", "what to do"]);
    for f in &findings {
        t.push(vec![
            f.check.into(),
            f.result.clone().into(),
            f.fix.clone().into(),
        ]);
    }
    t.write(ctx.out(), args.format)?;
    if problems > 0 {
        return Err(Error::user(format!(
            "{} has {problems} problem(s)",
            path.display()
        ))
        .with_hint("see \"what to do\" above; keep a copy of the file as it is before you change anything"));
    }
    ctx.info(format!("{}: every check passed", path.display()));
    Ok(())
}
