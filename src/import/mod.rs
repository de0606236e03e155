//! Importing transcripts: one file per format turns into text, then segments, then rows.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::project::now;
use crate::segment::{segment, TurnRule};
use crate::text::{decode, find_folded, slice_chars, Offsets};

pub mod attributes;
pub mod captions;
pub mod csv_input;
pub mod office;
pub mod taguette;

/// How to import one file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The transcript's name; by default the file stem.
    pub name: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub replace: bool,
    pub turns: TurnRule,
    /// For CSV transcripts: the speaker, text and (optional) start columns.
    pub columns: Vec<String>,
    /// The transcript's guid, when a REFI-QDA file gives one that no transcript has yet
    /// (otherwise a new one is made).
    pub guid: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct Imported {
    pub name: String,
    pub segments: usize,
    pub speakers: usize,
    pub words: usize,
    pub replaced: bool,
    /// Codings whose text moved in a replaced transcript and were re-anchored.
    pub moved_codings: usize,
}

/// File formats this importer reads.
const FORMATS: &[&str] = &[
    "txt", "md", "markdown", "text", "vtt", "srt", "csv", "docx", "odt",
];

/// Read a transcript file and store it.
pub fn import_file(
    conn: &Connection,
    path: &Path,
    opts: &ImportOptions,
    coder: i64,
) -> Result<Imported> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if ext == "qdc" {
        return Err(Error::user(format!(
            "{} is a REFI-QDA codebook, not a transcript",
            path.display()
        ))
        .with_hint(format!(
            "import its themes with \"tana template import {}\"",
            path.display()
        )));
    }
    if !ext.is_empty() && !FORMATS.contains(&ext.as_str()) {
        return Err(Error::user(format!(
            "{}: cannot import .{ext} files yet",
            path.display()
        ))
        .with_hint(
            "tana imports .txt, .md, .docx, .odt, .vtt, .srt and .csv (one row per turn), and REFI-QDA projects (.qdpx); save the transcript as .txt",
        ));
    }
    if path.is_dir() {
        return Err(
            Error::user(format!("{} is a folder, not a file", path.display())).with_hint(format!(
                "import its files with \"tana import {}/*.txt\"",
                path.display()
            )),
        );
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::user(format!("{}: no such file", path.display()))
            .with_hint("check the path; it is relative to the current directory"),
        _ => Error::io(path, e),
    })?;
    let office = match ext.as_str() {
        "docx" => Some(office::OfficeKind::Docx),
        "odt" => Some(office::OfficeKind::Odt),
        _ => None,
    };
    let text = match office {
        Some(kind) => {
            let text = office::extract(&path.display().to_string(), &bytes, kind)?;
            if text.trim().is_empty() {
                return Err(
                    Error::user(format!("{}: the document has no text", path.display()))
                        .with_hint("nothing was imported"),
                );
            }
            text
        }
        None => decode(&bytes).map_err(|p| {
            Error::user(format!("{}: {}", path.display(), p.describe())).with_hint(
                "save the transcript as UTF-8 text and import it again; nothing was imported",
            )
        })?,
    };
    let name = match &opts.name {
        Some(n) => n.trim().to_string(),
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let shown = path.display().to_string();
    let turns = match ext.as_str() {
        "vtt" => Some(captions::parse_vtt(&text, &shown)?),
        "srt" => Some(captions::parse_srt(&text, &shown)?),
        "csv" => {
            let columns = if opts.columns.is_empty() {
                vec![
                    "speaker".to_string(),
                    "text".to_string(),
                    "start".to_string(),
                ]
            } else {
                opts.columns.clone()
            };
            Some(captions::parse_csv(&text, &shown, &columns)?)
        }
        _ => None,
    };
    let source = Source {
        path: Some(&shown),
        format: match ext.as_str() {
            "md" | "markdown" => "md",
            "vtt" | "srt" | "csv" | "docx" | "odt" => ext.as_str(),
            _ => "txt",
        },
    };
    validate_name(&name)?;
    let segments = match turns {
        Some(turns) => {
            let (laid_out, segments) = captions::layout(&turns);
            return store(conn, &name, &laid_out, segments, &source, opts, coder);
        }
        None => segment(&text, &opts.turns, &name),
    };
    store(conn, &name, &text, segments, &source, opts, coder)
}

/// Where a transcript came from.
pub struct Source<'a> {
    pub path: Option<&'a str>,
    pub format: &'a str,
}

/// Store a transcript's text (already decoded) with its segments and attributes.
pub fn import_text(
    conn: &Connection,
    name: &str,
    text: &str,
    source: Option<&str>,
    format: &str,
    opts: &ImportOptions,
    coder: i64,
) -> Result<Imported> {
    validate_name(name)?;
    let segments = segment(text, &opts.turns, name);
    store(
        conn,
        name,
        text,
        segments,
        &Source {
            path: source,
            format,
        },
        opts,
        coder,
    )
}

