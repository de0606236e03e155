//! Coding in batch from a CSV file: every row is checked first, then all are applied at once.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::Connection;

use super::{add, describe_position, locate, quote_matches, shorten, Added, Doc, Locator, Stamp};
use crate::error::{Error, Result};
use crate::import::csv_input::CsvInput;
use crate::model::Span;
use crate::progress::Progress;
use crate::project::coder_id;
use crate::template::Template;

/// What to do with a quote that occurs more than once in its transcript and has no
/// occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Ambiguous {
    /// Code the first occurrence
    First,
    /// Code every occurrence
    All,
    /// Code none of them, and list the row
    Skip,
    /// Refuse the batch, naming the rows (the default)
    #[default]
    Error,
}

/// How a batch is read and applied.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// The coder of rows with no `coder` column.
    pub coder: i64,
    /// Match every quote ignoring case.
    pub ignore_case: bool,
    /// Themes that do not exist are created (as emergent themes, parents included).
    pub create: bool,
    /// The memo of rows with no `memo` of their own.
    pub memo: Option<String>,
    pub ambiguous: Ambiguous,
}

/// The theme of a row: one the template has, or one to create before the batch applies.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ThemeRef {
    Id(i64),
    New(String),
}

/// One checked row, ready to apply.
#[derive(Debug, Clone)]
struct Row {
    line: usize,
    transcript: i64,
    theme: ThemeRef,
    span: Span,
    memo: Option<String>,
    coder: Option<String>,
}

/// A batch whose every row was checked: what to create, then what to code.
#[derive(Debug, Clone)]
pub struct Plan {
    rows: Vec<Row>,
    /// Themes to create, in the order of their first row, with that row's line.
    pub to_create: Vec<(String, usize)>,
    /// Rows not coded, with why: "line 14: quote \"…\" occurs 3 times in P03".
    pub skipped: Vec<String>,
    /// Rows whose quote occurs several times and were coded by `--ambiguous first|all`.
    pub resolved: Vec<String>,
    /// Rows read.
    pub read: usize,
}

/// What a batch did.
#[derive(Debug, Default, Clone)]
pub struct BatchReport {
    /// Rows coded (a row coded at every occurrence of its quote counts once).
    pub rows: usize,
    pub added: usize,
    pub joined: usize,
    pub already: usize,
    pub transcripts: usize,
    /// Lines of the rows that were already coded, in order.
    pub already_lines: Vec<usize>,
}

/// Columns a coding CSV may have; `transcript` and `theme` are required, with one locator.
const KNOWN: &[&str] = &[
    "transcript",
    "theme",
    "segment",
    "quote",
    "span",
    "occurrence",
    "memo",
    "coder",
    "ignore_case",
];

/// Read, check and apply a codings CSV that creates no theme. Nothing is written if any row
/// is bad.
pub fn apply_csv(conn: &Connection, path: &Path, options: &BatchOptions) -> Result<BatchReport> {
    let mut progress = Progress::hidden();
    let plan = check_csv(
        conn,
        path,
        &BatchOptions {
            create: false,
            ..options.clone()
        },
        &mut progress,
    )?;
    apply(conn, plan, options.coder, &mut progress)
}

/// How much transcript text `check_csv` keeps loaded (quotes fold it once more).
const DOC_CACHE_BYTES: usize = 48 << 20;

