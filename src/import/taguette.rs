//! Reading a Taguette database (a project exported as `.sqlite3`, or a Taguette server's own
//! database) into a new tana project.
//!
//! Taguette keeps each document as HTML and counts a highlight's offsets in UTF-8 bytes of the
//! text that HTML shows: every text node, markup left out, entities decoded, the line breaks
//! between paragraphs included. Each document becomes a transcript laid out as tana lays out a
//! .docx (one paragraph per block, a blank line between them, every character kept), and a map
//! from Taguette's text to tana's puts each highlight on exactly the words it covered. The unit
//! is checked against the snippet Taguette stored with every highlight.
//!
//! Tags become themes (a "." between two words makes a sub-theme, unless tags are kept flat),
//! highlights become codings (one per tag), members become coders. Taguette's command history
//! (tags added, renamed, redescribed, merged and deleted) is replayed as template revisions with
//! their own dates and users, so `tana template history` tells how the codebook grew; the
//! highlights are replayed alongside, to count what each merge and deletion touched and to
//! check that the history accounts for the final tags and highlights.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::{json, Value};

use crate::coding::{Added, Stamp};
use crate::error::{Error, Result};
use crate::journal::{Journal, Kind, LogEntry};
use crate::model::{Span, Theme, ThemeFields};
use crate::project::{coder_id, now};
use crate::template::revise::theme_state;
use crate::template::{insert_theme, NewTheme, Template};
use crate::text::Offsets;

/// What to import, and how.
#[derive(Debug, Clone, Default)]
pub struct TaguetteOptions {
    /// The project to import, by id or name, when the database holds several.
    pub project: Option<String>,
    /// Keep tag names whole: a "." does not make a sub-theme.
    pub flat_tags: bool,
}

/// What an import did, and what it could not keep.
#[derive(Debug, Clone, Default)]
pub struct TaguetteReport {
    /// `1 "Name"`.
    pub project: String,
    pub transcripts: usize,
    pub themes: usize,
    /// The project's highlights, and how many (highlight, tag) pairs they make.
    pub highlights: usize,
    pub highlight_tags: usize,
    pub codings: usize,
    /// Highlights of one tag that overlapped another of the same tag and coder, joined.
    pub joined: usize,
    pub coders: usize,
    pub memos: usize,
    pub journal: usize,
    /// The unit of Taguette's offsets, and how many highlights' snippets matched the text
    /// at their offsets in it.
    pub unit: String,
    pub snippets_matched: usize,
    /// Template revisions written from the history, by operation ("add" → 130).
    pub revisions: BTreeMap<String, usize>,
    /// The first and last date of the tag commands replayed.
    pub history_span: Option<(String, String)>,
    /// What the history replay found (one line each).
    pub history: Vec<String>,
    /// One line per thing not imported or changed to fit.
    pub not_imported: Vec<String>,
}

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

/// Whether `path` is an SQLite database (by its header, whatever its extension).
pub fn is_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 16];
    f.read_exact(&mut head).is_ok() && head == SQLITE_HEADER
}

/// Tables every Taguette database has, and the columns tana reads from them.
const TABLES: &[(&str, &[&str])] = &[
    ("projects", &["id", "name", "description"]),
    (
        "documents",
        &["id", "name", "description", "project_id", "contents"],
    ),
    ("tags", &["id", "project_id", "path", "description"]),
    (
        "highlights",
        &["id", "document_id", "start_offset", "end_offset", "snippet"],
    ),
    ("highlight_tags", &["highlight_id", "tag_id"]),
];

fn read_error(file: &str, e: rusqlite::Error) -> Error {
    Error::user(format!("{file}: cannot read the Taguette database: {e}"))
        .with_hint("open it with Taguette (or sqlite3) to check that it is whole")
}

/// Open the database read-only, and without writing beside it: a database in write-ahead
/// mode whose log is empty (no `-wal` file) holds everything in its main file, and is read as
/// immutable, which makes no `-shm` or `-wal` files (its folder may be read-only, too).
fn open_source(path: &Path, file: &str) -> Result<Connection> {
    use std::io::Read;
    let mut header = [0u8; 20];
    let wal = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok()
        && header[18] == 2;
    let mut log = path.as_os_str().to_owned();
    log.push("-wal");
    let probe = |c: &Connection| c.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()));
    if !wal || Path::new(&log).exists() {
        if let Ok(c) = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) {
            if probe(&c).is_ok() {
                return Ok(c);
            }
        }
    }
    let mut p = path.to_string_lossy().into_owned();
    for (c, esc) in [("%", "%25"), ("?", "%3f"), ("#", "%23")] {
        p = p.replace(c, esc);
    }
    let c = Connection::open_with_flags(
        format!("file:{p}?mode=ro&immutable=1"),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|e| read_error(file, e))?;
    probe(&c).map_err(|e| read_error(file, e))?;
    Ok(c)
}

fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
    let names = stmt.query_map([], |r| r.get(0))?;
    names.collect()
}

fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
    let cols = stmt.query_map([], |r| r.get::<_, String>(1))?;
    cols.collect()
}

/// Check that the database is Taguette's; say what it is otherwise.
fn check_schema(conn: &Connection, file: &str) -> Result<HashSet<String>> {
    let tables: HashSet<String> = table_names(conn)
        .map_err(|e| read_error(file, e))?
        .into_iter()
        .collect();
    if tables.contains("transcript") && tables.contains("theme") && tables.contains("coding") {
        return Err(
            Error::user(format!("{file} is a tana project, not a Taguette database")).with_hint(
                format!(
            "open it with --project {file}, or bring a coder's copy back with \"tana merge {file}\""
        ),
            ),
        );
    }
    let missing: Vec<&str> = TABLES
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| !tables.contains(*t))
        .collect();
    if !missing.is_empty() {
        let mut have: Vec<&str> = tables
            .iter()
            .map(String::as_str)
            .filter(|t| !t.starts_with("sqlite_"))
            .collect();
        have.sort();
        return Err(Error::user(format!(
            "{file} is an SQLite database but not a Taguette one: it has no {} table{} (it has: {})",
            missing.join(", "),
            if missing.len() == 1 { "" } else { "s" },
            if have.is_empty() { "no tables".to_string() } else { have.join(", ") }
        ))
        .with_hint("tana imports a Taguette project as Taguette exports it (Export project → .sqlite3), or Taguette's own database; transcripts import from .txt, .md, .docx, .odt, .vtt, .srt or .csv"));
    }
    for (table, cols) in TABLES {
        let have = columns(conn, table).map_err(|e| read_error(file, e))?;
        if let Some(c) = cols.iter().find(|c| !have.iter().any(|h| h == *c)) {
            return Err(Error::user(format!(
                "{file}: Taguette's table {table} has no column {c}; this version of Taguette's database is not one tana reads"
            ))
            .with_hint("open the project in a recent Taguette and export it again (Export project → .sqlite3)"));
        }
    }
    Ok(tables)
}

/// A cell as text, whatever SQLite type it holds.
fn text_at(r: &rusqlite::Row, i: usize) -> rusqlite::Result<String> {
    Ok(match r.get_ref(i)? {
        ValueRef::Null => String::new(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    })
}

/// A Taguette time ("2022-02-03 08:01:22.663131", UTC) as tana writes times.
fn tana_time(raw: &str) -> Option<String> {
    let r = raw.trim();
    let b = r.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        range
            .clone()
            .all(|i| b.get(i).is_some_and(u8::is_ascii_digit))
    };
    let date = b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10);
    if !date {
        return None;
    }
    if b.len() == 10 {
        return Some(format!("{r}T00:00:00Z"));
    }
    let time = b.len() >= 19
        && matches!(b[10], b' ' | b'T')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    time.then(|| format!("{}T{}Z", &r[..10], &r[11..19]))
}

#[derive(Debug, Clone)]
struct Project {
    id: i64,
    name: String,
    description: String,
    created: String,
}

#[derive(Debug, Clone)]
struct Doc {
    id: i64,
    name: String,
    description: String,
    created: String,
    contents: String,
}

#[derive(Debug, Clone)]
struct Tag {
    id: i64,
    path: String,
    description: String,
}

#[derive(Debug, Clone)]
struct Highlight {
    id: i64,
    doc: i64,
    start: i64,
    end: i64,
    snippet: String,
    tags: Vec<i64>,
}

#[derive(Debug, Clone)]
struct Cmd {
    id: i64,
    date: String,
    user: String,
    document: Option<i64>,
    payload: Value,
}

impl Cmd {
    fn kind(&self) -> &str {
        self.payload["type"].as_str().unwrap_or("")
    }

    fn int(&self, field: &str) -> Option<i64> {
        self.payload[field].as_i64()
    }

    fn text(&self, field: &str) -> Option<&str> {
        self.payload[field].as_str()
    }
}

/// Everything read from the database for one project.
struct Source {
    project: Project,
    members: Vec<(String, String)>,
    docs: Vec<Doc>,
    tags: Vec<Tag>,
    highlights: Vec<Highlight>,
    commands: Vec<Cmd>,
    /// Commands whose payload is not JSON.
    unreadable_commands: usize,
}

