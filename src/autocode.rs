//! Autocoding: code the obvious cases in bulk from a search, after a preview, as one batch
//! that can be undone.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::coding::Stamp;
use crate::error::{Error, Result};
use crate::model::Span;
use crate::project::now;
use crate::search::{matching, SearchOptions};
use crate::segment::sentences;
use crate::template::Template;
use crate::text::Offsets;

/// What an autocode codes: whole segments, or the sentences that hold a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    Segment,
    Sentence,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Segment => "segment",
            Scope::Sentence => "sentence",
        }
    }
}

/// One span the autocode would code.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub transcript_id: i64,
    pub transcript: String,
    pub segment: i64,
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// Already inside a coding of the theme: left alone.
    pub already: bool,
}

/// Find what `tana autocode` would code for `coder` (None: a coder with no codings yet),
/// without coding anything. Spans the coder has coded with the theme already are marked.
pub fn preview(
    conn: &Connection,
    template: &Template,
    theme: i64,
    query: &str,
    opts: &SearchOptions,
    scope: Scope,
    coder: Option<i64>,
) -> Result<Vec<Candidate>> {
    let (rows, matcher) = matching(conn, template, query, opts)?;
    // For sentence scope, each sentence is tested against the search itself (phrases, NEAR,
    // AND), in a temporary full-text table: a sentence qualifies on its own, not for sharing
    // one word with the query.
    let sentence_hits = if scope == Scope::Sentence && !matcher.is_regex() {
        Some(matching_sentences(conn, &rows, query)?)
    } else {
        None
    };
    let mut text_stmt = conn.prepare_cached("SELECT text FROM transcript WHERE id = ?1")?;
    let mut covered = conn.prepare_cached(
        "SELECT count(*) > 0 FROM coding WHERE transcript_id = ?1 AND theme_id = ?2
         AND start < ?4 AND end > ?3 AND coder_id = ?5",
    )?;
    let mut loaded: Option<(i64, String, Offsets)> = None;
    let mut out = Vec::new();
    for row in &rows {
        if loaded.as_ref().is_none_or(|l| l.0 != row.transcript_id) {
            let t: String = text_stmt.query_row([row.transcript_id], |r| r.get(0))?;
            let o = Offsets::new(&t);
            loaded = Some((row.transcript_id, t, o));
        }
        let (_, t, o) = loaded.as_ref().expect("loaded above");
        let seg_text = &t[o.byte_of_char(row.start)..o.byte_of_char(row.end)];
        let hits = matcher.all(seg_text);
        if hits.is_empty() && matcher.is_regex() {
            continue;
        }
        let spans: Vec<Span> = match scope {
            Scope::Segment => vec![Span::new(row.start, row.end)],
            Scope::Sentence => {
                let so = Offsets::new(seg_text);
                let hit_chars: Vec<usize> = hits.iter().map(|h| so.char_of_byte(h.0)).collect();
                let all: Vec<(usize, usize)> = sentences(seg_text);
                let matched: Vec<(usize, usize)> = match &sentence_hits {
                    Some(set) => all
                        .iter()
                        .copied()
                        .filter(|(a, b)| set.contains(&(row.start + a, row.start + b)))
                        .collect(),
                    None => Vec::new(),
                };
                // No sentence matches alone (NEAR across sentences, or a regex): take the
                // sentences that hold a hit.
                let chosen = if matched.is_empty() {
                    all.into_iter()
                        .filter(|(a, b)| hit_chars.iter().any(|h| h >= a && h < b))
                        .collect()
                } else {
                    matched
                };
                let found: Vec<Span> = chosen
                    .into_iter()
                    .map(|(a, b)| Span::new(row.start + a, row.start + b))
                    .collect();
                // FTS matched the segment even if the words could not be placed: code it whole.
                if found.is_empty() {
                    vec![Span::new(row.start, row.end)]
                } else {
                    found
                }
            }
        };
        for span in spans {
            let already: bool = covered.query_row(
                params![
                    row.transcript_id,
                    theme,
                    span.start as i64,
                    span.end as i64,
                    coder
                ],
                |r| r.get(0),
            )?;
            out.push(Candidate {
                transcript_id: row.transcript_id,
                transcript: row.transcript.clone(),
                segment: row.number,
                start: span.start,
                end: span.end,
                text: t[o.byte_of_char(span.start)..o.byte_of_char(span.end)].to_string(),
                already,
            });
        }
    }
    Ok(out)
}

