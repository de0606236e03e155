//! REFI-QDA codebooks (`.qdc`): the template as nested `<Code>` elements, and back.
//!
//! Each theme is written with its guid (stable across exports), name, `isCodable`, colour
//! and a Description that carries every codebook field (see [`super::describe`]).

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use rusqlite::Connection;

use super::history::{without_theme_memos, THEME_MEMOS};
use super::{describe, guid_of, read_description, read_root, rgb, Element, Xml, XmlIn};
use crate::error::{Error, Result};
use crate::template::outline::OutlineItem;
use crate::template::{too_deep, Template, MAX_DEPTH};
use crate::text::{escape_name, replace_controls};

/// The guid of every theme (deleted ones too), by id.
pub fn theme_guids(conn: &Connection) -> Result<HashMap<i64, String>> {
    let mut stmt = conn.prepare("SELECT id, guid FROM theme WHERE guid IS NOT NULL")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An XML writer error as tana's error.
pub(crate) fn xml_err(e: impl std::fmt::Display) -> Error {
    Error::user(format!("could not write the XML: {e}"))
}

/// Write `<Codes>` with the whole template nested inside. `memos` are the texts of the memos
/// on each theme (only in a project; a `.qdc` has none): each is a paragraph of the
/// Description after the codebook fields, under [`THEME_MEMOS`], where programs that read a
/// code's memo from its description find it. No `NoteRef` goes inside a `<Code>`: QualCoder
/// 3.8 drops a code without sub-codes that has one, and reads one beside sub-codes as a
/// nameless code. (The notes themselves are in the project's `Notes`, named after the theme.)
pub(crate) fn write_codes<W: Write>(
    w: &mut Writer<W>,
    template: &Template,
    guids: &HashMap<i64, String>,
    memos: &HashMap<i64, Vec<String>>,
) -> Result<()> {
    w.write_event(Event::Start(BytesStart::new("Codes")))
        .map_err(xml_err)?;
    // The template is in display order (depth first): a theme's `</Code>` comes before the
    // next theme that is not inside it. An explicit stack of open codes, no recursion.
    let mut open: Vec<usize> = Vec::new(); // levels of the open <Code> elements
    let close_to = |w: &mut Writer<W>, open: &mut Vec<usize>, level: usize| -> Result<()> {
        while open.last().is_some_and(|l| *l >= level) {
            open.pop();
            w.write_event(Event::End(BytesEnd::new("Code")))
                .map_err(xml_err)?;
        }
        Ok(())
    };
    let themes = &template.themes;
    for (i, t) in themes.iter().enumerate() {
        close_to(w, &mut open, t.level())?;
        let guid = guids
            .get(&t.id)
            .ok_or_else(|| Error::user(format!("theme {} has no guid", t.label())))?;
        let mut start = BytesStart::new("Code");
        start.push_attribute(("guid", guid.as_str()));
        start.push_attribute(("name", t.name.as_str()));
        start.push_attribute(("isCodable", "true"));
        if let Some(c) = t.fields.color.as_deref().and_then(rgb) {
            start.push_attribute(("color", c.as_str()));
        }
        let mut description = describe(&t.fields, t.kind, t.origin);
        let memos: Vec<&str> = memos
            .get(&t.id)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|text| text.trim())
            .filter(|t| !t.is_empty())
            .collect();
        if !memos.is_empty() {
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(THEME_MEMOS);
            for m in memos {
                description.push_str("\n\n");
                description.push_str(m);
            }
        }
        let has_children = themes.get(i + 1).is_some_and(|n| n.parent_id == Some(t.id));
        if description.is_empty() && !has_children {
            w.write_event(Event::Empty(start)).map_err(xml_err)?;
            continue;
        }
        w.write_event(Event::Start(start)).map_err(xml_err)?;
        if !description.is_empty() {
            text_element(w, "Description", &description)?;
        }
        open.push(t.level());
    }
    close_to(w, &mut open, 1)?;
    w.write_event(Event::End(BytesEnd::new("Codes")))
        .map_err(xml_err)?;
    Ok(())
}

