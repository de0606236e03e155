//! Memos (on a transcript, a segment, a theme or a coding) and the dated reflexive journal.

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::coding::Doc;
use crate::error::{Error, Result};
use crate::project::now;
use crate::template::Template;

/// What a memo is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Transcript(String),
    Segment(String, i64),
    Theme(String),
    Coding(i64),
}

impl Target {
    /// `P03`, `P03:12`, `theme:1.2` (any theme reference) or `coding:57`.
    pub fn parse(s: &str) -> Result<Target> {
        let s = s.trim();
        if let Some(t) = s.strip_prefix("theme:") {
            return Ok(Target::Theme(t.trim().to_string()));
        }
        if let Some(c) = s.strip_prefix("coding:") {
            return c.trim().parse().map(Target::Coding).map_err(|_| {
                Error::usage(format!("\"{s}\" is not coding:ID")).with_hint("e.g. coding:57")
            });
        }
        match s.rsplit_once(':') {
            Some((name, seg))
                if seg.trim().chars().all(|c| c.is_ascii_digit()) && !seg.is_empty() =>
            {
                Ok(Target::Segment(
                    name.to_string(),
                    seg.trim().parse().unwrap_or(0),
                ))
            }
            _ if s.is_empty() => Err(Error::usage("name what the memo is about")
                .with_hint("P03 (a transcript), P03:12 (a segment), theme:1.2 or coding:57")),
            _ => Ok(Target::Transcript(s.to_string())),
        }
    }
}

/// Where a memo points, resolved to ids.
struct Resolved {
    kind: &'static str,
    transcript: Option<i64>,
    segment: Option<i64>,
    theme: Option<i64>,
    coding: Option<i64>,
}

