//! `tana code` and `tana uncode`: apply themes to segments, sentences, quotes and spans.

use std::path::PathBuf;

use crate::cli::Ctx;
use crate::coding::{self, batch, locate, shorten, Added, Doc, Locator, Stamp};
use crate::error::{Error, Result};
use crate::journal::{self, Kind, LogEntry};
use crate::project::coder_id;
use crate::template::{revise, NewTheme, Template};

/// Code a segment, sentence, quote or span with one or more themes
///
/// Address the text by segment number (12), range (12-14), sentence (12.3), --quote or
/// --span, then name the themes by number, path, unique name or #id. Overlapping codings of
/// one theme are joined.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana code P03 12 1.2\n  tana code P03 12-14 \"Awareness gap/Knowing the targets\" Trust\n  tana code P03 12.3 \"Concrete targets\"\n  tana code P03 --quote \"nobody could tell me the target\" 1.1.1 --memo \"typical\"\n  tana code P03 --span 1200:1290 #7\n  tana code --from codings.csv"
)]
pub struct CodeArgs {
    /// The transcript
    #[arg(required_unless_present = "from")]
    pub transcript: Option<String>,
    /// A segment locator (12, 12-14, 12.3) unless --quote or --span is given, then themes
    #[arg(value_name = "SEGMENT|THEME")]
    pub rest: Vec<String>,
    #[command(flatten)]
    pub at: Addressing,
    /// A memo on the coding (with --from: on rows that have no memo)
    #[arg(long)]
    pub memo: Option<String>,
    /// Create themes that do not exist yet (as emergent themes, parents included)
    #[arg(long)]
    pub create: bool,
    /// With --from: what to do with a quote that occurs more than once and has no occurrence
    #[arg(long, value_enum, value_name = "WHAT")]
    pub ambiguous: Option<batch::Ambiguous>,
    /// Code in batch from a CSV with columns transcript, theme, and segment, quote or span
    /// (optional: occurrence, memo, coder, ignore_case)
    #[arg(long, value_name = "CSV", conflicts_with_all = ["transcript", "quote", "span"])]
    pub from: Option<PathBuf>,
}

/// How the text is addressed besides segment numbers.
#[derive(Debug, Clone, clap::Args)]
pub struct Addressing {
    /// Code the text that matches this quote (whitespace runs match any whitespace)
    #[arg(long, conflicts_with = "span")]
    pub quote: Option<String>,
    /// With --quote: ignore case
    #[arg(long, short = 'i')]
    pub ignore_case: bool,
    /// With --quote: which match to use when the quote occurs more than once
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub occurrence: Option<u64>,
    /// Code the characters START:END (code points, end exclusive)
    #[arg(long, value_name = "START:END")]
    pub span: Option<String>,
}

/// Remove themes from a segment, sentence, quote or span
///
/// Codings inside the addressed text are removed; codings that reach beyond it are trimmed
/// to what remains. In a project several coders code, only your own codings are touched;
/// --all-coders touches everyone's.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana uncode P03 12 1.2\n  tana uncode P03 --quote \"the target\" Trust"
)]
pub struct UncodeArgs {
    /// The transcript
    pub transcript: String,
    /// A segment locator (12, 12-14, 12.3) unless --quote or --span is given, then themes
    #[arg(value_name = "SEGMENT|THEME", required = true)]
    pub rest: Vec<String>,
    #[command(flatten)]
    pub at: Addressing,
}

/// Split the positional arguments into a locator and theme references.
fn locator_and_themes(at: &Addressing, rest: &[String]) -> Result<(Locator, Vec<String>)> {
    let (loc, themes) = if let Some(q) = &at.quote {
        (
            Locator::Quote {
                text: q.clone(),
                ignore_case: at.ignore_case,
                occurrence: at.occurrence.map(|n| n as usize),
            },
            rest.to_vec(),
        )
    } else if let Some(s) = &at.span {
        (Locator::parse_span(s)?, rest.to_vec())
    } else {
        let Some((first, others)) = rest.split_first() else {
            return Err(
                Error::usage("name a segment (12, 12-14, 12.3), --quote or --span")
                    .with_hint("e.g. tana code P03 12 \"Awareness gap\""),
            );
        };
        if at.occurrence.is_some() || at.ignore_case {
            return Err(Error::usage(
                "--occurrence and --ignore-case work with --quote only",
            ));
        }
        (Locator::parse_segments(first)?, others.to_vec())
    };
    if themes.is_empty() {
        return Err(Error::usage("name at least one theme")
            .with_hint("by number (1.2), path (\"Parent/Child\"), unique name or #id"));
    }
    Ok((loc, themes))
}