/// Each integrative theme's links as a `<Set>` named after it, whose members are the themes
/// it links: `member` is the attribute naming a member code (`guid` in a codebook,
/// `targetGUID` in a project). Nothing is written when no theme has links.
pub(crate) fn write_sets<W: Write>(
    w: &mut Writer<W>,
    conn: &Connection,
    template: &Template,
    guids: &HashMap<i64, String>,
    member: &str,
) -> Result<()> {
    let links = crate::template::links(conn, template)?;
    if links.is_empty() {
        return Ok(());
    }
    w.write_event(Event::Start(BytesStart::new("Sets")))
        .map_err(xml_err)?;
    for (from, to) in &links {
        let (Some(t), Some(g)) = (template.get(*from), guids.get(from)) else {
            continue;
        };
        let guid = super::derived_guid(&uuid::Uuid::NAMESPACE_OID, &format!("tana set {g}"));
        let mut set = BytesStart::new("Set");
        set.push_attribute(("guid", guid.as_str()));
        set.push_attribute(("name", t.name.as_str()));
        w.write_event(Event::Start(set)).map_err(xml_err)?;
        text_element(
            w,
            "Description",
            &format!("Integrative theme {}: the themes it links.", t.label()),
        )?;
        for id in to {
            if let Some(g) = guids.get(id) {
                let mut m = BytesStart::new("MemberCode");
                m.push_attribute((member, g.as_str()));
                w.write_event(Event::Empty(m)).map_err(xml_err)?;
            }
        }
        w.write_event(Event::End(BytesEnd::new("Set")))
            .map_err(xml_err)?;
    }
    w.write_event(Event::End(BytesEnd::new("Sets")))
        .map_err(xml_err)?;
    Ok(())
}

/// `<name>text</name>`.
pub(crate) fn text_element<W: Write>(w: &mut Writer<W>, name: &str, text: &str) -> Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))
        .map_err(xml_err)?;
    w.write_event(Event::Text(BytesText::from_escaped(
        quick_xml::escape::partial_escape(text),
    )))
    .map_err(xml_err)?;
    w.write_event(Event::End(BytesEnd::new(name)))
        .map_err(xml_err)?;
    Ok(())
}

/// Write the template as a `.qdc` codebook.
pub fn write_qdc<W: Write>(conn: &Connection, out: W) -> Result<()> {
    let template = Template::load(conn)?;
    if template.is_empty() {
        return Err(
            Error::user("the template is empty: there is no codebook to export")
                .with_hint("add themes with \"tana theme add\" or \"tana template import FILE\""),
        );
    }
    let guids = theme_guids(conn)?;
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
        .map_err(xml_err)?;
    let mut root = BytesStart::new("CodeBook");
    root.push_attribute(("xmlns", super::CODEBOOK_NS));
    root.push_attribute(("origin", super::origin().as_str()));
    w.write_event(Event::Start(root)).map_err(xml_err)?;
    write_codes(&mut w, &template, &guids, &HashMap::new())?;
    write_sets(&mut w, conn, &template, &guids, "guid")?;
    w.write_event(Event::End(BytesEnd::new("CodeBook")))
        .map_err(xml_err)?;
    w.into_inner().write_all(b"\n")?;
    Ok(())
}

/// A codebook read from a file: the themes as outline items, and what could not be kept.
#[derive(Debug, Default)]
pub struct ReadCodebook {
    pub items: Vec<OutlineItem>,
    /// Things tana cannot represent, or changed to fit (one line each).
    pub notes: Vec<String>,
}

impl ReadState {
    /// 1-based line of a byte offset into `bytes`, counting on from the last call (offsets
    /// only grow while reading). 0 when the bytes are not at hand.
    fn line_at(&mut self, bytes: &[u8], offset: u64) -> usize {
        if bytes.is_empty() {
            return 0;
        }
        let end = (offset as usize).min(bytes.len());
        let (from, line) = self.line_cache;
        let from = from.min(end);
        let line = line + bytes[from..end].iter().filter(|&&b| b == b'\n').count();
        self.line_cache = (end, line);
        line + 1
    }
}

