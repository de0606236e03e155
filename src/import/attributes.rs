//! Participant attributes: `key=value` pairs per transcript, set one by one or from a CSV.

use std::path::Path;

use rusqlite::Connection;

use super::csv_input::CsvInput;
use crate::error::{Error, Result};

/// Set one attribute (replacing its old value).
pub fn set(conn: &Connection, transcript: i64, key: &str, value: &str) -> Result<()> {
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::user("an attribute needs a name before \"=\""));
    }
    conn.execute(
        "INSERT INTO attribute (transcript_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (transcript_id, key) DO UPDATE SET value = excluded.value",
        (transcript, key, value.trim()),
    )?;
    Ok(())
}

/// Parse `key=value`.
pub fn parse_pair(s: &str) -> Result<(String, String)> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(Error::usage(format!("attribute \"{s}\" is not key=value"))
            .with_hint("write it like role=manager")),
    }
}

/// What `import_csv` did.
#[derive(Debug, Default)]
pub struct AttributeReport {
    pub transcripts: usize,
    pub values: usize,
    pub columns: Vec<String>,
}

/// Read a CSV whose first column names the transcript and whose other columns are attributes.
/// Every row is checked before anything is written; unknown transcripts are all reported.
pub fn import_csv(conn: &Connection, path: &Path) -> Result<AttributeReport> {
    let input = CsvInput::open(path)?;
    if input.headers.len() < 2 {
        return Err(Error::user(format!(
            "{}: needs a header row with the transcript column first and at least one attribute column",
            input.shown
        ))
        .with_hint("e.g. transcript,role,sector"));
    }
    let columns: Vec<String> = input.headers.iter().skip(1).cloned().collect();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (line, rec) in input.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let name = rec.get(0).unwrap_or("").trim().to_string();
        let id: Option<i64> = conn
            .query_row("SELECT id FROM transcript WHERE name = ?1", [&name], |r| {
                r.get(0)
            })
            .ok();
        match id {
            Some(id) => rows.push((id, rec)),
            None => problems.push(format!("line {line}: no transcript named \"{name}\"")),
        }
    }
    if !problems.is_empty() {
        return Err(Error::user(format!(
            "{}: {} bad row(s), nothing was changed:\n  {}",
            input.shown,
            problems.len(),
            problems.join("\n  ")
        ))
        .with_hint(
            "run \"tana transcripts\" to list transcript names; the first column must match them",
        ));
    }
    let mut report = AttributeReport {
        columns: columns.clone(),
        ..Default::default()
    };
    for (id, rec) in &rows {
        for (key, value) in columns.iter().zip(rec.iter().skip(1)) {
            if !value.trim().is_empty() {
                set(conn, *id, key, value)?;
                report.values += 1;
            }
        }
    }
    // A transcript on two rows is one transcript.
    let ids: std::collections::BTreeSet<i64> = rows.iter().map(|(id, _)| *id).collect();
    report.transcripts = ids.len();
    Ok(report)
}
