//! Importing transcripts: one file per format turns into text, then segments, then rows.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::project::now;
use crate::segment::{segmentation, Layout, SegmentSpan, Segmentation, TurnRule};
use crate::text::{decode, find_folded, slice_chars, Offsets};

pub mod attributes;
pub mod captions;
pub mod csv_input;
pub mod office;
pub mod survey;
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
    /// Each speaker with their number of turns, most turns first (then in order of the first
    /// turn).
    pub turns: Vec<(String, usize)>,
    /// How the segments were made (turns, paragraphs, lines, or a caption file's cues).
    pub layout: Layout,
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
/// Check that another tool's project at `path` can become a new tana project at `target`:
/// the source is a file, the target does not exist yet, and its folder does. `what` names the
/// source in the hint ("a .qdpx").
pub fn check_new_project(path: &Path, target: &Path, what: &str) -> Result<()> {
    if target.exists() {
        return Err(
            Error::user(format!("{} already exists", target.display())).with_hint(format!(
                "{what} becomes a new tana project: choose another name with -o NEW.tana"
            )),
        );
    }
    if !path.is_file() {
        return Err(Error::user(format!("{}: no such file", path.display()))
            .with_hint("check the path; it is relative to the current directory"));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(Error::user(format!(
                "cannot create {}: folder {} does not exist",
                target.display(),
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Where a project from another tool's file is built before it is renamed into place: a
/// hidden file beside `target`, named for this process.
pub fn temp_project_path(target: &Path) -> std::path::PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project.tana".into());
    target.with_file_name(format!(".{name}.import-{}", std::process::id()))
}

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
    let segmented = match turns {
        Some(turns) => {
            let (laid_out, segments) = captions::layout(&turns);
            let layout = if segments.iter().any(|s| s.speaker.is_some()) {
                Layout::Turns
            } else {
                Layout::Cues
            };
            let segmented = Segmentation { segments, layout };
            return store(conn, &name, &laid_out, segmented, &source, opts, coder);
        }
        None => segmentation(&text, &opts.turns, &name),
    };
    store(conn, &name, &text, segmented, &source, opts, coder)
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
    let segmented = segmentation(text, &opts.turns, name);
    store(
        conn,
        name,
        text,
        segmented,
        &Source {
            path: source,
            format,
        },
        opts,
        coder,
    )
}

/// Store a transcript with its segments (made by `segmentation` or by a turn-based format).
fn store(
    conn: &Connection,
    name: &str,
    text: &str,
    segmented: Segmentation,
    src: &Source,
    opts: &ImportOptions,
    coder: i64,
) -> Result<Imported> {
    let (source, format) = (src.path, src.format);
    let Segmentation { segments, layout } = segmented;
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
            insert_segments(conn, id, &segments)?;
            id
        }
        None => {
            let guid = match opts.guid.as_deref() {
                Some(g) if !guid_taken(conn, g)? => Some(g),
                _ => None,
            };
            NewTranscript {
                name,
                text,
                chars,
                words,
                source: src,
                at: &now(),
                coder,
            }
            .insert(conn, guid, &segments)?
        }
    };
    for (k, v) in &opts.attributes {
        attributes::set(conn, id, k, v)?;
    }
    let turns = speaker_turns(&segments);
    Ok(Imported {
        name: name.to_string(),
        segments: segments.len(),
        speakers: turns.len(),
        turns,
        layout,
        words,
        replaced,
        moved_codings: moved,
    })
}

/// A new transcript row, ready to insert with its segments.
pub(crate) struct NewTranscript<'a> {
    pub name: &'a str,
    pub text: &'a str,
    /// The text's length in code points.
    pub chars: usize,
    pub words: usize,
    pub source: &'a Source<'a>,
    pub at: &'a str,
    pub coder: i64,
}

impl NewTranscript<'_> {
    /// Insert the transcript (with `guid`, or a new one) and its segments; returns its id.
    /// The statements are prepared once per connection, so importing many transcripts (a
    /// survey's respondents) costs one INSERT per row and nothing more.
    pub(crate) fn insert(
        &self,
        conn: &Connection,
        guid: Option<&str>,
        segments: &[SegmentSpan],
    ) -> Result<i64> {
        // The guid goes in with the row: setting it afterwards (as the schema's default
        // trigger does) would write the whole text a second time, and leave as much free
        // space in the file.
        let guid = match guid {
            Some(g) => g.to_string(),
            None => uuid::Uuid::new_v4().hyphenated().to_string(),
        };
        conn.prepare_cached(
            "INSERT INTO transcript (name, source_path, format, text, chars, words, imported_at, imported_by, guid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            self.name,
            self.source.path,
            self.source.format,
            self.text,
            self.chars as i64,
            self.words as i64,
            self.at,
            self.coder,
            guid
        ])?;
        let id = conn.last_insert_rowid();
        insert_segments(conn, id, segments)?;
        Ok(id)
    }
}

/// Whether a transcript already has this guid.
fn guid_taken(conn: &Connection, guid: &str) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM transcript WHERE guid = ?1", [guid], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

/// Insert a transcript's segments, numbered from 1.
fn insert_segments(conn: &Connection, transcript: i64, segments: &[SegmentSpan]) -> Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO segment (transcript_id, number, speaker, start, end, words, time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (i, s) in segments.iter().enumerate() {
        insert.execute(params![
            transcript,
            (i + 1) as i64,
            s.speaker,
            s.start as i64,
            s.end as i64,
            s.words as i64,
            s.time
        ])?;
    }
    Ok(())
}

