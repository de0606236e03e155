//! Word (.docx) and OpenDocument (.odt) files: the text of their paragraphs, read with limits
//! that refuse zip bombs, DTDs and entity tricks.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};
use zip::result::ZipError;
use zip::ZipArchive;

use crate::error::{Error, Result};

/// Which kind of office file to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeKind {
    /// Office Open XML (Word 2007 and later).
    Docx,
    /// OpenDocument text (LibreOffice, Google Docs export).
    Odt,
}

impl OfficeKind {
    fn ext(self) -> &'static str {
        match self {
            OfficeKind::Docx => ".docx",
            OfficeKind::Odt => ".odt",
        }
    }

    /// The part that holds the body text.
    fn main_part(self) -> &'static str {
        match self {
            OfficeKind::Docx => "word/document.xml",
            OfficeKind::Odt => "content.xml",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            OfficeKind::Docx => {
                "is this a real .docx? open it in Word or LibreOffice and save it again"
            }
            OfficeKind::Odt => "is this a real .odt? open it in LibreOffice and save it again",
        }
    }
}

/// The most an XML part may expand to, and the most spaces `<text:s>` may add in all.
const PART_LIMIT: u64 = 64 * 1024 * 1024;
/// Word and LibreOffice write a few dozen entries; thousands means something is wrong.
const MAX_ENTRIES: usize = 10_000;
/// Small parts (`mimetype`, `_rels/.rels`) are read with this limit.
const SMALL_LIMIT: u64 = 1024 * 1024;

const NS_WORD: &[&[u8]] = &[
    b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    b"http://purl.oclc.org/ooxml/wordprocessingml/main",
];
const NS_COMPAT: &[u8] = b"http://schemas.openxmlformats.org/markup-compatibility/2006";
const NS_TEXT: &[u8] = b"urn:oasis:names:tc:opendocument:xmlns:text:1.0";
const NS_OFFICE: &[u8] = b"urn:oasis:names:tc:opendocument:xmlns:office:1.0";
const NS_SVG: &[u8] = b"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0";

/// The text of a .docx or .odt file: one paragraph per line block, paragraphs separated by a
/// blank line ("\n\n"), runs joined, every character kept.
///
/// Paragraphs are Word's `w:p` and OpenDocument's `text:p` and `text:h`, wherever they are
/// (tables, lists, text boxes). Tabs become `\t` and line breaks inside a paragraph `\n`; Word's
/// non-breaking hyphen becomes a plain `-` so that searches find it. Deleted tracked changes,
/// field codes, footnotes and comments are left out; so are paragraphs with nothing but white
/// space. OpenDocument collapses runs of white space in its markup as the format requires;
/// `<text:s>` spaces are kept.
pub fn extract(file: &str, bytes: &[u8], kind: OfficeKind) -> Result<String> {
    extract_with_limit(file, bytes, kind, PART_LIMIT)
}

fn extract_with_limit(file: &str, bytes: &[u8], kind: OfficeKind, limit: u64) -> Result<String> {
    let mut zip = open_zip(file, bytes, kind)?;
    let (part, xml) = match kind {
        OfficeKind::Docx => docx_part(file, &mut zip, limit)?,
        OfficeKind::Odt => odt_part(file, &mut zip, limit)?,
    };
    let text = utf8(file, &part, &xml, kind)?;
    let classify = match kind {
        OfficeKind::Docx => docx_tag,
        OfficeKind::Odt => odt_tag,
    };
    let mut reader = Part::new(file, &part, kind, text, classify);
    Ok(paragraphs(&mut reader, kind, limit)?.join("\n\n"))
}

type Zip<'a> = ZipArchive<Cursor<&'a [u8]>>;

fn open_zip<'a>(file: &str, bytes: &'a [u8], kind: OfficeKind) -> Result<Zip<'a>> {
    let ext = kind.ext();
    let zip = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(zip) => zip,
        Err(e) if bytes.starts_with(b"PK") => {
            return Err(
                Error::user(format!("{file}: the {ext} file is damaged: {e}"))
                    .with_hint(kind.hint()),
            )
        }
        Err(_) => {
            let what = sniff(bytes).unwrap_or("it is not a zip archive");
            return Err(
                Error::user(format!("{file}: not a {ext} file; {what}")).with_hint(kind.hint())
            );
        }
    };
    if zip.len() > MAX_ENTRIES {
        return Err(Error::user(format!(
            "{file}: the archive has {} entries; refusing it as a possible zip bomb",
            zip.len()
        ))
        .with_hint(kind.hint()));
    }
    Ok(zip)
}

