//! Reading a REFI-QDA project (`.qdpx`, or a bare `.qde`) into a new tana project.
//!
//! The project XML is read in one streaming pass (no DOM). Users and the codebook come first
//! and go into the new project at once; each text source is stored, with its codings, as soon
//! as the stream has passed it, its text read from a second handle on the zip; notes come
//! last, so memos are linked as they are met and written at the end. Memory holds one source
//! at a time. Everything tana can represent is kept: texts, codes, codings with their coders
//! and times, users, variables, notes. What it cannot is counted and listed in the report.
//!
//! Memos come as notes, as descriptions, or as both: a description that repeats the notes on
//! the same selection or source is one memo, not two. A note on a source that holds a span
//! (QualCoder's annotations, tana's segment memos) is a memo on the segment there. A case's
//! value that repeats its source's own value of the same variable ("role", or "Participant:role"
//! beside "role") is one attribute.
//!
//! A file written by tana is read twice: a first quick pass finds its codebook and the note
//! that carries the template's history ([`super::history`]); when the history ends in that
//! codebook, its themes (retired ones too), revisions and versions come back with their ids.
//!
//! Accepted variants: the project file under any `*.qde` name, `sources/` in any case,
//! namespaces `1.0`, `1:0` and `0:4`, guids with or without braces in any case, BOM and CRLF
//! in source files, NVivo's UTF-16 positions and ATLAS.ti's one-character line breaks
//! (detected from `origin`), and an empty `<Sets/>`. Refused: zip entries with `..` or
//! absolute paths, and XML with a DTD or entities.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};

use super::codebook::{count_children, read_codes, ReadCodebook, ReadState};
use super::history::History;
use super::positions::{utf16_len, PositionMap, Unit};
use super::{guid_of, normalize_guid, read_root, Element, Xml, XmlIn};
use crate::coding::{Added, Stamp};
use crate::error::{Error, Result};
use crate::model::Span;
use crate::project::{coder_id, now};
use crate::template::revise;

/// Largest project XML read (uncompressed).
const MAX_QDE: u64 = 4 << 30;
/// Largest source text read (uncompressed).
const MAX_SOURCE: u64 = 256 << 20;
/// Most entries a `.qdpx` may have.
const MAX_ENTRIES: usize = 1_000_000;

#[derive(Debug, Default, Clone)]
struct Coding {
    code: Option<String>,
    user: Option<String>,
    at: Option<String>,
    notes: Vec<String>,
}

#[derive(Debug, Default, Clone)]
struct Selection {
    guid: String,
    start: i64,
    end: i64,
    user: Option<String>,
    at: Option<String>,
    description: Option<String>,
    codings: Vec<Coding>,
    notes: Vec<String>,
}

#[derive(Debug, Default, Clone)]
struct TextSource {
    guid: String,
    name: Option<String>,
    plain_path: Option<String>,
    rich_path: Option<String>,
    content: Option<String>,
    description: Option<String>,
    selections: Vec<Selection>,
    /// Codings of the whole source.
    codings: Vec<Coding>,
    notes: Vec<String>,
    /// (variable guid, value)
    values: Vec<(String, String)>,
}

#[derive(Debug, Default, Clone)]
struct Note {
    name: String,
    user: Option<String>,
    at: Option<String>,
    content: Option<String>,
    plain_path: Option<String>,
    /// A span the note is about, in the text of the source that refers to it (QualCoder's
    /// annotations, tana's segment memos): a `PlainTextSelection` inside the note.
    span: Option<(i64, i64)>,
}

#[derive(Debug, Default, Clone)]
struct Case {
    name: String,
    values: Vec<(String, String)>,
    sources: Vec<String>,
    other_refs: usize,
}

/// What the project XML holds besides its codebook and sources (which go into the new
/// project as they stream past): small, and needed at the end.
#[derive(Debug, Default)]
struct Qde {
    origin: String,
    variables: HashMap<String, String>,
    cases: Vec<Case>,
    notes: BTreeMap<String, Note>,
    note_order: Vec<String>,
    project_notes: Vec<String>,
    /// What was skipped, by kind ("PDF sources" → 2).
    skipped: BTreeMap<String, usize>,
    /// Names changed to fit (one line each).
    changed: Vec<String>,
    /// Sets: (name, member code guids, other members). A set named after an integrative
    /// theme holds the themes it links.
    sets: Vec<(String, Vec<String>, usize)>,
}

impl Qde {
    fn skip(&mut self, what: &str, n: usize) {
        if n > 0 {
            *self.skipped.entry(what.to_string()).or_default() += n;
        }
    }
}

/// What an import did, and what it could not keep.
#[derive(Debug, Default, Clone)]
pub struct QdpxReport {
    pub origin: String,
    pub unit: String,
    pub transcripts: usize,
    pub themes: usize,
    pub codings: usize,
    /// Codings of one code that overlapped and were joined into one.
    pub joined: usize,
    pub coders: usize,
    pub attributes: usize,
    pub memos: usize,
    /// Notes on codings kept as the coding's own memo.
    pub coding_memos: usize,
    pub journal: usize,
    /// What became of the template's history a file written by tana carries (kept, or left
    /// out and why); `None` when the file has none.
    pub history: Option<String>,
    /// One line per thing not imported or changed to fit.
    pub not_imported: Vec<String>,
}

fn opt_guid(e: &Element, attr: &str) -> Option<String> {
    e.attr(attr).and_then(normalize_guid)
}

fn children<R: BufRead>(
    x: &mut XmlIn<R>,
    e: &Element,
    mut f: impl FnMut(&mut XmlIn<R>, Element) -> Result<()>,
) -> Result<()> {
    if e.empty {
        x.skip(e)?;
        return Ok(());
    }
    loop {
        match x.read()? {
            Xml::Start(c) => f(x, c)?,
            Xml::End(_) => return Ok(()),
            Xml::Eof => return Err(x.error(format!("<{}> is not closed", e.name))),
            Xml::Text(_) => {}
        }
    }
}

fn read_coding<R: BufRead>(x: &mut XmlIn<R>, e: &Element) -> Result<Coding> {
    let mut c = Coding {
        user: opt_guid(e, "creatingUser"),
        at: e.attr("creationDateTime").map(str::to_string),
        ..Coding::default()
    };
    children(x, e, |x, k| {
        match k.name.as_str() {
            "CodeRef" => c.code = opt_guid(&k, "targetGUID"),
            "NoteRef" => c.notes.extend(opt_guid(&k, "targetGUID")),
            _ => {}
        }
        x.skip(&k)
    })?;
    Ok(c)
}

fn read_value<R: BufRead>(x: &mut XmlIn<R>, e: &Element) -> Result<Option<(String, String)>> {
    let (mut var, mut value) = (None, None);
    children(x, e, |x, k| {
        if k.name == "VariableRef" {
            var = opt_guid(&k, "targetGUID");
            x.skip(&k)
        } else if k.name.ends_with("Value") {
            value = Some(x.text_of(&k)?.trim().to_string());
            Ok(())
        } else {
            x.skip(&k)
        }
    })?;
    Ok(var.zip(value))
}