/// Store a transcript with its segments (made by `segment` or by a turn-based format).
fn store(
    conn: &Connection,
    name: &str,
    text: &str,
    segments: Vec<crate::segment::SegmentSpan>,
    src: &Source,
    opts: &ImportOptions,
    coder: i64,
) -> Result<Imported> {
    let (source, format) = (src.path, src.format);
    let chars = Offsets::new(text).len_chars();
    let words: usize = segments.iter().map(|s| s.words).sum();
    let existing: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, text FROM transcript WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let mut moved = 0;
    let replaced = existing.is_some();
    let id = match existing {
        Some(_) if !opts.replace => {
            return Err(Error::user(format!("transcript {name} already exists"))
                .with_hint("add --replace to replace its text (codings are kept where their text is unchanged), or --name to import under another name"));
        }
        Some((id, old_text)) => {
            moved = reanchor_codings(conn, id, name, &old_text, text)?;
            conn.execute("DELETE FROM segment WHERE transcript_id = ?1", [id])?;
            conn.execute(
                "UPDATE transcript SET text = ?2, chars = ?3, words = ?4, source_path = ?5,
                        format = ?6, imported_at = ?7, imported_by = ?8 WHERE id = ?1",
                params![
                    id,
                    text,
                    chars as i64,
                    words as i64,
                    source,
                    format,
                    now(),
                    coder
                ],
            )?;
            id
        }
        None => {
            // The guid goes in with the row: setting it afterwards (as the schema's default
            // trigger does) would write the whole text a second time, and leave as much free
            // space in the file.
            let taken = |g: &str| -> Result<bool> {
                Ok(conn
                    .query_row("SELECT 1 FROM transcript WHERE guid = ?1", [g], |_| Ok(()))
                    .optional()?
                    .is_some())
            };
            let guid = match opts.guid.as_deref() {
                Some(g) if !taken(g)? => g.to_string(),
                _ => uuid::Uuid::new_v4().hyphenated().to_string(),
            };
            conn.execute(
                "INSERT INTO transcript (name, source_path, format, text, chars, words, imported_at, imported_by, guid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![name, source, format, text, chars as i64, words as i64, now(), coder, guid],
            )?;
            conn.last_insert_rowid()
        }
    };
    let mut insert = conn.prepare_cached(
        "INSERT INTO segment (transcript_id, number, speaker, start, end, words, time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (i, s) in segments.iter().enumerate() {
        insert.execute(params![
            id,
            (i + 1) as i64,
            s.speaker,
            s.start as i64,
            s.end as i64,
            s.words as i64,
            s.time
        ])?;
    }
    for (k, v) in &opts.attributes {
        attributes::set(conn, id, k, v)?;
    }
    let speakers: std::collections::BTreeSet<&str> = segments
        .iter()
        .filter_map(|s| s.speaker.as_deref())
        .collect();
    Ok(Imported {
        name: name.to_string(),
        segments: segments.len(),
        speakers: speakers.len(),
        words,
        replaced,
        moved_codings: moved,
    })
}

fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(
            Error::user("a transcript name cannot be empty").with_hint("give one with --name")
        );
    }
    crate::text::check_name("transcript name", name)
        .map_err(|e| e.with_hint("choose another name with --name"))?;
    if name.contains(':') {
        return Err(
            Error::user(format!("transcript name \"{name}\" contains \":\""))
                .with_hint("choose another name with --name"),
        );
    }
    Ok(())
}

/// Keep every coding of a replaced transcript on its text: unchanged spans stay, moved text is
/// found again (exactly once), and anything else refuses the replace.
fn reanchor_codings(conn: &Connection, id: i64, name: &str, old: &str, new: &str) -> Result<usize> {
    let mut stmt = conn.prepare("SELECT id, start, end FROM coding WHERE transcript_id = ?1")?;
    let codings: Vec<(i64, usize, usize)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if codings.is_empty() {
        return Ok(0);
    }
    let new_chars = Offsets::new(new).len_chars();
    let mut moves = Vec::new();
    let mut orphans = 0;
    for (cid, s, e) in &codings {
        let coded = slice_chars(old, *s, *e);
        if *e <= new_chars && slice_chars(new, *s, *e) == coded {
            continue;
        }
        let found: Vec<(usize, usize)> = exact_matches(new, coded);
        if found.len() == 1 {
            moves.push((*cid, found[0].0, found[0].1));
        } else {
            orphans += 1;
        }
    }
    if orphans > 0 {
        return Err(Error::user(format!(
            "replacing {name} would orphan {orphans} of its {} codings: their text is no longer found exactly once in the new file",
            codings.len()
        ))
        .with_hint(format!("uncode them first (\"tana show {name}\" lists them), or restore the coded text in the new file; nothing was changed")));
    }
    let mut update = conn.prepare("UPDATE coding SET start = ?2, end = ?3 WHERE id = ?1")?;
    for (cid, s, e) in &moves {
        update.execute(params![cid, *s as i64, *e as i64])?;
    }
    Ok(moves.len())
}

fn exact_matches(hay: &str, needle: &str) -> Vec<(usize, usize)> {
    // Exact text first; whitespace-folded as a fallback, so re-wrapped lines still match.
    let offsets = Offsets::new(hay);
    let exact: Vec<(usize, usize)> = hay
        .match_indices(needle)
        .map(|(b, m)| (offsets.char_of_byte(b), offsets.char_of_byte(b + m.len())))
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    find_folded(hay, needle, false)
}
