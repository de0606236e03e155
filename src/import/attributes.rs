//! Participant attributes: `key=value` pairs per transcript, set one by one or from a CSV.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use super::csv_input::CsvInput;
use crate::error::{Error, Result};

/// Set one attribute (replacing its old value).
pub fn set(conn: &Connection, transcript: i64, key: &str, value: &str) -> Result<()> {
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::user("an attribute needs a name before \"=\""));
    }
    crate::text::check_name("attribute name", key)?;
    crate::text::check_name(&format!("value of attribute \"{key}\""), value.trim())?;
    conn.prepare_cached(
        "INSERT INTO attribute (transcript_id, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (transcript_id, key) DO UPDATE SET value = excluded.value
         WHERE value IS NOT excluded.value",
    )?
    .execute((transcript, key, value.trim()))?;
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

/// Read a CSV with a header row: a `transcript` column (usually the first) naming the
/// transcript, and one column per attribute. Every row is checked before anything is written:
/// a missing header, duplicate or empty column names, rows with the wrong number of fields,
/// unknown transcripts and control characters are all reported with their lines, and then
/// nothing is changed.
pub fn import_csv(conn: &Connection, path: &Path) -> Result<AttributeReport> {
    let input = CsvInput::open(path)?;
    let shown = &input.shown;
    let headers = &input.headers;
    let Some(c_transcript) = headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case("transcript"))
    else {
        return Err(Error::user(format!(
            "{shown}, line 1: the header has no \"transcript\" column (it reads: {})",
            headers.join(",")
        ))
        .with_hint("the first row names the columns: transcript, then the attributes (e.g. transcript,role,sector)"));
    };
    if headers.len() < 2 {
        return Err(Error::user(format!(
            "{shown}, line 1: the header has no attribute column after \"transcript\""
        ))
        .with_hint("e.g. transcript,role,sector"));
    }
    // The attribute columns: named, once each, without control characters.
    let mut columns: Vec<(usize, String)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if i == c_transcript {
            continue;
        }
        let at = format!("{shown}, line 1, column {}", i + 1);
        if h.is_empty() {
            return Err(Error::user(format!("{at}: the column has no name"))
                .with_hint("every column after \"transcript\" names an attribute"));
        }
        crate::text::check_name("attribute name", h)
            .map_err(|e| Error::user(format!("{at}: {e}")))?;
        let twin = if h.eq_ignore_ascii_case("transcript") {
            Some(c_transcript)
        } else {
            columns
                .iter()
                .find(|(_, k)| k.to_lowercase() == h.to_lowercase())
                .map(|(j, _)| *j)
        };
        if let Some(j) = twin {
            return Err(Error::user(format!(
                "{at}: \"{h}\" is also the name of column {}",
                j + 1
            ))
            .with_hint("each attribute has one column"));
        }
        columns.push((i, h.clone()));
    }
    let mut rows: Vec<(i64, Vec<(usize, String)>)> = Vec::new();
    let mut problems = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut unknown = false;
    for (line, rec) in input.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        if rec.len() != headers.len() {
            problems.push(format!(
                "line {line}: {} field(s), but the header has {}",
                rec.len(),
                headers.len()
            ));
            continue;
        }
        let name = rec.get(c_transcript).unwrap_or("").trim().to_string();
        if name.is_empty() {
            problems.push(format!("line {line}: the transcript is empty"));
            continue;
        }
        if let Some(first) = first_line.insert(name.clone(), line) {
            problems.push(format!(
                "line {line}: transcript \"{name}\" is also on line {first}"
            ));
            continue;
        }
        let mut values = Vec::new();
        let mut bad = false;
        for (c, key) in &columns {
            let value = rec.get(*c).unwrap_or("").trim();
            if let Err(e) = crate::text::check_name(&format!("value of attribute \"{key}\""), value)
            {
                problems.push(format!("line {line}: {e}"));
                bad = true;
            }
            values.push((*c, value.to_string()));
        }
        let id: Option<i64> = conn
            .query_row("SELECT id FROM transcript WHERE name = ?1", [&name], |r| {
                r.get(0)
            })
            .optional()?;
        match id {
            Some(id) if !bad => rows.push((id, values)),
            Some(_) => {}
            None => {
                unknown = true;
                problems.push(format!("line {line}: no transcript named \"{name}\""));
            }
        }
    }
    if !problems.is_empty() {
        let more = problems.len().saturating_sub(50);
        let mut msg = format!(
            "{shown}: {} bad row(s), nothing was changed:\n  {}",
            problems.len(),
            problems[..problems.len() - more].join("\n  ")
        );
        if more > 0 {
            msg.push_str(&format!("\n  … and {more} more"));
        }
        return Err(Error::user(msg).with_hint(if unknown {
            "run \"tana transcripts\" to list transcript names; the first column must match them"
        } else {
            "fix these rows and run the command again"
        }));
    }
    let mut report = AttributeReport {
        columns: columns.iter().map(|(_, k)| k.clone()).collect(),
        ..Default::default()
    };
    for (id, values) in &rows {
        for (c, value) in values {
            if !value.is_empty() {
                set(conn, *id, &headers[*c], value)?;
                report.values += 1;
            }
        }
    }
    // A transcript on two rows is one transcript.
    let ids: std::collections::BTreeSet<i64> = rows.iter().map(|(id, _)| *id).collect();
    report.transcripts = ids.len();
    Ok(report)
}