/// Choose the project: the only one, or the one named by `choice` (id or name).
fn choose_project(conn: &Connection, file: &str, choice: Option<&str>) -> Result<Project> {
    let has_created = columns(conn, "projects")
        .map_err(|e| read_error(file, e))?
        .iter()
        .any(|c| c == "created");
    let mut stmt = conn
        .prepare(&format!(
            "SELECT p.id, p.name, p.description, {},
                    (SELECT count(*) FROM documents d WHERE d.project_id = p.id)
             FROM projects p ORDER BY p.id",
            if has_created { "p.created" } else { "''" }
        ))
        .map_err(|e| read_error(file, e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                Project {
                    id: r.get(0)?,
                    name: text_at(r, 1)?,
                    description: text_at(r, 2)?,
                    created: text_at(r, 3)?,
                },
                r.get::<_, i64>(4)?,
            ))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| read_error(file, e))?;
    let listing = |rows: &[(Project, i64)]| {
        rows.iter()
            .map(|(p, docs)| {
                format!(
                    "{} \"{}\" ({docs} document{})",
                    p.id,
                    p.name,
                    if *docs == 1 { "" } else { "s" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match choice.map(str::trim) {
        Some(c) => {
            let by_name: Vec<&(Project, i64)> = rows
                .iter()
                .filter(|(p, _)| p.name.trim().to_lowercase() == c.to_lowercase())
                .collect();
            let found = match rows.iter().find(|(p, _)| p.id.to_string() == c) {
                Some(p) => Some(p),
                None if by_name.len() > 1 => {
                    return Err(Error::usage(format!(
                        "{file} has {} Taguette projects named \"{c}\": {}",
                        by_name.len(),
                        listing(&by_name.into_iter().cloned().collect::<Vec<_>>())
                    ))
                    .with_hint("give --taguette-project the id of the one to import"));
                }
                None => by_name.first().copied(),
            };
            match found {
                Some((p, _)) => Ok(p.clone()),
                None => Err(Error::usage(format!(
                    "{file} has no Taguette project \"{c}\" (it has: {})",
                    if rows.is_empty() {
                        "none".to_string()
                    } else {
                        listing(&rows)
                    }
                ))
                .with_hint("give --taguette-project a project's id or its name")),
            }
        }
        None => match rows.len() {
            0 => Err(Error::user(format!("{file} holds no Taguette project"))
                .with_hint("create or import a project in Taguette first")),
            1 => Ok(rows[0].0.clone()),
            n => Err(Error::usage(format!(
                "{file} holds {n} Taguette projects: {}",
                listing(&rows)
            ))
            .with_hint(format!(
                "choose one with --taguette-project ID (or its name), e.g. --taguette-project {}",
                rows[0].0.id
            ))),
        },
    }
}

/// Read one project's documents, tags, highlights, members and commands.
fn read_source(
    conn: &Connection,
    file: &str,
    tables: &HashSet<String>,
    project: Project,
) -> Result<Source> {
    let pid = project.id;
    let e = |e| read_error(file, e);
    let doc_cols = columns(conn, "documents").map_err(e)?;
    let created = if doc_cols.iter().any(|c| c == "created") {
        "created"
    } else {
        "''"
    };
    let docs: Vec<Doc> = conn
        .prepare(&format!(
            "SELECT id, name, description, {created}, contents FROM documents
             WHERE project_id = ?1 ORDER BY id"
        ))
        .and_then(|mut s| {
            s.query_map([pid], |r| {
                Ok(Doc {
                    id: r.get(0)?,
                    name: text_at(r, 1)?,
                    description: text_at(r, 2)?,
                    created: text_at(r, 3)?,
                    contents: text_at(r, 4)?,
                })
            })?
            .collect()
        })
        .map_err(e)?;
    let tags: Vec<Tag> = conn
        .prepare("SELECT id, path, description FROM tags WHERE project_id = ?1 ORDER BY id")
        .and_then(|mut s| {
            s.query_map([pid], |r| {
                Ok(Tag {
                    id: r.get(0)?,
                    path: text_at(r, 1)?,
                    description: text_at(r, 2)?,
                })
            })?
            .collect()
        })
        .map_err(e)?;
    let mut highlights: Vec<Highlight> = conn
        .prepare(
            "SELECT h.id, h.document_id, h.start_offset, h.end_offset, h.snippet FROM highlights h
             JOIN documents d ON d.id = h.document_id WHERE d.project_id = ?1
             ORDER BY h.document_id, h.start_offset, h.end_offset, h.id",
        )
        .and_then(|mut s| {
            s.query_map([pid], |r| {
                Ok(Highlight {
                    id: r.get(0)?,
                    doc: r.get(1)?,
                    start: r.get(2)?,
                    end: r.get(3)?,
                    snippet: text_at(r, 4)?,
                    tags: Vec::new(),
                })
            })?
            .collect()
        })
        .map_err(e)?;
    let mut tags_of: HashMap<i64, Vec<i64>> = HashMap::new();
    conn.prepare(
        "SELECT ht.highlight_id, ht.tag_id FROM highlight_tags ht
         JOIN highlights h ON h.id = ht.highlight_id JOIN documents d ON d.id = h.document_id
         JOIN tags t ON t.id = ht.tag_id
         WHERE d.project_id = ?1 AND t.project_id = ?1 ORDER BY ht.highlight_id, ht.tag_id",
    )
    .and_then(|mut s| {
        let rows = s.query_map([pid], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (h, t) = row?;
            tags_of.entry(h).or_default().push(t);
        }
        Ok(())
    })
    .map_err(e)?;
    for h in &mut highlights {
        h.tags = tags_of.remove(&h.id).unwrap_or_default();
    }
    let members: Vec<(String, String)> = if tables.contains("project_members") {
        conn.prepare(
            "SELECT user_login, privileges FROM project_members WHERE project_id = ?1
             ORDER BY CASE privileges WHEN 'ADMIN' THEN 0 ELSE 1 END, user_login",
        )
        .and_then(|mut s| {
            s.query_map([pid], |r| Ok((text_at(r, 0)?, text_at(r, 1)?)))?
                .collect()
        })
        .map_err(e)?
    } else {
        Vec::new()
    };
    let mut commands = Vec::new();
    let mut unreadable_commands = 0;
    if tables.contains("commands") {
        let rows: Vec<(i64, String, String, Option<i64>, String)> = conn
            .prepare(
                "SELECT id, date, user_login, document_id, payload FROM commands
                 WHERE project_id = ?1 ORDER BY id",
            )
            .and_then(|mut s| {
                s.query_map([pid], |r| {
                    Ok((
                        r.get(0)?,
                        text_at(r, 1)?,
                        text_at(r, 2)?,
                        r.get(3)?,
                        text_at(r, 4)?,
                    ))
                })?
                .collect()
            })
            .map_err(e)?;
        for (id, date, user, document, payload) in rows {
            match serde_json::from_str::<Value>(&payload) {
                Ok(payload) if payload.is_object() => commands.push(Cmd {
                    id,
                    date,
                    user,
                    document,
                    payload,
                }),
                _ => unreadable_commands += 1,
            }
        }
    }
    Ok(Source {
        project,
        members,
        docs,
        tags,
        highlights,
        commands,
        unreadable_commands,
    })
}

/// Elements that start a new paragraph.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
];

/// What a piece of markup does to the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Markup {
    /// A block starts or ends: a paragraph break.
    Block,
    /// `<br>`: a line break inside the paragraph.
    Break,
    /// Anything else (inline elements, comments): nothing.
    Other,
}

/// The markup starting at byte `i` (a `<`): where it ends and what it does; `None` when the
/// `<` is text.
fn markup_at(html: &str, i: usize) -> Option<(usize, Markup)> {
    let rest = &html[i..];
    let b = rest.as_bytes();
    let to = |pat: &str, from: usize| {
        rest[from..]
            .find(pat)
            .map_or(html.len(), |k| i + from + k + pat.len())
    };
    if rest.starts_with("<!--") {
        return Some((to("-->", 4), Markup::Other));
    }
    if rest.starts_with("<!") || rest.starts_with("<?") {
        return Some((to(">", 2), Markup::Other));
    }
    let (closing, name_at) = match b.get(1) {
        Some(b'/') => (true, 2),
        _ => (false, 1),
    };
    if !b.get(name_at).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let name_end = b[name_at..]
        .iter()
        .position(|c| !c.is_ascii_alphanumeric())
        .map_or(b.len(), |k| name_at + k);
    let name = rest[name_at..name_end].to_ascii_lowercase();
    // The tag ends at the first `>` outside a quoted attribute value.
    let mut quote: Option<u8> = None;
    let mut end = None;
    for (k, &c) in b.iter().enumerate().skip(name_end) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if !closing && (c == b'"' || c == b'\'') => quote = Some(c),
            None if c == b'>' => {
                end = Some(i + k + 1);
                break;
            }
            None => {}
        }
    }
    let end = end?;
    let what = if name == "br" {
        if closing {
            Markup::Other
        } else {
            Markup::Break
        }
    } else if BLOCKS.contains(&name.as_str()) {
        Markup::Block
    } else {
        Markup::Other
    };
    Some((end, what))
}

/// Named character references tana decodes (the ones HTML sanitizers write).
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("shy", '\u{ad}'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("bull", '•'),
    ("middot", '·'),
    ("deg", '°'),
    ("euro", '€'),
    ("pound", '£'),
    ("times", '×'),
];

/// Decode the character references of a run of HTML text, calling `out` for each character.
fn decode_text(s: &str, mut out: impl FnMut(char)) {
    let mut rest = s;
    while let Some(k) = rest.find('&') {
        rest[..k].chars().for_each(&mut out);
        let after = &rest[k + 1..];
        let (c, used) = reference(after).unwrap_or(('&', 0));
        out(c);
        rest = &after[used..];
    }
    rest.chars().for_each(out);
}