/// What a file that is not a zip archive looks like, from its first bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Some("it looks like an old binary Office file (.doc); save it as .docx or .odt")
    } else if bytes.starts_with(b"{\\rtf") {
        Some("it looks like an RTF file")
    } else if bytes.starts_with(b"%PDF") {
        Some("it looks like a PDF file")
    } else {
        None
    }
}

/// Read `word/document.xml`, or the main part that `_rels/.rels` names.
fn docx_part(file: &str, zip: &mut Zip, limit: u64) -> Result<(String, Vec<u8>)> {
    let kind = OfficeKind::Docx;
    let main = kind.main_part();
    if let Some(xml) = read_entry(file, zip, main, limit, kind)? {
        return Ok((main.to_string(), xml));
    }
    if let Some(target) = office_document_target(file, zip)? {
        if target.starts_with("word/") {
            if let Some(xml) = read_entry(file, zip, &target, limit, kind)? {
                return Ok((target, xml));
            }
        }
    }
    Err(wrong_kind(file, zip, kind))
}

/// Read `content.xml`, after checking `mimetype` (when there is one) says text.
fn odt_part(file: &str, zip: &mut Zip, limit: u64) -> Result<(String, Vec<u8>)> {
    let kind = OfficeKind::Odt;
    if let Some(mime) = read_entry(file, zip, "mimetype", SMALL_LIMIT, kind)? {
        let mime = String::from_utf8_lossy(&mime);
        let mime = mime.trim();
        if let Some(what) = mime.strip_prefix("application/vnd.oasis.opendocument.") {
            if !what.starts_with("text") {
                return Err(Error::user(format!(
                    "{file}: this is an OpenDocument {what} file, not a text document"
                ))
                .with_hint("open it in LibreOffice and save the transcript as .odt or .txt"));
            }
        }
    }
    let main = kind.main_part();
    match read_entry(file, zip, main, limit, kind)? {
        Some(xml) => Ok((main.to_string(), xml)),
        None => Err(wrong_kind(file, zip, kind)),
    }
}

/// The error for a zip without the expected main part, naming the kind it really is if known.
fn wrong_kind(file: &str, zip: &Zip, kind: OfficeKind) -> Error {
    let has = |name: &str| zip.index_for_name(name).is_some();
    let really = if has("word/document.xml") {
        Some("a Word (.docx) file")
    } else if has("content.xml") {
        Some("an OpenDocument (.odt) file")
    } else if has("xl/workbook.xml") {
        Some("an Excel (.xlsx) file")
    } else if has("ppt/presentation.xml") {
        Some("a PowerPoint (.pptx) file")
    } else {
        None
    };
    let ext = kind.ext();
    match really {
        Some(really) => Error::user(format!("{file}: this is {really}, not a {ext} file"))
            .with_hint("rename it to match its real type, or save it again as a text document"),
        None => Error::user(format!(
            "{file}: not a {ext} file; the archive has no {}",
            kind.main_part()
        ))
        .with_hint(kind.hint()),
    }
}

/// The main part named by `_rels/.rels` (some producers write `word/document2.xml`).
fn office_document_target(file: &str, zip: &mut Zip) -> Result<Option<String>> {
    let kind = OfficeKind::Docx;
    let name = "_rels/.rels";
    let Some(xml) = read_entry(file, zip, name, SMALL_LIMIT, kind)? else {
        return Ok(None);
    };
    let text = utf8(file, name, &xml, kind)?;
    let mut reader = Part::new(file, name, kind, text, relationship_target);
    loop {
        match reader.next()? {
            Node::Eof => return Ok(None),
            Node::Start(Some(t)) | Node::Empty(Some(t)) => {
                return Ok(Some(t.trim_start_matches('/').to_string()))
            }
            _ => {}
        }
    }
}

fn relationship_target(_ns: &[u8], local: &[u8], e: &BytesStart) -> Option<String> {
    if local != b"Relationship" {
        return None;
    }
    let ty = attribute(e, b"Type")?;
    ty.ends_with("/officeDocument")
        .then(|| attribute(e, b"Target"))
        .flatten()
}