/// The sentences of the matching segments that match the search on their own, as absolute
/// code-point spans.
fn matching_sentences(
    conn: &Connection,
    rows: &[crate::search::Row],
    query: &str,
) -> Result<std::collections::HashSet<(usize, usize)>> {
    conn.execute_batch(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.sentence_probe USING fts5(
             text, tokenize = 'unicode61 remove_diacritics 2');
         DELETE FROM temp.sentence_probe;",
    )?;
    let mut spans: Vec<(usize, usize)> = Vec::new();
    {
        let mut text_stmt = conn.prepare_cached("SELECT text FROM transcript WHERE id = ?1")?;
        let mut insert =
            conn.prepare_cached("INSERT INTO temp.sentence_probe (rowid, text) VALUES (?1, ?2)")?;
        let mut loaded: Option<(i64, String, Offsets)> = None;
        for row in rows {
            if loaded.as_ref().is_none_or(|l| l.0 != row.transcript_id) {
                let t: String = text_stmt.query_row([row.transcript_id], |r| r.get(0))?;
                let o = Offsets::new(&t);
                loaded = Some((row.transcript_id, t, o));
            }
            let (_, t, o) = loaded.as_ref().expect("loaded above");
            let seg_text = &t[o.byte_of_char(row.start)..o.byte_of_char(row.end)];
            let so = Offsets::new(seg_text);
            for (a, b) in sentences(seg_text) {
                insert.execute(params![
                    spans.len() as i64,
                    crate::search::index_text(&seg_text[so.byte_of_char(a)..so.byte_of_char(b)])
                ])?;
                spans.push((row.start + a, row.start + b));
            }
        }
    }
    let mut stmt =
        conn.prepare("SELECT rowid FROM temp.sentence_probe WHERE sentence_probe MATCH ?1")?;
    let hits: std::collections::HashSet<(usize, usize)> = stmt
        .query_map([crate::search::fts_query(query)], |r| r.get::<_, i64>(0))?
        .filter_map(|id| id.ok().and_then(|id| spans.get(id as usize).copied()))
        .collect();
    conn.execute("DELETE FROM temp.sentence_probe", [])?;
    Ok(hits)
}

/// Code the new candidates as one batch. Returns the batch id and how many codings it made.
pub fn apply(
    conn: &Connection,
    theme: i64,
    query: &str,
    regex: bool,
    scope: Scope,
    candidates: &[Candidate],
    coder: i64,
) -> Result<(i64, usize)> {
    let fresh: Vec<&Candidate> = candidates.iter().filter(|c| !c.already).collect();
    if fresh.is_empty() {
        return Err(Error::user(
            "nothing new to code: every match is already coded with that theme",
        ));
    }
    conn.execute(
        "INSERT INTO autocode_batch (theme_id, query, regex, scope, codings, coder_id, created_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
        params![theme, query, regex, scope.as_str(), coder, now()],
    )?;
    let batch = conn.last_insert_rowid();
    let stamp = Stamp::new(conn, coder)?;
    let mut made = 0;
    for c in fresh {
        // Candidates never overlap codings of the theme, but sentences of one batch may touch.
        let added = crate::coding::add(
            conn,
            c.transcript_id,
            theme,
            Span::new(c.start, c.end),
            None,
            &stamp,
        )?;
        if let crate::coding::Added::New(id) = added {
            conn.execute(
                "UPDATE coding SET autocode_batch = ?2 WHERE id = ?1",
                params![id, batch],
            )?;
            made += 1;
        }
    }
    conn.execute(
        "UPDATE autocode_batch SET codings = ?2 WHERE id = ?1",
        params![batch, made as i64],
    )?;
    Ok((batch, made))
}

