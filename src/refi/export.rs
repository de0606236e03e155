//! Writing a REFI-QDA project (`.qdpx`): a zip of `project.qde` and `sources/<guid>.txt`.
//!
//! Everything streams: each transcript's text goes straight into its zip entry, and the
//! codings are read in one ordered pass while `project.qde` is written, so memory stays
//! flat however large the project.
//!
//! What goes where:
//! - coders → `Users`;
//! - the template → `CodeBook` (guids kept with the themes; theme memos as `NoteRef`);
//! - attribute keys → `Variables` (text); each transcript with attributes → a `Case` with
//!   its values and a `SourceRef` to the transcript;
//! - transcripts → `TextSource` with `plainTextPath`; codings of the same span →
//!   one `PlainTextSelection` with a `Coding` per theme (code-point positions, end
//!   exclusive); coding memos → `NoteRef` on the `Coding`; segment memos → a selection of
//!   the segment with a `NoteRef`; transcript memos → `NoteRef` on the source;
//! - memos and journal entries → `Notes`; journal entries are the project's own `NoteRef`s.

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

/// A memo on a transcript, segment, theme or coding, or a journal entry, as a `Note`.
struct Note {
    guid: String,
    name: String,
    text: String,
    coder: i64,
    created_at: String,
}

/// The memo rows, grouped by what they are about.
#[derive(Default)]
struct Memos {
    notes: Vec<Note>,
    by_theme: HashMap<i64, Vec<String>>,
    by_transcript: HashMap<i64, Vec<String>>,
    /// transcript → (segment number, note guid)
    by_segment: HashMap<i64, Vec<(i64, String)>>,
    by_coding: HashMap<i64, Vec<String>>,
    journal: Vec<String>,
}

fn load_memos(conn: &Connection, ns: &Uuid, template: &Template) -> Result<Memos> {
    let mut m = Memos::default();
    let mut stmt = conn.prepare(
        "SELECT m.id, m.target, m.transcript_id, t.name, m.segment_number, m.theme_id,
                m.coding_id, m.text, m.coder_id, m.created_at
         FROM memo m LEFT JOIN transcript t ON t.id = m.transcript_id ORDER BY m.id",
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
        let guid = derived_guid(ns, &format!("memo:{id}"));
        let tname = tname.unwrap_or_default();
        let name = match (target.as_str(), transcript, segment, theme, coding) {
            ("segment", Some(t), Some(s), ..) => {
                m.by_segment.entry(t).or_default().push((s, guid.clone()));
                format!("Memo on {tname}:{s}")
            }
            ("theme", _, _, Some(th), _) => {
                m.by_theme.entry(th).or_default().push(guid.clone());
                match template.get(th) {
                    Some(t) => format!("Memo on theme {}", t.label()),
                    None => "Memo on a deleted theme".to_string(),
                }
            }
            ("coding", _, _, _, Some(c)) => {
                m.by_coding.entry(c).or_default().push(guid.clone());
                format!("Memo on a coding in {tname}")
            }
            (_, Some(t), ..) => {
                m.by_transcript.entry(t).or_default().push(guid.clone());
                format!("Memo on {tname}")
            }
            _ => "Memo".to_string(),
        };
        m.notes.push(Note {
            guid,
            name,
            text: r.get(7)?,
            coder: r.get(8)?,
            created_at: r.get(9)?,
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
        m.by_coding.entry(id).or_default().insert(0, guid.clone());
        m.notes.push(Note {
            guid,
            name: format!("Coding memo in {tname}"),
            text: r.get(2)?,
            coder: r.get(3)?,
            created_at: r.get(4)?,
        });
    }
    let mut stmt =
        conn.prepare("SELECT id, text, tags, coder_id, created_at FROM journal_entry ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let tags: String = r.get(2)?;
        let guid = derived_guid(ns, &format!("journal:{id}"));
        m.journal.push(guid.clone());
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
        });
    }
    Ok(m)
}

