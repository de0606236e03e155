//! `tana review`: the list of what must be re-read or re-coded after template revisions.

use serde_json::Value;

use crate::cli::Ctx;
use crate::coding::shorten;
use crate::error::Result;
use crate::journal::Kind;
use crate::output::{Format, Table};
use crate::template::review;

/// List what must be re-read or re-coded after template revisions
///
/// Adding a theme or broadening one flags transcripts coded earlier for re-reading; narrowing
/// queues the theme's codings for confirmation; splitting queues them for assignment.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Examples:\n  tana review\n  tana review --transcript P03\n  tana review done P03 --theme 1.4\n  tana review assign P03:6 \"Tenders\"\n  tana review --all --format csv"
)]
pub struct ReviewArgs {
    #[command(subcommand)]
    pub command: Option<ReviewCommand>,
    /// Include closed entries
    #[arg(long)]
    pub all: bool,
    /// Only this transcript
    #[arg(long, value_name = "NAME")]
    pub transcript: Option<String>,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReviewCommand {
    Done(DoneArgs),
    Assign(AssignArgs),
}

/// Mark a transcript's re-reading (and confirmations) done, for all themes or one
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana review done P03\n  tana review done P03 --theme \"Peer learning\""
)]
pub struct DoneArgs {
    pub transcript: String,
    /// Only the entries about this theme
    #[arg(long)]
    pub theme: Option<String>,
}

/// Assign the codings of a split theme to the new themes
///
/// TARGET is an entry (#12), a segment (P03:6) or a whole transcript (P03). Give one theme to
/// move the coding there, or several to code the passage with each.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana review assign '#12' \"Tenders\"\n  tana review assign P03:6 \"Audits and questionnaires\"\n  tana review assign P05 \"Tenders\" \"Audits and questionnaires\""
)]
pub struct AssignArgs {
    pub target: String,
    #[arg(required = true)]
    pub themes: Vec<String>,
}

pub fn run(ctx: &mut Ctx, args: &ReviewArgs) -> Result<()> {
    match &args.command {
        None => {
            let entries = review::list(ctx.conn()?, args.all, args.transcript.as_deref())?;
            if entries.is_empty() && args.format == Format::Table {
                ctx.info(if args.all {
                    "the review list is empty"
                } else {
                    "nothing to review"
                });
                return Ok(());
            }
            // The table shows a short excerpt; csv and json carry the span and the full text.
            let full = args.format != Format::Table;
            let mut columns = vec![
                "entry",
                "transcript",
                "segment",
                "theme",
                "text",
                "to do",
                "reason",
                "revision",
                "status",
            ];
            if full {
                columns.extend(["start", "end"]);
            }
            let mut t = Table::new(columns);
            for e in &entries {
                let text = e.text.as_deref().map(|x| {
                    if full {
                        x.to_string()
                    } else {
                        format!("\"{}\"", shorten(x, 40))
                    }
                });
                let mut row: Vec<Value> = vec![
                    format!("#{}", e.id).into(),
                    e.transcript.clone().into(),
                    e.segment.map(Value::from).unwrap_or(Value::Null),
                    e.theme.clone().map(Value::String).unwrap_or(Value::Null),
                    text.map(Value::String).unwrap_or(Value::Null),
                    match e.kind.as_str() {
                        "reread" => "re-read",
                        "confirm" => "confirm coding",
                        _ => "assign coding",
                    }
                    .into(),
                    e.reason.clone().into(),
                    format!("{} ({})", e.revision, e.op).into(),
                    if e.open {
                        "open".to_string()
                    } else {
                        e.resolution.clone().unwrap_or_else(|| "closed".into())
                    }
                    .into(),
                ];
                if full {
                    row.push(e.start.map(Value::from).unwrap_or(Value::Null));
                    row.push(e.end.map(Value::from).unwrap_or(Value::Null));
                }
                t.push(row);
            }
            t.write(ctx.out(), args.format)
        }
        Some(ReviewCommand::Done(a)) => {
            let ((closed, open), _) = ctx.change("review-done", Kind::Coding, |conn, c| {
                let r = review::done(conn, &a.transcript, a.theme.as_deref(), c)?;
                Ok((r, format!("review done {}", a.transcript)))
            })?;
            ctx.info(format!(
                "closed {closed} entr{} for {}",
                if closed == 1 { "y" } else { "ies" },
                a.transcript
            ));
            if open > 0 {
                ctx.info(format!(
                    "{open} still open (split codings to assign: tana review assign)"
                ));
            } else {
                ctx.info(format!(
                    "{} is fully reviewed against the current template",
                    a.transcript
                ));
            }
            Ok(())
        }
        Some(ReviewCommand::Assign(a)) => {
            let (messages, _) = ctx.change("review-assign", Kind::Coding, |conn, c| {
                let m = review::assign(conn, &a.target, &a.themes, c)?;
                Ok((
                    m,
                    format!("review assign {} to {}", a.target, a.themes.join(", ")),
                ))
            })?;
            for m in messages {
                ctx.info(m);
            }
            Ok(())
        }
    }
}