fn resolve(conn: &Connection, target: &Target) -> Result<Resolved> {
    Ok(match target {
        Target::Transcript(name) => Resolved {
            kind: "transcript",
            transcript: Some(Doc::load(conn, name)?.id),
            segment: None,
            theme: None,
            coding: None,
        },
        Target::Segment(name, n) => {
            let doc = Doc::load(conn, name)?;
            doc.segment(*n)?;
            Resolved {
                kind: "segment",
                transcript: Some(doc.id),
                segment: Some(*n),
                theme: None,
                coding: None,
            }
        }
        Target::Theme(r) => Resolved {
            kind: "theme",
            transcript: None,
            segment: None,
            theme: Some(Template::load(conn)?.resolve(r)?.id),
            coding: None,
        },
        Target::Coding(id) => {
            let transcript: Option<i64> = conn
                .query_row(
                    "SELECT transcript_id FROM coding WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .ok();
            let Some(transcript) = transcript else {
                return Err(Error::user(format!("no coding has id {id}"))
                    .with_hint("coding ids are listed by \"tana quotes THEME --format csv\""));
            };
            Resolved {
                kind: "coding",
                transcript: Some(transcript),
                segment: None,
                theme: None,
                coding: Some(*id),
            }
        }
    })
}

/// Add a memo. Returns its id.
pub fn add(conn: &Connection, target: &Target, text: &str, coder: i64) -> Result<i64> {
    if text.trim().is_empty() {
        return Err(Error::usage("the memo is empty"));
    }
    let r = resolve(conn, target)?;
    conn.execute(
        "INSERT INTO memo (target, transcript_id, segment_number, theme_id, coding_id, text, coder_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![r.kind, r.transcript, r.segment, r.theme, r.coding, text.trim(), coder, now()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A memo, ready to print.
#[derive(Debug, Clone, Serialize)]
pub struct Memo {
    pub id: i64,
    /// What it is about: "P03", "P03:12", "theme 1.2 Name", "coding 57 (P03)".
    pub on: String,
    pub created_at: String,
    pub coder: String,
    pub text: String,
}

/// Which memos to list.
#[derive(Debug, Clone)]
pub enum Filter {
    All,
    Id(i64),
    On(Target),
    /// Every memo about this theme.
    Theme(i64),
    Coder(i64),
}

/// Memos, oldest first.
pub fn list(conn: &Connection, template: &Template, filter: &Filter) -> Result<Vec<Memo>> {
    let (clause, arg): (&str, Option<i64>) = match filter {
        Filter::All => ("1", None),
        Filter::Id(id) => ("m.id = ?1", Some(*id)),
        Filter::Theme(id) => ("m.theme_id = ?1", Some(*id)),
        Filter::Coder(id) => ("m.coder_id = ?1", Some(*id)),
        Filter::On(t) => {
            let r = resolve(conn, t)?;
            return list_resolved(conn, template, &r);
        }
    };
    query(
        conn,
        template,
        clause,
        arg.map(|a| vec![a]).unwrap_or_default(),
    )
}

fn list_resolved(conn: &Connection, template: &Template, r: &Resolved) -> Result<Vec<Memo>> {
    match r.kind {
        "transcript" => query(
            conn,
            template,
            "m.transcript_id = ?1",
            vec![r.transcript.unwrap_or(0)],
        ),
        "segment" => query(
            conn,
            template,
            "m.transcript_id = ?1 AND m.segment_number = ?2",
            vec![r.transcript.unwrap_or(0), r.segment.unwrap_or(0)],
        ),
        "theme" => query(
            conn,
            template,
            "m.theme_id = ?1",
            vec![r.theme.unwrap_or(0)],
        ),
        _ => query(
            conn,
            template,
            "m.coding_id = ?1",
            vec![r.coding.unwrap_or(0)],
        ),
    }
}

fn query(
    conn: &Connection,
    template: &Template,
    clause: &str,
    args: Vec<i64>,
) -> Result<Vec<Memo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT m.id, m.target, t.name, m.segment_number, m.theme_id, m.coding_id, m.created_at, c.name, m.text
         FROM memo m JOIN coder c ON c.id = m.coder_id LEFT JOIN transcript t ON t.id = m.transcript_id
         WHERE {clause} ORDER BY m.id"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, String>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, transcript, seg, theme, coding, at, coder, text) = row?;
        let on = match kind.as_str() {
            "transcript" => transcript.unwrap_or_default(),
            "segment" => format!("{}:{}", transcript.unwrap_or_default(), seg.unwrap_or(0)),
            "theme" => theme
                .and_then(|t| template.get(t))
                .map(|t| format!("theme {}", t.label()))
                .unwrap_or_else(|| "a deleted theme".into()),
            _ => format!(
                "coding {} ({})",
                coding.unwrap_or(0),
                transcript.unwrap_or_default()
            ),
        };
        out.push(Memo {
            id,
            on,
            created_at: at,
            coder,
            text,
        });
    }
    Ok(out)
}

/// Add a journal entry; tags are trimmed, lower-cased, sorted and de-duplicated.
pub fn journal_add(conn: &Connection, text: &str, tags: &[String], coder: i64) -> Result<i64> {
    if text.trim().is_empty() {
        return Err(Error::usage("the journal entry is empty"));
    }
    let mut tags: Vec<String> = tags
        .iter()
        .flat_map(|t| t.split(','))
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort();
    tags.dedup();
    conn.execute(
        "INSERT INTO journal_entry (text, tags, coder_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![text.trim(), tags.join(","), coder, now()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A journal entry.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    pub id: i64,
    pub created_at: String,
    pub coder: String,
    pub tags: String,
    pub text: String,
}

/// The journal, oldest first, optionally only entries with a tag.
pub fn journal(conn: &Connection, tag: Option<&str>) -> Result<Vec<JournalEntry>> {
    let mut stmt = conn.prepare(
        "SELECT j.id, j.created_at, c.name, j.tags, j.text FROM journal_entry j
         JOIN coder c ON c.id = j.coder_id ORDER BY j.id",
    )?;
    let all: Vec<JournalEntry> = stmt
        .query_map([], |r| {
            Ok(JournalEntry {
                id: r.get(0)?,
                created_at: r.get(1)?,
                coder: r.get(2)?,
                tags: r.get(3)?,
                text: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(match tag {
        None => all,
        Some(t) => {
            let t = t.trim().to_lowercase();
            all.into_iter()
                .filter(|j| j.tags.split(',').any(|x| x == t))
                .collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(
            Target::parse("P03").unwrap(),
            Target::Transcript("P03".into())
        );
        assert_eq!(
            Target::parse("P03:12").unwrap(),
            Target::Segment("P03".into(), 12)
        );
        assert_eq!(
            Target::parse("theme:1.2").unwrap(),
            Target::Theme("1.2".into())
        );
        assert_eq!(Target::parse("coding:57").unwrap(), Target::Coding(57));
        assert!(Target::parse("coding:x").is_err());
    }
}