/// Read a `.qdc` file (or any REFI-QDA `<CodeBook>`): namespaces 1.0, 1:0 and 0:4, guids
/// with or without braces, and an empty `<Sets/>` are all accepted.
pub fn read_qdc(bytes: &[u8], file: &str) -> Result<ReadCodebook> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut x = XmlIn::new(bytes, file);
    let root = read_root(&mut x, "codebook")?;
    let mut out = ReadCodebook::default();
    let mut state = ReadState {
        from_tana: root.attr("origin").is_some_and(|o| o.starts_with("tana")),
        ..ReadState::default()
    };
    loop {
        match x.read()? {
            Xml::Start(e) if e.name == "Codes" => {
                read_codes(&mut x, bytes, &e, &[], &mut state, &mut out)?
            }
            Xml::Start(e) if e.name == "Sets" => {
                let sets = count_children(&mut x, &e, "Set")?;
                if sets > 0 && state.from_tana {
                    out.notes.push(format!(
                        "{sets} integrative theme link set(s) not imported: a codebook import does not link themes; link them with \"tana theme integrate\", or import the .qdpx project"
                    ));
                } else if sets > 0 {
                    out.notes.push(format!(
                        "{sets} code set(s) not imported: tana has no code sets"
                    ));
                }
            }
            Xml::Start(e) => x.skip(&e)?,
            Xml::End(_) => break,
            Xml::Eof => return Err(cut_short(&x)),
            Xml::Text(_) => {}
        }
    }
    Ok(out)
}

#[derive(Default)]
pub(crate) struct ReadState {
    seen_guids: HashSet<String>,
    /// guid → path, for codings that refer to codes (projects).
    pub paths: HashMap<String, Vec<String>>,
    /// (note guid, theme path) for the notes a code refers to (projects).
    pub theme_notes: Vec<(String, Vec<String>)>,
    line_cache: (usize, usize),
    /// The file was written by tana: its descriptions state kind and origin.
    pub from_tana: bool,
}

/// How many `name` children the element just started has (the rest is skipped).
pub(crate) fn count_children<R: BufRead>(
    x: &mut XmlIn<R>,
    start: &Element,
    name: &str,
) -> Result<usize> {
    if start.empty {
        x.skip(start)?;
        return Ok(0);
    }
    let mut n = 0;
    loop {
        match x.read()? {
            Xml::Start(e) => {
                if e.name == name {
                    n += 1;
                }
                x.skip(&e)?;
            }
            Xml::End(_) => return Ok(n),
            Xml::Eof => return Err(cut_short(x)),
            Xml::Text(_) => {}
        }
    }
}