/// The character a reference (after its `&`) stands for, and the bytes it takes.
fn reference(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.first() == Some(&b'#') {
        let (radix, from) = match b.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let len = b[from..]
            .iter()
            .position(|c| !(c.is_ascii_hexdigit() && (radix == 16 || c.is_ascii_digit())))
            .unwrap_or(b.len() - from);
        if len == 0 {
            return None;
        }
        let n = u32::from_str_radix(&s[from..from + len], radix).unwrap_or(u32::MAX);
        let c = char::from_u32(n)
            .filter(|c| *c != '\0')
            .unwrap_or('\u{fffd}');
        let used = from + len + usize::from(b.get(from + len) == Some(&b';'));
        return Some((c, used));
    }
    let len = b.iter().position(|c| !c.is_ascii_alphanumeric())?;
    if b[len] != b';' {
        return None;
    }
    let name = &s[..len];
    ENTITIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| (*c, len + 1))
}

/// Where a code point of Taguette's text went in tana's: nowhere.
const LEFT_OUT: u32 = u32::MAX;

/// A document laid out: the text Taguette counts, the text tana stores, and the map between.
#[derive(Debug, Clone, Default)]
struct Laid {
    /// Every text node of the HTML, entities decoded, in order.
    taguette: String,
    /// The transcript: the non-blank paragraphs, separated by a blank line.
    text: String,
    /// For every code point of `taguette`, its code point in `text` (or [`LEFT_OUT`]).
    map: Vec<u32>,
}

/// A paragraph in the making: code points of Taguette's text (with their index) and line
/// breaks.
#[derive(Debug, Clone, Copy)]
enum Piece {
    Char(char, u32),
    Break,
}

#[derive(Default)]
struct LayOut {
    laid: Laid,
    chars: u32,
    para: Vec<Piece>,
}

impl LayOut {
    fn text(&mut self, s: &str) {
        let Self { laid, para, .. } = self;
        decode_text(s, |c| {
            laid.taguette.push(c);
            para.push(Piece::Char(c, laid.map.len() as u32));
            laid.map.push(LEFT_OUT);
        });
    }

    /// End the paragraph: keep it if it has anything but white space.
    fn flush(&mut self) {
        let para = std::mem::take(&mut self.para);
        if !para
            .iter()
            .any(|p| matches!(p, Piece::Char(c, _) if !c.is_whitespace()))
        {
            return;
        }
        let first = para.iter().position(|p| matches!(p, Piece::Char(..)));
        let last = para.iter().rposition(|p| matches!(p, Piece::Char(..)));
        let (Some(first), Some(last)) = (first, last) else {
            return;
        };
        if self.chars > 0 {
            self.laid.text.push_str("\n\n");
            self.chars += 2;
        }
        for p in &para[first..=last] {
            match *p {
                Piece::Char(c, i) => {
                    // A line break in HTML source is a space; so is a control character.
                    let c = if c == '\t' || !c.is_control() { c } else { ' ' };
                    self.laid.text.push(c);
                    self.laid.map[i as usize] = self.chars;
                }
                Piece::Break => self.laid.text.push('\n'),
            }
            self.chars += 1;
        }
    }
}

/// Lay a Taguette document (or snippet) out.
fn lay_out(html: &str) -> Laid {
    // As an HTML parser reads its input: every \r\n or \r is a \n.
    let html: std::borrow::Cow<str> = if html.contains('\r') {
        html.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        html.into()
    };
    let mut b = LayOut::default();
    let mut from = 0;
    let mut i = 0;
    let bytes = html.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'<' {
            if let Some((end, what)) = markup_at(&html, i) {
                b.text(&html[from..i]);
                match what {
                    Markup::Block => b.flush(),
                    Markup::Break => b.para.push(Piece::Break),
                    Markup::Other => {}
                }
                i = end;
                from = end;
                continue;
            }
        }
        i += 1;
    }
    b.text(&html[from..]);
    b.flush();
    b.laid
}

impl Laid {
    /// The span of tana's text that Taguette's code points `[a, b)` cover: from the first
    /// that was kept to the last. `None` when none was (white space between paragraphs).
    fn span(&self, a: usize, b: usize) -> Option<Span> {
        let b = b.min(self.map.len());
        let start = (a..b).map(|i| self.map[i]).find(|m| *m != LEFT_OUT)?;
        let end = (a..b).rev().map(|i| self.map[i]).find(|m| *m != LEFT_OUT)?;
        Some(Span {
            start: start as usize,
            end: end as usize + 1,
        })
    }
}

/// How Taguette counted a highlight's offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// UTF-8 bytes (every Taguette since 2018).
    Bytes,
    CodePoints,
    Utf16,
}

impl Unit {
    fn describe(self) -> &'static str {
        match self {
            Unit::Bytes => "UTF-8 bytes",
            Unit::CodePoints => "code points",
            Unit::Utf16 => "UTF-16 units",
        }
    }
}

/// Offsets into one document's Taguette text, in any unit, as code points.
struct Positions<'a> {
    text: &'a str,
    offsets: Offsets,
    /// UTF-16 offset of every code point (and the end), made when first needed.
    utf16: Option<Vec<usize>>,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Positions<'a> {
        Positions {
            text,
            offsets: Offsets::new(text),
            utf16: None,
        }
    }

    /// The code point at `pos` in `unit`; `None` outside the text or inside a character.
    fn char_at(&mut self, unit: Unit, pos: i64) -> Option<usize> {
        let pos = usize::try_from(pos).ok()?;
        match unit {
            Unit::Bytes => (pos <= self.text.len() && self.text.is_char_boundary(pos))
                .then(|| self.offsets.char_of_byte(pos)),
            Unit::CodePoints => (pos <= self.offsets.len_chars()).then_some(pos),
            Unit::Utf16 => {
                let text = self.text;
                let starts = self.utf16.get_or_insert_with(|| {
                    let mut v = Vec::with_capacity(text.len() + 1);
                    let mut n = 0;
                    for c in text.chars() {
                        v.push(n);
                        n += c.len_utf16();
                    }
                    v.push(n);
                    v
                });
                starts.binary_search(&pos).ok()
            }
        }
    }

    /// The text of code points `[a, b)`.
    fn slice(&self, a: usize, b: usize) -> &'a str {
        &self.text[self.offsets.byte_of_char(a)..self.offsets.byte_of_char(b)]
    }

    /// Code points `[a, b)` of a highlight at `[start, end)` in `unit`.
    fn range(&mut self, unit: Unit, start: i64, end: i64) -> Option<(usize, usize)> {
        let a = self.char_at(unit, start)?;
        let b = self.char_at(unit, end)?;
        (a < b).then_some((a, b))
    }
}

/// A theme name from one part of a tag's path: no "/" (it separates parent and child in
/// tana; "∕" stands in for it), no control characters, not a number or `#id`.
fn fit_part(raw: &str) -> String {
    let mut name = raw.replace('/', "∕");
    if let Some(fit) = crate::text::replace_controls(&name) {
        name = fit;
    }
    let name = name.trim().to_string();
    if name.is_empty() {
        return "Unnamed tag".to_string();
    }
    if crate::template::validate_name(&name).is_err() {
        return format!("Tag {name}");
    }
    name
}

/// The parts of a Taguette tag's path: split at each "." that joins two words (not at "e.g. ",
/// "v2.0" or a leading or trailing dot), unless `flat`.
fn split_tag(path: &str, flat: bool) -> Vec<String> {
    let chars: Vec<char> = path.chars().collect();
    let splits: Vec<usize> = if flat {
        Vec::new()
    } else {
        (1..chars.len().saturating_sub(1))
            .filter(|&i| {
                let (p, n) = (chars[i - 1], chars[i + 1]);
                chars[i] == '.'
                    && !p.is_whitespace()
                    && !n.is_whitespace()
                    && p != '.'
                    && n != '.'
                    && !(p.is_ascii_digit() && n.is_ascii_digit())
            })
            .collect()
    };
    let mut parts = Vec::new();
    let mut from = 0;
    for &i in splits.iter().chain(std::iter::once(&chars.len())) {
        parts.push(chars[from..i].iter().collect::<String>());
        from = i + 1;
    }
    if parts.len() > 20 {
        parts = vec![path.to_string()];
    }
    parts
}

fn theme_ref(t: &Theme) -> Value {
    json!({"id": t.id, "number": t.number, "path": t.path_string()})
}

