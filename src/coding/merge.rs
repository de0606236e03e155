//! Merging a coder's copy back into the project: `tana merge bea.tana`.
//!
//! A copy made with `tana backup --for bea` shares the project's change log up to the moment
//! it was made: that shared prefix is the *base*. What the coder did in the copy is exactly
//! what the copy's log changed after the base, so the merge reads the copy's journal, not a
//! guess from differences:
//! - codings the copy added or changed are coded here (joined only with the same coder's);
//!   codings it removed are archived here, if this project still has them as they were;
//! - themes are matched by guid: new ones are added, and a theme the copy revised is
//!   revised here too, unless this project revised it as well (a conflict: this project's
//!   version is kept, or the copy's with `--prefer theirs`);
//! - memos, journal entries, review decisions and transcript review marks come across once;
//! - the copy's change-log entries are recorded in `merged_change`, so the audit trail keeps
//!   who revised what, when and why.
//!
//! A file with no shared history (a `.qdpx`, or another project) has no base: everything in
//! it is brought across once, nothing here is removed, and differing themes are conflicts.
//! Transcripts are matched by guid (else by name) and must have the same text. Everything
//! runs inside the caller's change, so a merge is one entry in the log and `tana undo`
//! reverts it; merging the same file again adds nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::Value;

use super::{add, Added, Stamp};
use crate::error::{Error, Result};
use crate::model::Span;
use crate::progress::Progress;
use crate::project::coder_id;

/// What the merge should do with a theme both sides revised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prefer {
    /// Keep this project's version (the default).
    #[default]
    Ours,
    /// Take the copy's version.
    Theirs,
}

/// What a merge did (or, in a dry run, would do).
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct MergeReport {
    /// The last change both logs share (0: no shared history).
    pub base: i64,
    /// Changes made in the copy after the base.
    pub their_changes: usize,
    pub transcripts_added: Vec<String>,
    pub themes_added: Vec<String>,
    pub themes_revised: Vec<String>,
    pub themes_deleted: Vec<String>,
    pub conflicts: Vec<String>,
    pub codings_added: usize,
    pub codings_joined: usize,
    pub codings_already: usize,
    pub codings_removed: usize,
    /// Codings that could not come across, and why.
    pub not_merged: Vec<String>,
    pub memos: usize,
    pub journal_entries: usize,
    pub links: usize,
    pub reviews_added: usize,
    pub reviews_closed: usize,
    pub review_marks: usize,
    pub changes_recorded: usize,
    pub attributes: usize,
    /// Things a merge does not carry, said once.
    pub notes: Vec<String>,
}

/// Open a coder's copy for reading, never writing it: read-only when it is at this tana's
/// schema, else copied into memory and brought up to the schema there.
pub fn open_copy(path: &Path) -> Result<Connection> {
    let shown = path.display().to_string();
    if !path.is_file() {
        return Err(Error::user(format!("{shown}: no such file"))
            .with_hint("name the coder's copy, e.g. tana merge bea.tana"));
    }
    let src = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::user(format!("cannot open {shown}: {e}")))?;
    if !crate::project::is_tana(&src).unwrap_or(false) {
        return Err(Error::user(format!("{shown} is not a tana project"))
            .with_hint("merge a copy made with \"tana backup --for NAME FILE\", or a .qdpx"));
    }
    let version: i64 = src.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version == crate::project::SCHEMA_VERSION {
        return Ok(src);
    }
    let mut mem = Connection::open_in_memory()?;
    {
        let backup = rusqlite::backup::Backup::new(&src, &mut mem)?;
        backup
            .step(-1)
            .map_err(|e| Error::user(format!("cannot read {shown}: {e}")))?;
    }
    crate::project::migrate(&mut mem)?;
    Ok(mem)
}

/// The last change-log entry both projects share, when they are copies of one project.
pub fn base(ours: &Connection, theirs: &Connection) -> Result<i64> {
    let guid =
        |c: &Connection| -> Result<Option<String>> { crate::project::setting(c, "project_guid") };
    if guid(ours)? != guid(theirs)? {
        return Ok(0);
    }
    let sql = "SELECT r.id, r.op, r.kind, ifnull(r.summary, ''), r.created_at, c.name
               FROM revision r JOIN coder c ON c.id = r.coder_id ORDER BY r.id";
    type Entry = (i64, String, String, String, String, String);
    let load = |c: &Connection| -> Result<Vec<Entry>> {
        let mut stmt = c.prepare(sql)?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    let (a, b) = (load(ours)?, load(theirs)?);
    let mut last = 0;
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            break;
        }
        last = x.0;
    }
    Ok(last)
}

/// Rows of one table the copy's log touched after the base: row id → the row as it was
/// before its first change there (None: the copy inserted it).
fn touched(theirs: &Connection, table: &str, base: i64) -> Result<BTreeMap<i64, Option<Row>>> {
    let cols = columns(theirs, table)?;
    let mut stmt = theirs.prepare(
        "SELECT row_id, old FROM revision_row WHERE tbl = ?1 AND revision_id > ?2 ORDER BY id",
    )?;
    let mut out = BTreeMap::new();
    let mut rows = stmt.query(params![table, base])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if out.contains_key(&id) {
            continue;
        }
        let old: Option<String> = r.get(1)?;
        let row = old
            .and_then(|s| serde_json::from_str::<Vec<Value>>(&s).ok())
            .map(|v| Row::new(&cols, v));
        out.insert(id, row);
    }
    Ok(out)
}

/// A journaled row: column name → value.
#[derive(Debug, Clone)]
struct Row(HashMap<String, Value>);

