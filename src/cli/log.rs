//! `tana log` and `tana undo`: the change log, and walking it back.

use serde_json::Value;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::journal::{self, Kind};
use crate::output::{Format, Table};
use crate::project::coder_id;

/// List every change made to the project, newest first
///
/// One change per command that changed something: codings (code, uncode, code --from, sheet
/// apply, autocode, review), template revisions, imports, attributes, memos, the journal,
/// settings and versions. Each row says what changed, who, when, and how many rows; "tana undo
/// N" reverts change N.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana log\n  tana log --kind coding -n 20\n  tana --coder bea log\n  tana log --format csv > changes.csv"
)]
pub struct LogArgs {
    /// Only changes of this kind
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Show at most N changes (the newest)
    #[arg(short = 'n', long, value_name = "N")]
    pub limit: Option<usize>,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// Template revisions
    Template,
    /// Codings
    Coding,
    /// Transcripts, attributes, memos, the journal, settings, versions
    Project,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Template => Kind::Template,
            KindArg::Coding => Kind::Coding,
            KindArg::Project => Kind::Project,
        }
    }
}

pub fn run_log(ctx: &mut Ctx, args: &LogArgs) -> Result<()> {
    let coder = ctx.flag_coder()?;
    let conn = ctx.conn()?;
    let changes = journal::list(
        conn,
        args.kind.map(Kind::from),
        coder,
        args.limit.unwrap_or(usize::MAX),
    )?;
    let mut t = Table::new([
        "change",
        "date",
        "coder",
        "kind",
        "what",
        "rows",
        "undone by",
    ]);
    for c in &changes {
        let mut what = c.summary.clone();
        if let Some(r) = c.rationale.as_deref().filter(|_| c.kind == Kind::Template) {
            what.push_str(&format!(" — {r}"));
        }
        t.push(vec![
            c.id.into(),
            c.created_at.clone().into(),
            c.coder.clone().into(),
            c.kind.as_str().into(),
            what.into(),
            c.counts().into(),
            c.undone_by.map(Value::from).unwrap_or(Value::Null),
        ]);
    }
    if changes.is_empty() && args.format == Format::Table {
        ctx.info("no changes yet");
        return Ok(());
    }
    t.write(ctx.out(), args.format)
}

/// Undo the last change, or change N, exactly
///
/// Puts back every row the change inserted, changed or removed: codings, themes, memos,
/// transcripts, attributes. Change N can be undone when no later change touched the same rows
/// or depends on what it made; otherwise tana names the change in the way. The undo is itself
/// a change in the log, and what it removes stays in the log's archive.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana undo\n  tana undo 12\n  tana log")]
pub struct UndoArgs {
    /// The change to undo (default: the last one not undone yet)
    pub change: Option<i64>,
    /// Why (kept in the log)
    #[arg(long)]
    pub why: Option<String>,
}

pub fn run_undo(ctx: &mut Ctx, args: &UndoArgs) -> Result<()> {
    if args.change.is_some_and(|c| c < 1) {
        return Err(Error::usage("a change number is 1 or more")
            .with_hint("\"tana log\" lists the changes"));
    }
    let name = ctx.coder_name();
    let w = ctx.write()?;
    let coder = coder_id(&w, &name)?;
    let done = journal::undo(&w, args.change, None, coder, args.why.clone())?;
    w.commit()?;
    ctx.info(format!(
        "undid change {} ({}): {} row change(s) put back",
        done.target, done.what, done.rows
    ));
    ctx.info(format!("logged as change {}", done.id));
    Ok(())
}

/// Redo the change the last undo reverted
///
/// Works right after "tana undo" (several undos are redone one by one, newest first). The
/// redo is a change in the log like any other, so "tana undo" reverts it again.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana undo\n  tana redo")]
pub struct RedoArgs {}

pub fn run_redo(ctx: &mut Ctx, _args: &RedoArgs) -> Result<()> {
    let name = ctx.coder_name();
    let w = ctx.write()?;
    let coder = coder_id(&w, &name)?;
    let done = journal::redo(&w, coder)?;
    w.commit()?;
    ctx.info(format!(
        "redid change {} ({}): {} row change(s) made again",
        done.target, done.what, done.rows
    ));
    ctx.info(format!("logged as change {}", done.id));
    Ok(())
}
