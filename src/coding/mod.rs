//! Applying themes to spans: where a locator points, joining overlaps, uncoding, CSV batches.

use std::sync::OnceLock;

use rusqlite::{params, Connection, OptionalExtension};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::model::{Segment, Span};
use crate::project::now;
use crate::segment::sentences;
use crate::text::{edit_distance, fold_whitespace, slice_chars, Folded, Offsets};

pub mod batch;
pub mod merge;

/// A transcript loaded for coding: its id, name, text and segments.
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: i64,
    pub name: String,
    pub text: String,
    pub chars: usize,
    pub segments: Vec<Segment>,
    /// The text folded for quote search, as it is and case-folded, made when first needed:
    /// a batch of many quotes in one long transcript folds it once.
    folded: [OnceLock<Folded>; 2],
}

impl Doc {
    /// Load a transcript by name; unknown names get suggestions.
    pub fn load(conn: &Connection, name: &str) -> Result<Doc> {
        let row: Option<(i64, String, String, i64)> = conn
            .query_row(
                "SELECT id, name, text, chars FROM transcript WHERE name = ?1",
                [name.trim()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((id, name, text, chars)) = row else {
            return Err(unknown_transcript(conn, name)?);
        };
        let segments = load_segments(conn, id)?;
        Ok(Doc {
            id,
            name,
            text,
            chars: chars as usize,
            segments,
            folded: Default::default(),
        })
    }

    /// Every place `quote` occurs, whitespace runs matching any whitespace.
    pub fn find(&self, quote: &str, ignore_case: bool) -> Vec<(usize, usize)> {
        self.folded[usize::from(ignore_case)]
            .get_or_init(|| Folded::new(&self.text, ignore_case))
            .find(quote)
    }

    pub fn segment(&self, number: i64) -> Result<&Segment> {
        // Segments are in order of number: a binary search, not a scan per CSV row.
        let i = self.segments.partition_point(|s| s.number < number);
        self.segments
            .get(i)
            .filter(|s| s.number == number)
            .ok_or_else(|| {
                Error::user(format!(
                    "{} has no segment {number} (it has segments 1-{})",
                    self.name,
                    self.segments.len()
                ))
                .with_hint(format!(
                    "run \"tana show {}\" to see its segments",
                    self.name
                ))
            })
    }

    pub fn slice(&self, span: Span) -> &str {
        slice_chars(&self.text, span.start, span.end)
    }

    /// The segment a position belongs to: the one that contains it, or, for a position on
    /// a speaker label or the whitespace before a turn, the turn that follows.
    pub fn segment_at(&self, pos: usize) -> Option<&Segment> {
        segment_at(&self.segments, pos)
    }
}

/// The segment of `segments` (in order) a position belongs to; see [`Doc::segment_at`].
pub fn segment_at(segments: &[Segment], pos: usize) -> Option<&Segment> {
    let i = segments.partition_point(|s| s.end <= pos);
    segments.get(i)
}

/// Segments of a transcript, in order.
pub fn load_segments(conn: &Connection, transcript: i64) -> Result<Vec<Segment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, number, speaker, start, end, words, time FROM segment
         WHERE transcript_id = ?1 ORDER BY number",
    )?;
    let rows = stmt.query_map([transcript], |r| {
        Ok(Segment {
            id: r.get(0)?,
            number: r.get(1)?,
            speaker: r.get(2)?,
            start: r.get::<_, i64>(3)? as usize,
            end: r.get::<_, i64>(4)? as usize,
            words: r.get(5)?,
            time: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The error for a transcript name that does not exist, with close names.
pub fn unknown_transcript(conn: &Connection, name: &str) -> Result<Error> {
    let mut stmt = conn.prepare("SELECT name FROM transcript ORDER BY id")?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let lower = name.to_lowercase();
    let mut close: Vec<(usize, &String)> = names
        .iter()
        .map(|n| (edit_distance(&n.to_lowercase(), &lower), n))
        .filter(|(d, _)| *d <= 2)
        .collect();
    close.sort();
    let mut msg = format!("no transcript named \"{name}\"");
    if let Some((_, n)) = close.first() {
        msg.push_str(&format!(" (did you mean \"{n}\"?)"));
    }
    Ok(Error::user(msg).with_hint(if names.is_empty() {
        "the project has no transcripts yet; add some with \"tana import FILE\"".to_string()
    } else {
        "run \"tana transcripts\" to list them".to_string()
    }))
}

/// Where in a transcript a coding goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locator {
    Segment(i64),
    Range(i64, i64),
    Sentence(i64, usize),
    Quote {
        text: String,
        ignore_case: bool,
        occurrence: Option<usize>,
    },
    Span(usize, usize),
}

impl Locator {
    /// Parse a segment locator: `12`, `12-14` or `12.3`.
    pub fn parse_segments(s: &str) -> Result<Locator> {
        let s = s.trim();
        let bad = || {
            Error::usage(format!("\"{s}\" is not a segment locator"))
                .with_hint("use a segment number (12), a range (12-14) or a sentence (12.3)")
        };
        let num = |x: &str| x.trim().parse::<i64>().ok().filter(|n| *n >= 1);
        if let Some((a, b)) = s.split_once('-') {
            let (a, b) = (num(a).ok_or_else(bad)?, num(b).ok_or_else(bad)?);
            if b < a {
                return Err(Error::usage(format!("segment range {s} runs backwards"))
                    .with_hint(format!("write {b}-{a}")));
            }
            return Ok(Locator::Range(a, b));
        }
        if let Some((a, b)) = s.split_once('.') {
            let a = num(a).ok_or_else(bad)?;
            let b = num(b).ok_or_else(bad)? as usize;
            return Ok(Locator::Sentence(a, b));
        }
        Ok(Locator::Segment(num(s).ok_or_else(bad)?))
    }

    /// Parse `START:END` (code points, end exclusive).
    pub fn parse_span(s: &str) -> Result<Locator> {
        let bad = || {
            Error::usage(format!("\"{s}\" is not a span")).with_hint(
                "write START:END in characters (code points), end exclusive, e.g. 120:245",
            )
        };
        let (a, b) = s.split_once(':').ok_or_else(bad)?;
        let a: usize = a.trim().parse().map_err(|_| bad())?;
        let b: usize = b.trim().parse().map_err(|_| bad())?;
        Ok(Locator::Span(a, b))
    }

    /// Short description for messages: "segment 12", "quote \"…\"".
    pub fn describe(&self) -> String {
        match self {
            Locator::Segment(n) => format!("segment {n}"),
            Locator::Range(a, b) => format!("segments {a}-{b}"),
            Locator::Sentence(n, k) => format!("sentence {n}.{k}"),
            Locator::Quote { text, .. } => format!("quote \"{}\"", shorten(text, 40)),
            Locator::Span(a, b) => format!("span {a}:{b}"),
        }
    }
}

/// Shorten text to about `max` characters, with an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    let folded = fold_whitespace(text);
    if folded.chars().count() <= max {
        return folded;
    }
    let cut: String = folded.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// Turn a locator into a span of the transcript.
pub fn locate(doc: &Doc, loc: &Locator) -> Result<Span> {
    match loc {
        Locator::Segment(n) => {
            let s = doc.segment(*n)?;
            Ok(Span::new(s.start, s.end))
        }
        Locator::Range(a, b) => {
            let (a, b) = (doc.segment(*a)?, doc.segment(*b)?);
            Ok(Span::new(a.start, b.end))
        }
        Locator::Sentence(n, k) => {
            let s = doc.segment(*n)?;
            let text = slice_chars(&doc.text, s.start, s.end);
            let sents = sentences(text);
            let (a, b) = sents.get(k - 1).copied().ok_or_else(|| {
                Error::user(format!(
                    "{} segment {n} has no sentence {k} (it has {})",
                    doc.name,
                    sents.len()
                ))
                .with_hint(format!(
                    "run \"tana show {} --segments {n} --sentences\" to see them",
                    doc.name
                ))
            })?;
            Ok(Span::new(s.start + a, s.start + b))
        }
        Locator::Span(a, b) => {
            if a >= b || *b > doc.chars {
                return Err(Error::user(format!(
                    "span {a}:{b} is not inside {} (valid spans run within 0:{} with start < end)",
                    doc.name, doc.chars
                )));
            }
            Ok(Span::new(*a, *b))
        }
        Locator::Quote {
            text,
            ignore_case,
            occurrence,
        } => locate_quote(doc, text, *ignore_case, *occurrence),
    }
}

/// Every place a quote occurs in a transcript, as `--quote` finds it: whitespace runs match
/// any whitespace, and accents match composed (NFC) or decomposed (NFD).
pub fn quote_matches(doc: &Doc, quote: &str, ignore_case: bool) -> Vec<(usize, usize)> {
    let mut found = doc.find(quote, ignore_case);
    if found.is_empty() {
        // The transcript may store accents composed (NFC) or decomposed (NFD); try the quote
        // both ways rather than make the researcher guess.
        for variant in [quote.nfc().collect::<String>(), quote.nfd().collect()] {
            if variant != quote {
                found = doc.find(&variant, ignore_case);
                if !found.is_empty() {
                    break;
                }
            }
        }
    }
    found
}

/// Where a position is, for messages: "segment 4 at 120:160".
pub fn describe_position(doc: &Doc, (s, e): (usize, usize)) -> String {
    let seg = doc
        .segment_at(s)
        .map(|g| format!("segment {}", g.number))
        .unwrap_or_else(|| "outside segments".into());
    format!("{seg} at {s}:{e}")
}

fn locate_quote(
    doc: &Doc,
    quote: &str,
    ignore_case: bool,
    occurrence: Option<usize>,
) -> Result<Span> {
    let found = quote_matches(doc, quote, ignore_case);
    let where_ = |p: (usize, usize)| describe_position(doc, p);
    if let Some(n) = occurrence {
        return found
            .get(n.wrapping_sub(1))
            .map(|&(s, e)| Span::new(s, e))
            .ok_or_else(|| {
                Error::user(format!(
                    "quote \"{}\" occurs {} time(s) in {}, so there is no occurrence {n}",
                    shorten(quote, 50),
                    found.len(),
                    doc.name
                ))
            });
    }
    match found.len() {
        1 => Ok(Span::new(found[0].0, found[0].1)),
        0 => {
            let mut err = Error::user(format!(
                "quote \"{}\" is not in {}",
                shorten(quote, 60),
                doc.name
            ));
            if !ignore_case && !doc.find(quote, true).is_empty() {
                err = err.with_hint("it matches if case is ignored: add --ignore-case");
            } else {
                let words: Vec<&str> = quote.split_whitespace().take(3).collect();
                let near = doc.find(&words.join(" "), true);
                if near.is_empty() {
                    err = err.with_hint(format!(
                        "check the wording against \"tana show {}\"; whitespace and line breaks do not matter",
                        doc.name
                    ));
                } else {
                    let c: Vec<String> = near.iter().take(5).map(|&p| where_(p)).collect();
                    err = err.with_hint(format!(
                        "its first words appear at {}; check the rest of the wording",
                        c.join(", ")
                    ));
                }
            }
            Err(err)
        }
        n => {
            let c: Vec<String> = found
                .iter()
                .take(10)
                .enumerate()
                .map(|(i, &p)| format!("  {}. {}", i + 1, where_(p)))
                .collect();
            Err(Error::user(format!(
                "quote \"{}\" is ambiguous: it occurs {n} times in {}:\n{}",
                shorten(quote, 50),
                doc.name,
                c.join("\n")
            ))
            .with_hint("pick one with --occurrence N, or quote more words"))
        }
    }
}

/// What adding a coding did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A new coding row.
    New(i64),
    /// Joined with this many overlapping codings of the same theme into one.
    Joined(usize),
    /// The span was already inside a coding of this theme.
    AlreadyCoded,
}

/// Who and when, for every coding written.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub coder: i64,
    pub at: String,
    pub version: Option<i64>,
}

impl Stamp {
    pub fn new(conn: &Connection, coder: i64) -> Result<Stamp> {
        let version: Option<i64> = conn
            .query_row("SELECT max(id) FROM template_version", [], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(Stamp {
            coder,
            at: now(),
            version,
        })
    }
}

/// Code `span` of a transcript with a theme, joining overlapping codings of that theme by the
/// same coder. Another coder's codings of the same text stay apart: each coder's work is theirs.
pub fn add(
    conn: &Connection,
    transcript: i64,
    theme: i64,
    span: Span,
    memo: Option<&str>,
    stamp: &Stamp,
) -> Result<Added> {
    // One coder's codings of a theme in a transcript never overlap (they are joined), so those
    // that overlap the span start inside it, or are the last to start before it. Both are
    // index ranges: the cost does not grow with the codings already there.
    let mut stmt = conn.prepare_cached(
        "SELECT id, start, end, memo FROM coding
         WHERE theme_id = ?2 AND transcript_id = ?1 AND start >= ?3 AND start < ?4
           AND coder_id = ?5
         UNION ALL
         SELECT id, start, end, memo FROM (
             SELECT id, start, end, memo FROM coding
             WHERE theme_id = ?2 AND transcript_id = ?1 AND start < ?3 AND coder_id = ?5
             ORDER BY start DESC LIMIT 1)
         WHERE end > ?3
         ORDER BY id",
    )?;
    let overlapping: Vec<(i64, usize, usize, Option<String>)> = stmt
        .query_map(
            params![
                transcript,
                theme,
                span.start as i64,
                span.end as i64,
                stamp.coder
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let memo = memo.map(str::trim).filter(|m| !m.is_empty());
    if overlapping.is_empty() {
        conn.prepare_cached(
            "INSERT INTO coding (transcript_id, theme_id, start, end, memo, coder_id, created_at, version_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            transcript,
            theme,
            span.start as i64,
            span.end as i64,
            memo,
            stamp.coder,
            stamp.at,
            stamp.version
        ])?;
        return Ok(Added::New(conn.last_insert_rowid()));
    }
    let (keep, ..) = overlapping[0];
    let start = overlapping
        .iter()
        .map(|c| c.1)
        .min()
        .unwrap_or(span.start)
        .min(span.start);
    let end = overlapping
        .iter()
        .map(|c| c.2)
        .max()
        .unwrap_or(span.end)
        .max(span.end);
    let mut memos: Vec<String> = overlapping.iter().filter_map(|c| c.3.clone()).collect();
    if let Some(m) = memo {
        if !memos.iter().any(|x| x == m) {
            memos.push(m.to_string());
        }
    }
    let joined_memo = (!memos.is_empty()).then(|| memos.join("\n"));
    let inside = overlapping.len() == 1 && start == overlapping[0].1 && end == overlapping[0].2;
    if inside && joined_memo == overlapping[0].3 {
        // Nothing to change: the span is coded already, and any memo is there.
        return Ok(Added::AlreadyCoded);
    }
    // A joined coding is partly manual work now: it no longer belongs to an autocode batch.
    conn.execute(
        "UPDATE coding SET start = ?2, end = ?3, memo = ?4,
                autocode_batch = CASE WHEN ?5 THEN autocode_batch END
         WHERE id = ?1",
        params![keep, start as i64, end as i64, joined_memo, inside],
    )?;
    for (id, ..) in &overlapping[1..] {
        crate::journal::archive_coding(
            conn,
            *id,
            "joined with an overlapping coding of the same theme",
        )?;
    }
    Ok(if inside {
        Added::AlreadyCoded
    } else {
        Added::Joined(overlapping.len())
    })
}

/// Remove a theme from a span, one coder's codings (or everyone's, for None): codings inside
/// it go to the archive, codings that stick out are trimmed (or split in two). Returns how
/// many codings were touched.
pub fn remove(
    conn: &Connection,
    transcript: i64,
    theme: i64,
    span: Span,
    coder: Option<i64>,
) -> Result<usize> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, start, end, memo, coder_id, created_at, version_id FROM coding
         WHERE transcript_id = ?1 AND theme_id = ?2 AND start < ?4 AND end > ?3
           AND (?5 IS NULL OR coder_id = ?5)",
    )?;
    type Row = (i64, usize, usize, Option<String>, i64, String, Option<i64>);
    let hits: Vec<Row> = stmt
        .query_map(
            params![transcript, theme, span.start as i64, span.end as i64, coder],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    for (id, s, e, memo, coder, at, version) in &hits {
        let left = *s < span.start;
        let right = *e > span.end;
        match (left, right) {
            (false, false) => {
                crate::journal::archive_coding(conn, *id, "uncoded")?;
            }
            (true, false) => {
                conn.execute(
                    "UPDATE coding SET end = ?2 WHERE id = ?1",
                    params![id, span.start as i64],
                )?;
            }
            (false, true) => {
                conn.execute(
                    "UPDATE coding SET start = ?2 WHERE id = ?1",
                    params![id, span.end as i64],
                )?;
            }
            (true, true) => {
                conn.execute(
                    "UPDATE coding SET end = ?2 WHERE id = ?1",
                    params![id, span.start as i64],
                )?;
                conn.execute(
                    "INSERT INTO coding (transcript_id, theme_id, start, end, memo, coder_id, created_at, version_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![transcript, theme, span.end as i64, *e as i64, memo, coder, at, version],
                )?;
            }
        }
    }
    Ok(hits.len())
}

/// Whether several coders have coded in this project (codings now or archived). In a team,
/// commands that remove codings touch the coder's own unless told otherwise; in a project one
/// person codes, they touch that person's whatever name they code under today.
pub fn is_team(conn: &Connection) -> Result<bool> {
    let coders: i64 = conn.query_row(
        "SELECT count(DISTINCT coder_id) FROM (SELECT coder_id FROM coding
                                               UNION SELECT coder_id FROM coding_archive)",
        [],
        |r| r.get(0),
    )?;
    Ok(coders > 1)
}

/// Every coding of a transcript as (theme id, span, coder id, coding id), in text order.
pub fn codings_of(conn: &Connection, transcript: i64) -> Result<Vec<(i64, Span, i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT theme_id, start, end, coder_id, id FROM coding WHERE transcript_id = ?1
         ORDER BY start, end, theme_id, id",
    )?;
    let rows = stmt.query_map([transcript], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Span::new(r.get::<_, i64>(1)? as usize, r.get::<_, i64>(2)? as usize),
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Number of code points in a text (re-exported for callers that have only text).
pub fn char_len(text: &str) -> usize {
    Offsets::new(text).len_chars()
}
