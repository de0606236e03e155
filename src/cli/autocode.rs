//! `tana autocode`: code the obvious cases from a search, after a preview, as one batch.

use serde_json::Value;

use rusqlite::OptionalExtension;

use crate::autocode::{self, Scope};
use crate::cli::search::Filters;
use crate::cli::Ctx;
use crate::coding::shorten;
use crate::error::{Error, Result};
use crate::journal::{self, Kind, LogEntry};
use crate::output::{Format, Table};
use crate::project::coder_id;
use crate::search::{sync, SearchOptions};
use crate::template::Template;

/// Code every segment (or sentence) a search finds with a theme, after a preview
///
/// Without --apply it only shows what it would code. Applied codings form one batch, marked
/// as autocoded (reports can leave them out with --no-autocoded); "tana autocode undo BATCH"
/// removes them again. Passages already coded with the theme are left alone.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Examples:\n  tana autocode \"Tools and data\" --search 'calculator* OR dashboard*'\n  tana autocode 4.4 --search 'calculator*' --scope sentence --apply\n  tana autocode list\n  tana autocode undo 3"
)]
pub struct AutocodeArgs {
    #[command(subcommand)]
    pub command: Option<AutocodeCommand>,
    /// The theme to code with
    pub theme: Option<String>,
    /// The search (FTS5 syntax, or a regex with --regex)
    #[arg(long, value_name = "QUERY")]
    pub search: Option<String>,
    /// Treat the search as a regular expression
    #[arg(long)]
    pub regex: bool,
    /// Code whole segments, or only the sentences with a hit
    #[arg(long, value_enum, default_value = "segment")]
    pub scope: Scope,
    #[command(flatten)]
    pub filters: Filters,
    /// Code them (without it, tana only previews)
    #[arg(long)]
    pub apply: bool,
    /// How many candidates to preview
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub preview: usize,
}

#[derive(Debug, clap::Subcommand)]
pub enum AutocodeCommand {
    List(ListArgs),
    Undo(UndoArgs),
}

/// List autocode batches
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana autocode list")]
pub struct ListArgs {
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

/// Remove the codings an autocode batch made
///
/// The same as "tana undo N" for the change that applied the batch: it is refused while later
/// work depends on the batch's codings, and names that work. (A batch applied by a tana older
/// than the change log loses the codings not joined with manual coding since; they are
/// archived.)
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana autocode undo 3")]
pub struct UndoArgs {
    pub batch: i64,
}

pub fn run(ctx: &mut Ctx, args: &AutocodeArgs) -> Result<()> {
    match &args.command {
        Some(AutocodeCommand::List(a)) => {
            let conn = ctx.conn()?;
            let template = Template::load(conn)?;
            let batches = autocode::list(conn, &template)?;
            let mut t = Table::new([
                "batch",
                "theme",
                "search",
                "scope",
                "codings",
                "remaining",
                "coder",
                "date",
                "undone",
            ]);
            for b in &batches {
                t.push(vec![
                    b.id.into(),
                    b.theme.clone().into(),
                    b.query.clone().into(),
                    b.scope.clone().into(),
                    b.codings.into(),
                    b.remaining.into(),
                    b.coder.clone().into(),
                    b.created_at.clone().into(),
                    b.undone_at
                        .clone()
                        .map(Value::String)
                        .unwrap_or(Value::Null),
                ]);
            }
            if batches.is_empty() && a.format == Format::Table {
                ctx.info("no autocode batches");
                return Ok(());
            }
            t.write(ctx.out(), a.format)
        }
        Some(AutocodeCommand::Undo(a)) => {
            let coder = ctx.coder_name();
            let w = ctx.write()?;
            let c = coder_id(&w, &coder)?;
            let (removed, kept) = autocode::undo(&w, a.batch, c)?;
            w.commit()?;
            ctx.info(format!(
                "removed {removed} coding(s) of autocode batch {}",
                a.batch
            ));
            if kept > 0 {
                ctx.info(format!("{kept} coding(s) of the batch were joined with manual coding since and are kept"));
            }
            Ok(())
        }
        None => code(ctx, args),
    }
}

fn code(ctx: &mut Ctx, args: &AutocodeArgs) -> Result<()> {
    let (Some(theme_ref), Some(query)) = (&args.theme, &args.search) else {
        return Err(Error::usage("name a theme and --search QUERY"));
    };
    let coder = ctx.coder_name();
    let quiet = ctx.global.quiet;
    let w = ctx.write()?;
    let tx = &*w;
    sync(tx)?;
    let template = Template::load(tx)?;
    let theme = template.resolve(theme_ref)?.clone();
    let opts = SearchOptions {
        regex: args.regex,
        limit: usize::MAX,
        ..args.filters.options()
    };
    let me: Option<i64> = tx
        .query_row("SELECT id FROM coder WHERE name = ?1", [&coder], |r| {
            r.get(0)
        })
        .optional()?;
    let candidates = autocode::preview(tx, &template, theme.id, query, &opts, args.scope, me)?;
    let fresh = candidates.iter().filter(|c| !c.already).count();
    let transcripts: std::collections::BTreeSet<&str> = candidates
        .iter()
        .filter(|c| !c.already)
        .map(|c| c.transcript.as_str())
        .collect();
    if !args.apply {
        // The preview changed nothing but the search index, which is kept.
        w.commit_always()?;
        let mut t = Table::new([
            "transcript",
            "segment",
            "start",
            "end",
            "text",
            "already coded",
        ]);
        for c in candidates.iter().take(args.preview) {
            t.push(vec![
                c.transcript.clone().into(),
                c.segment.into(),
                c.start.into(),
                c.end.into(),
                shorten(&c.text, 80).into(),
                if c.already { "yes" } else { "" }.into(),
            ]);
        }
        if !candidates.is_empty() {
            t.write(ctx.out(), Format::Table)?;
        }
        if !quiet {
            eprintln!(
                "would code {fresh} {}(s) in {} transcript(s) with {} ({} already coded with it); nothing was coded",
                args.scope_word(),
                transcripts.len(),
                crate::text::escape_name(&theme.label()),
                candidates.len() - fresh
            );
            if fresh > 0 {
                eprintln!("add --apply to code them as one batch (undo with \"tana autocode undo BATCH\")");
            }
        }
        return Ok(());
    }
    let c = coder_id(tx, &coder)?;
    let ((batch, made), _) = journal::record(tx, c, |_| {
        let (batch, made) =
            autocode::apply(tx, theme.id, query, args.regex, args.scope, &candidates, c)?;
        let summary = format!(
            "autocode {} --search {query} (batch {batch}): {made} {}(s) coded",
            theme.label(),
            args.scope_word()
        );
        Ok((
            (batch, made),
            LogEntry::new("autocode", Kind::Coding, summary),
        ))
    })?;
    w.commit()?;
    ctx.info(format!(
        "coded {made} {}(s) in {} transcript(s) with {} as autocode batch {batch}",
        args.scope_word(),
        transcripts.len(),
        theme.label()
    ));
    Ok(())
}

impl AutocodeArgs {
    fn scope_word(&self) -> &'static str {
        match self.scope {
            Scope::Segment => "segment",
            Scope::Sentence => "sentence",
        }
    }
}
