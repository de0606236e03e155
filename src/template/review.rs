//! The re-review list: what must be re-read or re-coded after a revision.

use rusqlite::{params, Connection};
use serde::Serialize;

use super::version::latest_version;
use super::Template;
use crate::coding::Doc;
use crate::error::{Error, Result};
use crate::project::now;

/// One entry of the list.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: i64,
    pub transcript: String,
    pub segment: Option<i64>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// The coded text under review (for confirm and assign entries).
    pub text: Option<String>,
    pub theme: Option<String>,
    pub kind: String,
    pub reason: String,
    pub revision: i64,
    pub op: String,
    pub open: bool,
    pub resolution: Option<String>,
}

/// Review entries, open ones only unless `all`.
pub fn list(conn: &Connection, all: bool, transcript: Option<&str>) -> Result<Vec<Entry>> {
    let template = Template::load(conn)?;
    let mut stmt = conn.prepare(
        "SELECT v.id, t.name, v.start, v.theme_id, v.kind, v.reason, v.revision_id, r.op,
                v.closed_at IS NULL, v.resolution, t.id, v.end,
                CASE WHEN v.start IS NOT NULL THEN substr(t.text, v.start + 1, v.end - v.start) END
         FROM review v JOIN transcript t ON t.id = v.transcript_id
         JOIN revision r ON r.id = v.revision_id
         WHERE (?1 OR v.closed_at IS NULL) AND (?2 IS NULL OR t.name = ?2)
         ORDER BY t.id, v.start IS NOT NULL, v.start, v.id",
    )?;
    let mut seg = conn.prepare_cached(
        "SELECT number FROM segment WHERE transcript_id = ?1 AND end > ?2 ORDER BY start LIMIT 1",
    )?;
    let rows = stmt.query_map(params![all, transcript], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, i64>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, bool>(8)?,
            r.get::<_, Option<String>>(9)?,
            r.get::<_, i64>(10)?,
            r.get::<_, Option<i64>>(11)?,
            r.get::<_, Option<String>>(12)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, start, theme, kind, reason, revision, op, open, resolution, tid, end, text) =
            row?;
        let segment = match start {
            Some(s) => seg.query_row(params![tid, s], |r| r.get(0)).ok(),
            None => None,
        };
        out.push(Entry {
            id,
            transcript: name,
            segment,
            start,
            end,
            text,
            theme: theme.and_then(|t| template.get(t)).map(|t| t.label()),
            kind,
            reason,
            revision,
            op,
            open,
            resolution,
        });
    }
    Ok(out)
}

/// Close the open re-read and confirm entries of a transcript (optionally for one theme).
/// When none remain open for it, the transcript counts as fully reviewed against the current
/// version. Returns (closed, still open).
pub fn done(
    conn: &Connection,
    transcript: &str,
    theme: Option<&str>,
    coder: i64,
) -> Result<(usize, usize)> {
    let doc = Doc::load(conn, transcript)?;
    let theme_id = match theme {
        Some(r) => Some(Template::load(conn)?.resolve(r)?.id),
        None => None,
    };
    let closed = conn.execute(
        "UPDATE review SET closed_at = ?3, closed_by = ?4, resolution = 'done'
         WHERE transcript_id = ?1 AND closed_at IS NULL AND kind IN ('reread', 'confirm')
           AND (?2 IS NULL OR theme_id = ?2)",
        params![doc.id, theme_id, now(), coder],
    )?;
    let open: i64 = conn.query_row(
        "SELECT count(*) FROM review WHERE transcript_id = ?1 AND closed_at IS NULL",
        [doc.id],
        |r| r.get(0),
    )?;
    if open == 0 {
        conn.execute(
            "INSERT INTO transcript_review (transcript_id, version_id, reviewed_at, coder_id)
             VALUES (?1, ?2, ?3, ?4)",
            params![doc.id, latest_version(conn)?.map(|v| v.0), now(), coder],
        )?;
    }
    Ok((closed, open as usize))
}