/// Each speaker with their number of turns: most turns first, then in order of appearance.
fn speaker_turns(segments: &[SegmentSpan]) -> Vec<(String, usize)> {
    let mut turns: Vec<(String, usize)> = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for s in segments {
        if let Some(sp) = s.speaker.as_deref() {
            let i = *at.entry(sp).or_insert_with(|| {
                turns.push((sp.to_string(), 0));
                turns.len() - 1
            });
            turns[i].1 += 1;
        }
    }
    // A stable sort keeps the order of appearance among equal counts.
    turns.sort_by_key(|t| std::cmp::Reverse(t.1));
    turns
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
/// found again (once, or among repeats by its place and its context), and anything else
/// refuses the replace, naming the codings that block it.
fn reanchor_codings(conn: &Connection, id: i64, name: &str, old: &str, new: &str) -> Result<usize> {
    let mut stmt = conn.prepare(
        "SELECT c.id, c.start, c.end, c.theme_id, COALESCE(u.name, '')
         FROM coding c LEFT JOIN coder u ON u.id = c.coder_id
         WHERE c.transcript_id = ?1 ORDER BY c.start, c.end, c.id",
    )?;
    let codings: Vec<(i64, usize, usize, i64, String)> = stmt
        .query_map([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if codings.is_empty() {
        return Ok(0);
    }
    let mut moves = Vec::new();
    let mut orphans: Vec<String> = Vec::new();
    let mut example: Option<String> = None;
    let template = crate::template::Template::load(conn)?;
    let (old_chars, new_chars): (Vec<char>, Vec<char>) =
        (old.chars().collect(), new.chars().collect());
    for (cid, s, e, theme, coder) in &codings {
        let coded = slice_chars(old, *s, *e);
        if *e <= new_chars.len() && slice_chars(new, *s, *e) == coded {
            continue;
        }
        let found: Vec<(usize, usize)> = exact_matches(new, coded);
        let chosen = match found.len() {
            0 => None,
            1 => Some(found[0]),
            _ => among_repeats(old, (&old_chars, &new_chars), (*s, *e), coded, &found),
        };
        match chosen {
            Some((a, b)) => moves.push((*cid, a, b)),
            None => {
                let label = template
                    .get(*theme)
                    .map(|t| t.label())
                    .unwrap_or_else(|| format!("#{theme}"));
                let why = if found.is_empty() {
                    "not in the new file".to_string()
                } else {
                    format!("{} times in the new file", found.len())
                };
                let by = if coder.is_empty() {
                    String::new()
                } else {
                    format!(", {coder}")
                };
                if example.is_none() {
                    let number = template
                        .get(*theme)
                        .map(|t| t.number.clone())
                        .unwrap_or_default();
                    example = Some(format!("tana uncode {name} --span {s}:{e} {number}"));
                }
                orphans.push(format!(
                    "{s}:{e} {label}{by}: \"{}\" ({why})",
                    crate::coding::shorten(coded, 60)
                ));
            }
        }
    }
    if !orphans.is_empty() {
        let shown: Vec<String> = orphans.iter().take(20).map(|o| format!("  {o}")).collect();
        let more = if orphans.len() > 20 {
            format!("\n  … and {} more", orphans.len() - 20)
        } else {
            String::new()
        };
        return Err(Error::user(format!(
            "replacing {name} would orphan {} of its {} codings: their text cannot be placed in the new file:\n{}{more}",
            orphans.len(),
            codings.len(),
            shown.join("\n")
        ))
        .with_hint(format!(
            "uncode them first (\"{}\"), or restore the coded text in the new file; nothing was changed",
            example.unwrap_or_default()
        )));
    }
    let mut update = conn.prepare("UPDATE coding SET start = ?2, end = ?3 WHERE id = ?1")?;
    for (cid, s, e) in &moves {
        update.execute(params![cid, *s as i64, *e as i64])?;
    }
    Ok(moves.len())
}

/// Which of several places a repeated coded text moved to: the same occurrence when the text
/// is repeated as often as before, else the one place whose surroundings match the old ones
/// best.
fn among_repeats(
    old: &str,
    (old_chars, new_chars): (&[char], &[char]),
    (s, e): (usize, usize),
    coded: &str,
    found: &[(usize, usize)],
) -> Option<(usize, usize)> {
    let before = exact_matches(old, coded);
    if before.len() == found.len() {
        if let Some(k) = before.iter().position(|&(a, _)| a == s) {
            return Some(found[k]);
        }
    }
    const CONTEXT: usize = 200;
    let old_before = &old_chars[s.saturating_sub(CONTEXT).min(s)..s.min(old_chars.len())];
    let old_after = &old_chars[e.min(old_chars.len())..(e + CONTEXT).min(old_chars.len())];
    let score = |&(a, b): &(usize, usize)| -> usize {
        let prefix = old_before
            .iter()
            .rev()
            .zip(new_chars[..a.min(new_chars.len())].iter().rev())
            .take_while(|(x, y)| x == y)
            .count();
        let suffix = old_after
            .iter()
            .zip(new_chars[b.min(new_chars.len())..].iter())
            .take_while(|(x, y)| x == y)
            .count();
        prefix + suffix
    };
    let scores: Vec<usize> = found.iter().map(score).collect();
    let best = *scores.iter().max()?;
    let mut at_best = found.iter().zip(&scores).filter(|(_, sc)| **sc == best);
    let first = at_best.next()?;
    (at_best.next().is_none() && best > 0).then_some(*first.0)
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