fn read_text_source<R: BufRead>(x: &mut XmlIn<R>, e: &Element) -> Result<TextSource> {
    let mut s = TextSource {
        guid: guid_of(x, e, "guid")?,
        name: e.attr("name").map(str::to_string),
        plain_path: e.attr("plainTextPath").map(str::to_string),
        rich_path: e.attr("richTextPath").map(str::to_string),
        ..TextSource::default()
    };
    children(x, e, |x, k| match k.name.as_str() {
        "Description" => {
            s.description = Some(x.text_of(&k)?).filter(|d| !d.trim().is_empty());
            Ok(())
        }
        "PlainTextContent" => {
            s.content = Some(x.text_of(&k)?);
            Ok(())
        }
        "PlainTextSelection" => {
            let parse = |a: &str| -> Result<i64> {
                let v = k
                    .attr(a)
                    .ok_or_else(|| x.error(format!("<PlainTextSelection> has no {a}")))?;
                v.trim().parse().map_err(|_| {
                    x.error(format!("<PlainTextSelection> {a}=\"{v}\" is not a number"))
                })
            };
            let mut sel = Selection {
                guid: guid_of(x, &k, "guid")?,
                start: parse("startPosition")?,
                end: parse("endPosition")?,
                user: opt_guid(&k, "creatingUser"),
                at: k.attr("creationDateTime").map(str::to_string),
                ..Selection::default()
            };
            children(x, &k, |x, c| match c.name.as_str() {
                "Description" => {
                    sel.description = Some(x.text_of(&c)?).filter(|d| !d.trim().is_empty());
                    Ok(())
                }
                "Coding" => {
                    sel.codings.push(read_coding(x, &c)?);
                    Ok(())
                }
                "NoteRef" => {
                    sel.notes.extend(opt_guid(&c, "targetGUID"));
                    x.skip(&c)
                }
                _ => x.skip(&c),
            })?;
            s.selections.push(sel);
            Ok(())
        }
        "Coding" => {
            s.codings.push(read_coding(x, &k)?);
            Ok(())
        }
        "NoteRef" => {
            s.notes.extend(opt_guid(&k, "targetGUID"));
            x.skip(&k)
        }
        "VariableValue" => {
            s.values.extend(read_value(x, &k)?);
            Ok(())
        }
        _ => x.skip(&k),
    })?;
    Ok(s)
}

/// Read the project XML, handing users, the codebook and each source to `sink` as soon as
/// they are read; returns the rest.
fn read_qde<R: BufRead>(x: &mut XmlIn<R>, sink: &mut Sink) -> Result<Qde> {
    let root = read_root(x, "project")?;
    let mut q = Qde {
        origin: root.attr("origin").unwrap_or("").to_string(),
        ..Qde::default()
    };
    sink.set_origin(&q.origin);
    let mut state = ReadState::default();
    state.from_tana = q.origin.starts_with("tana");
    children(x, &root, |x, e| {
        match e.name.as_str() {
            "Users" => {
                let mut users = Vec::new();
                children(x, &e, |x, u| {
                    if u.name == "User" {
                        let guid = guid_of(x, &u, "guid")?;
                        let name = u
                            .attr("name")
                            .or(u.attr("id"))
                            .map(str::trim)
                            .filter(|n| !n.is_empty())
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("user {}", &guid[..8]));
                        users.push((guid, name));
                    }
                    x.skip(&u)
                })?;
                sink.users(&users)?;
            }
            "CodeBook" => {
                let mut codebook = ReadCodebook::default();
                children(x, &e, |x, c| {
                    if c.name == "Codes" {
                        read_codes(x, &[], &c, &[], &mut state, &mut codebook)
                    } else {
                        x.skip(&c)
                    }
                })?;
                sink.codebook(&codebook, &mut state)?;
            }
            "Variables" => children(x, &e, |x, v| {
                if v.name == "Variable" {
                    let guid = guid_of(x, &v, "guid")?;
                    let raw = v.attr("name").unwrap_or("").trim();
                    let name = fit_name(&mut q.changed, "variable", raw);
                    q.variables.insert(guid, name);
                }
                x.skip(&v)
            })?,
            "Cases" => children(x, &e, |x, c| {
                if c.name != "Case" {
                    return x.skip(&c);
                }
                let mut case = Case {
                    name: c.attr("name").unwrap_or("").trim().to_string(),
                    ..Case::default()
                };
                children(x, &c, |x, k| match k.name.as_str() {
                    "VariableValue" => {
                        case.values.extend(read_value(x, &k)?);
                        Ok(())
                    }
                    "SourceRef" => {
                        case.sources.extend(opt_guid(&k, "targetGUID"));
                        x.skip(&k)
                    }
                    "CodeRef" | "SelectionRef" => {
                        case.other_refs += 1;
                        x.skip(&k)
                    }
                    _ => x.skip(&k),
                })?;
                q.cases.push(case);
                Ok(())
            })?,
            "Sources" => children(x, &e, |x, s| {
                match s.name.as_str() {
                    "TextSource" => {
                        let src = read_text_source(x, &s)?;
                        return sink.source(&src, &q.variables);
                    }
                    "PDFSource" => {
                        // The PDF's text representation, when there is one, is a text.
                        let name = s.attr("name").map(str::to_string);
                        let mut pdf_selections = 0;
                        let mut reps = Vec::new();
                        children(x, &s, |x, k| match k.name.as_str() {
                            "Representation" => {
                                let mut rep = read_text_source(x, &k)?;
                                rep.name = name.clone().or(rep.name);
                                reps.push(rep);
                                Ok(())
                            }
                            "PDFSelection" => {
                                pdf_selections += 1;
                                x.skip(&k)
                            }
                            _ => x.skip(&k),
                        })?;
                        if reps.is_empty() {
                            q.skip("PDF sources without a text representation", 1);
                        }
                        q.skip("PDF selections (areas of a page, not text)", pdf_selections);
                        for rep in &reps {
                            sink.source(rep, &q.variables)?;
                        }
                        return Ok(());
                    }
                    "PictureSource" => q.skip("picture sources (tana reads text only)", 1),
                    "AudioSource" => q.skip("audio sources (tana reads text only)", 1),
                    "VideoSource" => q.skip("video sources (tana reads text only)", 1),
                    other => q.skip(&format!("<{other}> sources"), 1),
                }
                x.skip(&s)
            })?,
            "Notes" => children(x, &e, |x, n| {
                if n.name != "Note" {
                    return x.skip(&n);
                }
                let guid = guid_of(x, &n, "guid")?;
                let src = read_text_source(x, &n)?;
                q.note_order.push(guid.clone());
                q.notes.insert(
                    guid,
                    Note {
                        name: n.attr("name").unwrap_or("").to_string(),
                        user: opt_guid(&n, "creatingUser"),
                        at: n.attr("creationDateTime").map(str::to_string),
                        content: src.content,
                        plain_path: src.plain_path,
                        span: src.selections.first().map(|s| (s.start, s.end)),
                    },
                );
                Ok(())
            })?,
            "NoteRef" => {
                q.project_notes.extend(opt_guid(&e, "targetGUID"));
                x.skip(&e)?
            }
            "Sets" => children(x, &e, |x, set| {
                if set.name != "Set" {
                    return x.skip(&set);
                }
                let name = set.attr("name").unwrap_or("").trim().to_string();
                let mut members = Vec::new();
                let mut others = 0;
                children(x, &set, |x, m| {
                    match m.name.as_str() {
                        "MemberCode" => members.extend(opt_guid(&m, "targetGUID")),
                        "MemberSource" | "MemberNote" => others += 1,
                        _ => {}
                    }
                    x.skip(&m)
                })?;
                q.sets.push((name, members, others));
                Ok(())
            })?,
            "Links" | "Graphs" => {
                let what = e.name.to_lowercase();
                let n = count_children(x, &e, &e.name[..e.name.len() - 1])?;
                q.skip(&format!("{what} (tana has no {what})"), n);
            }
            "Description" => {
                let d = x.text_of(&e)?;
                if !d.trim().is_empty() {
                    q.skip("project description", 1);
                }
            }
            _ => x.skip(&e)?,
        }
        Ok(())
    })?;
    Ok(q)
}

/// Where the parts of a REFI-QDA project are.
enum Container {
    Zip {
        archive: zip::ZipArchive<BufReader<File>>,
        /// Lower-cased path inside `sources/` → entry index.
        sources: HashMap<String, usize>,
    },
    Bare,
}