/// Read and check every row of a codings CSV; refuse the whole batch if any row is bad.
pub fn check_csv(
    conn: &Connection,
    path: &Path,
    options: &BatchOptions,
    progress: &mut Progress,
) -> Result<Plan> {
    let input = CsvInput::open(path)?;
    let shown = input.shown.clone();
    let headers: Vec<String> = input.headers.iter().map(|h| h.to_lowercase()).collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    for h in &headers {
        if !KNOWN.contains(&h.as_str()) {
            return Err(
                Error::user(format!("{shown}, line 1: unknown column \"{h}\""))
                    .with_hint(format!("known columns: {}", KNOWN.join(", "))),
            );
        }
    }
    let (Some(c_transcript), Some(c_theme)) = (col("transcript"), col("theme")) else {
        return Err(Error::user(format!(
            "{shown}, line 1: the header needs the columns \"transcript\" and \"theme\""
        ))
        .with_hint("plus one locator column: segment, quote or span"));
    };
    let (c_segment, c_quote, c_span) = (col("segment"), col("quote"), col("span"));
    if c_segment.is_none() && c_quote.is_none() && c_span.is_none() {
        return Err(Error::user(format!(
            "{shown}, line 1: the header needs a locator column: segment, quote or span"
        )));
    }
    let (c_occ, c_memo, c_coder, c_ic) = (
        col("occurrence"),
        col("memo"),
        col("coder"),
        col("ignore_case"),
    );

    let template = Template::load(conn)?;
    let mut docs: HashMap<String, std::result::Result<Doc, String>> = HashMap::new();
    let mut docs_bytes = 0usize;
    let mut theme_of: HashMap<String, std::result::Result<ThemeRef, String>> = HashMap::new();
    let mut rows = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut to_create: Vec<(String, usize)> = Vec::new();
    let mut skipped = Vec::new();
    let mut resolved = Vec::new();
    let mut read = 0;
    let records = input.records();
    progress.stage("checking rows", records.len() as u64);
    for (line, rec) in records {
        read += 1;
        progress.inc(1);
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let mut check = || -> std::result::Result<Checked, String> {
            let name = get(Some(c_transcript)).ok_or("the transcript is empty")?;
            // Keep transcripts loaded up to a budget of text, so rows in any order load each
            // transcript about once while memory stays bounded on large projects.
            if !docs.contains_key(name) && docs_bytes >= DOC_CACHE_BYTES {
                docs.clear();
                docs_bytes = 0;
            }
            let doc = docs.entry(name.to_string()).or_insert_with(|| {
                let doc = Doc::load(conn, name).map_err(|e| e.to_string());
                docs_bytes += doc.as_ref().map_or(0, |d| d.text.len());
                doc
            });
            let doc = doc.as_ref().map_err(Clone::clone)?;
            let theme_ref = get(Some(c_theme)).ok_or("the theme is empty")?;
            // Rows name few themes many times: each name is resolved once.
            let theme = match theme_of.get(theme_ref) {
                Some(r) => r.clone()?,
                None => {
                    let r = match template.resolve(theme_ref) {
                        Ok(t) => Ok(ThemeRef::Id(t.id)),
                        Err(_) if options.create => Ok(ThemeRef::New(theme_ref.to_string())),
                        Err(e) => {
                            let mut m = e.to_string();
                            if m.starts_with("no theme matches") && !m.contains("did you mean") {
                                m.push_str(" (add --create to create it)");
                            }
                            Err(m)
                        }
                    };
                    theme_of.insert(theme_ref.to_string(), r.clone());
                    r?
                }
            };
            let given: Vec<&str> = [c_segment, c_quote, c_span]
                .into_iter()
                .filter_map(&get)
                .collect();
            if given.len() != 1 {
                return Err(format!(
                    "give exactly one of segment, quote or span ({} given)",
                    given.len()
                ));
            }
            let occurrence = match get(c_occ) {
                None => None,
                Some(o) => Some(
                    o.parse::<usize>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or(format!("occurrence \"{o}\" is not a number from 1"))?,
                ),
            };
            let ic = options.ignore_case
                || get(c_ic)
                    .is_some_and(|v| matches!(v.to_lowercase().as_str(), "1" | "true" | "yes"));
            let loc = if let Some(s) = get(c_segment) {
                Locator::parse_segments(s).map_err(|e| e.to_string())?
            } else if let Some(q) = get(c_quote) {
                Locator::Quote {
                    text: q.to_string(),
                    ignore_case: ic,
                    occurrence,
                }
            } else {
                Locator::parse_span(get(c_span).unwrap_or_default()).map_err(|e| e.to_string())?
            };
            let memo = get(c_memo)
                .map(str::to_string)
                .or_else(|| options.memo.clone());
            let row = |span: Span| Row {
                line,
                transcript: doc.id,
                theme: theme.clone(),
                span,
                memo: memo.clone(),
                coder: get(c_coder).map(str::to_string),
            };
            if let Locator::Quote {
                text,
                ignore_case,
                occurrence: None,
            } = &loc
            {
                let found = quote_matches(doc, text, *ignore_case);
                if found.len() > 1 {
                    let places: Vec<String> = found
                        .iter()
                        .take(5)
                        .map(|&p| describe_position(doc, p))
                        .collect();
                    let more = if found.len() > 5 { ", …" } else { "" };
                    let what = format!(
                        "quote \"{}\" occurs {} times in {} ({}{more})",
                        shorten(text, 50),
                        found.len(),
                        doc.name,
                        places.join(", ")
                    );
                    return match options.ambiguous {
                        Ambiguous::Error => Err(format!(
                            "{what}; add an occurrence, quote more words, or use --ambiguous first|all|skip"
                        )),
                        Ambiguous::Skip => Ok(Checked::Skipped(format!("line {line}: {what}"))),
                        Ambiguous::First => {
                            let (s, e) = found[0];
                            Ok(Checked::Resolved(
                                vec![row(Span::new(s, e))],
                                format!("line {line}: {what}: coded the first"),
                            ))
                        }
                        Ambiguous::All => Ok(Checked::Resolved(
                            found.iter().map(|&(s, e)| row(Span::new(s, e))).collect(),
                            format!("line {line}: {what}: coded all {}", found.len()),
                        )),
                    };
                }
            }
            let span = locate(doc, &loc).map_err(|e| {
                let mut m = e.to_string();
                if let Some(h) = e.hint() {
                    m.push_str(&format!(" ({h})"));
                }
                m
            })?;
            Ok(Checked::Rows(vec![row(span)]))
        };
        match check() {
            Ok(Checked::Rows(r)) => rows.extend(r),
            Ok(Checked::Resolved(r, why)) => {
                rows.extend(r);
                resolved.push(why);
            }
            Ok(Checked::Skipped(why)) => skipped.push(why),
            Err(m) => problems.push(format!("line {line}: {}", m.replace('\n', "\n    "))),
        }
        if let Some(Row {
            theme: ThemeRef::New(name),
            ..
        }) = rows.last()
        {
            if !to_create.iter().any(|(n, _)| n == name) {
                to_create.push((name.clone(), line));
            }
        }
    }
    if !problems.is_empty() {
        let shown_problems: Vec<&String> = problems.iter().take(50).collect();
        let more = problems.len().saturating_sub(50);
        let mut msg = format!(
            "{shown}: {} bad row(s); nothing was coded:\n  {}",
            problems.len(),
            shown_problems
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n  ")
        );
        if more > 0 {
            msg.push_str(&format!("\n  … and {more} more"));
        }
        return Err(Error::user(msg).with_hint("fix these rows and run the command again"));
    }
    Ok(Plan {
        rows,
        to_create,
        skipped,
        resolved,
        read,
    })
}

