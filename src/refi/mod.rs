//! REFI-QDA interchange: codebooks (`.qdc`) and projects (`.qdpx`), the exchange formats of
//! NVivo, ATLAS.ti, MAXQDA, QualCoder and others (<https://www.qdasoftware.org>).
//!
//! Writing streams XML straight into the file or zip entry; reading streams it through
//! [`XmlIn`], which refuses DTDs and entity declarations outright.

use std::io::BufRead;

use quick_xml::events::Event;
use quick_xml::Reader;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::{Origin, ThemeFields, ThemeKind};

pub mod codebook;
pub mod export;
pub mod history;
pub mod import;
pub mod positions;

/// The namespaces tana writes.
pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";

/// What tana writes as the `origin` attribute.
pub fn origin() -> String {
    format!("tana {}", env!("CARGO_PKG_VERSION"))
}

/// Whether `ns` is a REFI-QDA namespace of the given kind (`project` or `codebook`) in any of
/// the spellings producers use: `1.0`, `1:0` and the older `0:4`.
pub fn accepted_namespace(ns: &str, kind: &str) -> bool {
    let Some(rest) = ns.strip_prefix("urn:QDA-XML:") else {
        return false;
    };
    let Some(version) = rest.strip_prefix(kind).and_then(|r| r.strip_prefix(':')) else {
        return false;
    };
    matches!(version, "1.0" | "1:0" | "0:4" | "1.5" | "1:5")
}

/// A guid as tana keeps it: lower case, no braces. `None` if it is not a guid.
pub fn normalize_guid(raw: &str) -> Option<String> {
    let g = raw.trim();
    let g = g
        .strip_prefix('{')
        .and_then(|g| g.strip_suffix('}'))
        .unwrap_or(g);
    Uuid::parse_str(g)
        .ok()
        .filter(|_| g.len() == 36)
        .map(|u| u.hyphenated().to_string())
}

/// A guid derived from the project's guid and a name ("coding:57"): the same thing gets the
/// same guid in every export of the same project.
pub fn derived_guid(namespace: &Uuid, name: &str) -> String {
    Uuid::new_v5(namespace, name.as_bytes())
        .hyphenated()
        .to_string()
}

/// A fresh random guid.
pub fn new_guid() -> String {
    Uuid::new_v4().hyphenated().to_string()
}

/// A colour as REFI-QDA writes it (`#RRGGBB` or `#RGB`), if it is one.
pub fn rgb(color: &str) -> Option<String> {
    let hex = color.trim().trim_start_matches('#');
    ((hex.len() == 6 || hex.len() == 3) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("#{hex}"))
}

/// Whether a timestamp is an `xsd:dateTime` (tana writes RFC 3339 UTC; `TANA_NOW` may be
/// anything, and then the attribute is left out).
pub fn is_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[..19].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

// ---------------------------------------------------------------------------------------
// Codebook fields in a REFI-QDA Description
// ---------------------------------------------------------------------------------------

const LABELS: &[&str] = &["When to use:", "When not to use:", "Example:", "Memo:"];
const A_PRIORI: &str = "A priori";
const INTEGRATIVE: &str = "Integrative theme.";

/// The Description of a code: the definition first, then one labelled paragraph per other
/// codebook field, so that other programs show it readably and tana reads it back exactly.
pub fn describe(fields: &ThemeFields, kind: ThemeKind, origin: Origin) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(d) = fields
        .definition
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        parts.push(d.trim().to_string());
    }
    for (label, value) in LABELS.iter().zip([
        &fields.include,
        &fields.exclude,
        &fields.example,
        &fields.memo,
    ]) {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            parts.push(format!("{label} {}", v.trim()));
        }
    }
    if origin == Origin::APriori {
        match fields.source.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => parts.push(format!("{A_PRIORI}: {}", s.trim())),
            None => parts.push(format!("{A_PRIORI}.")),
        }
    }
    if kind == ThemeKind::Integrative {
        parts.push(INTEGRATIVE.to_string());
    }
    parts.join("\n\n")
}