impl Row {
    fn new(cols: &[String], values: Vec<Value>) -> Row {
        // The journal writes [rowid, col1, col2, ...].
        Row(cols
            .iter()
            .cloned()
            .zip(values.into_iter().skip(1))
            .collect())
    }
    fn int(&self, col: &str) -> Option<i64> {
        self.0.get(col).and_then(Value::as_i64)
    }
    fn text(&self, col: &str) -> Option<String> {
        self.0.get(col).and_then(Value::as_str).map(str::to_string)
    }
}

fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
    let cols = stmt
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(cols)
}

/// A theme's state, as far as a merge compares it. Parents by guid; sibling order is not
/// compared (it shifts whenever a sibling is added or removed).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ThemeState {
    parent: Option<String>,
    name: String,
    kind: String,
    origin: String,
    source: Option<String>,
    definition: Option<String>,
    include: Option<String>,
    exclude: Option<String>,
    example: Option<String>,
    memo: Option<String>,
    color: Option<String>,
    deleted: bool,
}

/// One theme of either project.
#[derive(Debug, Clone)]
struct ThemeRow {
    id: i64,
    guid: String,
    parent_id: Option<i64>,
    created_at: String,
    created_by: String,
    deleted_in: Option<i64>,
    state: ThemeState,
}

fn load_themes(conn: &Connection) -> Result<Vec<ThemeRow>> {
    let mut stmt = conn.prepare(
        "SELECT t.id, t.guid, t.parent_id, p.guid, t.name, t.kind, t.origin, t.source,
                t.definition, t.include, t.exclude, t.example, t.memo, t.color, t.created_at,
                c.name, t.deleted_in
         FROM theme t LEFT JOIN theme p ON p.id = t.parent_id JOIN coder c ON c.id = t.created_by
         ORDER BY t.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ThemeRow {
            id: r.get(0)?,
            guid: r.get(1)?,
            parent_id: r.get(2)?,
            created_at: r.get(14)?,
            created_by: r.get(15)?,
            deleted_in: r.get(16)?,
            state: ThemeState {
                parent: r.get(3)?,
                name: r.get(4)?,
                kind: r.get(5)?,
                origin: r.get(6)?,
                source: r.get(7)?,
                definition: r.get(8)?,
                include: r.get(9)?,
                exclude: r.get(10)?,
                example: r.get(11)?,
                memo: r.get(12)?,
                color: r.get(13)?,
                deleted: r.get::<_, Option<i64>>(16)?.is_some(),
            },
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A theme's state from a journaled row (parents resolved through `guid_of`).
fn state_of(row: &Row, guid_of: &HashMap<i64, String>) -> ThemeState {
    ThemeState {
        parent: row.int("parent_id").and_then(|p| guid_of.get(&p).cloned()),
        name: row.text("name").unwrap_or_default(),
        kind: row.text("kind").unwrap_or_default(),
        origin: row.text("origin").unwrap_or_default(),
        source: row.text("source"),
        definition: row.text("definition"),
        include: row.text("include"),
        exclude: row.text("exclude"),
        example: row.text("example"),
        memo: row.text("memo"),
        color: row.text("color"),
        deleted: row.int("deleted_in").is_some(),
    }
}

/// A coding as both projects can name it: transcript, theme and coder by this project's
/// ids, and the span.
type Key = (i64, i64, i64, usize, usize);

/// The copy's coding rows: id → (transcript, theme, coder name, start, end, memo, created_at).
type TheirCoding = (i64, i64, String, usize, usize, Option<String>, String);

/// How the copy's ids become this project's.
struct Maps {
    transcript: HashMap<i64, i64>,
    theme: HashMap<i64, i64>,
    coder: HashMap<String, i64>,
}

impl Maps {
    fn coder(&mut self, conn: &Connection, name: &str) -> Result<i64> {
        if let Some(id) = self.coder.get(name) {
            return Ok(*id);
        }
        let id = coder_id(conn, name)?;
        self.coder.insert(name.to_string(), id);
        Ok(id)
    }
}

/// Merge the copy `theirs` (opened with [`open_copy`]) into `conn`, inside the current
/// change. `source` names the file in the log.
pub fn merge(
    conn: &Connection,
    theirs: &Connection,
    source: &str,
    prefer: Prefer,
    record_log: bool,
    progress: &mut Progress,
) -> Result<MergeReport> {
    let change = crate::journal::require(conn)?;
    progress.stage("transcripts", 9);
    let base = base(conn, theirs)?;
    let mut report = MergeReport {
        base,
        ..Default::default()
    };
    let their_guid = crate::project::setting(theirs, "project_guid")?.unwrap_or_default();
    let mut maps = Maps {
        transcript: HashMap::new(),
        theme: HashMap::new(),
        coder: HashMap::new(),
    };
    transcripts(conn, theirs, &mut maps, &mut report)?;
    progress.inc(1);
    progress.set_message("themes");
    themes(conn, theirs, base, prefer, &mut maps, &mut report)?;
    progress.inc(1);
    progress.set_message("codings");
    let coding_ids = codings(conn, theirs, base, &mut maps, &mut report)?;
    progress.inc(1);
    progress.set_message("deleted themes");
    delete_themes(conn, theirs, base, change, prefer, &maps, &mut report)?;
    progress.inc(1);
    progress.set_message("links");
    links(conn, theirs, &maps, &mut report)?;
    progress.inc(1);
    progress.set_message("memos");
    notes(conn, theirs, base, &mut maps, &coding_ids, &mut report)?;
    progress.inc(1);
    progress.set_message("reviews");
    reviews(
        conn,
        theirs,
        base,
        change,
        &mut maps,
        &coding_ids,
        &mut report,
    )?;
    progress.inc(1);
    progress.set_message("attributes");
    attributes(conn, theirs, base, &maps, &mut report)?;
    progress.inc(1);
    progress.set_message("change log");
    if record_log {
        record_changes(conn, theirs, base, change, source, &their_guid, &mut report)?;
    }
    let versions: i64 = theirs.query_row(
        "SELECT count(*) FROM template_version WHERE ?1 > 0 AND revision_id > ?1",
        [base],
        |r| r.get(0),
    )?;
    if versions > 0 {
        report.notes.push(format!(
            "{versions} template version(s) saved in the copy are not merged (their snapshots \
             name the copy's themes); save a version here with \"tana template save\""
        ));
    }
    Ok(report)
}

/// Match transcripts by guid, else by name; refuse any whose text differs; bring across
/// transcripts only the copy has.
fn transcripts(
    conn: &Connection,
    theirs: &Connection,
    maps: &mut Maps,
    report: &mut MergeReport,
) -> Result<()> {
    type T = (i64, String, String, i64);
    let load = |c: &Connection| -> Result<Vec<T>> {
        let mut stmt = c.prepare("SELECT id, guid, name, chars FROM transcript ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    let ours = load(conn)?;
    let by_guid: HashMap<&str, &T> = ours.iter().map(|t| (t.1.as_str(), t)).collect();
    let by_name: HashMap<&str, &T> = ours.iter().map(|t| (t.2.as_str(), t)).collect();
    let mut our_text = conn.prepare_cached("SELECT text FROM transcript WHERE id = ?1")?;
    let mut their_text = theirs.prepare_cached("SELECT text FROM transcript WHERE id = ?1")?;
    let mut differ = Vec::new();
    let mut new = Vec::new();
    for t in load(theirs)? {
        let Some(o) = by_guid
            .get(t.1.as_str())
            .or_else(|| by_name.get(t.2.as_str()))
        else {
            new.push(t);
            continue;
        };
        let same = o.3 == t.3 && {
            let a: String = our_text.query_row([o.0], |r| r.get(0))?;
            let b: String = their_text.query_row([t.0], |r| r.get(0))?;
            a == b
        };
        if same {
            maps.transcript.insert(t.0, o.0);
        } else {
            differ.push(if o.2 == t.2 {
                o.2.clone()
            } else {
                format!("{} (named {} in the copy)", o.2, t.2)
            });
        }
    }
    if !differ.is_empty() {
        return Err(Error::user(format!(
            "the text of {} transcript(s) differs between this project and the copy: {}; nothing was merged",
            differ.len(),
            differ.join(", ")
        ))
        .with_hint(
            "a transcript was re-imported in one of them; re-import the same file in both (tana import --replace), then merge",
        ));
    }
    for (id, _, name, _) in new {
        let their_coder: String = theirs.query_row(
            "SELECT c.name FROM transcript t JOIN coder c ON c.id = t.imported_by WHERE t.id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let by = maps.coder(conn, &their_coder)?;
        type Src = (Option<String>, String, i64, i64, String, String, String);
        let r: Src = theirs.query_row(
            "SELECT source_path, format, chars, words, imported_at, text, guid
             FROM transcript WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )?;
        conn.execute(
            "INSERT INTO transcript (name, source_path, format, chars, words, imported_at,
                                     imported_by, text, guid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![name, r.0, r.1, r.2, r.3, r.4, by, r.5, r.6],
        )?;
        let ours_id = conn.last_insert_rowid();
        let mut stmt = theirs.prepare(
            "SELECT number, speaker, start, end, words, time FROM segment
             WHERE transcript_id = ?1 ORDER BY number",
        )?;
        let mut insert = conn.prepare_cached(
            "INSERT INTO segment (transcript_id, number, speaker, start, end, words, time)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            insert.execute(params![
                ours_id,
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<String>>(5)?
            ])?;
        }
        let mut stmt = theirs
            .prepare("SELECT key, value FROM attribute WHERE transcript_id = ?1 ORDER BY key")?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            conn.execute(
                "INSERT INTO attribute (transcript_id, key, value) VALUES (?1, ?2, ?3)",
                params![ours_id, r.get::<_, String>(0)?, r.get::<_, String>(1)?],
            )?;
        }
        maps.transcript.insert(id, ours_id);
        report.transcripts_added.push(name);
    }
    Ok(())
}

/// A theme's label in messages: its path, as the copy has it.
fn path_of(by_id: &HashMap<i64, &ThemeRow>, id: i64) -> String {
    let mut parts = Vec::new();
    let mut cur = by_id.get(&id).copied();
    while let Some(t) = cur {
        parts.push(t.state.name.clone());
        cur = t.parent_id.and_then(|p| by_id.get(&p).copied());
        if parts.len() > crate::template::MAX_DEPTH {
            break;
        }
    }
    parts.reverse();
    parts.join("/")
}

/// New themes of the copy are added (parents first); themes both have are revised here when
/// only the copy changed them; themes both changed are conflicts. Deletions wait until the
/// codings have come across ([`delete_themes`]).
fn themes(
    conn: &Connection,
    theirs: &Connection,
    base: i64,
    prefer: Prefer,
    maps: &mut Maps,
    report: &mut MergeReport,
) -> Result<()> {
    let their = load_themes(theirs)?;
    let their_by_id: HashMap<i64, &ThemeRow> = their.iter().map(|t| (t.id, t)).collect();
    let ours = load_themes(conn)?;
    let their_guid: HashMap<i64, String> = their.iter().map(|t| (t.id, t.guid.clone())).collect();
    let our_guid: HashMap<i64, String> = ours.iter().map(|t| (t.id, t.guid.clone())).collect();
    let ours_by_guid: HashMap<&str, &ThemeRow> =
        ours.iter().map(|t| (t.guid.as_str(), t)).collect();
    let their_touched = touched(theirs, "theme", base)?;
    let our_touched = touched(conn, "theme", base)?;
    for t in &their {
        if let Some(o) = ours_by_guid.get(t.guid.as_str()) {
            maps.theme.insert(t.id, o.id);
        }
    }
    // New themes, parents before children: the copy's ids grow with creation, and a parent
    // is always created before its children.
    let mut pending: Vec<&ThemeRow> = their
        .iter()
        .filter(|t| !ours_by_guid.contains_key(t.guid.as_str()) && t.deleted_in.is_none())
        .collect();
    let mut progress = true;
    while !pending.is_empty() && progress {
        progress = false;
        let mut later = Vec::new();
        for t in pending {
            let parent = match t.parent_id {
                None => None,
                Some(p) => match maps.theme.get(&p) {
                    Some(o) => Some(*o),
                    None => {
                        later.push(t);
                        continue;
                    }
                },
            };
            progress = true;
            let label = path_of(&their_by_id, t.id);
            // A sibling here with the same name is the same theme, made on both sides.
            let same: Option<i64> = conn
                .query_row(
                    "SELECT id FROM theme WHERE ifnull(parent_id, 0) = ifnull(?1, 0)
                       AND lower(name) = lower(?2) AND deleted_in IS NULL",
                    params![parent, t.state.name],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = same {
                maps.theme.insert(t.id, id);
                report.notes.push(format!(
                    "theme {label} was added in both: matched by its name"
                ));
                continue;
            }
            let by = maps.coder(conn, &t.created_by)?;
            let s = &t.state;
            conn.execute(
                "INSERT INTO theme (parent_id, position, name, kind, origin, source, definition,
                                    include, exclude, example, memo, color, created_at, created_by, guid)
                 VALUES (?1, (SELECT ifnull(max(position), 0) + 1 FROM theme
                              WHERE ifnull(parent_id, 0) = ifnull(?1, 0)),
                         ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    parent,
                    s.name,
                    s.kind,
                    s.origin,
                    s.source,
                    s.definition,
                    s.include,
                    s.exclude,
                    s.example,
                    s.memo,
                    s.color,
                    t.created_at,
                    by,
                    t.guid
                ],
            )?;
            maps.theme.insert(t.id, conn.last_insert_rowid());
            report.themes_added.push(label);
        }
        pending = later;
    }
    // Revisions of themes both have (deletions later).
    for t in &their {
        let Some(o) = ours_by_guid.get(t.guid.as_str()) else {
            continue;
        };
        if t.state.deleted {
            continue;
        }
        if o.state == t.state || !changed(&t.state, &their_touched, t.id, &their_guid, base) {
            continue;
        }
        let label = path_of(&their_by_id, t.id);
        let ours_changed = changed(&o.state, &our_touched, o.id, &our_guid, base);
        if ours_changed {
            report.conflicts.push(format!(
                "theme {label}: revised in both; kept {}",
                match prefer {
                    Prefer::Ours => "this project's version (--prefer theirs takes the copy's)",
                    Prefer::Theirs => "the copy's version (--prefer theirs)",
                }
            ));
            if prefer == Prefer::Ours {
                continue;
            }
        }
        if let Some(why) = revise_to(conn, o, &t.state, &ours_by_guid)? {
            report.conflicts.push(format!(
                "theme {label}: the copy's revision was not applied: {why}"
            ));
        } else {
            report.themes_revised.push(label);
        }
    }
    Ok(())
}

/// Whether a side changed a theme since the base, as its log says. Without a base, or for
/// a theme created after it (by an earlier merge, say), any difference counts as a change.
fn changed(
    now: &ThemeState,
    log: &BTreeMap<i64, Option<Row>>,
    id: i64,
    guid_of: &HashMap<i64, String>,
    base: i64,
) -> bool {
    if base == 0 {
        return true;
    }
    match log.get(&id) {
        None => false,
        Some(None) => true,
        Some(Some(row)) => state_of(row, guid_of) != *now,
    }
}

/// Revise one of this project's themes to the copy's state (not its deletion). Returns why
/// not, when it cannot be done.
fn revise_to(
    conn: &Connection,
    ours: &ThemeRow,
    to: &ThemeState,
    ours_by_guid: &HashMap<&str, &ThemeRow>,
) -> Result<Option<String>> {
    if ours.state == *to {
        return Ok(None);
    }
    let parent = match &to.parent {
        None => None,
        Some(g) => match ours_by_guid.get(g.as_str()).map(|t| t.id).or_else(|| {
            // A parent the merge itself just added.
            conn.query_row("SELECT id FROM theme WHERE guid = ?1", [g], |r| r.get(0))
                .ok()
        }) {
            Some(p) => Some(p),
            None => return Ok(Some("its new parent is not in this project".into())),
        },
    };
    let clash: Option<String> = conn
        .query_row(
            "SELECT name FROM theme WHERE ifnull(parent_id, 0) = ifnull(?1, 0)
               AND lower(name) = lower(?2) AND deleted_in IS NULL AND id <> ?3",
            params![parent, to.name, ours.id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(n) = clash {
        return Ok(Some(format!("a theme named \"{n}\" is already there")));
    }
    let moved = parent != ours.parent_id;
    conn.execute(
        "UPDATE theme SET parent_id = ?2, name = ?3, kind = ?4, origin = ?5, source = ?6,
                definition = ?7, include = ?8, exclude = ?9, example = ?10, memo = ?11, color = ?12,
                position = CASE WHEN ?13 THEN (SELECT ifnull(max(position), 0) + 1 FROM theme
                    WHERE ifnull(parent_id, 0) = ifnull(?2, 0)) ELSE position END,
                deleted_in = CASE WHEN ?14 THEN NULL ELSE deleted_in END
         WHERE id = ?1",
        params![
            ours.id,
            parent,
            to.name,
            to.kind,
            to.origin,
            to.source,
            to.definition,
            to.include,
            to.exclude,
            to.example,
            to.memo,
            to.color,
            moved,
            !to.deleted
        ],
    )?;
    Ok(None)
}

/// Themes the copy deleted (or merged away): deleted here too, unless this project changed
/// them, or still codes them or has sub-themes under them that the copy did not have.
fn delete_themes(
    conn: &Connection,
    theirs: &Connection,
    base: i64,
    change: i64,
    prefer: Prefer,
    maps: &Maps,
    report: &mut MergeReport,
) -> Result<()> {
    let their = load_themes(theirs)?;
    let their_by_id: HashMap<i64, &ThemeRow> = their.iter().map(|t| (t.id, t)).collect();
    let their_guid: HashMap<i64, String> = their.iter().map(|t| (t.id, t.guid.clone())).collect();
    // This project's themes, read once (each of the copy's themes maps to its own).
    let ours: HashMap<i64, ThemeRow> = load_themes(conn)?.into_iter().map(|t| (t.id, t)).collect();
    let our_guid: HashMap<i64, String> = ours.iter().map(|(id, t)| (*id, t.guid.clone())).collect();
    let their_touched = touched(theirs, "theme", base)?;
    let our_touched = touched(conn, "theme", base)?;
    // Children before parents, so a deleted subtree goes as a whole.
    for t in their.iter().rev().filter(|t| t.state.deleted) {
        let Some(&ours_id) = maps.theme.get(&t.id) else {
            continue;
        };
        let Some(o) = ours.get(&ours_id) else {
            continue;
        };
        if o.state.deleted {
            continue;
        }
        if !changed(&t.state, &their_touched, t.id, &their_guid, base) {
            continue;
        }
        let label = path_of(&their_by_id, t.id);
        if base > 0
            && changed(&o.state, &our_touched, o.id, &our_guid, base)
            && prefer == Prefer::Ours
        {
            report.conflicts.push(format!(
                "theme {label}: deleted in the copy but revised here; kept it"
            ));
            continue;
        }
        let (codings, children): (i64, i64) = conn.query_row(
            "SELECT (SELECT count(*) FROM coding WHERE theme_id = ?1),
                    (SELECT count(*) FROM theme WHERE parent_id = ?1 AND deleted_in IS NULL)",
            [ours_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if codings > 0 || children > 0 {
            report.conflicts.push(format!(
                "theme {label}: deleted in the copy, but here it still has {codings} coding(s) and {children} sub-theme(s); kept it (revise it with \"tana theme delete\" or \"tana theme merge\")"
            ));
            continue;
        }
        conn.execute(
            "UPDATE theme SET deleted_in = ?2 WHERE id = ?1",
            params![ours_id, change],
        )?;
        report.themes_deleted.push(label);
    }
    Ok(())
}

/// Where a coding of the copy goes here: its theme, following this project's merges of
/// themes; Err with why when it cannot go anywhere.
fn our_theme(conn: &Connection, theme: i64) -> Result<std::result::Result<i64, String>> {
    let mut cur = theme;
    for _ in 0..64 {
        let (name, deleted_in): (String, Option<i64>) = conn.query_row(
            "SELECT name, deleted_in FROM theme WHERE id = ?1",
            [cur],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let Some(rev) = deleted_in else {
            return Ok(Ok(cur));
        };
        let (op, after): (String, Option<String>) =
            conn.query_row("SELECT op, after FROM revision WHERE id = ?1", [rev], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let into = after
            .and_then(|a| serde_json::from_str::<Value>(&a).ok())
            .and_then(|v| v["into"]["id"].as_i64());
        match (op.as_str(), into) {
            ("merge", Some(id)) => cur = id,
            _ => {
                return Ok(Err(format!(
                    "theme \"{name}\" was deleted here in change {rev}"
                )))
            }
        }
    }
    Ok(Err("a chain of merged themes is too long".into()))
}

/// Codings: removals first (so a trimmed coding is not taken for one already here), then
/// the copy's new and changed codings. Returns the copy's coding ids mapped to this
/// project's, for memos and reviews.
fn codings(
    conn: &Connection,
    theirs: &Connection,
    base: i64,
    maps: &mut Maps,
    report: &mut MergeReport,
) -> Result<HashMap<i64, i64>> {
    let mut stmt = theirs.prepare(
        "SELECT c.id, c.transcript_id, c.theme_id, k.name, c.start, c.end, c.memo, c.created_at
         FROM coding c JOIN coder k ON k.id = c.coder_id ORDER BY c.id",
    )?;
    let live: BTreeMap<i64, TheirCoding> = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                (
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get::<_, i64>(4)? as usize,
                    r.get::<_, i64>(5)? as usize,
                    r.get(6)?,
                    r.get(7)?,
                ),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut their_coder: HashMap<i64, String> = HashMap::new();
    {
        let mut s = theirs.prepare("SELECT id, name FROM coder")?;
        for r in s.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (id, name) = r?;
            their_coder.insert(id, name);
        }
    }
    let touched_rows = if base > 0 {
        Some(touched(theirs, "coding", base)?)
    } else {
        None
    };
    // This project's key for a coding of the copy, or why it has none.
    let mut key_of = |conn: &Connection,
                      t: i64,
                      th: i64,
                      coder: &str,
                      s: usize,
                      e: usize|
     -> Result<std::result::Result<Key, String>> {
        let Some(&tr) = maps.transcript.get(&t) else {
            return Ok(Err("its transcript is not here".into()));
        };
        let Some(&theme) = maps.theme.get(&th) else {
            return Ok(Err("its theme is not here".into()));
        };
        let theme = match our_theme(conn, theme)? {
            Ok(x) => x,
            Err(why) => return Ok(Err(why)),
        };
        let c = maps.coder(conn, coder)?;
        Ok(Ok((tr, theme, c, s, e)))
    };

    // Removed in the copy: archived there after the base, or rows of the base that are gone
    // or changed there.
    let live_keys: BTreeSet<(i64, i64, String, usize, usize)> = live
        .values()
        .map(|c| (c.0, c.1, c.2.clone(), c.3, c.4))
        .collect();
    let mut removed: Vec<(i64, i64, String, usize, usize)> = Vec::new();
    {
        let mut s = theirs.prepare(
            "SELECT a.transcript_id, a.theme_id, k.name, a.start, a.end FROM coding_archive a
             JOIN coder k ON k.id = a.coder_id WHERE a.revision_id > ?1 AND ?1 > 0 ORDER BY a.id",
        )?;
        for r in s.query_map([base], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)? as usize,
                r.get::<_, i64>(4)? as usize,
            ))
        })? {
            removed.push(r?);
        }
    }
    if let Some(t) = &touched_rows {
        for (id, old) in t {
            let Some(old) = old else { continue };
            let (Some(tr), Some(th), Some(cd), Some(s), Some(e)) = (
                old.int("transcript_id"),
                old.int("theme_id"),
                old.int("coder_id"),
                old.int("start"),
                old.int("end"),
            ) else {
                continue;
            };
            let was = (
                tr,
                th,
                their_coder.get(&cd).cloned().unwrap_or_default(),
                s as usize,
                e as usize,
            );
            let now = live.get(id).map(|c| (c.0, c.1, c.2.clone(), c.3, c.4));
            if now.as_ref() != Some(&was) {
                removed.push(was);
            }
        }
    }
    let mut find = conn.prepare_cached(
        "SELECT id FROM coding WHERE transcript_id = ?1 AND theme_id = ?2 AND coder_id = ?3
           AND start = ?4 AND end = ?5 ORDER BY id",
    )?;
    for k in removed {
        if live_keys.contains(&k) {
            continue;
        }
        let Ok(key) = key_of(conn, k.0, k.1, &k.2, k.3, k.4)? else {
            continue;
        };
        let ids: Vec<i64> = find
            .query_map(
                params![key.0, key.1, key.2, key.3 as i64, key.4 as i64],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?;
        for id in ids {
            crate::journal::archive_coding(conn, id, "removed in a coder's copy (merged)")?;
            report.codings_removed += 1;
        }
    }

    // Codings this project removed since the base (all it ever removed, without one) are
    // decisions made here: a merge does not bring them back.
    let mut removed_here: BTreeSet<Key> = BTreeSet::new();
    {
        let mut s = conn.prepare(
            "SELECT transcript_id, theme_id, coder_id, start, end FROM coding_archive
             WHERE revision_id > ?1 AND revision_id < ?2",
        )?;
        let this = crate::journal::require(conn)?;
        for r in s.query_map([base, this], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)? as usize,
                r.get::<_, i64>(4)? as usize,
            ))
        })? {
            removed_here.insert(r?);
        }
    }
    let mut kept_out = 0;

    // Added or changed in the copy (everything, without a base).
    let version: Option<i64> = None;
    let mut not_merged: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids = HashMap::new();
    let mut locate = conn.prepare_cached(
        "SELECT id FROM coding WHERE transcript_id = ?1 AND theme_id = ?2 AND coder_id = ?3
           AND start <= ?4 AND end >= ?5 ORDER BY id LIMIT 1",
    )?;
    for (id, c) in &live {
        let bring = touched_rows.as_ref().is_none_or(|t| t.contains_key(id));
        let key = match key_of(conn, c.0, c.1, &c.2, c.3, c.4)? {
            Ok(k) => k,
            Err(why) => {
                if bring {
                    *not_merged.entry(why).or_default() += 1;
                }
                continue;
            }
        };
        if bring && removed_here.contains(&key) {
            kept_out += 1;
            continue;
        }
        if bring {
            let stamp = Stamp {
                coder: key.2,
                at: c.6.clone(),
                version,
            };
            match add(
                conn,
                key.0,
                key.1,
                Span::new(key.3, key.4),
                c.5.as_deref(),
                &stamp,
            )? {
                Added::New(_) => report.codings_added += 1,
                Added::Joined(_) => report.codings_joined += 1,
                Added::AlreadyCoded => report.codings_already += 1,
            }
        }
        let ours: Option<i64> = locate
            .query_row(
                params![key.0, key.1, key.2, key.3 as i64, key.4 as i64],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(o) = ours {
            ids.insert(*id, o);
        }
    }
    if kept_out > 0 {
        report.not_merged.push(format!(
            "{kept_out} coding(s): this project removed them since (tana log shows when)"
        ));
    }
    for (why, n) in not_merged {
        report.not_merged.push(format!("{n} coding(s): {why}"));
    }
    Ok(ids)
}

/// Links of integrative themes the copy has and this project lacks.
fn links(
    conn: &Connection,
    theirs: &Connection,
    maps: &Maps,
    report: &mut MergeReport,
) -> Result<()> {
    let mut stmt =
        theirs.prepare("SELECT integrative_id, theme_id FROM theme_link ORDER BY 1, 2")?;
    let rows: Vec<(i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (a, b) in rows {
        if let (Some(x), Some(y)) = (maps.theme.get(&a), maps.theme.get(&b)) {
            report.links += conn.execute(
                "INSERT OR IGNORE INTO theme_link (integrative_id, theme_id) VALUES (?1, ?2)",
                params![x, y],
            )?;
        }
    }
    Ok(())
}

/// Memos and journal entries the copy added, once.
fn notes(
    conn: &Connection,
    theirs: &Connection,
    base: i64,
    maps: &mut Maps,
    coding_ids: &HashMap<i64, i64>,
    report: &mut MergeReport,
) -> Result<()> {
    let memo_rows = touched(theirs, "memo", base)?;
    let mut stmt = theirs.prepare(
        "SELECT m.id, m.target, m.transcript_id, m.segment_number, m.theme_id, m.coding_id,
                m.text, k.name, m.created_at
         FROM memo m JOIN coder k ON k.id = m.coder_id ORDER BY m.id",
    )?;
    type M = (
        i64,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        String,
        String,
        String,
    );
    let memos: Vec<M> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut exists = conn.prepare_cached(
        "SELECT count(*) > 0 FROM memo WHERE target = ?1 AND transcript_id IS ?2
           AND segment_number IS ?3 AND theme_id IS ?4 AND text = ?5 AND coder_id = ?6
           AND created_at = ?7",
    )?;
    for m in memos {
        if base > 0 && !memo_rows.contains_key(&m.0) {
            continue;
        }
        let tr = match m.2 {
            Some(t) => match maps.transcript.get(&t) {
                Some(x) => Some(*x),
                None => continue,
            },
            None => None,
        };
        let th = match m.4 {
            Some(t) => match maps.theme.get(&t) {
                Some(x) => Some(*x),
                None => continue,
            },
            None => None,
        };
        let coding = match m.5 {
            Some(c) => match coding_ids.get(&c) {
                Some(x) => Some(*x),
                None if m.1 == "coding" => continue,
                None => None,
            },
            None => None,
        };
        let coder = maps.coder(conn, &m.7)?;
        if exists.query_row(params![m.1, tr, m.3, th, m.6, coder, m.8], |r| r.get(0))? {
            continue;
        }
        conn.execute(
            "INSERT INTO memo (target, transcript_id, segment_number, theme_id, coding_id, text,
                               coder_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![m.1, tr, m.3, th, coding, m.6, coder, m.8],
        )?;
        report.memos += 1;
    }
    let entry_rows = touched(theirs, "journal_entry", base)?;
    let mut stmt = theirs.prepare(
        "SELECT j.id, j.text, j.tags, k.name, j.created_at FROM journal_entry j
         JOIN coder k ON k.id = j.coder_id ORDER BY j.id",
    )?;
    let entries: Vec<(i64, String, String, String, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, text, tags, coder, at) in entries {
        if base > 0 && !entry_rows.contains_key(&id) {
            continue;
        }
        let coder = maps.coder(conn, &coder)?;
        let here: bool = conn.query_row(
            "SELECT count(*) > 0 FROM journal_entry WHERE text = ?1 AND coder_id = ?2 AND created_at = ?3",
            params![text, coder, at],
            |r| r.get(0),
        )?;
        if !here {
            conn.execute(
                "INSERT INTO journal_entry (text, tags, coder_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![text, tags, coder, at],
            )?;
            report.journal_entries += 1;
        }
    }
    Ok(())
}

/// Review decisions: entries the copy closed are closed here; entries its revisions opened
/// are opened here; its "reviewed" marks on transcripts come across.
#[allow(clippy::too_many_arguments)]
fn reviews(
    conn: &Connection,
    theirs: &Connection,
    base: i64,
    change: i64,
    maps: &mut Maps,
    coding_ids: &HashMap<i64, i64>,
    report: &mut MergeReport,
) -> Result<()> {
    if base == 0 {
        return Ok(());
    }
    let rows = touched(theirs, "review", base)?;
    let mut stmt = theirs.prepare(
        "SELECT r.transcript_id, r.start, r.end, r.theme_id, r.coding_id, r.kind, r.reason,
                r.closed_at, k.name, r.resolution
         FROM review r LEFT JOIN coder k ON k.id = r.closed_by WHERE r.id = ?1",
    )?;
    type R = (
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    for (id, old) in &rows {
        let Some(r): Option<R> = stmt
            .query_row([id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })
            .optional()?
        else {
            continue;
        };
        let closed_by = match &r.8 {
            Some(n) => Some(maps.coder(conn, n)?),
            None => None,
        };
        if old.is_some() {
            // An entry of the base, closed in the copy: close it here if it is still open.
            if r.7.is_some() {
                report.reviews_closed += conn.execute(
                    "UPDATE review SET closed_at = ?2, closed_by = ?3, resolution = ?4
                     WHERE id = ?1 AND closed_at IS NULL",
                    params![id, r.7, closed_by, r.9],
                )?;
            }
            continue;
        }
        let Some(&tr) = maps.transcript.get(&r.0) else {
            continue;
        };
        let theme = r.3.and_then(|t| maps.theme.get(&t).copied());
        let coding = r.4.and_then(|c| coding_ids.get(&c).copied());
        let here: Option<(i64, Option<String>)> = conn
            .query_row(
                "SELECT id, closed_at FROM review WHERE transcript_id = ?1 AND start IS ?2
                   AND end IS ?3 AND theme_id IS ?4 AND kind = ?5 AND reason = ?6
                 ORDER BY id LIMIT 1",
                params![tr, r.1, r.2, theme, r.5, r.6],
                |x| Ok((x.get(0)?, x.get(1)?)),
            )
            .optional()?;
        match here {
            Some((hid, None)) if r.7.is_some() => {
                report.reviews_closed += conn.execute(
                    "UPDATE review SET closed_at = ?2, closed_by = ?3, resolution = ?4 WHERE id = ?1",
                    params![hid, r.7, closed_by, r.9],
                )?;
            }
            Some(_) => {}
            None => {
                conn.execute(
                    "INSERT INTO review (transcript_id, start, end, theme_id, coding_id, kind, reason,
                                         revision_id, closed_at, closed_by, resolution)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![tr, r.1, r.2, theme, coding, r.5, r.6, change, r.7, closed_by, r.9],
                )?;
                report.reviews_added += 1;
            }
        }
    }
    let marks = touched(theirs, "transcript_review", base)?;
    let mut stmt = theirs.prepare(
        "SELECT m.transcript_id, v.name, m.reviewed_at, k.name FROM transcript_review m
         LEFT JOIN template_version v ON v.id = m.version_id JOIN coder k ON k.id = m.coder_id
         WHERE m.id = ?1",
    )?;
    for id in marks.keys() {
        let Some((t, version, at, coder)): Option<(i64, Option<String>, String, String)> = stmt
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?
        else {
            continue;
        };
        let Some(&tr) = maps.transcript.get(&t) else {
            continue;
        };
        let coder = maps.coder(conn, &coder)?;
        let version: Option<i64> = match version {
            Some(v) => crate::template::version::version_id(conn, &v)?,
            None => None,
        };
        let here: bool = conn.query_row(
            "SELECT count(*) > 0 FROM transcript_review WHERE transcript_id = ?1 AND reviewed_at = ?2 AND coder_id = ?3",
            params![tr, at, coder],
            |r| r.get(0),
        )?;
        if !here {
            conn.execute(
                "INSERT INTO transcript_review (transcript_id, version_id, reviewed_at, coder_id)
                 VALUES (?1, ?2, ?3, ?4)",
                params![tr, version, at, coder],
            )?;
            report.review_marks += 1;
        }
    }
    Ok(())
}

/// Participant attributes the copy set after the base, where this project did not change
/// them too (a conflict then keeps this project's value).
fn attributes(
    conn: &Connection,
    theirs: &Connection,
    base: i64,
    maps: &Maps,
    report: &mut MergeReport,
) -> Result<()> {
    if base == 0 {
        // A file with no shared history: attributes only this project lacks.
        let mut stmt =
            theirs.prepare("SELECT transcript_id, key, value FROM attribute ORDER BY 1, 2")?;
        let rows: Vec<(i64, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (t, k, v) in rows {
            if let Some(&tr) = maps.transcript.get(&t) {
                report.attributes += conn.execute(
                    "INSERT OR IGNORE INTO attribute (transcript_id, key, value) VALUES (?1, ?2, ?3)",
                    params![tr, k, v],
                )?;
            }
        }
        return Ok(());
    }
    let theirs_rows = touched(theirs, "attribute", base)?;
    let ours_rows = touched(conn, "attribute", base)?;
    // Attributes are keyed by (transcript, key); the journal knows rows by rowid.
    let mut keys: BTreeSet<(i64, String)> = BTreeSet::new();
    let mut base_value: HashMap<(i64, String), Option<String>> = HashMap::new();
    for (rowid, old) in &theirs_rows {
        let now: Option<(i64, String)> = theirs
            .query_row(
                "SELECT transcript_id, key FROM attribute WHERE rowid = ?1",
                [rowid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some(o) = old {
            if let (Some(t), Some(k)) = (o.int("transcript_id"), o.text("key")) {
                keys.insert((t, k.clone()));
                base_value.insert((t, k), o.text("value"));
            }
        }
        if let Some(k) = now {
            keys.insert(k);
        }
    }
    let ours_touched: BTreeSet<(i64, String)> = ours_rows
        .iter()
        .filter_map(|(rowid, old)| {
            let now: Option<(i64, String)> = conn
                .query_row(
                    "SELECT transcript_id, key FROM attribute WHERE rowid = ?1",
                    [rowid],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .ok()
                .flatten();
            now.or_else(|| {
                old.as_ref()
                    .and_then(|o| Some((o.int("transcript_id")?, o.text("key")?)))
            })
        })
        .collect();
    for (t, k) in keys {
        let Some(&tr) = maps.transcript.get(&t) else {
            continue;
        };
        let theirs_now: Option<String> = theirs
            .query_row(
                "SELECT value FROM attribute WHERE transcript_id = ?1 AND key = ?2",
                params![t, k],
                |r| r.get(0),
            )
            .optional()?;
        let ours_now: Option<String> = conn
            .query_row(
                "SELECT value FROM attribute WHERE transcript_id = ?1 AND key = ?2",
                params![tr, k],
                |r| r.get(0),
            )
            .optional()?;
        if ours_now == theirs_now
            || base_value.get(&(t, k.clone())).cloned().flatten() == theirs_now
        {
            continue;
        }
        if ours_touched.contains(&(tr, k.clone())) {
            report.conflicts.push(format!(
                "attribute {k} of transcript #{tr}: changed in both; kept this project's value"
            ));
            continue;
        }
        match theirs_now {
            Some(v) => conn.execute(
                "INSERT INTO attribute (transcript_id, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (transcript_id, key) DO UPDATE SET value = excluded.value",
                params![tr, k, v],
            )?,
            None => conn.execute(
                "DELETE FROM attribute WHERE transcript_id = ?1 AND key = ?2",
                params![tr, k],
            )?,
        };
        report.attributes += 1;
    }
    Ok(())
}

/// The copy's change-log entries after the base, kept with this merge.
fn record_changes(
    conn: &Connection,
    theirs: &Connection,
    base: i64,
    change: i64,
    source: &str,
    their_guid: &str,
    report: &mut MergeReport,
) -> Result<()> {
    let mut stmt = theirs.prepare(
        "SELECT r.id, r.op, r.kind, r.summary, r.themes, r.before, r.after, r.rationale,
                r.prompted_by, c.name, r.created_at
         FROM revision r JOIN coder c ON c.id = r.coder_id WHERE r.id > ?1 ORDER BY r.id",
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO merged_change (revision_id, source, source_project, source_change,
             op, kind, summary, themes, before, after, rationale, prompted_by, coder, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    let mut rows = stmt.query([base])?;
    while let Some(r) = rows.next()? {
        report.their_changes += 1;
        report.changes_recorded += insert.execute(params![
            change,
            source,
            their_guid,
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, Option<String>>(8)?,
            r.get::<_, String>(9)?,
            r.get::<_, String>(10)?,
        ])?;
    }
    Ok(())
}
