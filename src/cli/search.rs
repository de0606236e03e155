//! `tana search`: full-text search over segments (or memos), as keyword-in-context lines.

use serde_json::Value;

use crate::cli::{split_list, Ctx};
use crate::error::Result;
use crate::output::{Format, Table};
use crate::search::{search, search_notes, sync, SearchOptions};
use crate::template::Template;

/// Search the transcripts (or memos and the journal) for words, phrases and patterns
///
/// The query is SQLite FTS5 syntax: words, "exact phrases", prefix*, NEAR(a b, 5), AND, OR, NOT
/// and parentheses. Matching ignores case and accents. --regex scans the text with a regular
/// expression instead. Each hit is shown in context with the themes already on its segment.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana search \"sustainab* AND target\"\n  tana search '\"net zero\"' --speaker P3 --context 12\n  tana search 'NEAR(customer audit, 10)' --uncoded\n  tana search training --theme 1 --format csv\n  tana search --regex '(?i)\\b\\d+ ?%' --transcripts P01,P02\n  tana search reflexive --in memos"
)]
pub struct SearchArgs {
    /// The search (FTS5 syntax, or a regex with --regex)
    pub query: String,
    /// Treat the query as a regular expression
    #[arg(long)]
    pub regex: bool,
    /// Search memos and journal entries instead of transcripts
    #[arg(long = "in", value_enum, default_value = "transcripts")]
    pub within: Within,
    #[command(flatten)]
    pub filters: Filters,
    /// Only segments coded with this theme (or its sub-themes)
    #[arg(long)]
    pub theme: Option<String>,
    /// Only segments not coded with this theme (or its sub-themes)
    #[arg(long, value_name = "THEME")]
    pub not_theme: Option<String>,
    /// Words of context either side of the hit
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub context: usize,
    /// Show at most this many hits
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
    /// Skip this many hits (for the next page)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub offset: usize,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

/// Which segments a search (or an autocode) looks at.
#[derive(Debug, Clone, clap::Args)]
pub struct Filters {
    /// Only turns of this speaker
    #[arg(long)]
    pub speaker: Option<String>,
    /// Only these transcripts (comma-separated or repeated)
    #[arg(long, value_name = "NAMES")]
    pub transcripts: Vec<String>,
    /// Only segments with no coding at all
    #[arg(long)]
    pub uncoded: bool,
}

impl Filters {
    /// Search options with these filters and nothing else set.
    pub fn options(&self) -> SearchOptions {
        SearchOptions {
            speaker: self.speaker.clone(),
            transcripts: split_list(&self.transcripts),
            uncoded: self.uncoded,
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Within {
    Transcripts,
    Memos,
}

pub fn run(ctx: &mut Ctx, args: &SearchArgs) -> Result<()> {
    let coder = ctx.report_coder()?;
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    if args.within == Within::Memos {
        let hits = search_notes(conn, &template, &args.query)?;
        let mut t = Table::new(["kind", "on", "date", "coder", "text"]);
        for h in &hits {
            t.push(vec![
                h.kind.clone().into(),
                h.on.clone().into(),
                h.date.clone().into(),
                h.coder.clone().into(),
                h.text.clone().into(),
            ]);
        }
        return t.write(ctx.out(), args.format);
    }
    // Bring the index up to date first (new or re-imported transcripts). Only then is a
    // write lock needed: a search of an indexed project only reads.
    if crate::search::pending(conn)? {
        let w = ctx.write()?;
        let indexed = sync(&w)?;
        w.commit_always()?;
        if indexed > 1000 {
            ctx.info(format!("indexed {indexed} new segments for search"));
        }
    }
    let conn = ctx.conn()?;
    let opts = SearchOptions {
        regex: args.regex,
        theme: args.theme.clone(),
        not_theme: args.not_theme.clone(),
        coder,
        context: args.context,
        limit: args.limit,
        offset: args.offset,
        ..args.filters.options()
    };
    let results = search(conn, &template, &args.query, &opts)?;
    let shown = results.hits.len();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *ctx.out(), &results)?;
            writeln!(ctx.out())?;
        }
        f => {
            let mut t = Table::new(["transcript", "segment", "speaker", "in context", "themes"]);
            if f == Format::Csv {
                t = Table::new([
                    "transcript",
                    "segment",
                    "speaker",
                    "start",
                    "end",
                    "left",
                    "hit",
                    "right",
                    "themes",
                    "more",
                ]);
            }
            for h in &results.hits {
                let speaker = h.speaker.clone().map(Value::String).unwrap_or(Value::Null);
                let themes = Value::String(h.themes.join(" "));
                if f == Format::Csv {
                    t.push(vec![
                        h.transcript.clone().into(),
                        h.segment.into(),
                        speaker,
                        h.start.into(),
                        h.end.into(),
                        h.left.clone().into(),
                        h.hit.clone().into(),
                        h.right.clone().into(),
                        themes,
                        h.more.into(),
                    ]);
                } else {
                    let hit = if f == Format::Md {
                        format!("**{}**", h.hit)
                    } else {
                        format!("[{}]", h.hit)
                    };
                    t.push(vec![
                        h.transcript.clone().into(),
                        h.segment.into(),
                        speaker,
                        if h.more > 0 {
                            format!("{}{hit}{} (+{} more)", h.left, h.right, h.more)
                        } else {
                            format!("{}{hit}{}", h.left, h.right)
                        }
                        .into(),
                        themes,
                    ]);
                }
            }
            if results.total == 0 {
                ctx.info("no matches");
                return Ok(());
            }
            t.write(ctx.out(), f)?;
        }
    }
    let first = if shown == 0 { 0 } else { args.offset + 1 };
    ctx.info(format!(
        "{} segment(s) match; showing {first}-{}{}",
        results.total,
        args.offset + shown,
        if args.offset + shown < results.total {
            format!(" (next page: --offset {})", args.offset + shown)
        } else {
            String::new()
        }
    ));
    Ok(())
}