fn nonblank(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Taguette's merge targets, as this database numbers its tags.
///
/// Taguette's project export renumbers every tag (a deleted tag keeps its old id, negated) and
/// every command that names one, except the target of a merge, which keeps the id it had on
/// the server. Old ids were given in the order tags were created, so the surviving tags, in
/// that order, fill the gaps between the deleted tags' ids.
struct MergeTargets {
    exported: bool,
    by_old_id: HashMap<i64, i64>,
    /// (after, before, tags): surviving tags whose old ids lie strictly between two known ones.
    gaps: Vec<(Option<i64>, Option<i64>, Vec<i64>)>,
}

impl MergeTargets {
    fn new(commands: &[Cmd]) -> MergeTargets {
        let negative = |c: &Cmd| {
            ["tag_id", "src_tag_id", "highlight_id"]
                .iter()
                .any(|f| c.int(f).is_some_and(|v| v < 0))
                || c.document.is_some_and(|d| d < 0)
                || c.payload["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|v| v.as_i64().is_some_and(|v| v < 0)))
        };
        let exported = commands.iter().any(negative);
        let mut by_old_id = HashMap::new();
        let mut gaps = Vec::new();
        if exported {
            let mut order: Vec<i64> = Vec::new();
            let mut seen = HashSet::new();
            for c in commands.iter().filter(|c| c.kind() == "tag_add") {
                if let Some(t) = c.int("tag_id") {
                    if seen.insert(t) {
                        order.push(t);
                    }
                }
            }
            // The surviving tags between two deleted ones (`after`, `before`: their old ids)
            // fill the ids between, when there are exactly as many (or the gap is open).
            let mut close = |after: Option<i64>,
                             before: Option<i64>,
                             run: Vec<i64>,
                             by_old_id: &mut HashMap<i64, i64>| {
                if run.is_empty() {
                    return;
                }
                let ordered = run.windows(2).all(|w| w[0] < w[1]);
                let m = run.len() as i64;
                let first = match (after, before) {
                    (Some(a), Some(b)) if b - a - 1 == m => Some(a + 1),
                    (Some(a), None) => Some(a + 1),
                    (None, Some(b)) => Some(b - m),
                    _ => None,
                };
                if let (Some(first), true) = (first, ordered) {
                    for (k, t) in run.iter().enumerate() {
                        by_old_id.insert(first + k as i64, *t);
                    }
                }
                gaps.push((after, before, run));
            };
            let mut after: Option<i64> = None;
            let mut run: Vec<i64> = Vec::new();
            for t in order {
                if t < 0 {
                    by_old_id.insert(-t, t);
                    close(after, Some(-t), std::mem::take(&mut run), &mut by_old_id);
                    after = Some(-t);
                } else {
                    run.push(t);
                }
            }
            close(after, None, run, &mut by_old_id);
        }
        MergeTargets {
            exported,
            by_old_id,
            gaps,
        }
    }

    /// The tag a merge's `dest_tag_id` names.
    fn resolve(&self, dest: i64) -> Option<i64> {
        if !self.exported {
            return Some(dest);
        }
        if let Some(t) = self.by_old_id.get(&dest) {
            return Some(*t);
        }
        self.gaps
            .iter()
            .find(|(a, b, run)| {
                run.len() == 1 && a.is_none_or(|a| a < dest) && b.is_none_or(|b| dest < b)
            })
            .map(|(_, _, run)| run[0])
    }
}

/// The highlights as the history has them, to count what a merge or deletion touched.
#[derive(Default)]
struct Marks {
    /// Highlight → (document, tags).
    live: HashMap<i64, (Option<i64>, BTreeSet<i64>)>,
}

impl Marks {
    fn drop_tag(&mut self, tag: i64) -> usize {
        self.live
            .values_mut()
            .map(|(_, tags)| usize::from(tags.remove(&tag)))
            .sum()
    }

    fn merge(&mut self, src: i64, dest: Option<i64>) -> usize {
        let mut n = 0;
        for (_, tags) in self.live.values_mut() {
            if tags.remove(&src) {
                n += 1;
                tags.extend(dest);
            }
        }
        n
    }
}

/// Who did a replayed change, when, and the command it comes from.
struct When {
    at: String,
    coder: i64,
    why: String,
}

/// The template as Taguette's history builds it.
struct History<'t> {
    tx: &'t Connection,
    flat: bool,
    /// Live Taguette tag → its theme.
    theme_of: HashMap<i64, i64>,
    /// The themes in `theme_of` (the others are parents made for sub-tags).
    mapped: HashSet<i64>,
    /// Live Taguette tag → (path, description) as Taguette has it.
    seen: HashMap<i64, (String, String)>,
    revisions: BTreeMap<String, usize>,
    /// Names changed to fit ("tag \"a/b\" is theme \"a∕b\""), once each.
    renamed: BTreeSet<String>,
    /// What the change being made did to parents made for sub-tags, for its rationale.
    placeholders: Vec<String>,
}

impl<'t> History<'t> {
    fn new(tx: &'t Connection, flat: bool) -> History<'t> {
        History {
            tx,
            flat,
            theme_of: HashMap::new(),
            mapped: HashSet::new(),
            seen: HashMap::new(),
            revisions: BTreeMap::new(),
            renamed: BTreeSet::new(),
            placeholders: Vec::new(),
        }
    }

    fn log(&mut self, j: Journal, mut entry: LogEntry, when: &When) -> Result<()> {
        entry.kind = Kind::Template;
        let mut why = when.why.clone();
        for p in self.placeholders.drain(..) {
            why.push_str("; ");
            why.push_str(&p);
        }
        entry.rationale = Some(why);
        let op = entry.op.clone();
        if j.finish_at(self.tx, &entry, when.coder, &when.at)?
            .is_some()
        {
            *self.revisions.entry(op).or_default() += 1;
        }
        Ok(())
    }

    fn live_child(
        &self,
        parent: Option<i64>,
        name: &str,
        except: Option<i64>,
    ) -> Result<Option<i64>> {
        Ok(self
            .tx
            .query_row(
                "SELECT id FROM theme WHERE ifnull(parent_id, 0) = ifnull(?1, 0)
                   AND lower(name) = lower(?2) AND deleted_in IS NULL AND id IS NOT ?3",
                params![parent, name, except],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// `name`, or `name (2)`, `name (3)`, … : the first no live sibling has.
    fn unique_name(
        &mut self,
        parent: Option<i64>,
        name: &str,
        except: Option<i64>,
    ) -> Result<String> {
        if self.live_child(parent, name, except)?.is_none() {
            return Ok(name.to_string());
        }
        let mut n = 2;
        loop {
            let candidate = format!("{name} ({n})");
            if self.live_child(parent, &candidate, except)?.is_none() {
                self.renamed.insert(format!(
                    "two tags would be theme \"{name}\" (tana's theme names ignore case); the second is \"{candidate}\""
                ));
                return Ok(candidate);
            }
            n += 1;
        }
    }

    fn is_mapped(&self, theme: i64) -> bool {
        self.mapped.contains(&theme)
    }

    /// Parents made for sub-tags that no longer hold any leave the template, in the change `j`.
    fn prune_placeholders(&mut self, j: &Journal) -> Result<()> {
        loop {
            let mut stmt = self.tx.prepare(
                "SELECT id FROM theme t WHERE deleted_in IS NULL AND NOT EXISTS
                   (SELECT 1 FROM theme c WHERE c.parent_id = t.id AND c.deleted_in IS NULL)
                 ORDER BY id",
            )?;
            let leaves: Vec<i64> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let empty: Vec<i64> = leaves.into_iter().filter(|t| !self.is_mapped(*t)).collect();
            if empty.is_empty() {
                return Ok(());
            }
            for t in empty {
                let name: String =
                    self.tx
                        .query_row("SELECT name FROM theme WHERE id = ?1", [t], |r| r.get(0))?;
                self.placeholders.push(format!(
                    "\"{name}\", made as the parent of sub-tags, holds none now and leaves the template"
                ));
                self.tx.execute(
                    "UPDATE theme SET deleted_in = ?2 WHERE id = ?1",
                    params![t, j.id],
                )?;
            }
        }
    }

    /// A theme made only as the parent of sub-tags ("Barriers" for "Barriers.Cost"), named
    /// `name` under `parent`, gives way to the tag `id` that now takes that name: its
    /// sub-themes move under `id`, and it leaves the template in the change `j`.
    fn absorb_placeholder(
        &mut self,
        parent: Option<i64>,
        name: &str,
        id: i64,
        j: &Journal,
    ) -> Result<()> {
        let Some(placeholder) = self.live_child(parent, name, Some(id))? else {
            return Ok(());
        };
        if self.is_mapped(placeholder) {
            return Ok(());
        }
        self.placeholders.push(format!(
            "\"{name}\", made as the parent of sub-tags, gives way to this tag, which takes its sub-themes"
        ));
        let kids: Vec<(i64, String)> = Template::load(self.tx)?
            .children(Some(placeholder))
            .filter(|k| k.id != id)
            .map(|k| (k.id, k.name.clone()))
            .collect();
        for (kid, kid_name) in kids {
            let name = self.unique_name(Some(id), &kid_name, Some(kid))?;
            self.tx.execute(
                "UPDATE theme SET parent_id = ?2, name = ?3, position = (SELECT ifnull(max(position), 0) + 1
                   FROM theme WHERE parent_id = ?2 AND deleted_in IS NULL)
                 WHERE id = ?1",
                params![kid, id, name],
            )?;
        }
        self.tx.execute(
            "UPDATE theme SET deleted_in = ?2 WHERE id = ?1",
            params![placeholder, j.id],
        )?;
        Ok(())
    }

    /// A new theme, dated.
    fn insert(
        &mut self,
        parent: Option<i64>,
        name: &str,
        definition: Option<String>,
        when: &When,
    ) -> Result<i64> {
        let new = NewTheme {
            fields: ThemeFields {
                definition,
                ..ThemeFields::default()
            },
            ..NewTheme::default()
        };
        let id = insert_theme(self.tx, parent, name, &new, when.coder)?;
        self.tx.execute(
            "UPDATE theme SET created_at = ?2 WHERE id = ?1",
            params![id, when.at],
        )?;
        Ok(id)
    }

    /// The parent a path's leading parts name, made where missing; returns it and the themes
    /// made.
    fn place(&mut self, parents: &[String], when: &When) -> Result<(Option<i64>, Vec<i64>)> {
        let mut parent = None;
        let mut made = Vec::new();
        for part in parents {
            parent = Some(match self.live_child(parent, part, None)? {
                Some(id) => id,
                None => {
                    let id = self.insert(parent, part, None, when)?;
                    made.push(id);
                    id
                }
            });
        }
        Ok((parent, made))
    }

    fn parts(&mut self, tag_path: &str) -> Vec<String> {
        let raw = split_tag(tag_path, self.flat);
        let parts: Vec<String> = raw.iter().map(|p| fit_part(p)).collect();
        if raw.iter().zip(&parts).any(|(r, p)| r != p) {
            self.renamed.insert(format!(
                "tag \"{}\" is theme \"{}\" (theme names hold no \"/\" or control characters, and are not numbers)",
                crate::text::escape_name(tag_path),
                parts.join("/")
            ));
        }
        parts
    }

    /// `tag_add` of a tag not seen before: a new theme (or a parent made earlier for a
    /// sub-tag, now a tag itself).
    fn add(&mut self, tag: i64, path: &str, description: &str, when: &When) -> Result<()> {
        let parts = self.parts(path);
        let (leaf, parents) = parts.split_last().expect("a path has a part");
        let j = Journal::begin(self.tx)?;
        let (parent, mut made) = self.place(parents, when)?;
        let existing = self
            .live_child(parent, leaf, None)?
            .filter(|t| !self.is_mapped(*t));
        let (id, op) = match existing {
            Some(id) => {
                self.tx.execute(
                    "UPDATE theme SET definition = ?2 WHERE id = ?1 AND definition IS NOT ?2",
                    params![id, nonblank(description)],
                )?;
                (id, "redefine")
            }
            None => {
                let name = self.unique_name(parent, leaf, None)?;
                let id = self.insert(parent, &name, nonblank(description), when)?;
                made.push(id);
                (id, "add")
            }
        };
        self.theme_of.insert(tag, id);
        self.mapped.insert(id);
        self.seen
            .insert(tag, (path.to_string(), description.to_string()));
        let template = Template::load(self.tx)?;
        let t = template.get(id).expect("the theme exists");
        let ids = if made.is_empty() { vec![id] } else { made };
        let themes: Vec<Value> = ids
            .iter()
            .filter_map(|i| template.get(*i))
            .map(theme_ref)
            .collect();
        let entry = LogEntry {
            op: op.to_string(),
            summary: Some(if op == "add" {
                format!("added {} ({})", t.label(), t.path_string())
            } else {
                format!("redefined {}", t.label())
            }),
            themes: Value::Array(themes),
            after: Some(theme_state(t)),
            ..LogEntry::default()
        };
        self.log(j, entry, when)
    }

    /// `tag_add` of a known tag: Taguette's edit. A new path moves or renames the theme, a new
    /// description redefines it.
    fn update(&mut self, tag: i64, path: &str, description: &str, when: &When) -> Result<()> {
        let Some(&id) = self.theme_of.get(&tag) else {
            return self.add(tag, path, description, when);
        };
        let (old_path, old_description) = self.seen[&tag].clone();
        if path != old_path {
            let parts = self.parts(path);
            let (leaf, parents) = parts.split_last().expect("a path has a part");
            let before = Template::load(self.tx)?;
            let t = before.get(id).expect("a live theme").clone();
            let j = Journal::begin(self.tx)?;
            let (parent, _) = self.place(parents, when)?;
            let inside = parent.is_some_and(|p| before.subtree(id).iter().any(|s| s.id == p));
            if inside {
                // "A" renamed "A.B": its new parent would be itself. It stays where it is.
                self.renamed.insert(format!(
                    "tag \"{}\" would be a sub-theme of itself; kept where it was",
                    crate::text::escape_name(path)
                ));
            }
            if parent != t.parent_id && !inside {
                self.absorb_placeholder(parent, &t.name, id, &j)?;
                let name = self.unique_name(parent, &t.name, Some(id))?;
                self.tx.execute(
                    "UPDATE theme SET parent_id = ?2, name = ?3, position = (SELECT ifnull(max(position), 0) + 1
                       FROM theme WHERE ifnull(parent_id, 0) = ifnull(?2, 0) AND deleted_in IS NULL)
                     WHERE id = ?1",
                    params![id, parent, name],
                )?;
                self.prune_placeholders(&j)?;
                let after = Template::load(self.tx)?;
                let now_t = after.get(id).expect("a live theme");
                let entry = LogEntry {
                    op: "move".to_string(),
                    summary: Some(format!("moved {} to {}", t.label(), now_t.number)),
                    themes: json!([theme_ref(&t)]),
                    before: Some(theme_state(&t)),
                    after: Some(theme_state(now_t)),
                    ..LogEntry::default()
                };
                self.log(j, entry, when)?;
            } else {
                // Nothing moved (and nothing was made): the journal closes empty.
                self.log(j, LogEntry::default(), when)?;
            }
            let before = Template::load(self.tx)?;
            let t = before.get(id).expect("a live theme").clone();
            if *leaf != t.name {
                let j = Journal::begin(self.tx)?;
                self.absorb_placeholder(t.parent_id, leaf, id, &j)?;
                let name = self.unique_name(t.parent_id, leaf, Some(id))?;
                if name == t.name {
                    self.log(j, LogEntry::default(), when)?;
                } else {
                    self.tx.execute(
                        "UPDATE theme SET name = ?2 WHERE id = ?1",
                        params![id, name],
                    )?;
                    let after = Template::load(self.tx)?;
                    let now_t = after.get(id).expect("a live theme");
                    let entry = LogEntry {
                        op: "rename".to_string(),
                        summary: Some(format!("renamed {} to \"{name}\"", t.label())),
                        themes: json!([theme_ref(&t)]),
                        before: Some(theme_state(&t)),
                        after: Some(theme_state(now_t)),
                        ..LogEntry::default()
                    };
                    self.log(j, entry, when)?;
                }
            }
        }
        if description != old_description {
            let before = Template::load(self.tx)?;
            let t = before.get(id).expect("a live theme").clone();
            let j = Journal::begin(self.tx)?;
            self.tx.execute(
                "UPDATE theme SET definition = ?2 WHERE id = ?1 AND definition IS NOT ?2",
                params![id, nonblank(description)],
            )?;
            let after = Template::load(self.tx)?;
            let now_t = after.get(id).expect("a live theme");
            let entry = LogEntry {
                op: "redefine".to_string(),
                summary: Some(format!("redefined {}", t.label())),
                themes: json!([theme_ref(&t)]),
                before: Some(theme_state(&t)),
                after: Some(theme_state(now_t)),
                ..LogEntry::default()
            };
            self.log(j, entry, when)?;
        }
        self.seen
            .insert(tag, (path.to_string(), description.to_string()));
        Ok(())
    }

    /// `tag_delete` (no `into`) or `tag_merge`: the theme leaves the template; its sub-themes
    /// (tags of their own in Taguette) move to the merge's target or to its parent.
    fn remove(
        &mut self,
        tag: i64,
        into: Option<i64>,
        highlights: usize,
        when: &When,
    ) -> Result<bool> {
        let Some(id) = self.theme_of.remove(&tag) else {
            return Ok(false);
        };
        self.mapped.remove(&id);
        self.seen.remove(&tag);
        let before = Template::load(self.tx)?;
        let t = before.get(id).expect("a live theme").clone();
        let dest = into
            .and_then(|d| self.theme_of.get(&d).copied())
            .filter(|d| *d != id && !before.subtree(id).iter().any(|s| s.id == *d));
        let j = Journal::begin(self.tx)?;
        let new_parent = dest.or(t.parent_id);
        let kids: Vec<Theme> = before.children(Some(id)).cloned().collect();
        for k in &kids {
            let name = self.unique_name(new_parent, &k.name, Some(k.id))?;
            self.tx.execute(
                "UPDATE theme SET parent_id = ?2, name = ?3, position = (SELECT ifnull(max(position), 0) + 1
                   FROM theme WHERE ifnull(parent_id, 0) = ifnull(?2, 0) AND deleted_in IS NULL)
                 WHERE id = ?1",
                params![k.id, new_parent, name],
            )?;
        }
        self.tx.execute(
            "UPDATE theme SET deleted_in = ?2 WHERE id = ?1",
            params![id, j.id],
        )?;
        self.prune_placeholders(&j)?;
        let after = Template::load(self.tx)?;
        let entry = match dest.and_then(|d| before.get(d).cloned()) {
            Some(d) => {
                let now_d = after.get(d.id).expect("the target is live");
                LogEntry {
                    op: "merge".to_string(),
                    summary: Some(format!("merged {} into {}", t.label(), now_d.label())),
                    themes: json!([theme_ref(&t), theme_ref(&d)]),
                    before: Some(json!({"themes": [theme_state(&t)], "codings": highlights})),
                    after: Some(json!({"into": theme_state(now_d), "joined": 0})),
                    ..LogEntry::default()
                }
            }
            None => LogEntry {
                op: "delete".to_string(),
                summary: Some(format!("deleted {}", t.label())),
                themes: json!([theme_ref(&t)]),
                before: Some(json!({"themes": [theme_state(&t)], "codings": highlights})),
                after: Some(json!({"reassigned_to": null, "uncoded": false})),
                ..LogEntry::default()
            },
        };
        self.log(j, entry, when)?;
        Ok(true)
    }
}

/// A transcript name from a document's name: without its file extension, ":" or control
/// characters.
fn transcript_name(doc: &Doc) -> String {
    let mut name = doc.name.trim().to_string();
    let lower = name.to_lowercase();
    for ext in [
        ".docx", ".doc", ".odt", ".txt", ".rtf", ".pdf", ".md", ".html", ".htm", ".epub",
    ] {
        if lower.ends_with(ext) && name.len() > ext.len() {
            name.truncate(name.len() - ext.len());
            break;
        }
    }
    let name: String = name
        .chars()
        .map(|c| {
            if c == ':' || crate::text::is_forbidden_in_name(c) {
                '-'
            } else {
                c
            }
        })
        .collect();
    match name.trim() {
        "" => format!("document {}", doc.id),
        n => n.to_string(),
    }
}

/// Import a Taguette database into a new project at `target`, written whole or not at all.
pub fn import_taguette(
    path: &Path,
    target: &Path,
    importer: &str,
    opts: &TaguetteOptions,
) -> Result<TaguetteReport> {
    let file = path.display().to_string();
    crate::import::check_new_project(path, target, "a Taguette project")?;
    let source = {
        let conn = open_source(path, &file)?;
        let tables = check_schema(&conn, &file)?;
        let project = choose_project(&conn, &file, opts.project.as_deref())?;
        read_source(&conn, &file, &tables, project)?
    };
    let mut report = TaguetteReport {
        project: format!("{} \"{}\"", source.project.id, source.project.name),
        highlights: source.highlights.len(),
        highlight_tags: source.highlights.iter().map(|h| h.tags.len()).sum(),
        ..TaguetteReport::default()
    };
    // Texts, and the unit of the offsets, checked against the snippets.
    let laid: HashMap<i64, Laid> = source
        .docs
        .iter()
        .map(|d| (d.id, lay_out(&d.contents)))
        .collect();
    let placed = place_highlights(&source, &laid, &mut report);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    crate::output::remove_stale_temp_files(dir);
    let tmp = crate::import::temp_project_path(target);
    let result = (|| {
        let mut conn = crate::project::create(&tmp)?;
        {
            let tx = conn.transaction()?;
            write(
                &tx,
                &file,
                importer,
                opts,
                &source,
                &laid,
                &placed,
                &mut report,
            )?;
            tx.commit()?;
        }
        conn.close().map_err(|(_, e)| Error::from(e))?;
        std::fs::rename(&tmp, target).map_err(|e| Error::io(target, e))?;
        Ok(())
    })();
    if result.is_err() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = tmp.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
    result.map(|_| report)
}

/// Whether two texts hold the same characters, white space aside.
fn same_but_white_space(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace()) || {
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        squeeze(a) == squeeze(b)
    }
}

/// Find the unit of the offsets (the one under which the snippets match the text) and where
/// each highlight lands.
fn place_highlights(
    source: &Source,
    laid: &HashMap<i64, Laid>,
    report: &mut TaguetteReport,
) -> HashMap<i64, Option<Span>> {
    let snippets: Vec<String> = source
        .highlights
        .iter()
        .map(|h| lay_out(&h.snippet).taguette)
        .collect();
    let mut positions: HashMap<i64, Positions> = laid
        .iter()
        .map(|(id, l)| (*id, Positions::new(&l.taguette)))
        .collect();
    let matches = |unit: Unit, positions: &mut HashMap<i64, Positions>| {
        source
            .highlights
            .iter()
            .zip(&snippets)
            .filter(|(h, snippet)| {
                positions.get_mut(&h.doc).is_some_and(|p| {
                    p.range(unit, h.start, h.end)
                        .is_some_and(|(a, b)| p.slice(a, b) == snippet.as_str())
                })
            })
            .count()
    };
    let mut unit = Unit::Bytes;
    let mut best = matches(Unit::Bytes, &mut positions);
    if best < source.highlights.len() {
        for u in [Unit::CodePoints, Unit::Utf16] {
            let n = matches(u, &mut positions);
            if n > best {
                (unit, best) = (u, n);
            }
        }
    }
    report.unit = unit.describe().to_string();
    report.snippets_matched = best;
    let mut outside = Vec::new();
    let mut blank = 0;
    let mut off_text = 0;
    let mut unmatched = 0;
    let mut out = HashMap::new();
    // tana's texts, to check that each highlight lands on its words.
    let mut stored: HashMap<i64, Positions> = HashMap::new();
    for (h, snippet) in source.highlights.iter().zip(&snippets) {
        let (Some(p), Some(l)) = (positions.get_mut(&h.doc), laid.get(&h.doc)) else {
            continue;
        };
        if l.text.trim().is_empty() {
            // Its document is not imported; the highlight is reported with it.
            continue;
        }
        let span = match p.range(unit, h.start, h.end) {
            None => {
                outside.push(format!(
                    "highlight {} [{}, {}) lies outside its document's text ({} {}) or inside a character; not imported",
                    h.id,
                    h.start,
                    h.end,
                    match unit {
                        Unit::Bytes => p.text.len(),
                        Unit::CodePoints => p.offsets.len_chars(),
                        Unit::Utf16 => p.text.encode_utf16().count(),
                    },
                    unit.describe()
                ));
                None
            }
            Some((a, b)) => match l.span(a, b) {
                None => {
                    blank += 1;
                    None
                }
                Some(span) => {
                    // The coded words are Taguette's, white space aside (paragraph breaks, and
                    // the line break tana writes for a <br>).
                    let theirs = p.slice(a, b);
                    if theirs != snippet.as_str() {
                        unmatched += 1;
                    }
                    let ours = stored
                        .entry(h.doc)
                        .or_insert_with(|| Positions::new(&l.text))
                        .slice(span.start, span.end);
                    if !same_but_white_space(theirs, ours) {
                        off_text += 1;
                    }
                    Some(span)
                }
            },
        };
        out.insert(h.id, span);
    }
    let n = outside.len();
    report.not_imported.extend(outside.into_iter().take(20));
    if n > 20 {
        report.not_imported.push(format!(
            "... and {} more highlights outside their text",
            n - 20
        ));
    }
    if blank > 0 {
        report.not_imported.push(format!(
            "{blank} highlight(s) cover only white space between paragraphs; not imported"
        ));
    }
    if off_text > 0 {
        report.not_imported.push(format!(
            "{off_text} highlight(s) do not land on the same words in tana's text (this is a bug in tana; please report it)"
        ));
    }
    if unmatched > 0 {
        report.not_imported.push(format!(
            "{unmatched} highlight(s) whose stored snippet differs from the text at their offsets; coded at their offsets"
        ));
    }
    out
}

/// Taguette's users as coders, by login.
struct Coders<'t> {
    tx: &'t Connection,
    /// The coder who runs the import.
    me: i64,
    by_login: HashMap<String, i64>,
}