/// Undo an autocode batch. A batch applied by this tana is one change in the log, and its
/// undo is that change's undo (`tana undo N`). A batch from an older tana, made before the
/// change log covered codings, is undone by archiving the codings it made that were not joined
/// with manual work since, as one change of its own. Returns (removed, kept because changed).
pub fn undo(conn: &Connection, batch: i64, coder: i64) -> Result<(usize, usize)> {
    let row: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT codings, undone_at FROM autocode_batch WHERE id = ?1",
            [batch],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let made_by: Option<i64> = conn
        .query_row(
            "SELECT revision_id FROM revision_row WHERE tbl = 'autocode_batch' AND row_id = ?1
               AND old IS NULL ORDER BY id DESC LIMIT 1",
            [batch],
            |r| r.get(0),
        )
        .optional()?;
    let Some((made, undone)) = row else {
        if let Some(change) = made_by {
            return Err(Error::user(format!(
                "autocode batch {batch} was already undone (change {change} made it)"
            ))
            .with_hint("\"tana log\" lists the changes"));
        }
        return Err(Error::user(format!("no autocode batch {batch}"))
            .with_hint("\"tana autocode list\" lists the batches"));
    };
    if undone.is_some() {
        return Err(Error::user(format!(
            "autocode batch {batch} was already undone"
        )));
    }
    if let Some(change) = made_by {
        let remaining: i64 = conn.query_row(
            "SELECT count(*) FROM coding WHERE autocode_batch = ?1",
            [batch],
            |r| r.get(0),
        )?;
        crate::journal::undo(
            conn,
            Some(change),
            None,
            coder,
            Some(format!("autocode undo {batch}")),
        )?;
        return Ok((remaining as usize, (made - remaining).max(0) as usize));
    }
    let (removed, _) = crate::journal::record(conn, coder, |_| {
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM coding WHERE autocode_batch = ?1 ORDER BY id")?
            .query_map([batch], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in &ids {
            crate::journal::archive_coding(conn, *id, &format!("autocode batch {batch} undone"))?;
        }
        conn.execute(
            "UPDATE autocode_batch SET undone_at = ?2 WHERE id = ?1",
            params![batch, now()],
        )?;
        let entry = crate::journal::LogEntry::new(
            "autocode-undo",
            crate::journal::Kind::Coding,
            format!("autocode undo {batch}: {} coding(s) archived", ids.len()),
        );
        Ok((ids.len(), entry))
    })?;
    Ok((removed, (made as usize).saturating_sub(removed)))
}

/// A batch, for listing.
#[derive(Debug, Clone, Serialize)]
pub struct Batch {
    pub id: i64,
    pub theme: String,
    pub query: String,
    pub scope: String,
    pub codings: i64,
    pub remaining: i64,
    pub coder: String,
    pub created_at: String,
    pub undone_at: Option<String>,
}

/// Every batch, oldest first.
pub fn list(conn: &Connection, template: &Template) -> Result<Vec<Batch>> {
    let mut stmt = conn.prepare(
        "SELECT b.id, b.theme_id, b.query, b.regex, b.scope, b.codings,
                (SELECT count(*) FROM coding c WHERE c.autocode_batch = b.id), k.name, b.created_at, b.undone_at
         FROM autocode_batch b JOIN coder k ON k.id = b.coder_id ORDER BY b.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, bool>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, i64>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, String>(8)?,
            r.get::<_, Option<String>>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, theme, query, regex, scope, codings, remaining, coder, created_at, undone_at) =
            row?;
        out.push(Batch {
            id,
            theme: template
                .get(theme)
                .map(|t| t.label())
                .unwrap_or_else(|| "(deleted theme)".into()),
            query: if regex {
                format!("--regex {query}")
            } else {
                query
            },
            scope,
            codings,
            remaining,
            coder,
            created_at,
            undone_at,
        });
    }
    Ok(out)
}