fn zip_error(file: &str, e: zip::result::ZipError) -> Error {
    Error::user(format!("{file} is not a readable .qdpx (zip) archive: {e}"))
        .with_hint("export the project again from your QDA program")
}

/// Open a `.qdpx`: check every entry name, find the one root `*.qde`.
fn open_zip(path: &Path, file: &str) -> Result<(Container, usize)> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(f)).map_err(|e| zip_error(file, e))?;
    if archive.len() > MAX_ENTRIES {
        return Err(Error::user(format!(
            "{file} has {} entries; refusing more than {MAX_ENTRIES}",
            archive.len()
        )));
    }
    let mut qdes = Vec::new();
    let mut sources = HashMap::new();
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| zip_error(file, e))?;
        let name = entry.name().to_string();
        let unsafe_name = name.starts_with('/')
            || name.starts_with('\\')
            || name.as_bytes().get(1) == Some(&b':')
            || name.split(['/', '\\']).any(|part| part == "..")
            || entry.enclosed_name().is_none();
        if unsafe_name {
            return Err(Error::user(format!(
                "{file}: entry \"{name}\" points outside the archive (\"..\" or an absolute path); refusing the whole file"
            ))
            .with_hint("this archive may be crafted to overwrite files (zip slip); do not use it"));
        }
        let lower = name.replace('\\', "/").to_lowercase();
        if !lower.contains('/') && lower.ends_with(".qde") {
            qdes.push(i);
        } else if let Some(rest) = lower.strip_prefix("sources/") {
            if !rest.is_empty() {
                sources.insert(rest.to_string(), i);
            }
        }
    }
    let qde = match qdes.as_slice() {
        [one] => *one,
        [] => return Err(Error::user(format!(
            "{file} has no project file (*.qde) at its top level"
        ))
        .with_hint(
            "is this a REFI-QDA project? a codebook (.qdc) imports with \"tana template import\"",
        )),
        _ => {
            return Err(Error::user(format!(
                "{file} has {} project files (*.qde) at its top level; expected one",
                qdes.len()
            )))
        }
    };
    Ok((Container::Zip { archive, sources }, qde))
}

/// Read an entry's bytes, but never more than `limit`: `None` when there is more (a zip bomb
/// never gets further).
fn read_limited(r: impl Read, limit: u64, what: &str) -> Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    r.take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::user(format!("{what}: cannot read it: {e}")))?;
    Ok((out.len() as u64 <= limit).then_some(out))
}

/// The default limit on the expanded size of a `.qdpx`'s sources, all together.
pub const DEFAULT_MAX_SIZE: u64 = 2 << 30;

/// A size for messages: "2 GiB", "500 MiB", "1500 bytes".
pub fn format_size(bytes: u64) -> String {
    for (unit, name) in [
        (1u64 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ] {
        if bytes >= unit && bytes % unit == 0 {
            return format!("{} {name}", bytes / unit);
        }
    }
    if bytes >= 10 << 20 {
        return format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64);
    }
    format!("{bytes} bytes")
}

/// A size as `--max-size` takes it: "4G", "500M", "12345".
fn size_flag(bytes: u64) -> String {
    for (unit, name) in [(1u64 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")] {
        if bytes >= unit && bytes % unit == 0 {
            return format!("{}{name}", bytes / unit);
        }
    }
    bytes.to_string()
}

/// What the sources of one import may expand to, together, and what they have used.
struct Budget {
    limit: u64,
    used: u64,
}

impl Budget {
    fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }

    /// The error for `what` (`source "P03" (sources/p03.txt)`), which took the total past the
    /// limit.
    fn exceeded(&self, file: &str, what: &str) -> Error {
        Error::user(format!(
            "{file}: {what} takes the texts past {}, the limit on the expanded size of a project's sources; nothing was imported",
            format_size(self.limit)
        ))
        .with_hint(format!(
            "if the file is genuine, raise the limit with --max-size (e.g. --max-size {})",
            size_flag(self.limit.saturating_mul(2))
        ))
    }

    /// Count `n` more bytes of `what`.
    fn charge(&mut self, n: u64, file: &str, what: &str) -> Result<()> {
        if n > self.remaining() {
            return Err(self.exceeded(file, what));
        }
        self.used += n;
        Ok(())
    }
}

impl Container {
    /// The bytes of a source file named by a `plainTextPath`, if the archive has it; they
    /// count against `budget`, and `what` names them if they cross it.
    fn source(
        &mut self,
        file: &str,
        plain_path: &str,
        budget: &mut Budget,
        what: &str,
    ) -> Result<Option<Vec<u8>>> {
        let Container::Zip { archive, sources } = self else {
            return Ok(None);
        };
        let p = plain_path.trim();
        let rel = p
            .strip_prefix("internal://")
            .or_else(|| p.strip_prefix("relative://"))
            .unwrap_or(p)
            .replace('\\', "/");
        let lower = rel.to_lowercase();
        let base = lower.rsplit('/').next().unwrap_or(&lower).to_string();
        let index = sources
            .get(lower.trim_start_matches("sources/"))
            .or_else(|| sources.get(&base))
            .copied();
        let Some(i) = index else { return Ok(None) };
        let entry = archive.by_index(i).map_err(|e| zip_error(file, e))?;
        let name = entry.name().to_string();
        let limit = MAX_SOURCE.min(budget.remaining());
        match read_limited(entry, limit, &format!("{file}: {name}"))? {
            Some(bytes) => {
                budget.used += bytes.len() as u64;
                Ok(Some(bytes))
            }
            None if limit < MAX_SOURCE => Err(budget.exceeded(file, &format!("{what} ({name})"))),
            None => Err(Error::user(format!(
                "{file}: {name} expands to more than {}; refusing it as a possible zip bomb",
                format_size(MAX_SOURCE)
            ))
            .with_hint("tana reads texts of up to 256 MiB each")),
        }
    }
}

