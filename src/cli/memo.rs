//! `tana memo` and `tana journal`: analytic memos and the reflexive journal.

use crate::cli::Ctx;
use crate::error::Result;
use crate::journal::Kind;
use crate::memo::{self, Filter, Target};
use crate::output::{Format, Table};
use crate::template::Template;

#[derive(Debug, clap::Subcommand)]
pub enum MemoCommand {
    Add(MemoAddArgs),
    List(MemoListArgs),
}

/// Write a memo on a transcript, a segment, a theme or a coding
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana memo add P03 \"Hesitant throughout; new in the role\"\n  tana memo add P03:12 \"First mention of the tender questionnaire\"\n  tana memo add theme:1.2 \"Overlaps with 4.2 in managers' talk\"\n  tana memo add coding:57 \"Borderline: could be 2.1\""
)]
pub struct MemoAddArgs {
    /// P03 (a transcript), P03:12 (a segment), theme:THEME or coding:ID
    pub target: String,
    /// The memo
    pub text: String,
}

/// List memos, all or those on one transcript, segment, theme or coding
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana memo list\n  tana memo list --on P03\n  tana memo list --on theme:1.2 --format md"
)]
pub struct MemoListArgs {
    /// P03, P03:12, theme:THEME or coding:ID
    #[arg(long, value_name = "TARGET")]
    pub on: Option<String>,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

/// The dated reflexive journal: list entries, or add one
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Examples:\n  tana journal add \"Noticed I code managers more generously\" --tag bias --tag coding\n  tana journal\n  tana journal --tag bias --format md"
)]
pub struct JournalArgs {
    #[command(subcommand)]
    pub command: Option<JournalCommand>,
    /// Only entries with this tag
    #[arg(long)]
    pub tag: Option<String>,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

#[derive(Debug, clap::Subcommand)]
pub enum JournalCommand {
    Add(JournalAddArgs),
}

/// Add a dated entry to the reflexive journal
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana journal add \"After P05 I doubt the awareness/design split\" --tag template"
)]
pub struct JournalAddArgs {
    pub text: String,
    /// A tag (repeatable, or comma-separated)
    #[arg(long)]
    pub tag: Vec<String>,
}

pub fn run_memo(ctx: &mut Ctx, cmd: &MemoCommand) -> Result<()> {
    match cmd {
        MemoCommand::Add(a) => {
            let target = Target::parse(&a.target)?;
            let (id, _) = ctx.change("memo", Kind::Project, |conn, coder| {
                let id = memo::add(conn, &target, &a.text, coder)?;
                Ok((id, format!("memo {id} on {}", a.target.trim())))
            })?;
            ctx.info(format!("memo {id} added on {}", a.target.trim()));
            Ok(())
        }
        MemoCommand::List(a) => {
            let coder = ctx.report_coder()?;
            let conn = ctx.conn()?;
            let template = Template::load(conn)?;
            let filter = match (&a.on, coder) {
                (Some(on), _) => Filter::On(Target::parse(on)?),
                (None, Some(c)) => Filter::Coder(c),
                (None, None) => Filter::All,
            };
            let memos = memo::list(conn, &template, &filter)?;
            let mut t = Table::new(["memo", "on", "date", "coder", "text"]);
            for m in &memos {
                t.push(vec![
                    m.id.into(),
                    m.on.clone().into(),
                    m.created_at.clone().into(),
                    m.coder.clone().into(),
                    m.text.clone().into(),
                ]);
            }
            if memos.is_empty() && a.format == Format::Table {
                ctx.info("no memos");
                return Ok(());
            }
            t.write(ctx.out(), a.format)
        }
    }
}

pub fn run_journal(ctx: &mut Ctx, args: &JournalArgs) -> Result<()> {
    match &args.command {
        Some(JournalCommand::Add(a)) => {
            let (id, _) = ctx.change("journal", Kind::Project, |conn, coder| {
                let id = memo::journal_add(conn, &a.text, &a.tag, coder)?;
                Ok((id, format!("journal entry {id}")))
            })?;
            ctx.info(format!("journal entry {id} added"));
            Ok(())
        }
        None => {
            let coder = ctx.report_coder()?;
            let mut entries = memo::journal(ctx.conn()?, args.tag.as_deref())?;
            if let Some(c) = coder {
                let name: String =
                    ctx.conn()?
                        .query_row("SELECT name FROM coder WHERE id = ?1", [c], |r| r.get(0))?;
                entries.retain(|e| e.coder == name);
            }
            if entries.is_empty() && args.format == Format::Table {
                ctx.info("the journal is empty");
                return Ok(());
            }
            let mut t = Table::new(["entry", "date", "coder", "tags", "text"]);
            for e in &entries {
                t.push(vec![
                    e.id.into(),
                    e.created_at.clone().into(),
                    e.coder.clone().into(),
                    e.tags.clone().into(),
                    e.text.clone().into(),
                ]);
            }
            t.write(ctx.out(), args.format)
        }
    }
}