impl Coders<'_> {
    fn get(&mut self, login: &str) -> Result<i64> {
        let login = login.trim();
        if let Some(id) = self.by_login.get(login) {
            return Ok(*id);
        }
        let name = crate::text::replace_controls(login).unwrap_or_else(|| login.to_string());
        let id = match name.trim() {
            "" => self.me,
            n => coder_id(self.tx, n)?,
        };
        self.by_login.insert(login.to_string(), id);
        Ok(id)
    }
}

/// What the replayed history gives beside the template: each live tag's theme, and when and
/// by whom each highlight and document was first added.
#[derive(Default)]
struct Replayed {
    theme_of: HashMap<i64, i64>,
    highlight_added: HashMap<i64, (String, i64)>,
    document_added: HashMap<i64, (String, i64)>,
}

/// Everything the new project gets, in the transaction `tx`.
#[allow(clippy::too_many_arguments)]
fn write(
    tx: &Connection,
    file: &str,
    importer: &str,
    opts: &TaguetteOptions,
    source: &Source,
    laid: &HashMap<i64, Laid>,
    placed: &HashMap<i64, Option<Span>>,
    report: &mut TaguetteReport,
) -> Result<()> {
    let me = coder_id(tx, importer)?;
    let mut coders = Coders {
        tx,
        me,
        by_login: HashMap::new(),
    };
    for (login, _) in &source.members {
        coders.get(login)?;
    }
    let owner = match source.members.first() {
        Some((login, _)) => coders.get(login)?,
        None => me,
    };
    let replayed = replay(tx, source, opts.flat_tags, &mut coders, report)?;
    // Transcripts, memos and codings: one change.
    let j = Journal::begin(tx)?;
    let transcripts = import_documents(tx, file, source, laid, &replayed, owner, me, report)?;
    import_codings(tx, source, placed, &transcripts, &replayed, owner, report)?;
    let entry = LogEntry::new(
        "import-taguette",
        Kind::Project,
        format!(
            "import {file} (Taguette project {})",
            source.project.name.trim()
        ),
    );
    j.finish(tx, &entry, me)?;
    report.codings =
        tx.query_row("SELECT count(*) FROM coding", [], |r| r.get::<_, i64>(0))? as usize;
    report.themes = Template::load(tx)?.themes.len();
    report.coders =
        tx.query_row("SELECT count(*) FROM coder", [], |r| r.get::<_, i64>(0))? as usize;
    Ok(())
}