pub fn run_code(ctx: &mut Ctx, args: &CodeArgs) -> Result<()> {
    let coder = ctx.coder_name();
    if let Some(csv) = &args.from {
        if !args.rest.is_empty() {
            return Err(Error::usage("--from takes no other arguments"));
        }
        let mut progress = ctx.progress("code --from", 0);
        let w = ctx.write()?;
        let coder = coder_id(&w, &coder)?;
        let options = batch::BatchOptions {
            coder,
            ignore_case: args.at.ignore_case,
            create: args.create,
            memo: args.memo.clone(),
            ambiguous: args.ambiguous.unwrap_or_default(),
        };
        let plan = batch::check_csv(&w, csv, &options, &mut progress)?;
        let mut messages = Vec::new();
        // Themes made on the fly are template revisions of their own, logged before the
        // codings, as when coding one passage.
        for (name, line) in &plan.to_create {
            let meta = revise::Meta {
                coder,
                rationale: Some(format!("created while coding from {}", csv.display())),
                prompted_by: None,
            };
            let outcome =
                revise::add(&w, name, &NewTheme::default(), true, &meta).map_err(|e| {
                    let hint = e.hint().map(str::to_string);
                    let err = Error::user(format!(
                        "{}, line {line}: cannot create the theme \"{name}\": {e}",
                        csv.display()
                    ));
                    match hint {
                        Some(h) => err.with_hint(h),
                        None => err,
                    }
                })?;
            messages.extend(outcome.messages);
        }
        let (skipped, resolved, read) = (plan.skipped.clone(), plan.resolved.clone(), plan.read);
        let (r, _) = journal::record(&w, coder, |_| {
            let r = batch::apply(&w, plan, coder, &mut progress)?;
            let summary = format!(
                "code --from {}: {} row(s) in {} transcript(s)",
                csv.display(),
                r.rows,
                r.transcripts
            );
            Ok((r, LogEntry::new("code-batch", Kind::Coding, summary)))
        })?;
        w.commit()?;
        drop(progress);
        for m in messages {
            ctx.info(m);
        }
        ctx.info(format!(
            "coded {} of {read} row(s) in {} transcript(s): {} new coding(s), {} joined with overlapping codings, {} already coded",
            r.rows, r.transcripts, r.added, r.joined, r.already
        ));
        if !r.already_lines.is_empty() {
            ctx.info(format!(
                "already coded ({} row(s)): line(s) {}",
                r.already_lines.len(),
                batch::line_runs(&r.already_lines)
            ));
        }
        if !resolved.is_empty() {
            ctx.info(format!(
                "{} quote(s) occur more than once (--ambiguous {}):",
                resolved.len(),
                if options.ambiguous == batch::Ambiguous::All {
                    "all"
                } else {
                    "first"
                }
            ));
            for m in &resolved {
                ctx.info(format!("  {m}"));
            }
        }
        if !skipped.is_empty() {
            ctx.info(format!(
                "skipped {} row(s) whose quote occurs more than once (--ambiguous skip):",
                skipped.len()
            ));
            for m in &skipped {
                ctx.info(format!("  {m}"));
            }
        }
        return Ok(());
    }
    if args.ambiguous.is_some() {
        return Err(Error::usage("--ambiguous works with --from only")
            .with_hint("with one quote, pick the match with --occurrence N"));
    }
    let transcript = args.transcript.as_deref().unwrap_or_default();
    let (loc, theme_refs) = locator_and_themes(&args.at, &args.rest)?;
    let w = ctx.write()?;
    let coder = coder_id(&w, &coder)?;
    let doc = Doc::load(&w, transcript)?;
    let span = locate(&doc, &loc)?;
    let mut messages = Vec::new();
    let mut ids = Vec::new();
    // Themes made on the fly are template revisions of their own, logged before the coding.
    for r in &theme_refs {
        let template = Template::load(&w)?;
        let id = match template.resolve(r) {
            Ok(t) => t.id,
            Err(_) if args.create => {
                let meta = revise::Meta {
                    coder,
                    rationale: Some(format!("created while coding {transcript}")),
                    prompted_by: None,
                };
                let outcome = revise::add(&w, r, &NewTheme::default(), true, &meta)?;
                messages.extend(outcome.messages);
                Template::load(&w)?.resolve(r)?.id
            }
            Err(e) => return Err(e),
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let stamp = Stamp::new(&w, coder)?;
    let template = Template::load(&w)?;
    let what = format!("{} {}", doc.name, loc.describe());
    let labels: Vec<String> = ids
        .iter()
        .map(|id| template.get(*id).map(|t| t.label()).unwrap_or_default())
        .collect();
    journal::record(&w, coder, |_| {
        for (id, label) in ids.iter().zip(&labels) {
            match coding::add(&w, doc.id, *id, span, args.memo.as_deref(), &stamp)? {
                Added::New(_) => messages.push(format!("coded {what} with {label}")),
                Added::Joined(n) => messages.push(format!(
                    "coded {what} with {label} (joined with {n} overlapping coding(s) of that theme)"
                )),
                Added::AlreadyCoded => {
                    messages.push(format!("{what} was already coded with {label}"))
                }
            }
        }
        let summary = format!("code {what} with {}", labels.join(", "));
        Ok(((), LogEntry::new("code", Kind::Coding, summary)))
    })?;
    w.commit()?;
    for m in messages {
        ctx.info(m);
    }
    ctx.info(format!("  \"{}\"", shorten(doc.slice(span), 70)));
    Ok(())
}

pub fn run_uncode(ctx: &mut Ctx, args: &UncodeArgs) -> Result<()> {
    let (loc, theme_refs) = locator_and_themes(&args.at, &args.rest)?;
    let all_coders = ctx.global.all_coders;
    let coder = ctx.coder_name();
    let w = ctx.write()?;
    let doc = Doc::load(&w, &args.transcript)?;
    let span = locate(&doc, &loc)?;
    let template = Template::load(&w)?;
    let themes = theme_refs
        .iter()
        .map(|r| template.resolve(r))
        .collect::<Result<Vec<_>>>()?;
    let coder = coder_id(&w, &coder)?;
    // Whose codings: everyone's with --all-coders, or in a project where one coder has done
    // all the coding (whatever name they code under now); else, in a team, the coder's own.
    let blind = crate::project::setting(&w, "blind")?.is_some_and(|v| v == "on");
    let whose = if all_coders || (!blind && !coding::is_team(&w)?) {
        None
    } else {
        Some(coder)
    };
    let (messages, _) = journal::record(&w, coder, |_| {
        let mut messages = Vec::new();
        for t in &themes {
            let n = coding::remove(&w, doc.id, t.id, span, whose)?;
            if n == 0 && whose.is_some() {
                let others: Vec<String> = w
                    .prepare(
                        "SELECT DISTINCT k.name FROM coding c JOIN coder k ON k.id = c.coder_id
                         WHERE c.transcript_id = ?1 AND c.theme_id = ?2 AND c.start < ?4
                           AND c.end > ?3 ORDER BY k.name",
                    )?
                    .query_map(
                        rusqlite::params![doc.id, t.id, span.start as i64, span.end as i64],
                        |r| r.get(0),
                    )?
                    .collect::<rusqlite::Result<_>>()?;
                if !others.is_empty() && !blind {
                    return Err(Error::user(format!(
                        "{} {} is coded with {} by {}, not by you",
                        doc.name,
                        loc.describe(),
                        t.label(),
                        others.join(", ")
                    ))
                    .with_hint(
                        "nothing was changed; add --all-coders to remove other coders' codings",
                    ));
                }
            }
            if n == 0 {
                return Err(Error::user(format!(
                    "{} {} is not coded with {}",
                    doc.name,
                    loc.describe(),
                    t.label()
                ))
                .with_hint(format!(
                    "run \"tana show {}\" to see its codings; nothing was changed",
                    doc.name
                )));
            }
            messages.push(format!(
                "uncoded {} {} from {} ({n} coding(s) removed or trimmed; removed ones are archived)",
                doc.name,
                loc.describe(),
                t.label()
            ));
        }
        let labels: Vec<String> = themes.iter().map(|t| t.label()).collect();
        let summary = format!(
            "uncode {} {} from {}",
            doc.name,
            loc.describe(),
            labels.join(", ")
        );
        Ok((messages, LogEntry::new("uncode", Kind::Coding, summary)))
    })?;
    w.commit()?;
    for m in messages {
        ctx.info(m);
    }
    Ok(())
}