/// Assign split-queued codings to one or more of the new themes. `target` is `#ID` (one
/// entry), `P03:12` (the entries on segment 12 of P03) or `P03` (all of P03's).
pub fn assign(
    conn: &Connection,
    target: &str,
    themes: &[String],
    coder: i64,
) -> Result<Vec<String>> {
    if themes.is_empty() {
        return Err(Error::usage("name the theme(s) to assign the codings to"));
    }
    let template = Template::load(conn)?;
    let to: Vec<_> = themes
        .iter()
        .map(|t| template.resolve(t).cloned())
        .collect::<Result<_>>()?;
    let entries: Vec<(i64, Option<i64>)> = if let Some(id) = target.strip_prefix('#') {
        let id: i64 = id
            .parse()
            .map_err(|_| Error::usage(format!("\"{target}\" is not an entry id like #12")))?;
        let mut stmt = conn.prepare(
            "SELECT id, coding_id FROM review WHERE id = ?1 AND kind = 'assign' AND closed_at IS NULL",
        )?;
        let rows = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows
    } else {
        let (name, seg) = match target.split_once(':') {
            Some((n, s)) => (
                n,
                Some(s.trim().parse::<i64>().map_err(|_| {
                    Error::usage(format!("\"{target}\" is not TRANSCRIPT:SEGMENT"))
                })?),
            ),
            None => (target, None),
        };
        let doc = Doc::load(conn, name)?;
        let span = match seg {
            Some(n) => {
                let s = doc.segment(n)?;
                Some((s.start as i64, s.end as i64))
            }
            None => None,
        };
        let mut stmt = conn.prepare(
            "SELECT id, coding_id FROM review WHERE transcript_id = ?1 AND kind = 'assign'
             AND closed_at IS NULL AND (?2 IS NULL OR (start < ?3 AND end > ?2)) ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![doc.id, span.map(|s| s.0), span.map(|s| s.1)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows
    };
    if entries.is_empty() {
        return Err(Error::user(format!("no open split entries match {target}"))
            .with_hint("run \"tana review\" to list them"));
    }
    let stamp = crate::coding::Stamp::new(conn, coder)?;
    let names: Vec<String> = to.iter().map(|t| t.label()).collect();
    let mut messages = Vec::new();
    for (entry, coding) in entries {
        let row: Option<(i64, i64, i64, Option<String>)> = match coding {
            Some(c) => conn
                .query_row(
                    "SELECT transcript_id, start, end, memo FROM coding WHERE id = ?1",
                    [c],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .ok(),
            None => None,
        };
        let resolution = match row {
            None => "the coding no longer exists".to_string(),
            Some((transcript, s, e, memo)) => {
                let span = crate::model::Span::new(s as usize, e as usize);
                let (first, rest) = to.split_first().expect("at least one theme");
                // The coding itself moves to the first theme, keeping its history; copies go
                // to the others.
                conn.execute(
                    "UPDATE coding SET theme_id = ?2 WHERE id = ?1",
                    params![coding, first.id],
                )?;
                let overlapping: i64 = conn.query_row(
                    "SELECT count(*) FROM coding WHERE transcript_id = ?1 AND theme_id = ?2
                     AND id <> ?3 AND start < ?5 AND end > ?4",
                    params![transcript, first.id, coding, s, e],
                    |r| r.get(0),
                )?;
                if overlapping > 0 {
                    if let Some(c) = coding {
                        crate::journal::archive_coding(
                            conn,
                            c,
                            "joined with an overlapping coding when assigned",
                        )?;
                    }
                    crate::coding::add(conn, transcript, first.id, span, memo.as_deref(), &stamp)?;
                }
                for t in rest {
                    crate::coding::add(conn, transcript, t.id, span, memo.as_deref(), &stamp)?;
                }
                format!("assigned to {}", names.join(", "))
            }
        };
        conn.execute(
            "UPDATE review SET closed_at = ?2, closed_by = ?3, resolution = ?4 WHERE id = ?1",
            params![entry, now(), coder, resolution],
        )?;
        messages.push(format!("#{entry}: {resolution}"));
    }
    Ok(messages)
}