/// Read a Description written by [`describe`] (or by any other program: then it is all
/// definition). Returns the fields, the kind and the origin.
pub fn read_description(text: &str) -> (ThemeFields, ThemeKind, Origin) {
    let mut fields = ThemeFields::default();
    let (mut kind, mut origin) = (ThemeKind::Hierarchical, Origin::Emergent);
    let text = text.replace("\r\n", "\n");
    // Split into paragraphs that begin with a label; unlabelled ones belong to the field
    // before them (or to the definition).
    let mut current: Option<usize> = None; // index into LABELS; None = definition
    let mut values: [Vec<String>; 5] = Default::default();
    for para in text.split("\n\n") {
        let p = para.trim();
        if p.is_empty() {
            continue;
        }
        if p == INTEGRATIVE {
            kind = ThemeKind::Integrative;
            continue;
        }
        if p == "A priori." {
            origin = Origin::APriori;
            continue;
        }
        if let Some(src) = p.strip_prefix("A priori:") {
            origin = Origin::APriori;
            fields.source = Some(src.trim().to_string());
            continue;
        }
        if let Some((i, rest)) = LABELS
            .iter()
            .enumerate()
            .find_map(|(i, l)| p.strip_prefix(l).map(|r| (i, r)))
        {
            current = Some(i);
            values[i + 1].push(rest.trim().to_string());
            continue;
        }
        values[current.map_or(0, |i| i + 1)].push(p.to_string());
    }
    let join = |v: &Vec<String>| (!v.is_empty()).then(|| v.join("\n\n"));
    fields.definition = join(&values[0]);
    fields.include = join(&values[1]);
    fields.exclude = join(&values[2]);
    fields.example = join(&values[3]);
    fields.memo = join(&values[4]);
    (fields, kind, origin)
}

// ---------------------------------------------------------------------------------------
// Reading XML safely
// ---------------------------------------------------------------------------------------

/// One element start, with its attributes unescaped, matched by local name (any prefix).
#[derive(Debug, Clone)]
pub struct Element {
    pub name: String,
    /// The namespace declared by `xmlns` on this element, if any.
    pub xmlns: Option<String>,
    pub attrs: Vec<(String, String)>,
    /// `<X/>`: no End follows.
    pub empty: bool,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What [`XmlIn::read`] reads.
#[derive(Debug, Clone)]
pub enum Xml {
    Start(Element),
    End(String),
    Text(String),
    Eof,
}

/// A streaming XML reader for REFI-QDA files: local names, unescaped text and attributes,
/// and a clear error (file, byte position) for anything malformed. DTDs are refused, so no
/// entity can expand.
pub struct XmlIn<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    file: String,
    pending_end: Option<String>,
}

fn local(name: &[u8]) -> String {
    let n = match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    };
    String::from_utf8_lossy(n).into_owned()
}

impl<R: BufRead> XmlIn<R> {
    pub fn new(input: R, file: impl Into<String>) -> XmlIn<R> {
        let mut reader = Reader::from_reader(input);
        reader.config_mut().check_end_names = true;
        XmlIn {
            reader,
            buf: Vec::new(),
            file: file.into(),
            pending_end: None,
        }
    }

    /// The byte offset reached in the input.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// An error at the current position.
    pub fn error(&self, what: impl std::fmt::Display) -> Error {
        Error::user(format!(
            "{} at byte {}: {what}",
            self.file,
            self.reader.buffer_position()
        ))
    }

    pub fn read(&mut self) -> Result<Xml> {
        if let Some(name) = self.pending_end.take() {
            return Ok(Xml::End(name));
        }
        let mut buf = std::mem::take(&mut self.buf);
        let out = self.next_with(&mut buf);
        self.buf = buf;
        out
    }