/// Write the whole project as a `.qdpx` into `out` (a file).
pub fn write_qdpx<W: Write + Seek>(
    conn: &Connection,
    project_name: &str,
    out: W,
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
        let mut stmt = conn.prepare("SELECT guid, text FROM transcript ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let guid: String = r.get(0)?;
            let text = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            zip.start_file(format!("sources/{guid}.txt"), options)
                .map_err(zip_err)?;
            zip.write_all(text.as_bytes())?;
        }
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
        // CodeBook
        if !template.is_empty() {
            open(&mut w, "CodeBook", &[])?;
            write_codes(&mut w, &template, &theme_guid, &memos.by_theme)?;
            close(&mut w, "CodeBook")?;
        }
        // Variables and Cases
        done.cases = write_cases(&mut w, conn, &ns)?;
        // Sources
        let (codings, selections) = write_sources(
            &mut w,
            conn,
            &ns,
            &theme_guid,
            &coder_guid,
            &memos,
            &mut done.transcripts,
        )?;
        done.codings = codings;
        done.selections = selections;
        // Notes
        if !memos.notes.is_empty() {
            open(&mut w, "Notes", &[])?;
            for n in &memos.notes {
                let mut attrs = vec![("guid", n.guid.as_str()), ("name", n.name.as_str())];
                if let Some(g) = coder_guid.get(&n.coder) {
                    attrs.push(("creatingUser", g));
                }
                if is_datetime(&n.created_at) {
                    attrs.push(("creationDateTime", &n.created_at));
                }
                open(&mut w, "Note", &attrs)?;
                text_element(&mut w, "PlainTextContent", &n.text)?;
                close(&mut w, "Note")?;
            }
            close(&mut w, "Notes")?;
        }
        // Sets: each integrative theme's links, named after it.
        write_sets(&mut w, conn, &template, &theme_guid, "targetGUID")?;
        for g in &memos.journal {
            empty(&mut w, "NoteRef", &[("targetGUID", g)])?;
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

fn write_cases<W: Write>(w: &mut Writer<W>, conn: &Connection, ns: &Uuid) -> Result<usize> {
    let keys: Vec<String> = {
        let mut stmt = conn.prepare("SELECT DISTINCT key FROM attribute ORDER BY key")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if keys.is_empty() {
        return Ok(0);
    }
    let var_guid: HashMap<&str, String> = keys
        .iter()
        .map(|k| (k.as_str(), derived_guid(ns, &format!("variable:{k}"))))
        .collect();
    open(w, "Variables", &[])?;
    for k in &keys {
        empty(
            w,
            "Variable",
            &[
                ("guid", &var_guid[k.as_str()]),
                ("name", k),
                ("typeOfVariable", "Text"),
            ],
        )?;
    }
    close(w, "Variables")?;
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
        open(w, "VariableValue", &[])?;
        empty(w, "VariableRef", &[("targetGUID", &var_guid[key.as_str()])])?;
        text_element(w, "TextValue", &value)?;
        close(w, "VariableValue")?;
    }
    if let Some((g, _)) = &current {
        end_case(w, g)?;
    }
    close(w, "Cases")?;
    Ok(cases)
}

/// Write `<Sources>`; returns (codings, selections) written.
fn write_sources<W: Write>(
    w: &mut Writer<W>,
    conn: &Connection,
    ns: &Uuid,
    theme_guid: &HashMap<i64, String>,
    coder_guid: &HashMap<i64, String>,
    memos: &Memos,
    transcripts: &mut usize,
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
    let (mut codings, mut selections) = (0, 0);
    let mut coding_stmt = conn.prepare(
        "SELECT id, theme_id, start, end, coder_id, created_at FROM coding
         WHERE transcript_id = ?1 ORDER BY start, end, theme_id, id",
    )?;
    let mut segment_stmt =
        conn.prepare("SELECT start, end FROM segment WHERE transcript_id = ?1 AND number = ?2")?;
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
        // Codings of one span share a selection.
        let mut rows = coding_stmt.query(params![id])?;
        let mut open_span: Option<(i64, i64)> = None;
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
            if open_span != Some((s, e)) {
                if open_span.is_some() {
                    close(w, "PlainTextSelection")?;
                }
                let sel = derived_guid(ns, &format!("selection:{guid}:{s}:{e}"));
                let (ss, es) = (s.to_string(), e.to_string());
                let mut attrs = vec![
                    ("guid", sel.as_str()),
                    ("startPosition", ss.as_str()),
                    ("endPosition", es.as_str()),
                ];
                if let Some(g) = coder_guid.get(&coder) {
                    attrs.push(("creatingUser", g));
                }
                if is_datetime(&at) {
                    attrs.push(("creationDateTime", &at));
                }
                open(w, "PlainTextSelection", &attrs)?;
                selections += 1;
                open_span = Some((s, e));
            }
            let cg = derived_guid(ns, &format!("coding:{cid}"));
            let mut attrs = vec![("guid", cg.as_str())];
            if let Some(g) = coder_guid.get(&coder) {
                attrs.push(("creatingUser", g));
            }
            if is_datetime(&at) {
                attrs.push(("creationDateTime", &at));
            }
            open(w, "Coding", &attrs)?;
            empty(w, "CodeRef", &[("targetGUID", tg)])?;
            for n in memos
                .by_coding
                .get(&cid)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                empty(w, "NoteRef", &[("targetGUID", n)])?;
            }
            close(w, "Coding")?;
            codings += 1;
        }
        if open_span.is_some() {
            close(w, "PlainTextSelection")?;
        }
        // Segment memos: a selection of the segment, with the note.
        for (number, note) in memos
            .by_segment
            .get(id)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let Some((s, e)) = segment_stmt
                .query_row(params![id, number], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                })
                .ok()
            else {
                continue;
            };
            let sel = derived_guid(ns, &format!("segment-memo:{note}"));
            let (ss, es) = (s.to_string(), e.to_string());
            let name = format!("segment {number}");
            open(
                w,
                "PlainTextSelection",
                &[
                    ("guid", sel.as_str()),
                    ("name", name.as_str()),
                    ("startPosition", ss.as_str()),
                    ("endPosition", es.as_str()),
                ],
            )?;
            empty(w, "NoteRef", &[("targetGUID", note)])?;
            close(w, "PlainTextSelection")?;
        }
        for n in memos
            .by_transcript
            .get(id)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            empty(w, "NoteRef", &[("targetGUID", n)])?;
        }
        close(w, "TextSource")?;
    }
    close(w, "Sources")?;
    Ok((codings, selections))
}