/// Replay Taguette's commands: tag commands become template revisions (dated, by their
/// user); highlight and document commands are followed to count what merges and deletions
/// touched and to check the history against the final highlights. Then the final tags win
/// where the history ends differently.
fn replay(
    tx: &Connection,
    source: &Source,
    flat: bool,
    coders: &mut Coders,
    report: &mut TaguetteReport,
) -> Result<Replayed> {
    let targets = MergeTargets::new(&source.commands);
    let mut history = History::new(tx, flat);
    let mut marks = Marks::default();
    let mut out = Replayed::default();
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut undated = 0;
    // Merges, and (in an exported project) their targets found under the negated old id of a
    // deleted tag, or from the order the tags were created.
    let (mut merges, mut by_negation, mut by_order) = (0, 0, 0);
    let mut span: Option<(String, String)> = None;
    let mut tag_commands = 0;
    for c in &source.commands {
        let at = tana_time(&c.date).unwrap_or_else(|| {
            undated += 1;
            now()
        });
        let who = coders.get(&c.user)?;
        let when = When {
            at: at.clone(),
            coder: who,
            why: format!(
                "Taguette: {} by {} (command {})",
                c.kind(),
                c.user.trim(),
                c.id
            ),
        };
        let kind = c.kind();
        if kind.starts_with("tag_") {
            tag_commands += 1;
            span = Some(match span.take() {
                None => (at.clone(), at.clone()),
                Some((a, _)) => (a, at.clone()),
            });
        }
        let mut skip = |what| *skipped.entry(what).or_default() += 1;
        match kind {
            "tag_add" => {
                let (Some(tag), Some(path)) = (c.int("tag_id"), c.text("tag_path")) else {
                    skip("tag_add without a tag");
                    continue;
                };
                let description = c.text("description").unwrap_or("");
                if path.trim().is_empty() {
                    skip("tag_add with an empty name");
                } else if history.theme_of.contains_key(&tag) {
                    history.update(tag, path, description, &when)?;
                } else {
                    history.add(tag, path, description, &when)?;
                }
            }
            "tag_delete" => {
                let Some(tag) = c.int("tag_id") else {
                    skip("tag_delete without a tag");
                    continue;
                };
                let n = marks.drop_tag(tag);
                let why = match n {
                    0 => when.why.clone(),
                    n => format!(
                        "{}; its {n} highlight(s) lost this tag (Taguette keeps no copy of them)",
                        when.why
                    ),
                };
                if !history.remove(tag, None, n, &When { why, ..when })? {
                    skip("tag_delete of a tag the history never added");
                }
            }
            "tag_merge" => {
                let (Some(src), Some(raw_dest)) = (c.int("src_tag_id"), c.int("dest_tag_id"))
                else {
                    skip("tag_merge without its tags");
                    continue;
                };
                let dest = targets
                    .resolve(raw_dest)
                    .filter(|d| history.theme_of.contains_key(d) && *d != src);
                merges += 1;
                match dest {
                    Some(d) if targets.exported && d < 0 => by_negation += 1,
                    Some(_) if targets.exported => by_order += 1,
                    Some(_) => {}
                    None => {
                        skip("tag_merge into a tag tana cannot identify (logged as a deletion)")
                    }
                }
                let n = marks.merge(src, dest);
                let why = match dest {
                    Some(_) if n > 0 => {
                        format!("{}; {n} highlight(s) moved to the target", when.why)
                    }
                    Some(_) => when.why.clone(),
                    None => format!(
                        "{}; merged into tag {raw_dest}, which tana cannot identify{}",
                        when.why,
                        if targets.exported {
                            " (Taguette's project export leaves a merge's target under its old number)"
                        } else {
                            ""
                        }
                    ),
                };
                if !history.remove(src, dest, n, &When { why, ..when })? {
                    skip("tag_merge of a tag the history never added");
                }
            }
            "highlight_add" => {
                let Some(h) = c.int("highlight_id") else {
                    skip("highlight_add without a highlight");
                    continue;
                };
                let tags: BTreeSet<i64> = c.payload["tags"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_i64).collect())
                    .unwrap_or_default();
                marks.live.insert(h, (c.document, tags));
                out.highlight_added.entry(h).or_insert((at, who));
            }
            "highlight_delete" => {
                if let Some(h) = c.int("highlight_id") {
                    marks.live.remove(&h);
                }
            }
            "document_add" => {
                if let Some(d) = c.document {
                    out.document_added.entry(d).or_insert((at, who));
                }
            }
            "document_delete" if c.document.is_some() => {
                marks.live.retain(|_, (d, _)| *d != c.document);
            }
            _ => {}
        }
    }
    let reconciled = reconcile(&mut history, source, coders.me)?;
    // Does the history account for the final highlights?
    let final_marks: HashMap<i64, BTreeSet<i64>> = source
        .highlights
        .iter()
        .map(|h| (h.id, h.tags.iter().copied().collect()))
        .collect();
    let differ = final_marks
        .iter()
        .filter(|(h, tags)| marks.live.get(h).map(|(_, t)| t) != Some(tags))
        .count()
        + marks
            .live
            .keys()
            .filter(|h| !final_marks.contains_key(h))
            .count();
    let lines = &mut report.history;
    if source.commands.is_empty() {
        lines.push(
            "the database has no command history: the template is its final tags, added now"
                .to_string(),
        );
    } else {
        lines.push(format!(
            "{} of Taguette's commands read, {tag_commands} of them on tags",
            source.commands.len()
        ));
        lines.push(if reconciled == 0 {
            "the replayed tags are exactly Taguette's final tags".to_string()
        } else {
            format!("{reconciled} tag(s) brought in line with Taguette's final tags by revisions dated now (the history does not account for them)")
        });
        lines.push(if differ == 0 {
            format!(
                "the replayed highlights are exactly Taguette's final {} highlights and their tags",
                final_marks.len()
            )
        } else {
            format!("the history does not account for {differ} of the highlights and their tags; the codings come from the final highlights all the same")
        });
        if targets.exported && merges > 0 {
            lines.push(format!(
                "an exported project, whose merges name their target by its old number: of {merges} merge(s), {by_negation} target(s) found as deleted tags, {by_order} identified from the order the tags were created"
            ));
        }
    }
    for (what, n) in &skipped {
        lines.push(format!("{n} {what}"));
    }
    if undated > 0 {
        lines.push(format!(
            "{undated} command(s) without a readable date, dated now"
        ));
    }
    if source.unreadable_commands > 0 {
        lines.push(format!(
            "{} command(s) whose payload is not JSON, skipped",
            source.unreadable_commands
        ));
    }
    report.revisions = history.revisions.clone();
    report.history_span = span;
    report.not_imported.extend(history.renamed.iter().cloned());
    out.theme_of = history.theme_of;
    Ok(out)
}