fn attribute(e: &BytesStart, local: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
        .map(Cow::into_owned)
}

/// One zip entry's bytes, or `None` when there is no such entry. Never reads more than
/// `limit + 1` bytes, whatever the entry's header claims.
fn read_entry(
    file: &str,
    zip: &mut Zip,
    name: &str,
    limit: u64,
    kind: OfficeKind,
) -> Result<Option<Vec<u8>>> {
    let Some(index) = zip.index_for_name(name) else {
        return Ok(None);
    };
    let bomb = || {
        Error::user(format!(
            "{file}: {name} expands to more than {}; refusing it as a possible zip bomb",
            size(limit)
        ))
        .with_hint(kind.hint())
    };
    let damaged = |e: &dyn std::fmt::Display| {
        Error::user(format!("{file}: {name} cannot be read: {e}")).with_hint(kind.hint())
    };
    let entry = match zip.by_index(index) {
        Ok(entry) => entry,
        Err(ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED)) => {
            return Err(Error::user(format!("{file}: {name} is encrypted"))
                .with_hint("remove the password in Word or LibreOffice and save it again"))
        }
        Err(e) => return Err(damaged(&e)),
    };
    if entry.size() > limit {
        return Err(bomb());
    }
    let capacity = usize::try_from(entry.size()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    entry
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| damaged(&e))?;
    if bytes.len() as u64 > limit {
        return Err(bomb());
    }
    Ok(Some(bytes))
}

fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The part as text: UTF-8, without a byte order mark.
fn utf8<'a>(file: &str, part: &str, bytes: &'a [u8], kind: OfficeKind) -> Result<&'a str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(Error::user(format!(
            "{file}: {part} is UTF-16; tana reads UTF-8 XML only"
        ))
        .with_hint(kind.hint()));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
        let (line, column) = line_column(valid, valid.len());
        Error::user(format!(
            "{file}: {part} is not UTF-8 text at line {line}, column {column}"
        ))
        .with_hint(kind.hint())
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// What an element means for the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    /// A paragraph or heading.
    Para,
    /// Word's `w:t`: the only place Word keeps text.
    Text,
    Tab,
    Break,
    /// Word's non-breaking hyphen.
    Hyphen,
    /// OpenDocument's `text:s`: this many spaces.
    Spaces(usize),
    /// Leave out everything inside (deleted text, field codes, notes, comments, formatting).
    Skip,
    /// `mc:AlternateContent`: the first branch is read, the others skipped.
    Alternatives,
    Branch,
    Other,
}

fn docx_tag(ns: &[u8], local: &[u8], _e: &BytesStart) -> Tag {
    if ns == NS_COMPAT {
        return match local {
            b"AlternateContent" => Tag::Alternatives,
            b"Choice" | b"Fallback" => Tag::Branch,
            _ => Tag::Other,
        };
    }
    if !NS_WORD.contains(&ns) {
        return Tag::Other;
    }
    match local {
        b"p" => Tag::Para,
        b"t" => Tag::Text,
        b"tab" | b"ptab" => Tag::Tab,
        b"br" | b"cr" => Tag::Break,
        b"noBreakHyphen" => Tag::Hyphen,
        // Properties hold tab stops (`w:tabs/w:tab`), which are not tabs in the text.
        b"pPr" | b"rPr" | b"sectPr" => Tag::Skip,
        // Deleted and moved-away text, field codes.
        b"del" | b"moveFrom" | b"delText" | b"instrText" | b"delInstrText" => Tag::Skip,
        _ => Tag::Other,
    }
}

fn odt_tag(ns: &[u8], local: &[u8], e: &BytesStart) -> Tag {
    match (ns, local) {
        (NS_TEXT, b"p" | b"h") => Tag::Para,
        (NS_TEXT, b"tab") => Tag::Tab,
        (NS_TEXT, b"line-break") => Tag::Break,
        (NS_TEXT, b"s") => {
            let count = attribute(e, b"c").and_then(|c| c.trim().parse().ok());
            Tag::Spaces(count.unwrap_or(1))
        }
        // Footnotes and endnotes, the deleted text of tracked changes, comments, and
        // descriptions of images.
        (NS_TEXT, b"note" | b"tracked-changes") => Tag::Skip,
        (NS_OFFICE, b"annotation") => Tag::Skip,
        (NS_SVG, b"title" | b"desc") => Tag::Skip,
        _ => Tag::Other,
    }
}