/// A transcript name made from a source's name or file: the stem, without `:` or control
/// characters.
fn transcript_name(src: &TextSource) -> String {
    let raw = src
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| {
            src.plain_path
                .as_ref()
                .map(|p| p.rsplit(['/', '\\']).next().unwrap_or(p).to_string())
        })
        .unwrap_or_else(|| format!("source {}", &src.guid[..8]));
    let mut name = raw.trim().to_string();
    for ext in [".docx", ".doc", ".txt", ".rtf", ".odt", ".pdf", ".md"] {
        if name.to_lowercase().ends_with(ext) && name.len() > ext.len() {
            name.truncate(name.len() - ext.len());
            break;
        }
    }
    name.chars()
        .map(|c| {
            if c == ':' || crate::text::is_forbidden_in_name(c) {
                '-'
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A name from the file with its control characters replaced by spaces; the change is
/// reported ("user \"Ana\\u{1b}[2J\" renamed \"Ana [2J\" ...").
fn fit_name(report: &mut Vec<String>, what: &str, raw: &str) -> String {
    match crate::text::replace_controls(raw) {
        None => raw.to_string(),
        Some(fit) => {
            report.push(format!(
                "{what} \"{}\" renamed \"{fit}\" (control characters in names are replaced by spaces)",
                crate::text::escape_name(raw)
            ));
            fit
        }
    }
}

/// An attribute value with its control characters (a newline, say) replaced by spaces;
/// `changed` counts the values that needed it.
fn fit_value(changed: &mut usize, raw: &str) -> String {
    match crate::text::replace_controls(raw) {
        None => raw.to_string(),
        Some(fit) => {
            *changed += 1;
            fit
        }
    }
}

/// Import a `.qdpx` (or bare `.qde`) into a new project at `target`, written whole or not
/// at all. The sources' texts may expand to `max_size` bytes together
/// ([`DEFAULT_MAX_SIZE`] unless the researcher raises it). A file written by tana brings
/// its template's history (revisions, versions, retired themes) along.
pub fn import_qdpx(
    path: &Path,
    target: &Path,
    importer: &str,
    max_size: u64,
) -> Result<QdpxReport> {
    import(path, target, importer, max_size, true)
}

/// [`import_qdpx`] without the template's history: the data alone, for `tana merge`, which
/// brings another project's work across but never its change log or versions.
pub fn import_qdpx_without_history(
    path: &Path,
    target: &Path,
    importer: &str,
    max_size: u64,
) -> Result<QdpxReport> {
    import(path, target, importer, max_size, false)
}

/// Stream the project XML of a `.qdpx` (or a bare `.qde`) through `f`.
fn with_qde<T>(
    path: &Path,
    file: &str,
    bare: bool,
    qde_index: usize,
    f: impl for<'a> FnOnce(&mut XmlIn<Box<dyn BufRead + 'a>>) -> Result<T>,
) -> Result<T> {
    if bare {
        let h = File::open(path).map_err(|e| Error::io(path, e))?;
        let reader: Box<dyn BufRead> = Box::new(BufReader::new(h));
        return f(&mut XmlIn::new(reader, file.to_string()));
    }
    // A handle of its own on the archive streams the project XML while another reads the
    // texts.
    let h = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(h)).map_err(|e| zip_error(file, e))?;
    let entry = archive
        .by_index(qde_index)
        .map_err(|e| zip_error(file, e))?;
    let shown = format!("{file}: {}", entry.name());
    // XML compresses ten- or twentyfold; a thousandfold is a zip bomb.
    let ratio = entry.size() / entry.compressed_size().max(1);
    if entry.size() > 64 << 20 && ratio > 200 {
        return Err(Error::user(format!(
            "{shown} expands {ratio}-fold to {} MiB; refusing it as a possible zip bomb",
            entry.size() >> 20
        ))
        .with_hint("export the project again from your QDA program"));
    }
    // Never read past what the entry declares (plus a margin): a lying header gives a
    // cut-off XML error, not a flood.
    let limit = entry.size().clamp(64 << 20, MAX_QDE) + (1 << 20);
    let reader: Box<dyn BufRead + '_> =
        Box::new(BufReader::with_capacity(1 << 16, entry.take(limit)));
    let mut x = XmlIn::new(reader, shown);
    f(&mut x)
}

fn import(
    path: &Path,
    target: &Path,
    importer: &str,
    max_size: u64,
    history: bool,
) -> Result<QdpxReport> {
    let file = path.display().to_string();
    crate::import::check_new_project(path, target, "a .qdpx")?;
    let bare = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("qde"));
    // Check the archive before anything is written.
    let (container, qde_index) = if bare {
        (Container::Bare, 0)
    } else {
        open_zip(path, &file)?
    };
    // A killed import leaves its project in the making behind; the next one removes it.
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    crate::output::remove_stale_temp_files(dir);
    // A project written by tana may carry its template's history: a first pass reads it,
    // and the codebook it must agree with, before anything is written.
    let (kept, history_report) = if history {
        #[allow(clippy::redundant_closure)] // the closure is generic over the reader's lifetime
        let scan = with_qde(path, &file, bare, qde_index, |x| super::history::prescan(x))?;
        match scan.and_then(|s| s.note.map(|n| (n, s.codes))) {
            None => (None, None),
            Some(((_, body), codes)) => {
                match History::parse(&body).and_then(|h| h.check(&codes).map(|()| h)) {
                    Ok(h) => {
                        let kept = format!("kept the template's history: {}", h.describe());
                        (Some(h), Some(kept))
                    }
                    Err(why) => (
                        None,
                        Some(format!(
                            "the template's history was left out: {why} (was the file changed after tana wrote it?)"
                        )),
                    ),
                }
            }
        }
    } else {
        (None, None)
    };
    let tmp = crate::import::temp_project_path(target);
    let result = (|| {
        let mut conn = crate::project::create(&tmp)?;
        let report = {
            let tx = conn.transaction()?;
            let mut sink = Sink::new(&tx, &file, container, importer, max_size, kept.as_ref())?;
            sink.report.history = history_report;
            let q = with_qde(path, &file, bare, qde_index, |x| read_qde(x, &mut sink))?;
            let report = sink.finish(q)?;
            tx.commit()?;
            report
        };
        conn.close().map_err(|(_, e)| Error::from(e))?;
        std::fs::rename(&tmp, target).map_err(|e| Error::io(target, e))?;
        Ok(report)
    })();
    if result.is_err() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = tmp.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
    result
}

/// What a memo is about: (target, transcript, segment number, theme, coding).
type Target = (
    &'static str,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The new project, filled while the project XML streams past: each source is stored as
/// soon as it is read, so memory holds one source at a time. Notes come last in the XML,
/// so memos are linked to their notes as they are met and written by [`Sink::finish`].
struct Sink<'t> {
    tx: &'t Connection,
    file: String,
    container: Container,
    me: i64,
    from_tana: bool,
    unit: Unit,
    users: HashMap<String, i64>,
    theme_of: HashMap<String, i64>,
    theme_notes: Vec<(String, Vec<String>)>,
    transcript_of: HashMap<String, i64>,
    names: HashSet<String>,
    /// (note guid, what it is about), in the order met.
    memo_links: Vec<(String, Target)>,
    /// (coding, transcript, its notes): the first becomes the coding's own memo.
    coding_notes: Vec<(i64, i64, Vec<String>)>,
    /// Descriptions of sources and selections, by "description:GUID": memos too.
    descriptions: HashMap<String, String>,
    /// For each description, the notes on the same thing: a description that repeats them
    /// (as tana, and programs that write a memo in both places, do) is not a memo of its own.
    description_notes: HashMap<String, Vec<String>>,
    /// How positions map in the texts of sources that refer to notes (a note may hold the
    /// span it is about).
    note_positions: HashMap<i64, PositionMap>,
    /// Attribute values a transcript has from its own source: (transcript, key) → value.
    source_values: HashMap<(i64, String), String>,
    /// The template came with its history (themes with their ids, retired ones too).
    restored: bool,
    unknown_codes: usize,
    outside: Vec<String>,
    /// The limit on the sources' expanded size, and what they used.
    budget: Budget,
    /// Attribute values whose control characters were replaced by spaces.
    values_changed: usize,
    report: QdpxReport,
    /// The import is the new project's first change in its log (the codebook a template
    /// revision of its own, logged between its parts).
    journal: Option<crate::journal::Journal>,
}

impl<'t> Sink<'t> {
    fn new(
        tx: &'t Connection,
        file: &str,
        container: Container,
        importer: &str,
        max_size: u64,
        history: Option<&History>,
    ) -> Result<Self> {
        let me = coder_id(tx, importer)?;
        // The history's change-log entries come first, so the import's own change follows
        // them; its themes and versions are part of that change.
        if let Some(h) = history {
            h.restore_revisions(tx)?;
        }
        let journal = crate::journal::Journal::begin(tx)?;
        let mut theme_of = HashMap::new();
        let mut themes = 0;
        if let Some(h) = history {
            theme_of = h.restore_template(tx)?;
            themes = crate::template::Template::load(tx)?.themes.len();
        }
        Ok(Sink {
            tx,
            file: file.to_string(),
            container,
            me,
            from_tana: false,
            unit: Unit::CodePoints,
            users: HashMap::new(),
            theme_of,
            theme_notes: Vec::new(),
            transcript_of: HashMap::new(),
            names: HashSet::new(),
            memo_links: Vec::new(),
            coding_notes: Vec::new(),
            descriptions: HashMap::new(),
            description_notes: HashMap::new(),
            note_positions: HashMap::new(),
            source_values: HashMap::new(),
            restored: history.is_some(),
            unknown_codes: 0,
            outside: Vec::new(),
            values_changed: 0,
            budget: Budget {
                limit: max_size,
                used: 0,
            },
            report: QdpxReport {
                themes,
                ..QdpxReport::default()
            },
            journal: Some(journal),
        })
    }