/// Bring the replayed template in line with Taguette's final tags, by revisions dated now:
/// tags the history never adds, edits it does not record, tags gone without a deletion.
/// Returns how many tags needed it.
fn reconcile(history: &mut History, source: &Source, me: i64) -> Result<usize> {
    let now_when = |why: &str| When {
        at: now(),
        coder: me,
        why: why.to_string(),
    };
    let mut reconciled = 0;
    for t in &source.tags {
        match history.seen.get(&t.id) {
            Some((p, d)) if *p == t.path && *d == t.description => continue,
            Some(_) => history.update(
                t.id,
                &t.path,
                &t.description,
                &now_when("to match Taguette's tags table, where the tag's last edit is not in the command history"),
            )?,
            None => history.add(
                t.id,
                &t.path,
                &t.description,
                &now_when("a tag in Taguette's tags table that its command history does not add"),
            )?,
        }
        reconciled += 1;
    }
    let final_ids: HashSet<i64> = source.tags.iter().map(|t| t.id).collect();
    let mut stale: Vec<i64> = history
        .theme_of
        .keys()
        .copied()
        .filter(|t| !final_ids.contains(t))
        .collect();
    stale.sort();
    for t in stale {
        reconciled += 1;
        history.remove(
            t,
            None,
            0,
            &now_when("not in Taguette's tags table, though its command history never deletes it"),
        )?;
    }
    Ok(reconciled)
}

/// Documents → transcripts (their descriptions → memos), the project's description → a
/// journal entry. Returns each document's transcript.
#[allow(clippy::too_many_arguments)]
fn import_documents(
    tx: &Connection,
    file: &str,
    source: &Source,
    laid: &HashMap<i64, Laid>,
    replayed: &Replayed,
    owner: i64,
    me: i64,
    report: &mut TaguetteReport,
) -> Result<HashMap<i64, i64>> {
    let mut names: HashSet<String> = HashSet::new();
    let mut transcript_of: HashMap<i64, i64> = HashMap::new();
    for d in &source.docs {
        let l = &laid[&d.id];
        let mut name = transcript_name(d);
        if !names.insert(name.to_lowercase()) {
            let mut n = 2;
            while !names.insert(format!("{name} ({n})").to_lowercase()) {
                n += 1;
            }
            let renamed = format!("{name} ({n})");
            report.not_imported.push(format!(
                "document {} \"{}\": a second document of that name, imported as \"{renamed}\"",
                d.id, d.name
            ));
            name = renamed;
        }
        if l.text.trim().is_empty() {
            report.not_imported.push(format!(
                "document {} \"{}\" has no text; not imported",
                d.id, d.name
            ));
            continue;
        }
        let imported = crate::import::import_text(
            tx,
            &name,
            &l.text,
            Some(file),
            "taguette",
            &crate::import::ImportOptions::default(),
            me,
        )?;
        let tid: i64 = tx.query_row(
            "SELECT id FROM transcript WHERE name = ?1",
            [&imported.name],
            |r| r.get(0),
        )?;
        transcript_of.insert(d.id, tid);
        report.transcripts += 1;
        if let Some(text) = nonblank(&d.description) {
            let (at, who) = replayed
                .document_added
                .get(&d.id)
                .cloned()
                .unwrap_or_else(|| (tana_time(&d.created).unwrap_or_else(now), owner));
            tx.execute(
                "INSERT INTO memo (target, transcript_id, text, coder_id, created_at)
                 VALUES ('transcript', ?1, ?2, ?3, ?4)",
                params![tid, text, who, at],
            )?;
            report.memos += 1;
        }
    }
    if let Some(text) = nonblank(&source.project.description) {
        tx.execute(
            "INSERT INTO journal_entry (text, tags, coder_id, created_at) VALUES (?1, 'taguette', ?2, ?3)",
            params![
                format!("Taguette project \"{}\": {text}", source.project.name.trim()),
                owner,
                tana_time(&source.project.created).unwrap_or_else(now)
            ],
        )?;
        report.journal += 1;
    }
    Ok(transcript_of)
}

