//! Coding in batch from a CSV file: every row is checked first, then all are applied at once.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::Connection;

use super::{add, locate, Added, Doc, Locator, Stamp};
use crate::error::{Error, Result};
use crate::import::csv_input::CsvInput;
use crate::model::Span;
use crate::project::coder_id;
use crate::template::Template;

/// One checked row, ready to apply.
#[derive(Debug, Clone)]
struct Row {
    transcript: i64,
    theme: i64,
    span: Span,
    memo: Option<String>,
    coder: Option<String>,
}

/// What a batch did.
#[derive(Debug, Default, Clone)]
pub struct BatchReport {
    pub rows: usize,
    pub added: usize,
    pub joined: usize,
    pub already: usize,
    pub transcripts: usize,
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

/// Read, check and apply a codings CSV. Nothing is written if any row is bad.
pub fn apply_csv(
    conn: &Connection,
    path: &Path,
    default_coder: i64,
    ignore_case: bool,
) -> Result<BatchReport> {
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
    let mut rows = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for (line, rec) in input.records() {
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
        let mut check = || -> std::result::Result<Row, String> {
            let name = get(Some(c_transcript)).ok_or("the transcript is empty")?;
            // Keep a few transcripts loaded (CSVs are usually grouped by transcript), so
            // memory stays bounded on large projects.
            if docs.len() >= 16 && !docs.contains_key(name) {
                docs.clear();
            }
            let doc = docs
                .entry(name.to_string())
                .or_insert_with(|| Doc::load(conn, name).map_err(|e| e.to_string()));
            let doc = doc.as_ref().map_err(Clone::clone)?;
            let theme_ref = get(Some(c_theme)).ok_or("the theme is empty")?;
            let theme = template.resolve(theme_ref).map_err(|e| e.to_string())?;
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
            let ic = ignore_case
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
            let span = locate(doc, &loc).map_err(|e| {
                let mut m = e.to_string();
                if let Some(h) = e.hint() {
                    m.push_str(&format!(" ({h})"));
                }
                m
            })?;
            Ok(Row {
                transcript: doc.id,
                theme: theme.id,
                span,
                memo: get(c_memo).map(str::to_string),
                coder: get(c_coder).map(str::to_string),
            })
        };
        match check() {
            Ok(r) => rows.push(r),
            Err(m) => problems.push(format!("line {line}: {}", m.replace('\n', "\n    "))),
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
    let mut report = BatchReport {
        rows: rows.len(),
        ..Default::default()
    };
    let mut stamps: HashMap<Option<String>, Stamp> = HashMap::new();
    stamps.insert(None, Stamp::new(conn, default_coder)?);
    let mut touched = std::collections::BTreeSet::new();
    for r in &rows {
        if !stamps.contains_key(&r.coder) {
            let id = coder_id(conn, r.coder.as_deref().unwrap_or_default())?;
            stamps.insert(r.coder.clone(), Stamp::new(conn, id)?);
        }
        let stamp = &stamps[&r.coder];
        touched.insert(r.transcript);
        match add(
            conn,
            r.transcript,
            r.theme,
            r.span,
            r.memo.as_deref(),
            stamp,
        )? {
            Added::New(_) => report.added += 1,
            Added::Joined(_) => report.joined += 1,
            Added::AlreadyCoded => report.already += 1,
        }
    }
    report.transcripts = touched.len();
    Ok(report)
}