/// What checking one row gave.
enum Checked {
    Rows(Vec<Row>),
    /// An ambiguous quote coded by `--ambiguous first|all`, with what was done.
    Resolved(Vec<Row>, String),
    Skipped(String),
}

/// Apply a checked batch. The themes it creates must exist by now.
pub fn apply(
    conn: &Connection,
    plan: Plan,
    default_coder: i64,
    progress: &mut Progress,
) -> Result<BatchReport> {
    progress.stage("coding", plan.rows.len() as u64);
    let template = Template::load(conn)?;
    let mut report = BatchReport::default();
    let mut stamps: HashMap<Option<String>, Stamp> = HashMap::new();
    stamps.insert(None, Stamp::new(conn, default_coder)?);
    let mut touched = std::collections::BTreeSet::new();
    // Per line: (rows, rows already coded); a line is "already coded" when all its rows are.
    let mut lines: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
    for r in &plan.rows {
        progress.inc(1);
        let theme = match &r.theme {
            ThemeRef::Id(id) => *id,
            ThemeRef::New(name) => template.resolve(name)?.id,
        };
        if !stamps.contains_key(&r.coder) {
            let id = coder_id(conn, r.coder.as_deref().unwrap_or_default())?;
            stamps.insert(r.coder.clone(), Stamp::new(conn, id)?);
        }
        let stamp = &stamps[&r.coder];
        touched.insert(r.transcript);
        let line = lines.entry(r.line).or_default();
        line.0 += 1;
        match add(conn, r.transcript, theme, r.span, r.memo.as_deref(), stamp)? {
            Added::New(_) => report.added += 1,
            Added::Joined(_) => report.joined += 1,
            Added::AlreadyCoded => {
                report.already += 1;
                line.1 += 1;
            }
        }
    }
    report.rows = lines.len();
    report.already_lines = lines
        .into_iter()
        .filter(|(_, (n, already))| n == already)
        .map(|(line, _)| line)
        .collect();
    report.transcripts = touched.len();
    Ok(report)
}

/// Line numbers as short runs: "4, 7, 9-12, 20".
pub fn line_runs(lines: &[usize]) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &l in lines {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == l => *end = l,
            _ => runs.push((l, l)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