/// Highlights → codings, one per tag, credited to whoever first added the highlight, when they
/// did (else the project's owner, when the document came).
fn import_codings(
    tx: &Connection,
    source: &Source,
    placed: &HashMap<i64, Option<Span>>,
    transcripts: &HashMap<i64, i64>,
    replayed: &Replayed,
    owner: i64,
    report: &mut TaguetteReport,
) -> Result<()> {
    let mut untagged = 0;
    let mut unplaced = 0;
    for h in &source.highlights {
        if h.tags.is_empty() {
            untagged += 1;
            continue;
        }
        let (Some(p), Some(tid)) = (placed.get(&h.id), transcripts.get(&h.doc)) else {
            unplaced += 1;
            continue;
        };
        let Some(span) = *p else { continue };
        let (at, who) = replayed
            .highlight_added
            .get(&h.id)
            .cloned()
            .unwrap_or_else(|| {
                let doc = source.docs.iter().find(|d| d.id == h.doc);
                (
                    doc.and_then(|d| tana_time(&d.created)).unwrap_or_else(now),
                    owner,
                )
            });
        let stamp = Stamp {
            coder: who,
            at,
            version: None,
        };
        for tag in &h.tags {
            let Some(theme) = replayed.theme_of.get(tag) else {
                continue;
            };
            match crate::coding::add(tx, *tid, *theme, span, None, &stamp)? {
                Added::New(_) => {}
                Added::Joined(_) | Added::AlreadyCoded => report.joined += 1,
            }
        }
    }
    if untagged > 0 {
        report.not_imported.push(format!(
            "{untagged} highlight(s) without tags (a tana coding needs a theme); not imported"
        ));
    }
    if unplaced > 0 {
        report.not_imported.push(format!(
            "{unplaced} highlight(s) in documents without text; not imported"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The theme path of a Taguette tag.
    fn tag_parts(path: &str, flat: bool) -> Vec<String> {
        split_tag(path, flat).iter().map(|p| fit_part(p)).collect()
    }

    fn laid(html: &str) -> (String, String) {
        let l = lay_out(html);
        (l.taguette, l.text)
    }

    #[test]
    fn paragraphs_are_separated_by_a_blank_line_and_blank_ones_left_out() {
        let (tg, text) = laid("<p>Interviewer: Targets?</p>\n<p>\u{a0}</p>\n<p>  P1: None.</p>\n");
        assert_eq!(tg, "Interviewer: Targets?\n\u{a0}\n  P1: None.\n");
        assert_eq!(text, "Interviewer: Targets?\n\n  P1: None.");
    }

    #[test]
    fn entities_line_breaks_and_inline_markup() {
        let (tg, text) = laid("<h2>Q&amp;A</h2><p>a <b>bold</b> &lt;b&gt;<br>next&#x1F331;&nbsp;x &unknown; &#233;</p>");
        assert_eq!(tg, "Q&Aa bold <b>next🌱\u{a0}x &unknown; é");
        assert_eq!(text, "Q&A\n\na bold <b>\nnext🌱\u{a0}x &unknown; é");
    }

    #[test]
    fn a_lone_angle_bracket_and_comments() {
        let (tg, text) = laid("<p>1 < 2 <!-- note --> and <a href=\"x>y\">link</a></p>");
        assert_eq!(tg, "1 < 2  and link");
        assert_eq!(text, tg);
    }

    #[test]
    fn line_breaks_in_the_source_are_spaces_in_a_paragraph() {
        let (tg, text) = laid("<p>one\r\ntwo</p>");
        assert_eq!(tg, "one\ntwo");
        assert_eq!(text, "one two");
    }

    #[test]
    fn spans_skip_what_was_left_out() {
        let l = lay_out("<p>ab</p>\n<p> </p>\n<p>cd</p>");
        // Taguette: "ab\n \ncd"; tana: "ab\n\ncd".
        assert_eq!(l.span(0, 2), Some(Span { start: 0, end: 2 }));
        assert_eq!(l.span(1, 6), Some(Span { start: 1, end: 5 }));
        assert_eq!(l.span(2, 5), None);
        assert_eq!(l.span(3, 7), Some(Span { start: 4, end: 6 }));
    }

    #[test]
    fn offsets_in_bytes_code_points_and_utf16() {
        let text = "Zoë 🌱 ok";
        let mut p = Positions::new(text);
        assert_eq!(p.range(Unit::Bytes, 0, 4), Some((0, 3)));
        assert_eq!(p.range(Unit::Bytes, 0, 3), None, "inside ë");
        assert_eq!(p.range(Unit::Bytes, 5, 9), Some((4, 5)));
        assert_eq!(p.range(Unit::CodePoints, 4, 5), Some((4, 5)));
        assert_eq!(p.range(Unit::Utf16, 4, 6), Some((4, 5)));
        assert_eq!(p.range(Unit::Utf16, 4, 5), None, "inside the emoji");
        assert_eq!(p.range(Unit::Bytes, 2, 2), None, "empty");
        assert_eq!(p.range(Unit::Bytes, 0, 99), None);
    }

    #[test]
    fn tag_paths_split_at_dots_between_words_only() {
        assert_eq!(tag_parts("Barriers.Cost", false), ["Barriers", "Cost"]);
        assert_eq!(tag_parts("Barriers.Cost", true), ["Barriers.Cost"]);
        assert_eq!(tag_parts("e.g. cost", false), ["e", "g. cost"]);
        assert_eq!(tag_parts("Version 2.0", false), ["Version 2.0"]);
        assert_eq!(tag_parts("Ends.", false), ["Ends."]);
        assert_eq!(tag_parts("a..b", false), ["a..b"]);
        assert_eq!(tag_parts("Cost/benefit", false), ["Cost∕benefit"]);
        assert_eq!(tag_parts("2022", false), ["Tag 2022"]);
        assert_eq!(tag_parts("#urgent", false), ["Tag #urgent"]);
        assert_eq!(tag_parts("tab\there", false), ["tab here"]);
    }

    fn block_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("targets"),
                Just("Zoë"),
                Just("CO₂"),
                Just("🌱"),
                Just("&"),
                Just("<b>"),
                Just("\u{a0}"),
                Just(" "),
                Just("\n"),
                Just("\t"),
                Just("e\u{301}"),
            ],
            0..8,
        )
        .prop_map(|w| w.concat())
    }

    proptest! {
        /// Whatever stretch of Taguette's text a highlight covers, it lands on the same words
        /// in tana's text, and only white space lands nowhere.
        #[test]
        fn every_stretch_lands_on_its_words(
            blocks in proptest::collection::vec((0..4usize, block_text(), any::<bool>()), 1..6),
            cuts in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..12),
        ) {
            let tags = ["p", "h2", "li", "div"];
            let escape = |t: &str| t.replace('&', "&amp;").replace('<', "&lt;").replace('\u{a0}', "&nbsp;");
            let mut html = String::new();
            let mut expected = String::new();
            for (i, (tag, text, br)) in blocks.iter().enumerate() {
                if i > 0 {
                    html.push('\n');
                    expected.push('\n');
                }
                let (a, b) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(text.len(), |(k, _)| k));
                let inner = if *br { format!("{}<br/>{}", escape(a), escape(b)) } else { escape(text) };
                html.push_str(&format!("<{0} class=\"x\">{inner}</{0}>", tags[*tag]));
                expected.push_str(text);
            }
            let l = lay_out(&html);
            prop_assert_eq!(&l.taguette, &expected);
            let n = l.taguette.chars().count();
            let tg = Positions::new(&l.taguette);
            let ours = Positions::new(&l.text);
            for (x, y) in &cuts {
                let (a, b) = (x.index(n + 1), y.index(n + 1));
                let (a, b) = (a.min(b), a.max(b));
                let theirs = tg.slice(a, b);
                match l.span(a, b) {
                    Some(span) => {
                        let ours = ours.slice(span.start, span.end);
                        prop_assert!(same_but_white_space(theirs, ours), "{theirs:?} became {ours:?}");
                    }
                    None => prop_assert!(theirs.trim().is_empty(), "{theirs:?} lands nowhere"),
                }
            }
        }
    }

    #[test]
    fn taguette_times_become_tana_times() {
        assert_eq!(
            tana_time("2022-02-03 08:01:22.663131").as_deref(),
            Some("2022-02-03T08:01:22Z")
        );
        assert_eq!(
            tana_time("2022-02-03").as_deref(),
            Some("2022-02-03T00:00:00Z")
        );
        assert_eq!(tana_time("yesterday"), None);
        assert_eq!(tana_time("2022-02-03 8:01"), None);
    }

    fn cmd(id: i64, payload: Value) -> Cmd {
        Cmd {
            id,
            date: String::new(),
            user: "ana".into(),
            document: None,
            payload,
        }
    }

    #[test]
    fn exported_merge_targets_are_found_by_creation_order() {
        // Old ids 10 (survives as 1), 11 (deleted), 12, 13 (survive as 2, 3), 14 (deleted).
        let cmds = vec![
            cmd(
                1,
                json!({"type": "tag_add", "tag_id": 1, "tag_path": "a", "description": ""}),
            ),
            cmd(
                2,
                json!({"type": "tag_add", "tag_id": -11, "tag_path": "b", "description": ""}),
            ),
            cmd(
                3,
                json!({"type": "tag_add", "tag_id": 2, "tag_path": "c", "description": ""}),
            ),
            cmd(
                4,
                json!({"type": "tag_add", "tag_id": 3, "tag_path": "d", "description": ""}),
            ),
            cmd(
                5,
                json!({"type": "tag_add", "tag_id": -14, "tag_path": "e", "description": ""}),
            ),
            cmd(
                6,
                json!({"type": "tag_merge", "src_tag_id": -14, "dest_tag_id": 13}),
            ),
        ];
        let t = MergeTargets::new(&cmds);
        assert!(t.exported);
        assert_eq!(t.resolve(13), Some(3));
        assert_eq!(t.resolve(12), Some(2));
        assert_eq!(t.resolve(11), Some(-11));
        assert_eq!(t.resolve(10), Some(1));
        // A server's own database numbers everything alike.
        let live = vec![cmd(
            1,
            json!({"type": "tag_merge", "src_tag_id": 4, "dest_tag_id": 9}),
        )];
        assert_eq!(MergeTargets::new(&live).resolve(9), Some(9));
    }
}