    fn next_with(&mut self, buf: &mut Vec<u8>) -> Result<Xml> {
        loop {
            buf.clear();
            let event = match self.reader.read_event_into(buf) {
                Ok(e) => e,
                Err(e) => {
                    let pos = self.reader.error_position();
                    return Err(Error::user(format!(
                        "{} is not well-formed XML at byte {pos}: {e}",
                        self.file
                    ))
                    .with_hint("the file may be damaged or cut short; export it again"));
                }
            };
            let (event, is_empty) = match event {
                Event::Empty(e) => (Event::Start(e), true),
                other => (other, false),
            };
            return Ok(match event {
                Event::Start(e) | Event::Empty(e) => {
                    let name = local(e.name().as_ref());
                    let mut attrs = Vec::new();
                    let mut xmlns = None;
                    for a in e.attributes() {
                        let a = a.map_err(|err| self.error(format!("bad attribute: {err}")))?;
                        let key = a.key.as_ref();
                        let value = a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|err| self.error(format!("bad attribute value: {err}")))?
                            .into_owned();
                        if key == b"xmlns" {
                            xmlns = Some(value);
                        } else if key.starts_with(b"xmlns:") {
                            continue;
                        } else {
                            attrs.push((local(key), value));
                        }
                    }
                    if is_empty {
                        self.pending_end = Some(name.clone());
                    }
                    Xml::Start(Element {
                        name,
                        xmlns,
                        attrs,
                        empty: is_empty,
                    })
                }
                Event::End(e) => Xml::End(local(e.name().as_ref())),
                Event::Text(t) => Xml::Text(
                    t.xml10_content()
                        .map_err(|err| self.error(format!("bad text: {err}")))?
                        .into_owned(),
                ),
                Event::CData(t) => Xml::Text(
                    t.decode()
                        .map_err(|err| self.error(format!("bad text: {err}")))?
                        .into_owned(),
                ),
                Event::GeneralRef(r) => {
                    if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => Xml::Text(c.to_string()),
                            _ => return Err(self.error("bad character reference")),
                        }
                    } else {
                        let name = r
                            .decode()
                            .map_err(|err| self.error(format!("bad reference: {err}")))?;
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => Xml::Text(s.to_string()),
                            None => {
                                return Err(self
                                    .error(format!(
                                        "unknown entity &{name}; (entities are refused)"
                                    ))
                                    .with_hint(
                                        "REFI-QDA files never need entities; export the file again",
                                    ))
                            }
                        }
                    }
                }
                Event::DocType(_) => {
                    return Err(Error::user(format!(
                    "{} has a DTD (<!DOCTYPE>); files with DTDs or entity declarations are refused",
                    self.file
                ))
                    .with_hint(
                        "REFI-QDA files never need a DTD; export the file again without one",
                    ))
                }
                Event::Eof => Xml::Eof,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => continue,
            });
        }
    }

    /// The text up to the end of the element just started (its child elements' text too).
    pub fn text_of(&mut self, start: &Element) -> Result<String> {
        if start.empty {
            self.pending_end = None;
            return Ok(String::new());
        }
        let mut out = String::new();
        let mut depth = 0usize;
        loop {
            match self.read()? {
                Xml::Text(t) => out.push_str(&t),
                Xml::Start(_) => depth += 1,
                Xml::End(_) if depth == 0 => return Ok(out),
                Xml::End(_) => depth -= 1,
                Xml::Eof => return Err(self.error(format!("<{}> is not closed", start.name))),
            }
        }
    }

    /// Skip to the end of the element just started.
    pub fn skip(&mut self, start: &Element) -> Result<()> {
        self.text_of(start).map(|_| ())
    }
}

/// The root element of a REFI-QDA file, which must be `<CodeBook>` (`kind` "codebook") or
/// `<Project>` (`kind` "project") in an accepted namespace; an error that says what the
/// file is otherwise.
pub fn read_root<R: BufRead>(x: &mut XmlIn<R>, kind: &str) -> Result<Element> {
    let file = x.file().to_string();
    let (name, other, hint, what) = match kind {
        "codebook" => (
            "CodeBook",
            "this is a project (.qde); import it with \"tana import FILE.qdpx\"",
            "export the codebook from your QDA program as REFI-QDA (.qdc)",
            "codebook (.qdc)",
        ),
        _ => (
            "Project",
            "this is a codebook; import it with \"tana template import FILE.qdc\"",
            "export the project from your QDA program as REFI-QDA (.qdpx)",
            "project (.qdpx)",
        ),
    };
    let root = loop {
        match x.read()? {
            Xml::Start(e) => break e,
            Xml::Eof => {
                return Err(Error::user(format!("{file} has no XML elements"))
                    .with_hint(format!("is this a REFI-QDA {what}?")))
            }
            _ => {}
        }
    };
    if root.name != name {
        let other_root = if kind == "codebook" {
            "Project"
        } else {
            "CodeBook"
        };
        return Err(Error::user(format!(
            "{file} is not a REFI-QDA {kind}: its root element is <{}>, not <{name}>",
            root.name
        ))
        .with_hint(if root.name == other_root { other } else { hint }));
    }
    if let Some(ns) = &root.xmlns {
        if !accepted_namespace(ns, kind) {
            return Err(Error::user(format!(
                "{file}: namespace \"{ns}\" is not a REFI-QDA {kind} namespace"
            ))
            .with_hint(format!(
                "tana reads urn:QDA-XML:{kind}:1.0 (also written 1:0 and 0:4)"
            )));
        }
    }
    Ok(root)
}