/// One step through a part.
enum Node<'a, T> {
    Start(T),
    Empty(T),
    End(T),
    Text(Cow<'a, str>),
    Eof,
}

type Classify<T> = fn(&[u8], &[u8], &BytesStart) -> T;

/// A namespace-aware reader over one XML part. It refuses DTDs and unknown entities and
/// reports errors with the file, the part, and a line and column.
struct Part<'a, T> {
    file: &'a str,
    name: &'a str,
    kind: OfficeKind,
    xml: &'a str,
    reader: NsReader<&'a [u8]>,
    classify: Classify<T>,
    open: Vec<T>,
}

impl<'a, T: Clone> Part<'a, T> {
    fn new(
        file: &'a str,
        name: &'a str,
        kind: OfficeKind,
        xml: &'a str,
        classify: Classify<T>,
    ) -> Self {
        Part {
            file,
            name,
            kind,
            xml,
            reader: NsReader::from_str(xml),
            classify,
            open: Vec::new(),
        }
    }

    fn malformed(&self, offset: u64, what: impl std::fmt::Display) -> Error {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let (line, column) = line_column(self.xml, offset);
        Error::user(format!(
            "{}: {} is not well-formed XML at line {line}, column {column}: {what}",
            self.file, self.name
        ))
        .with_hint(self.kind.hint())
    }

    fn next(&mut self) -> Result<Node<'a, T>> {
        loop {
            let (ns, event) = match self.reader.read_resolved_event() {
                Ok(read) => read,
                Err(e) => return Err(self.malformed(self.reader.error_position(), e)),
            };
            let ns: &[u8] = match ns {
                ResolveResult::Bound(ns) => ns.0,
                _ => b"",
            };
            return Ok(match event {
                Event::Start(e) => {
                    let tag = (self.classify)(ns, e.local_name().as_ref(), &e);
                    self.open.push(tag.clone());
                    Node::Start(tag)
                }
                Event::Empty(e) => Node::Empty((self.classify)(ns, e.local_name().as_ref(), &e)),
                Event::End(_) => match self.open.pop() {
                    Some(tag) => Node::End(tag),
                    None => continue,
                },
                Event::Text(t) => match t.xml_content(XmlVersion::Implicit1_0) {
                    Ok(text) => Node::Text(text),
                    Err(e) => return Err(self.malformed(self.reader.buffer_position(), e)),
                },
                Event::CData(t) => match t.xml_content(XmlVersion::Implicit1_0) {
                    Ok(text) => Node::Text(text),
                    Err(e) => return Err(self.malformed(self.reader.buffer_position(), e)),
                },
                Event::GeneralRef(r) => Node::Text(self.entity(&r)?),
                Event::DocType(_) => {
                    return Err(Error::user(format!(
                        "{}: {} has a DTD (<!DOCTYPE>); documents with DTDs or entity \
                         declarations are refused",
                        self.file, self.name
                    ))
                    .with_hint(self.kind.hint()))
                }
                Event::Eof if !self.open.is_empty() => {
                    let offset = self.reader.buffer_position();
                    return Err(self.malformed(offset, "the document ends inside an element"));
                }
                Event::Eof => Node::Eof,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => continue,
            });
        }
    }

    /// `&amp;`, `&#x1F600;` and the other predefined and numeric references; anything else
    /// would need a DTD, so it is an error.
    fn entity(&self, r: &BytesRef) -> Result<Cow<'a, str>> {
        let at = self.reader.buffer_position();
        match r.resolve_char_ref() {
            Ok(Some(c)) => return Ok(Cow::Owned(c.to_string())),
            Ok(None) => {}
            Err(e) => return Err(self.malformed(at, e)),
        }
        let name = String::from_utf8_lossy(r);
        match quick_xml::escape::resolve_xml_entity(&name) {
            Some(text) => Ok(Cow::Borrowed(text)),
            None => Err(self.malformed(at, format!("unknown entity &{name};"))),
        }
    }
}