    /// Log what the import wrote so far as one change.
    fn log(&mut self) -> Result<()> {
        if let Some(j) = self.journal.take() {
            let entry = crate::journal::LogEntry::new(
                "import-qdpx",
                crate::journal::Kind::Project,
                format!("import {}", self.file),
            );
            j.finish(self.tx, &entry, self.me)?;
        }
        Ok(())
    }

    fn set_origin(&mut self, origin: &str) {
        self.from_tana = origin.starts_with("tana");
        self.unit = Unit::from_origin(origin);
        self.report.origin = origin.to_string();
        self.report.unit = self.unit.describe().to_string();
    }

    /// Users → coders, keeping their guids.
    fn users(&mut self, users: &[(String, String)]) -> Result<()> {
        for (guid, raw) in users {
            let name = fit_name(&mut self.report.not_imported, "user", raw);
            let name = if name.is_empty() {
                format!("user {}", &guid[..8])
            } else {
                name
            };
            let id = coder_id(self.tx, &name)?;
            self.tx.execute(
                "UPDATE coder SET guid = ?1 WHERE id = ?2 AND NOT EXISTS (SELECT 1 FROM coder WHERE guid = ?1)",
                params![guid, id],
            )?;
            self.users.insert(guid.clone(), id);
        }
        Ok(())
    }

    /// The codebook → the template (one revision, as `template import` makes).
    fn codebook(&mut self, codebook: &ReadCodebook, state: &mut ReadState) -> Result<()> {
        self.report
            .not_imported
            .extend(codebook.notes.iter().map(|n| format!("codebook: {n}")));
        if codebook.items.is_empty() {
            return Ok(());
        }
        if self.restored {
            // The themes came with the history, with their ids; the codebook agrees with
            // them (checked before the import began).
            self.theme_notes.append(&mut state.theme_notes);
            return Ok(());
        }
        let meta = revise::Meta {
            coder: self.me,
            rationale: Some(format!("imported from {}", self.file)),
            prompted_by: None,
        };
        self.log()?;
        revise::import_outline(self.tx, &codebook.items, &meta)?;
        self.journal = Some(crate::journal::Journal::begin(self.tx)?);
        let template = crate::template::Template::load(self.tx)?;
        for (guid, path) in &state.paths {
            let parts: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Some(t) = template.by_path(&parts) {
                self.theme_of.insert(guid.clone(), t.id);
            }
        }
        self.theme_notes.append(&mut state.theme_notes);
        self.report.themes = template.themes.len();
        Ok(())
    }

    fn coder_of(&self, user: Option<&String>) -> i64 {
        user.and_then(|u| self.users.get(u))
            .copied()
            .unwrap_or(self.me)
    }

    /// The text of a source, as the producer had it; `None` (and a report line) when it
    /// cannot be had.
    fn source_text(&mut self, src: &TextSource, name: &str) -> Result<Option<String>> {
        let file = self.file.clone();
        let what = format!("source \"{name}\"");
        let plain = match (&src.content, &src.plain_path) {
            (Some(c), _) if !c.trim().is_empty() => {
                self.budget.charge(c.len() as u64, &file, &what)?;
                None
            }
            (_, Some(p)) => self.container.source(&file, p, &mut self.budget, &what)?,
            _ => None,
        };
        // An empty plain text beside a .docx (NVivo for Mac writes these): read the .docx.
        if let (Some(b), Some(rich)) = (&plain, &src.rich_path) {
            if b.iter().all(u8::is_ascii_whitespace) && rich.to_lowercase().ends_with(".docx") {
                if let Some(docx) = self
                    .container
                    .source(&file, rich, &mut self.budget, &what)?
                {
                    let text = crate::import::office::extract(
                        &format!("{file}: {rich}"),
                        &docx,
                        crate::import::office::OfficeKind::Docx,
                    )?;
                    if !text.trim().is_empty() {
                        self.report.not_imported.push(format!(
                            "source \"{name}\": its plain text is empty; the text was read from its .docx{}",
                            if src.selections.is_empty() {
                                String::new()
                            } else {
                                format!(", so its {} selection(s) may not line up", src.selections.len())
                            }
                        ));
                        return Ok(Some(text));
                    }
                }
            }
        }
        Ok(match (&src.content, &src.plain_path) {
            (Some(c), _) if !c.trim().is_empty() => Some(c.clone()),
            (_, Some(p)) => match plain {
                Some(mut bytes) => {
                    // The bytes become the text in place: a large source is held once.
                    if bytes.starts_with(b"\xEF\xBB\xBF") {
                        bytes.drain(..3);
                    }
                    match String::from_utf8(bytes) {
                        Ok(t) => Some(t),
                        Err(e) => {
                            let e = e.utf8_error();
                            self.report.not_imported.push(format!(
                                "source \"{name}\": {p} is not UTF-8 text (invalid byte at {}); not imported",
                                e.valid_up_to()
                            ));
                            None
                        }
                    }
                }
                None => {
                    self.report.not_imported.push(format!(
                        "source \"{name}\": its text {p} is not {}; not imported ({} selection(s))",
                        if matches!(self.container, Container::Bare) {
                            "here (a bare .qde has no sources/ folder; import the .qdpx)"
                        } else {
                            "in the archive"
                        },
                        src.selections.len()
                    ));
                    None
                }
            },
            _ => {
                self.report
                    .not_imported
                    .push(format!("source \"{name}\" has no text; not imported"));
                None
            }
        })
    }

    /// A name for a source that no other transcript has.
    fn unique_name(&mut self, src: &TextSource) -> String {
        let mut name = transcript_name(src);
        if let Some(raw) = src
            .name
            .as_deref()
            .filter(|n| n.chars().any(crate::text::is_forbidden_in_name))
        {
            self.report.not_imported.push(format!(
                "source \"{}\" renamed \"{name}\" (control characters in names are replaced by \"-\")",
                crate::text::escape_name(raw.trim())
            ));
        }
        if name.is_empty() {
            name = format!("source {}", &src.guid[..8]);
        }
        if !self.names.insert(name.to_lowercase()) {
            let mut n = 2;
            while !self.names.insert(format!("{name} ({n})").to_lowercase()) {
                n += 1;
            }
            let renamed = format!("{name} ({n})");
            self.report.not_imported.push(format!(
                "source \"{name}\": a second source of that name, imported as \"{renamed}\""
            ));
            name = renamed;
        }
        name
    }