/// The guid attribute of an element, normalised; an error naming the element if it is
/// missing or malformed.
pub fn guid_of<R: BufRead>(x: &XmlIn<R>, e: &Element, attr: &str) -> Result<String> {
    let raw = e
        .attr(attr)
        .ok_or_else(|| x.error(format!("<{}> has no {attr}", e.name)))?;
    normalize_guid(raw)
        .ok_or_else(|| x.error(format!("<{}> {attr}=\"{raw}\" is not a guid", e.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_lose_braces_and_case() {
        assert_eq!(
            normalize_guid("{AD68FBE7-E1EE-4A82-A279-23CC698C89EB}").as_deref(),
            Some("ad68fbe7-e1ee-4a82-a279-23cc698c89eb")
        );
        assert_eq!(normalize_guid("not-a-guid"), None);
        assert_eq!(normalize_guid("ad68fbe7e1ee4a82a27923cc698c89eb"), None);
    }

    #[test]
    fn namespaces_in_every_spelling() {
        for ns in [
            "urn:QDA-XML:project:1.0",
            "urn:QDA-XML:project:1:0",
            "urn:QDA-XML:project:0:4",
        ] {
            assert!(accepted_namespace(ns, "project"), "{ns}");
            assert!(!accepted_namespace(ns, "codebook"), "{ns}");
        }
        assert!(accepted_namespace("urn:QDA-XML:codebook:0:4", "codebook"));
        assert!(!accepted_namespace("urn:other", "codebook"));
    }

    #[test]
    fn descriptions_carry_every_field_and_read_back() {
        let fields = ThemeFields {
            definition: Some("What people know.\n\nTwo paragraphs.".into()),
            include: Some("Any mention".into()),
            exclude: Some("Hearsay".into()),
            example: Some("\"We never heard\"".into()),
            memo: Some("Check P3".into()),
            color: None,
            source: Some("Service Gap model".into()),
        };
        let text = describe(&fields, ThemeKind::Integrative, Origin::APriori);
        let (back, kind, origin) = read_description(&text);
        assert_eq!(back, fields);
        assert_eq!(kind, ThemeKind::Integrative);
        assert_eq!(origin, Origin::APriori);
        let (plain, kind, origin) = read_description("thoughts about breakfast foods");
        assert_eq!(
            plain.definition.as_deref(),
            Some("thoughts about breakfast foods")
        );
        assert_eq!((kind, origin), (ThemeKind::Hierarchical, Origin::Emergent));
    }

    #[test]
    fn dtds_and_unknown_entities_are_refused() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><CodeBook>&lol2;</CodeBook>";
        let mut x = XmlIn::new(bomb.as_bytes(), "bomb.qdc");
        let err = loop {
            match x.read() {
                Err(e) => break e.to_string(),
                Ok(Xml::Eof) => panic!("read to the end"),
                Ok(_) => {}
            }
        };
        assert!(err.contains("DTD"), "{err}");
        let mut x = XmlIn::new("<a>&lol;</a>".as_bytes(), "e.qdc");
        x.read().unwrap();
        assert!(x.read().unwrap_err().to_string().contains("unknown entity"));
    }

    #[test]
    fn text_and_references_are_unescaped() {
        let mut x = XmlIn::new(
            "<a n=\"x &amp; y\">1 &lt; 2 &#x1F600;<b/></a>".as_bytes(),
            "t",
        );
        let Xml::Start(a) = x.read().unwrap() else {
            panic!()
        };
        assert_eq!(a.attr("n"), Some("x & y"));
        assert_eq!(x.text_of(&a).unwrap(), "1 < 2 😀");
    }
}