/// A paragraph being read.
struct Para {
    text: String,
    /// OpenDocument white-space rule: the next white space in the markup is dropped (at the
    /// start of a paragraph and after white space).
    drop_space: bool,
}

/// The non-blank paragraphs of a document part, in order. A paragraph nested in another
/// (a text box) comes before the paragraph that holds it.
fn paragraphs(part: &mut Part<Tag>, kind: OfficeKind, limit: u64) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut open: Vec<Para> = Vec::new();
    let mut depth = 0usize;
    // The depth at which a skipped element started; everything below it is ignored.
    let mut skip_from: Option<usize> = None;
    let mut in_text = 0usize;
    // One flag per open `mc:AlternateContent`: has a branch been read?
    let mut alternatives: Vec<bool> = Vec::new();
    let mut added_spaces = 0u64;
    loop {
        let (tag, start, end) = match part.next()? {
            Node::Eof => break,
            Node::Start(tag) => (tag, true, false),
            Node::Empty(tag) => (tag, true, true),
            Node::End(tag) => (tag, false, true),
            Node::Text(text) => {
                let para = open.last_mut().filter(|_| skip_from.is_none());
                if let Some(p) = para {
                    match kind {
                        OfficeKind::Docx if in_text > 0 => p.text.push_str(&text),
                        OfficeKind::Docx => {}
                        OfficeKind::Odt => push_collapsed(p, &text),
                    }
                }
                continue;
            }
        };
        if start {
            depth += 1;
            if skip_from.is_none() {
                let skip = match tag {
                    Tag::Skip => true,
                    Tag::Branch => match alternatives.last_mut() {
                        Some(taken) => std::mem::replace(taken, true),
                        None => false,
                    },
                    _ => false,
                };
                if skip {
                    skip_from = Some(depth);
                } else {
                    match tag {
                        Tag::Para => open.push(Para {
                            text: String::new(),
                            drop_space: true,
                        }),
                        Tag::Text => in_text += 1,
                        Tag::Alternatives => alternatives.push(false),
                        Tag::Tab | Tag::Break | Tag::Hyphen | Tag::Spaces(_) => {
                            if let Some(p) = open.last_mut() {
                                let n = match tag {
                                    Tag::Spaces(n) => n,
                                    _ => 1,
                                };
                                added_spaces = added_spaces.saturating_add(n as u64);
                                if added_spaces > limit {
                                    return Err(Error::user(format!(
                                        "{}: {} expands to more than {} of text; refusing it",
                                        part.file,
                                        part.name,
                                        size(limit)
                                    ))
                                    .with_hint(kind.hint()));
                                }
                                let c = match tag {
                                    Tag::Tab => '\t',
                                    Tag::Break => '\n',
                                    Tag::Hyphen => '-',
                                    _ => ' ',
                                };
                                p.text.extend(std::iter::repeat_n(c, n));
                                p.drop_space = false;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        if end {
            if skip_from == Some(depth) {
                skip_from = None;
            } else if skip_from.is_none() {
                match tag {
                    Tag::Para => {
                        if let Some(p) = open.pop() {
                            if !p.text.trim().is_empty() {
                                out.push(p.text);
                            }
                        }
                    }
                    Tag::Text => in_text = in_text.saturating_sub(1),
                    Tag::Alternatives => {
                        alternatives.pop();
                    }
                    _ => {}
                }
            }
            depth = depth.saturating_sub(1);
        }
    }
    Ok(out)
}

/// Add OpenDocument character data: tabs, newlines and spaces in the markup are white space,
/// and a run of it counts as one space; white space at the start of a paragraph is dropped.
fn push_collapsed(p: &mut Para, text: &str) {
    for c in text.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            if !p.drop_space {
                p.text.push(' ');
                p.drop_space = true;
            }
        } else {
            p.text.push(c);
            p.drop_space = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        for (name, bytes) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn docx_file(body: &str) -> Vec<u8> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W}><w:body>{body}</w:body></w:document>"#
        );
        zip(&[
            ("[Content_Types].xml", b"<Types/>".as_slice()),
            ("word/document.xml", xml.as_bytes()),
        ])
    }

    fn odt_file(body: &str) -> Vec<u8> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
        );
        zip(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.text".as_slice(),
            ),
            ("content.xml", xml.as_bytes()),
        ])
    }

    fn docx(body: &str) -> String {
        extract("t.docx", &docx_file(body), OfficeKind::Docx).unwrap()
    }

    fn odt(body: &str) -> String {
        extract("t.odt", &odt_file(body), OfficeKind::Odt).unwrap()
    }

    fn message(e: Error) -> String {
        match e.hint() {
            Some(hint) => format!("{e}\nhint: {hint}"),
            None => e.to_string(),
        }
    }

    fn docx_err(bytes: &[u8]) -> String {
        message(extract("t.docx", bytes, OfficeKind::Docx).unwrap_err())
    }

    #[test]
    fn docx_runs_are_joined_and_paragraphs_separated_by_a_blank_line() {
        let body = r#"<w:p><w:r><w:t>Interviewer:</w:t></w:r><w:r><w:t xml:space="preserve"> so </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>tell me</w:t></w:r></w:p>
            <w:p/><w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr></w:p>
            <w:p><w:r><w:t>P1: yes</w:t></w:r></w:p>"#;
        assert_eq!(docx(body), "Interviewer: so tell me\n\nP1: yes");
    }

    #[test]
    fn docx_tabs_breaks_and_hyphens_become_characters() {
        let body = r#"<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:cr/><w:t>d</w:t><w:noBreakHyphen/><w:t>e</w:t><w:sym w:char="F04A"/></w:r></w:p>"#;
        assert_eq!(docx(body), "a\tb\nc\nd-e");
    }

    #[test]
    fn docx_keeps_spaces_inside_runs_exactly() {
        let body = r#"<w:p><w:r><w:t xml:space="preserve">  two  spaces  </w:t></w:r><w:r><w:t xml:space="preserve">	</w:t></w:r><w:r><w:t>x</w:t></w:r></w:p>"#;
        assert_eq!(docx(body), "  two  spaces  \tx");
    }

    #[test]
    fn docx_unescapes_entities_and_keeps_every_script() {
        let body = r#"<w:p><w:r><w:t>Q&amp;A &lt;ok&gt; &#x1F600; &#233;&quot;&apos;</w:t></w:r></w:p><w:p><w:r><w:t>café 😀 שלום עולם</w:t></w:r></w:p>"#;
        assert_eq!(docx(body), "Q&A <ok> 😀 é\"'\n\ncafé 😀 שלום עולם");
    }

    #[test]
    fn docx_table_cells_are_paragraphs() {
        let body = r#"<w:p><w:r><w:t>before</w:t></w:r></w:p><w:tbl><w:tblPr/><w:tr><w:tc><w:p><w:r><w:t>cell 1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>cell 2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#;
        assert_eq!(docx(body), "before\n\ncell 1\n\ncell 2");
    }

    #[test]
    fn docx_ignores_deleted_text_and_field_codes() {
        let body = r#"<w:p><w:r><w:t>kept </w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:delText>gone </w:delText></w:r></w:del><w:ins w:id="2" w:author="a"><w:r><w:t>added</w:t></w:r></w:ins><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>"#;
        assert_eq!(docx(body), "kept added7");
    }

    #[test]
    fn docx_matches_namespace_not_prefix() {
        let xml = r#"<x:document xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:w="urn:other"><x:body><x:p><x:r><x:t>real</x:t></x:r></x:p><w:p><w:r><w:t>fake</w:t></w:r></w:p></x:body></x:document>"#;
        let bytes = zip(&[("word/document.xml", xml.as_bytes())]);
        assert_eq!(extract("t.docx", &bytes, OfficeKind::Docx).unwrap(), "real");
    }

    #[test]
    fn docx_reads_only_the_first_alternative_content() {
        let body = r#"<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="wps"><w:txbxContent><w:p><w:r><w:t>box</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>box</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>outer</w:t></w:r></w:p>"#;
        assert_eq!(docx(body), "box\n\nouter");
    }

    #[test]
    fn docx_main_part_named_by_relationships_is_read() {
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#;
        let xml = format!(
            r#"<w:document {W}><w:body><w:p><w:r><w:t>two</w:t></w:r></w:p></w:body></w:document>"#
        );
        let bytes = zip(&[
            ("_rels/.rels", rels.as_bytes()),
            ("word/document2.xml", xml.as_bytes()),
        ]);
        assert_eq!(extract("t.docx", &bytes, OfficeKind::Docx).unwrap(), "two");
    }

    #[test]
    fn odt_paragraphs_headings_spans_lists_and_tables() {
        let body = r#"<text:h text:outline-level="1">Title</text:h><text:p>Interviewer: <text:span>so</text:span> tell<text:span> me</text:span></text:p><text:p/><text:list><text:list-item><text:p>item</text:p></text:list-item></text:list><table:table><table:table-row><table:table-cell><text:p>cell</text:p></table:table-cell></table:table-row></table:table>"#;
        assert_eq!(
            odt(body),
            "Title\n\nInterviewer: so tell me\n\nitem\n\ncell"
        );
    }

    #[test]
    fn odt_spaces_tabs_and_line_breaks() {
        let body = r#"<text:p>a<text:s text:c="3"/>b<text:s/>c<text:tab/>d<text:line-break/>e &amp; f &#x1F600; שלום é</text:p>"#;
        assert_eq!(odt(body), "a   b c\td\ne & f 😀 שלום é");
    }

    #[test]
    fn odt_collapses_white_space_in_markup() {
        let body = "<text:p>\n    one\n    two  <text:s/>three</text:p>";
        assert_eq!(odt(body), "one two  three");
    }

    #[test]
    fn odt_leaves_out_notes_comments_and_tracked_deletions() {
        let body = r#"<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><text:p>deleted</text:p></text:deletion></text:changed-region></text:tracked-changes><text:p>said<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>footnote</text:p></text:note-body></text:note> this<office:annotation><text:p>comment</text:p></office:annotation></text:p>"#;
        assert_eq!(odt(body), "said this");
    }

    #[test]
    fn odt_refuses_a_spreadsheet() {
        let bytes = zip(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet".as_slice(),
            ),
            ("content.xml", b"<a/>".as_slice()),
        ]);
        let e = extract("t.odt", &bytes, OfficeKind::Odt).unwrap_err();
        assert!(e.to_string().contains("spreadsheet"), "{e}");
    }

    #[test]
    fn a_dtd_is_refused() {
        let xml = format!(
            r#"<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x "y">]><w:document {W}><w:body/></w:document>"#
        );
        let bytes = zip(&[("word/document.xml", xml.as_bytes())]);
        assert_eq!(
            docx_err(&bytes),
            "t.docx: word/document.xml has a DTD (<!DOCTYPE>); documents with DTDs or entity \
             declarations are refused\nhint: is this a real .docx? open it in Word or \
             LibreOffice and save it again"
        );
    }

    #[test]
    fn billion_laughs_is_refused_quickly() {
        let mut dtd = String::from(r#"<!ENTITY lol0 "lol">"#);
        for i in 1..10 {
            let refs = format!("&lol{};", i - 1).repeat(10);
            dtd.push_str(&format!(r#"<!ENTITY lol{i} "{refs}">"#));
        }
        let xml = format!(
            r#"<?xml version="1.0"?><!DOCTYPE lolz [{dtd}]><w:document {W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"#
        );
        let bytes = zip(&[("word/document.xml", xml.as_bytes())]);
        let started = std::time::Instant::now();
        assert!(docx_err(&bytes).contains("has a DTD"));
        assert!(started.elapsed().as_millis() < 500);
    }

    #[test]
    fn an_unknown_entity_is_an_error() {
        let e = docx_err(&docx_file("<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>"));
        assert!(e.contains("unknown entity &lol9;"), "{e}");
        assert!(e.contains("line 2, column"), "{e}");
    }

    #[test]
    fn a_declared_zip_bomb_is_refused() {
        let xml = format!("<w:document {W}>{}</w:document>", " ".repeat(3 << 20));
        let bytes = zip(&[("word/document.xml", xml.as_bytes())]);
        assert!(bytes.len() < 100_000);
        let e = extract_with_limit("t.docx", &bytes, OfficeKind::Docx, 1 << 20).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.docx: word/document.xml expands to more than 1 MiB; refusing it as a possible zip bomb"
        );
    }

    /// Rewrite the uncompressed size in the local header and the central directory.
    fn claim_size(bytes: &mut [u8], real: usize, claimed: u32) {
        let real = (real as u32).to_le_bytes();
        let mut patched = 0;
        for i in 0..bytes.len() - 4 {
            if bytes[i..i + 4] == real {
                bytes[i..i + 4].copy_from_slice(&claimed.to_le_bytes());
                patched += 1;
            }
        }
        assert_eq!(patched, 2);
    }

    #[test]
    fn a_zip_bomb_with_a_lying_header_is_refused_after_limit_bytes() {
        let xml = format!("<w:document {W}>{}</w:document>", " ".repeat(3 << 20));
        let mut bytes = zip(&[("word/document.xml", xml.as_bytes())]);
        claim_size(&mut bytes, xml.len(), 100);
        let e = extract_with_limit("t.docx", &bytes, OfficeKind::Docx, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("possible zip bomb"), "{e}");
    }

    #[test]
    fn a_part_declared_over_64_mib_is_refused_before_reading() {
        let xml = format!("<w:document {W}><w:body/></w:document>");
        let mut bytes = zip(&[("word/document.xml", xml.as_bytes())]);
        claim_size(&mut bytes, xml.len(), 200 << 20);
        assert_eq!(
            docx_err(&bytes),
            "t.docx: word/document.xml expands to more than 64 MiB; refusing it as a possible \
             zip bomb\nhint: is this a real .docx? open it in Word or LibreOffice and save it again"
        );
    }

    #[test]
    fn too_many_entries_are_refused() {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        for i in 0..=MAX_ENTRIES {
            zip.start_file(format!("{i}"), options).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(docx_err(&bytes).contains("10001 entries"));
    }

    #[test]
    fn spaces_beyond_the_limit_are_refused() {
        let body = r#"<text:p>a<text:s text:c="4000000000"/></text:p>"#;
        let e = extract("t.odt", &odt_file(body), OfficeKind::Odt).unwrap_err();
        assert!(e.to_string().contains("expands to more than 64 MiB"), "{e}");
    }

    #[test]
    fn not_a_zip_is_explained() {
        assert_eq!(
            docx_err(b"Interviewer: hello"),
            "t.docx: not a .docx file; it is not a zip archive\nhint: is this a real .docx? \
             open it in Word or LibreOffice and save it again"
        );
        assert!(docx_err(b"%PDF-1.7").contains("PDF"));
        assert!(docx_err(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1]).contains(".doc"));
        assert!(docx_err(b"PK\x03\x04garbage").contains("damaged"));
    }

    #[test]
    fn the_wrong_kind_of_file_says_what_it_is() {
        let e = docx_err(&odt_file("<text:p>x</text:p>"));
        assert!(e.contains("this is an OpenDocument (.odt) file, not a .docx file"));
        let e = extract("t.odt", &docx_file(""), OfficeKind::Odt).unwrap_err();
        assert!(e
            .to_string()
            .contains("this is a Word (.docx) file, not a .odt file"));
        let e = docx_err(&zip(&[("other.xml", b"<a/>".as_slice())]));
        assert!(e.contains("the archive has no word/document.xml"), "{e}");
    }

    #[test]
    fn malformed_xml_gives_line_and_column() {
        let xml = format!("<w:document {W}>\n<w:body>\n  <w:p><w:r></w:p>\n</w:body></w:document>");
        let e = docx_err(&zip(&[("word/document.xml", xml.as_bytes())]));
        assert!(
            e.starts_with("t.docx: word/document.xml is not well-formed XML at line 3, column "),
            "{e}"
        );
        let e = docx_err(&zip(&[("word/document.xml", b"<a><b>".as_slice())]));
        assert!(e.contains("ends inside an element"), "{e}");
        let e = docx_err(&zip(&[("word/document.xml", b"<a>\n\xff</a>".as_slice())]));
        assert!(e.contains("is not UTF-8 text at line 2, column 1"), "{e}");
    }

    #[test]
    fn garbage_never_panics() {
        let good = docx_file("<w:p><w:r><w:t>hello</w:t></w:r></w:p>");
        for cut in (0..good.len()).step_by(7) {
            let _ = extract("t.docx", &good[..cut], OfficeKind::Docx);
        }
        let mut flipped = good.clone();
        for i in (0..flipped.len()).step_by(13) {
            flipped[i] ^= 0x55;
            let _ = extract("t.docx", &flipped, OfficeKind::Docx);
        }
    }
}