/// Read the `<Code>` children of `start` (a `<Codes>` or a `<Code>`), depth first.
pub(crate) fn read_codes<R: BufRead>(
    x: &mut XmlIn<R>,
    bytes: &[u8],
    start: &Element,
    parent: &[String],
    state: &mut ReadState,
    out: &mut ReadCodebook,
) -> Result<()> {
    if start.empty {
        x.skip(start)?;
        return Ok(());
    }
    let mut siblings: HashSet<String> = HashSet::new();
    loop {
        match x.read()? {
            Xml::Start(e) if e.name == "Code" => {
                read_code(x, bytes, e, parent, &mut siblings, state, out)?;
            }
            Xml::Start(e) => x.skip(&e)?,
            Xml::End(_) => return Ok(()),
            Xml::Eof => return Err(cut_short(x)),
            Xml::Text(_) => {}
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn read_code<R: BufRead>(
    x: &mut XmlIn<R>,
    bytes: &[u8],
    e: Element,
    parent: &[String],
    siblings: &mut HashSet<String>,
    state: &mut ReadState,
    out: &mut ReadCodebook,
) -> Result<()> {
    let line = state.line_at(bytes, x.position());
    let at = if line > 0 {
        format!("line {line}: ")
    } else {
        String::new()
    };
    let raw_name = e.attr("name").unwrap_or("").trim().to_string();
    // Refuse a deep tree before going any deeper (each level is one call of this function).
    if parent.len() >= MAX_DEPTH {
        let code = escape_name(&raw_name);
        return Err(too_deep(&if line > 0 {
            format!("{}, line {line}: code \"{code}\"", x.file())
        } else {
            format!("{} at byte {}: code \"{code}\"", x.file(), x.position())
        }));
    }
    let guid = guid_of(x, &e, "guid")?;
    let controls = replace_controls(&raw_name);
    let mut name = fit_name(controls.as_deref().unwrap_or(&raw_name));
    if controls.is_some() {
        out.notes.push(format!(
            "{at}code \"{}\" renamed \"{name}\" (control characters in names are replaced by spaces)",
            escape_name(&raw_name)
        ));
    } else if name != raw_name {
        out.notes.push(format!(
            "{at}code \"{raw_name}\" renamed \"{name}\" (a theme name cannot be empty, contain \"/\", or look like a number)"
        ));
    }
    // Sibling names must differ (ignoring case).
    if !siblings.insert(name.to_lowercase()) {
        let mut n = 2;
        while !siblings.insert(format!("{name} ({n})").to_lowercase()) {
            n += 1;
        }
        let renamed = format!("{name} ({n})");
        out.notes.push(format!(
            "{at}a second code \"{name}\" at the same level renamed \"{renamed}\""
        ));
        name = renamed;
    }
    if e.attr("isCodable")
        .is_some_and(|v| matches!(v.trim(), "false" | "0"))
    {
        out.notes.push(format!(
            "{at}code \"{name}\" is not codable in the file; tana themes are always codable"
        ));
    }
    let guid = if state.seen_guids.insert(guid.clone()) {
        Some(guid)
    } else {
        out.notes.push(format!(
            "{at}guid {guid} is used twice; \"{name}\" gets a new one"
        ));
        None
    };
    let mut path = parent.to_vec();
    path.push(name);
    let index = out.items.len();
    out.items.push(OutlineItem {
        line,
        path: path.clone(),
        kind: crate::model::ThemeKind::Hierarchical,
        origin: crate::model::Origin::Emergent,
        fields: crate::model::ThemeFields {
            color: e.attr("color").and_then(rgb),
            ..Default::default()
        },
        guid: guid.clone(),
        states_kind_origin: state.from_tana,
    });
    if let Some(g) = &guid {
        state.paths.insert(g.clone(), path.clone());
    }
    if e.empty {
        x.skip(&e)?;
        return Ok(());
    }
    let mut children: HashSet<String> = HashSet::new();
    loop {
        match x.read()? {
            Xml::Start(c) if c.name == "Description" => {
                let text = x.text_of(&c)?;
                // The theme's memos, which tana appends, come back from their notes.
                let text = if state.from_tana {
                    without_theme_memos(&text.replace("\r\n", "\n")).to_string()
                } else {
                    text
                };
                let (fields, kind, origin) = read_description(&text);
                let item = &mut out.items[index];
                item.kind = kind;
                item.origin = origin;
                item.fields = crate::model::ThemeFields {
                    color: item.fields.color.take(),
                    ..fields
                };
            }
            Xml::Start(c) if c.name == "Code" => {
                read_code(x, bytes, c, &path, &mut children, state, out)?
            }
            Xml::Start(c) if c.name == "NoteRef" => {
                if let Some(g) = c.attr("targetGUID").and_then(super::normalize_guid) {
                    state.theme_notes.push((g, path.clone()));
                }
                x.skip(&c)?
            }
            Xml::Start(c) => x.skip(&c)?,
            Xml::End(_) => return Ok(()),
            Xml::Eof => return Err(cut_short(x)),
            Xml::Text(_) => {}
        }
    }
}

fn cut_short<R: BufRead>(x: &XmlIn<R>) -> Error {
    x.error("the XML ends before its elements are closed")
        .with_hint("the file is cut short or damaged; export it again")
}

/// A code name made fit to be a theme name.
fn fit_name(raw: &str) -> String {
    let mut name = raw.replace('/', &crate::template::SLASH_STANDIN.to_string());
    if name.is_empty() {
        name = "Unnamed code".to_string();
    }
    if crate::template::validate_name(&name).is_err() {
        name = format!("Code {name}");
    }
    name
}