    /// One text source → a transcript with its codings; its notes are linked for later.
    fn source(&mut self, src: &TextSource, variables: &HashMap<String, String>) -> Result<()> {
        let tx = self.tx;
        let name = self.unique_name(src);
        let Some(raw) = self.source_text(src, &name)? else {
            return Ok(());
        };
        // A BOM is not text (an inline PlainTextContent may start with one); the positions
        // map leaves it out too.
        let body = raw.strip_prefix('\u{feff}').unwrap_or(&raw);
        let text: std::borrow::Cow<str> = if body.contains('\r') {
            crate::text::normalize_newlines(body).into()
        } else {
            body.into()
        };
        if text.trim().is_empty() {
            self.report
                .not_imported
                .push(format!("source \"{name}\" is empty; not imported"));
            return Ok(());
        }
        if text.contains('\0') {
            self.report.not_imported.push(format!(
                "source \"{name}\" is binary, not text; not imported"
            ));
            return Ok(());
        }
        // The guid goes in with the text, which is so written once.
        let opts = crate::import::ImportOptions {
            guid: Some(src.guid.clone()),
            ..Default::default()
        };
        let imported =
            crate::import::import_text(tx, &name, &text, Some(&self.file), "qdpx", &opts, self.me)?;
        let tid: i64 = tx.query_row(
            "SELECT id FROM transcript WHERE name = ?1",
            [&imported.name],
            |r| r.get(0),
        )?;
        self.transcript_of.insert(src.guid.clone(), tid);
        self.report.transcripts += 1;
        // Positions: the producer's unit, unless the selections only fit UTF-16.
        let mut unit = self.unit;
        let body = raw.trim_start_matches('\u{feff}');
        let max_end = src.selections.iter().map(|s| s.end).max().unwrap_or(0);
        if unit != Unit::Utf16
            && max_end > body.chars().count() as i64
            && max_end <= utf16_len(body) as i64
        {
            unit = Unit::Utf16;
            self.report.not_imported.push(format!(
                "source \"{name}\": positions read as UTF-16 units (they run past the text in code points)"
            ));
        }
        let map = PositionMap::new(&raw, unit);
        // The segments, read only if a note sits on a selection without codings.
        let mut segments: Option<Vec<crate::model::Segment>> = None;
        let whole = Selection {
            guid: src.guid.clone(),
            start: 0,
            end: map.len_units() as i64,
            codings: src.codings.clone(),
            ..Selection::default()
        };
        for sel in src
            .selections
            .iter()
            .chain((!src.codings.is_empty()).then_some(&whole))
        {
            let span = match (map.to_chars(sel.start), map.to_chars(sel.end)) {
                (Some(s), Some(e)) if s < e => Span { start: s, end: e },
                (Some(s), Some(e)) if s == e && sel.codings.is_empty() => Span { start: s, end: e },
                _ => {
                    self.outside.push(format!(
                        "source \"{name}\": selection {} [{}, {}) lies outside the text ({} {}) or is empty; not imported",
                        sel.guid,
                        sel.start,
                        sel.end,
                        map.len_units(),
                        unit.describe()
                    ));
                    continue;
                }
            };
            let mut first_coding: Option<i64> = None;
            for c in &sel.codings {
                let Some(theme) = c.code.as_ref().and_then(|g| self.theme_of.get(g)).copied()
                else {
                    self.unknown_codes += 1;
                    continue;
                };
                let stamp = Stamp {
                    coder: self.coder_of(c.user.as_ref().or(sel.user.as_ref())),
                    at: c.at.clone().or_else(|| sel.at.clone()).unwrap_or_else(now),
                    version: None,
                };
                let added = crate::coding::add(tx, tid, theme, span, None, &stamp)?;
                self.report.codings += 1;
                let id = match added {
                    Added::New(id) => id,
                    Added::Joined(_) | Added::AlreadyCoded => {
                        self.report.joined += 1;
                        tx.query_row(
                            "SELECT id FROM coding WHERE transcript_id = ?1 AND theme_id = ?2
                               AND start <= ?3 AND end >= ?4 AND coder_id = ?5
                             ORDER BY id LIMIT 1",
                            params![tid, theme, span.start as i64, span.end as i64, stamp.coder],
                            |r| r.get(0),
                        )?
                    }
                };
                first_coding.get_or_insert(id);
                if !c.notes.is_empty() {
                    self.coding_notes.push((id, tid, c.notes.clone()));
                }
            }
            // Notes on the selection (and its description): on its (first) coding, else on
            // its segment (the one containing its start, or the turn that follows).
            if sel.notes.is_empty() && sel.description.is_none() {
                continue;
            }
            let target: Target = match first_coding {
                Some(id) => ("coding", Some(tid), None, None, Some(id)),
                None => {
                    let segs = match &mut segments {
                        Some(s) => s,
                        None => segments.insert(crate::coding::load_segments(tx, tid)?),
                    };
                    match crate::coding::segment_at(segs, span.start) {
                        Some(seg) => ("segment", Some(tid), Some(seg.number), None, None),
                        None => ("transcript", Some(tid), None, None, None),
                    }
                }
            };
            for g in &sel.notes {
                self.memo_links.push((g.clone(), target));
            }
            if let Some(d) = &sel.description {
                let key = format!("description:{}", sel.guid);
                self.descriptions.insert(key.clone(), d.clone());
                self.memo_links.push((key.clone(), target));
                // The memos its codings and it refer to, which the description may repeat.
                let notes: Vec<String> = sel
                    .codings
                    .iter()
                    .flat_map(|c| c.notes.iter())
                    .chain(&sel.notes)
                    .cloned()
                    .collect();
                if !notes.is_empty() {
                    self.description_notes.insert(key, notes);
                }
            }
        }
        let target: Target = ("transcript", Some(tid), None, None, None);
        for g in &src.notes {
            self.memo_links.push((g.clone(), target));
        }
        if !src.notes.is_empty() {
            // A note may hold the span it is about, in this text's positions.
            self.note_positions.insert(tid, map.clone());
        }
        if let Some(d) = &src.description {
            let key = format!("description:{}", src.guid);
            self.descriptions.insert(key.clone(), d.clone());
            self.memo_links.push((key.clone(), target));
            if !src.notes.is_empty() {
                self.description_notes.insert(key, src.notes.clone());
            }
        }
        for (var, value) in &src.values {
            if let Some(key) = variables.get(var).filter(|k| !k.is_empty()) {
                let value = fit_value(&mut self.values_changed, value);
                crate::import::attributes::set(tx, tid, key, &value)?;
                if self
                    .source_values
                    .insert((tid, key.clone()), value)
                    .is_none()
                {
                    self.report.attributes += 1;
                }
            }
        }
        Ok(())
    }

