//! `tana sheet`: code a transcript in your own editor.

use std::path::PathBuf;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::project::coder_id;
use crate::sheet;

/// Write a coding sheet for a transcript, or apply an edited one
///
/// The sheet is Markdown: the theme legend, then every segment with its text and a `codes:`
/// line. Edit the `codes:` lines (add or remove themes, code part of a segment with
/// THEME "exact words") and add `memo:` lines, then run "tana sheet apply FILE": tana shows what
/// it adds and removes and applies it in one transaction. Themes are matched by their {#id}
/// tags, so a sheet made before a template revision still applies.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Examples:\n  tana sheet P03 -o P03.sheet.md\n  $EDITOR P03.sheet.md\n  tana sheet apply P03.sheet.md\n  tana sheet apply P03.sheet.md --new-themes --dry-run"
)]
pub struct SheetArgs {
    #[command(subcommand)]
    pub command: Option<SheetCommand>,
    /// The transcript
    pub transcript: Option<String>,
    /// Write the sheet to this file (default: stdout)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the file if it exists
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum SheetCommand {
    Apply(ApplyArgs),
}

/// Apply an edited coding sheet to the project
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana sheet apply P03.sheet.md\n  tana sheet apply P03.sheet.md --dry-run"
)]
pub struct ApplyArgs {
    pub file: PathBuf,
    /// Create themes the sheet names that do not exist yet
    #[arg(long)]
    pub new_themes: bool,
    /// Show what would change, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(ctx: &mut Ctx, args: &SheetArgs) -> Result<()> {
    let me = ctx.coder_name();
    // Blind coding: a coder's sheet shows, and applies to, their own codings only.
    let blind = !ctx.global.all_coders && ctx.blind()?;
    if blind {
        ctx.info(format!(
            "blind coding is on: the sheet holds only {me}'s codings (--all-coders shows everyone's)"
        ));
    }
    match &args.command {
        Some(SheetCommand::Apply(a)) => {
            // The sheet is read line by line as it is applied, never whole.
            let file = std::fs::File::open(&a.file).map_err(|e| Error::io(&a.file, e))?;
            let mut file = std::io::BufReader::with_capacity(1 << 16, file);
            let w = ctx.write()?;
            let me_id = coder_id(&w, &me)?;
            let report = sheet::apply(&w, &mut file, &a.file, me_id, &me, a.new_themes, blind)
                .map_err(|e| match e {
                    Error::User { message, hint } => Error::User {
                        message: format!("{}: {message}", a.file.display()),
                        hint,
                    },
                    other => other,
                })?;
            let changes = report.added.len() + report.removed.len() + report.memos.len();
            if a.dry_run {
                drop(w);
            } else {
                w.commit()?;
            }
            for t in &report.created_themes {
                ctx.info(format!("+ theme {t}"));
            }
            for r in &report.removed {
                ctx.info(format!("- {r}"));
            }
            for r in &report.added {
                ctx.info(format!("+ {r}"));
            }
            for m in &report.memos {
                ctx.info(format!("+ memo {m}"));
            }
            ctx.info(if changes == 0 {
                format!(
                    "{}: the sheet matches the project; nothing to change",
                    report.transcript
                )
            } else {
                format!(
                    "{}: {} coding(s) added, {} removed, {} memo(s) added{}",
                    report.transcript,
                    report.added.len(),
                    report.removed.len(),
                    report.memos.len(),
                    if a.dry_run {
                        " (dry run: nothing was changed)"
                    } else {
                        ""
                    }
                )
            });
            Ok(())
        }
        None => {
            let Some(name) = &args.transcript else {
                return Err(
                    Error::usage("name the transcript").with_hint("tana sheet P03 -o P03.sheet.md")
                );
            };
            match &args.output {
                None => {
                    // Written a segment at a time: the sheet is never held whole.
                    let (conn, out) = ctx.conn_and_out()?;
                    sheet::write(conn, name, &me, blind, out)?;
                }
                Some(path) => {
                    if path.exists() && !args.force {
                        return Err(Error::user(format!("{} exists", path.display()))
                            .with_hint("add --force to overwrite it, or apply it first with \"tana sheet apply\""));
                    }
                    let conn = &*ctx.conn()?;
                    crate::output::write_atomically(path, |w| {
                        sheet::write(conn, name, &me, blind, w)
                    })?;
                    ctx.info(format!(
                        "wrote the coding sheet of {name} to {}",
                        path.display()
                    ));
                }
            }
            Ok(())
        }
    }
}