    /// Everything that needs the whole file: memos (the notes come last), cases, the
    /// journal, and the report.
    fn finish(mut self, q: Qde) -> Result<QdpxReport> {
        let tx = self.tx;
        let file = self.file.clone();
        let mut report = std::mem::take(&mut self.report);
        // Note texts (inline or in sources/), and descriptions.
        let mut bodies: HashMap<String, String> = HashMap::new();
        for guid in &q.note_order {
            let n = &q.notes[guid];
            let text = match (&n.content, &n.plain_path) {
                (Some(c), _) => Some(c.clone()),
                (None, Some(p)) => self
                    .container
                    .source(&file, p, &mut self.budget, &format!("note \"{}\"", n.name))?
                    .and_then(|b| crate::text::decode(&b).ok()),
                _ => None,
            };
            if let Some(t) = text.filter(|t| !t.trim().is_empty()) {
                bodies.insert(guid.clone(), t);
            }
        }
        // A description that repeats the notes on the same thing (one of them, or all of them
        // in order, as tana writes them) is the same memo twice: the notes keep it.
        for (key, text) in std::mem::take(&mut self.descriptions) {
            let notes: Vec<&str> = self
                .description_notes
                .get(&key)
                .map(|n| {
                    n.iter()
                        .filter_map(|g| bodies.get(g).map(|b| b.trim()))
                        .collect()
                })
                .unwrap_or_default();
            let text = text.replace("\r\n", "\n");
            let d = text.trim();
            let repeats = !notes.is_empty()
                && (notes.contains(&d) || notes.join("\n\n") == d || {
                    // Or the notes without a span (a transcript's own memos, not its
                    // segments').
                    let plain: Vec<&str> = self.description_notes[&key]
                        .iter()
                        .filter(|g| q.notes.get(*g).is_some_and(|n| n.span.is_none()))
                        .filter_map(|g| bodies.get(g).map(|b| b.trim()))
                        .collect();
                    !plain.is_empty() && plain.join("\n\n") == d
                });
            if !repeats {
                bodies.insert(key, text);
            }
        }
        let mut used: HashSet<String> = HashSet::new();
        // The template's history travels as a project note; it is not a journal entry.
        for (guid, n) in &q.notes {
            if n.name == super::history::NOTE_NAME
                && n.content
                    .as_deref()
                    .is_some_and(|c| c.contains(super::history::FORMAT))
            {
                used.insert(guid.clone());
            }
        }
        // A coding's first note is its own memo; more notes become memos on it. (tana's own
        // export names the coding's memo "Coding memo …" and its other memos "Memo on a
        // coding …".)
        let mut links = std::mem::take(&mut self.memo_links);
        for (id, tid, notes) in &self.coding_notes {
            let own = notes.iter().find(|g| {
                bodies.contains_key(*g)
                    && (!self.from_tana
                        || q.notes
                            .get(*g)
                            .is_some_and(|n| n.name.starts_with("Coding memo")))
            });
            if let Some(g) = own {
                tx.execute(
                    "UPDATE coding SET memo = CASE
                        WHEN memo IS NULL THEN ?2
                        WHEN instr(memo, ?2) > 0 THEN memo
                        ELSE memo || char(10) || ?2 END
                     WHERE id = ?1",
                    params![id, bodies[g].trim()],
                )?;
                used.insert(g.clone());
                report.coding_memos += 1;
            }
            for g in notes.iter().filter(|g| Some(*g) != own) {
                links.push((g.clone(), ("coding", Some(*tid), None, None, Some(*id))));
            }
        }
        // Theme memos.
        let template = crate::template::Template::load(tx)?;
        for (note, path) in &self.theme_notes {
            let parts: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Some(t) = template.by_path(&parts) {
                links.push((note.clone(), ("theme", None, None, Some(t.id), None)));
            }
        }
        // tana names a theme memo's note after the theme ("Memo on theme 1.2 Training") and
        // refers to it from nowhere (see export::THEME_MEMO_NOTE).
        if self.from_tana {
            let referenced: HashSet<&String> = links
                .iter()
                .map(|(g, _)| g)
                .chain(self.coding_notes.iter().flat_map(|(_, _, n)| n))
                .chain(&q.project_notes)
                .collect();
            let mut found = Vec::new();
            for guid in q.note_order.iter().filter(|g| !referenced.contains(g)) {
                let Some(label) = q.notes[guid]
                    .name
                    .strip_prefix(super::export::THEME_MEMO_NOTE)
                else {
                    continue;
                };
                let theme = label.split_once(' ').and_then(|(number, name)| {
                    template
                        .themes
                        .iter()
                        .find(|t| t.number == number && t.name == name)
                });
                if let Some(t) = theme {
                    found.push((guid.clone(), ("theme", None, None, Some(t.id), None)));
                }
            }
            links.extend(found);
        }
        // A set named after an integrative theme holds the themes it links (tana's export
        // writes them so); other sets have no place in tana.
        let mut other_sets = 0;
        for (name, members, others) in &q.sets {
            let integrative = self.theme_of.values().copied().find(|id| {
                template.get(*id).is_some_and(|t| {
                    t.kind == crate::model::ThemeKind::Integrative && t.name == *name
                })
            });
            let Some(from) = integrative else {
                other_sets += 1;
                continue;
            };
            for g in members {
                if let Some(to) = self.theme_of.get(g).filter(|to| **to != from) {
                    tx.execute(
                        "INSERT OR IGNORE INTO theme_link (integrative_id, theme_id) VALUES (?1, ?2)",
                        params![from, to],
                    )?;
                }
            }
            if *others > 0 {
                report.not_imported.push(format!(
                    "set \"{name}\": {others} source or note member(s) (tana links themes only)"
                ));
            }
        }
        if other_sets > 0 {
            report.not_imported.push(format!(
                "{other_sets} set(s) that are not an integrative theme's links (tana has no sets)"
            ));
        }
        // Memos in the order of the file's notes, so a project keeps the order its memos
        // were written in.
        let order: HashMap<&str, usize> = q
            .note_order
            .iter()
            .enumerate()
            .map(|(i, g)| (g.as_str(), i))
            .collect();
        links.sort_by_key(|(g, _)| order.get(g.as_str()).copied().unwrap_or(usize::MAX));
        let mut segments: HashMap<i64, Vec<crate::model::Segment>> = HashMap::new();
        for (guid, target) in &links {
            let Some(text) = bodies.get(guid) else {
                continue;
            };
            let n = q.notes.get(guid).cloned().unwrap_or_default();
            // A note on a transcript that holds a span is about the segment at its start.
            let mut target = *target;
            if let (("transcript", Some(tid), ..), Some((start, _))) = (target, n.span) {
                let at = self
                    .note_positions
                    .get(&tid)
                    .and_then(|map| map.to_chars(start));
                if let Some(at) = at {
                    let segs = match segments.entry(tid) {
                        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => {
                            e.insert(crate::coding::load_segments(tx, tid)?)
                        }
                    };
                    if let Some(seg) = crate::coding::segment_at(segs, at) {
                        target = ("segment", Some(tid), Some(seg.number), None, None);
                    }
                }
            }
            tx.execute(
                "INSERT INTO memo (target, transcript_id, segment_number, theme_id, coding_id, text, coder_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    target.0,
                    target.1,
                    target.2,
                    target.3,
                    target.4,
                    text.trim(),
                    self.coder_of(n.user.as_ref()),
                    n.at.clone().unwrap_or_else(now)
                ],
            )?;
            used.insert(guid.clone());
            report.memos += 1;
        }
        if self.unknown_codes > 0 {
            report.not_imported.push(format!(
                "{} coding(s) refer to codes that are not in the codebook; not imported",
                self.unknown_codes
            ));
        }
        let shown = self.outside.len();
        report.not_imported.extend(self.outside.drain(..).take(20));
        if shown > 20 {
            report.not_imported.push(format!(
                "... and {} more selections outside their text",
                shown - 20
            ));
        }
        // Cases → attributes of the transcripts they refer to.
        let plain_names: HashSet<&str> = q
            .variables
            .values()
            .map(|n| n.trim())
            .filter(|n| !n.contains(':'))
            .collect();
        let mut case_refs = 0;
        for case in &q.cases {
            case_refs += case.other_refs;
            let tids: Vec<i64> = case
                .sources
                .iter()
                .filter_map(|g| self.transcript_of.get(g).copied())
                .collect();
            if tids.is_empty() {
                report.not_imported.push(format!(
                    "case \"{}\" refers to no imported text source; its {} value(s) not imported",
                    case.name,
                    case.values.len()
                ));
                continue;
            }
            for tid in tids {
                let tname: String =
                    tx.query_row("SELECT name FROM transcript WHERE id = ?1", [tid], |r| {
                        r.get(0)
                    })?;
                if !case.name.is_empty() && case.name != tname {
                    let name = fit_value(&mut self.values_changed, &case.name);
                    crate::import::attributes::set(tx, tid, "case", &name)?;
                    report.attributes += 1;
                }
                for (var, value) in &case.values {
                    let Some(name) = q.variables.get(var).filter(|k| !k.is_empty()) else {
                        continue;
                    };
                    // "Participant:role" beside a variable "role" (tana's export, and
                    // NVivo's "Classification:attribute") is that attribute of the case.
                    let key = match name.split_once(':') {
                        Some((_, k)) if !k.trim().is_empty() && plain_names.contains(k.trim()) => {
                            k.trim().to_string()
                        }
                        _ => name.clone(),
                    };
                    let value = fit_value(&mut self.values_changed, value);
                    // The same value the transcript's source gave it: one attribute, not two.
                    if self.source_values.get(&(tid, key.clone())) == Some(&value) {
                        continue;
                    }
                    crate::import::attributes::set(tx, tid, &key, &value)?;
                    report.attributes += 1;
                }
            }
        }
        if case_refs > 0 {
            report.not_imported.push(format!(
                "{case_refs} case reference(s) to codes or selections not imported (tana's cases are transcripts)"
            ));
        }
        // Project notes, and notes nothing refers to → journal entries.
        let journal = q.project_notes.iter().chain(
            q.note_order
                .iter()
                .filter(|g| !used.contains(*g) && !q.project_notes.contains(*g)),
        );
        let mut journaled = Vec::new();
        for g in journal {
            let (Some(text), Some(n)) = (bodies.get(g), q.notes.get(g)) else {
                continue;
            };
            if used.contains(g) {
                continue;
            }
            let mut tags: Vec<String> = n
                .name
                .strip_prefix("Journal entry [")
                .and_then(|r| r.strip_suffix(']'))
                .map(|t| t.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default();
            tags.retain(|t| !t.is_empty());
            tags.sort();
            tags.dedup();
            tx.execute(
                "INSERT INTO journal_entry (text, tags, coder_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    text.trim(),
                    tags.join(","),
                    self.coder_of(n.user.as_ref()),
                    n.at.clone().unwrap_or_else(now)
                ],
            )?;
            journaled.push(g.clone());
            report.journal += 1;
        }
        used.extend(journaled);
        let empty_notes = q.note_order.iter().filter(|g| !used.contains(*g)).count();
        if empty_notes > 0 {
            report
                .not_imported
                .push(format!("{empty_notes} note(s) without text not imported"));
        }
        for (what, n) in &q.skipped {
            report.not_imported.push(format!("{n} {what} not imported"));
        }
        report.not_imported.extend(q.changed.iter().cloned());
        if self.values_changed > 0 {
            report.not_imported.push(format!(
                "{} attribute value(s) held control characters (such as line breaks), replaced by spaces",
                self.values_changed
            ));
        }
        report.coders =
            tx.query_row("SELECT count(*) FROM coder", [], |r| r.get::<_, i64>(0))? as usize;
        self.log()?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Origin, ThemeFields, ThemeKind};
    use crate::template::{insert_theme, NewTheme};
    use proptest::prelude::*;

    fn words() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("targets"),
                Just("Zoë"),
                Just("😀"),
                Just("CO₂"),
                Just("שלום"),
                Just("e\u{301}"),
                Just("&"),
                Just("<b>"),
                Just("\"quoted\""),
                Just("net-zero"),
            ],
            1..6,
        )
        .prop_map(|w| w.join(" "))
    }

    /// A text of turns and paragraphs (as tana stores it: `\n` line breaks).
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            (
                prop_oneof![Just("Interviewer: "), Just("P1: "), Just("")],
                words(),
            ),
            1..8,
        )
        .prop_map(|turns| {
            turns
                .into_iter()
                .map(|(s, w)| format!("{s}{w}"))
                .collect::<Vec<_>>()
                .join("\n\n")
        })
    }

    fn fields() -> impl Strategy<Value = ThemeFields> {
        let opt = || proptest::option::of(words());
        (opt(), opt(), opt(), opt(), opt(), opt(), any::<bool>()).prop_map(
            |(definition, include, exclude, example, memo, source, two)| ThemeFields {
                definition: definition.map(|d| if two { format!("{d}\n\n{d}") } else { d }),
                include,
                exclude,
                example,
                memo,
                color: two.then(|| "#1f77b4".to_string()),
                source,
            },
        )
    }

    fn dump(conn: &Connection) -> String {
        let mut out = String::new();
        let template = crate::template::Template::load(conn).unwrap();
        for t in &template.themes {
            out.push_str(&format!(
                "{} {:?} {:?} {:?} {:?}\n",
                t.number, t.name, t.kind, t.origin, t.fields
            ));
        }
        let mut stmt = conn
            .prepare(
                "SELECT t.name, t.text, c.start, c.end, th.name, k.name FROM coding c
                 JOIN transcript t ON t.id = c.transcript_id JOIN theme th ON th.id = c.theme_id
                 JOIN coder k ON k.id = c.coder_id ORDER BY t.name, c.start, c.end, th.name",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok(format!(
                    "{}:{:?} [{}, {}) {} {}\n",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?
                ))
            })
            .unwrap();
        for r in rows {
            out.push_str(&r.unwrap());
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// tana → qdpx → tana keeps texts, themes with every codebook field, and codings
        /// with their exact code-point spans and coders; tana → qdc → tana keeps the template.
        #[test]
        fn qdpx_and_qdc_round_trips_are_exact(
            texts in proptest::collection::vec(text(), 1..4),
            themes in proptest::collection::vec((fields(), any::<bool>(), any::<bool>()), 1..5),
            spans in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<bool>()), 0..12),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let conn = crate::project::create(&dir.path().join("a.tana")).unwrap();
            let me = coder_id(&conn, "ana").unwrap();
            let other = coder_id(&conn, "ben").unwrap();
            let mut theme_ids = Vec::new();
            for (i, (f, integrative, apriori)) in themes.iter().enumerate() {
                let parent = if i > 0 && *integrative { theme_ids.first().copied() } else { None };
                // A source belongs to an a priori theme.
                let mut f = f.clone();
                if !apriori {
                    f.source = None;
                }
                let new = NewTheme {
                    kind: if *integrative { ThemeKind::Integrative } else { ThemeKind::Hierarchical },
                    origin: if *apriori { Origin::APriori } else { Origin::Emergent },
                    fields: f,
                };
                theme_ids.push(insert_theme(&conn, parent, &format!("Theme {i}"), &new, me).unwrap());
            }
            let opts = crate::import::ImportOptions::default();
            for (i, t) in texts.iter().enumerate() {
                crate::import::import_text(&conn, &format!("P{i}"), t, None, "txt", &opts, me).unwrap();
            }
            conn.execute_batch("BEGIN").unwrap();
            let journal = crate::journal::Journal::begin(&conn).unwrap();
            for (doc, a, b, theme, who) in &spans {
                let name = format!("P{}", doc.index(texts.len()));
                let d = crate::coding::Doc::load(&conn, &name).unwrap();
                let len = d.text.chars().count();
                let (x, y) = (a.index(len), b.index(len + 1));
                if x >= y { continue; }
                let stamp = Stamp { coder: if *who { me } else { other }, at: now(), version: None };
                crate::coding::add(&conn, d.id, theme_ids[theme.index(theme_ids.len())], Span { start: x, end: y }, None, &stamp).unwrap();
            }
            let entry = crate::journal::LogEntry::new("code", crate::journal::Kind::Coding, "test");
            journal.finish(&conn, &entry, me).unwrap();
            conn.execute_batch("COMMIT").unwrap();
            let qdpx = dir.path().join("a.qdpx");
            crate::output::write_atomically(&qdpx, |w| {
                super::super::export::write_qdpx(&conn, "a", w, &mut crate::progress::Progress::hidden())
                    .map(|_| ())
            }).unwrap();
            let back = dir.path().join("b.tana");
            import_qdpx(&qdpx, &back, "ana", DEFAULT_MAX_SIZE).unwrap();
            let b = crate::project::open(&back).unwrap();
            prop_assert_eq!(dump(&conn), dump(&b));
            // The codebook alone.
            let mut qdc = Vec::new();
            super::super::codebook::write_qdc(&conn, &mut qdc).unwrap();
            let read = super::super::codebook::read_qdc(&qdc, "a.qdc").unwrap();
            let c = crate::project::create(&dir.path().join("c.tana")).unwrap();
            let me_c = coder_id(&c, "ana").unwrap();
            crate::template::outline::import(&c, &read.items, me_c).unwrap();
            let t = |conn: &Connection| crate::template::outline::render(&crate::template::Template::load(conn).unwrap())
                + &format!("{:?}", crate::template::Template::load(conn).unwrap().themes.iter().map(|t| (&t.name, t.kind, t.origin, &t.fields)).collect::<Vec<_>>());
            prop_assert_eq!(t(&conn), t(&c));
        }
    }
}
