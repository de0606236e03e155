//! The change log: one journal for every change a command makes to the project. Temporary
//! triggers record each row a change inserts, updates or deletes (as JSON), so `tana undo` can
//! put back exactly what was there; `tana log` lists the changes; nothing is erased, since a
//! removed row stays in the journal (and removed codings in `coding_archive`).

use std::collections::{BTreeSet, HashMap};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::project::now;

/// Tables that are never journaled: the log itself, the coder registry (a coder row is a name,
/// not work, and undo must never take one away from work that uses it), and the search index,
/// which is derived from the text and kept in step by its own triggers.
const UNJOURNALED: &[&str] = &["revision", "revision_row", "coder", "search_pending"];

/// Tables whose inserts are journaled by rowid alone: their rows are large (a transcript's
/// text) or many (segments), and undoing an insert needs only the rowid.
const INSERT_BY_ROWID: &[&str] = &["transcript", "segment", "coding"];

/// What a change is about, for `tana log` and for `theme undo`, which walks back template
/// revisions only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// A revision of the template (King's operations, outline imports, template edits).
    #[default]
    Template,
    /// Codings: code, uncode, batches, sheets, autocode, review decisions.
    Coding,
    /// Everything else: transcripts, attributes, memos, the journal, settings, versions.
    Project,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Template => "template",
            Kind::Coding => "coding",
            Kind::Project => "project",
        }
    }

    fn parse(s: &str) -> Kind {
        match s {
            "coding" => Kind::Coding,
            "project" => Kind::Project,
            _ => Kind::Template,
        }
    }
}

/// What the change log says about one change.
#[derive(Debug, Clone, Default)]
pub struct LogEntry {
    pub op: String,
    pub kind: Kind,
    /// One line for `tana log`: "code P03 segment 12 with 1.2 Vague targets".
    pub summary: Option<String>,
    /// JSON array of {"id", "number", "path"} for the themes involved.
    pub themes: Value,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub rationale: Option<String>,
    pub prompted_by: Option<String>,
    pub undoes: Option<i64>,
}

impl LogEntry {
    /// An entry for a change that is not a template revision.
    pub fn new(op: &str, kind: Kind, summary: impl Into<String>) -> LogEntry {
        LogEntry {
            op: op.to_string(),
            kind,
            summary: Some(summary.into()),
            themes: Value::Array(Vec::new()),
            ..Default::default()
        }
    }
}

/// A change in progress. Begin it inside the command's write transaction, do the work, then
/// `finish` it; dropping it without finishing leaves the triggers to die with the rollback.
/// Changes never nest: a command that revises the template and then codes (code --create)
/// journals two changes, one after the other.
pub struct Journal {
    pub id: i64,
}

fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA main.table_info(\"{table}\")"))?;
    let cols = stmt
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(cols)
}

/// The project's own tables, every one journaled but those in [`UNJOURNALED`] and SQLite's and
/// FTS5's internal tables.
fn journaled_tables(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM main.sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
           AND name NOT LIKE '%\\_fts%' ESCAPE '\\'
           AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
         ORDER BY name",
    )?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names
        .into_iter()
        .filter(|n| !UNJOURNALED.contains(&n.as_str()))
        .collect())
}

/// A row as a JSON array: its rowid, then every column in table order. (Arrays are smaller
/// and faster to build than objects; the column order is the table's.)
fn json_of(prefix: &str, cols: &[String]) -> String {
    let mut parts = vec![format!("{prefix}.rowid")];
    parts.extend(cols.iter().map(|c| format!("{prefix}.\"{c}\"")));
    format!("json_array({})", parts.join(", "))
}

/// The change being journaled on this connection, if any.
pub fn current(conn: &Connection) -> Result<Option<i64>> {
    let exists: bool = conn.query_row(
        "SELECT count(*) > 0 FROM temp.sqlite_master WHERE type = 'table' AND name = 'journal_current'",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(None);
    }
    Ok(conn
        .query_row("SELECT id FROM temp.journal_current", [], |r| r.get(0))
        .optional()?)
}

/// The change being journaled, or an error: every change to codings goes through the log.
pub fn require(conn: &Connection) -> Result<i64> {
    current(conn)?.ok_or_else(|| {
        Error::user("internal error: codings were about to change outside the change log")
            .with_hint("this is a bug in tana; please report it")
    })
}

impl Journal {
    /// Start journaling a change. Its id is the next change-log id.
    pub fn begin(conn: &Connection) -> Result<Journal> {
        if let Some(open) = current(conn)? {
            return Err(Error::user(format!(
                "internal error: change {open} is still being journaled"
            ))
            .with_hint("this is a bug in tana; please report it"));
        }
        let id: i64 = conn.query_row("SELECT ifnull(max(id), 0) + 1 FROM revision", [], |r| {
            r.get(0)
        })?;
        conn.execute_batch(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS journal_current (id INTEGER NOT NULL);
             DELETE FROM temp.journal_current;
             INSERT INTO temp.journal_current (id) VALUES ({id});"
        ))?;
        for table in journaled_tables(conn)? {
            let cols = columns(conn, &table)?;
            let (old, new) = (json_of("OLD", &cols), json_of("NEW", &cols));
            let inserted = if INSERT_BY_ROWID.contains(&table.as_str()) {
                "json_array(NEW.rowid)".to_string()
            } else {
                new.clone()
            };
            // An update journals a transcript's text only when the text itself changes.
            let (upd_old, upd_new) = if table == "transcript" {
                let same = "CASE WHEN NEW.text IS OLD.text THEN NULL ELSE {}.text END";
                (
                    old.replace("OLD.\"text\"", &same.replace("{}", "OLD")),
                    new.replace("NEW.\"text\"", &same.replace("{}", "NEW")),
                )
            } else {
                (old.clone(), new.clone())
            };
            conn.execute_batch(&format!(
                "DROP TRIGGER IF EXISTS temp.journal_{table}_insert;
                 DROP TRIGGER IF EXISTS temp.journal_{table}_update;
                 DROP TRIGGER IF EXISTS temp.journal_{table}_delete;
                 CREATE TEMP TRIGGER journal_{table}_insert AFTER INSERT ON main.\"{table}\" BEGIN
                   INSERT INTO revision_row (revision_id, tbl, row_id, old, new)
                   VALUES ({id}, '{table}', NEW.rowid, NULL, {inserted});
                 END;
                 CREATE TEMP TRIGGER journal_{table}_update AFTER UPDATE ON main.\"{table}\" BEGIN
                   INSERT INTO revision_row (revision_id, tbl, row_id, old, new)
                   VALUES ({id}, '{table}', NEW.rowid, {upd_old}, {upd_new});
                 END;
                 CREATE TEMP TRIGGER journal_{table}_delete AFTER DELETE ON main.\"{table}\" BEGIN
                   INSERT INTO revision_row (revision_id, tbl, row_id, old, new)
                   VALUES ({id}, '{table}', OLD.rowid, {old}, NULL);
                 END;"
            ))?;
        }
        Ok(Journal { id })
    }

    /// Stop journaling and write the change-log row. A change that changed no row writes
    /// nothing and returns None.
    pub fn finish(self, conn: &Connection, entry: &LogEntry, coder: i64) -> Result<Option<i64>> {
        self.finish_at(conn, entry, coder, &now())
    }

    /// `finish`, dated `at`: a change replayed from another program's history keeps its time.
    pub fn finish_at(
        self,
        conn: &Connection,
        entry: &LogEntry,
        coder: i64,
        at: &str,
    ) -> Result<Option<i64>> {
        stop(conn)?;
        let rows: i64 = conn.query_row(
            "SELECT count(*) FROM revision_row WHERE revision_id = ?1",
            [self.id],
            |r| r.get(0),
        )?;
        if rows == 0 {
            return Ok(None);
        }
        conn.execute(
            "INSERT INTO revision (id, op, themes, before, after, rationale, prompted_by,
                                   coder_id, created_at, undoes, kind, summary)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                self.id,
                entry.op,
                entry.themes.to_string(),
                entry.before.as_ref().map(Value::to_string),
                entry.after.as_ref().map(Value::to_string),
                entry.rationale,
                entry.prompted_by,
                coder,
                at,
                entry.undoes,
                entry.kind.as_str(),
                entry.summary,
            ],
        )?;
        Ok(Some(self.id))
    }
}

fn stop(conn: &Connection) -> Result<()> {
    for table in journaled_tables(conn)? {
        conn.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS temp.journal_{table}_insert;
             DROP TRIGGER IF EXISTS temp.journal_{table}_update;
             DROP TRIGGER IF EXISTS temp.journal_{table}_delete;"
        ))?;
    }
    conn.execute_batch("DELETE FROM temp.journal_current;")?;
    Ok(())
}

/// Run `work` as one journaled change and log it. Returns what `work` returned and the
/// change's id (None when it changed nothing).
pub fn record<T>(
    conn: &Connection,
    coder: i64,
    work: impl FnOnce(&Journal) -> Result<(T, LogEntry)>,
) -> Result<(T, Option<i64>)> {
    let journal = Journal::begin(conn)?;
    let (value, entry) = work(&journal)?;
    let id = journal.finish(conn, &entry, coder)?;
    Ok((value, id))
}

/// Move a coding into the archive (with why) and delete it, as part of the current change.
pub fn archive_coding(conn: &Connection, coding: i64, reason: &str) -> Result<()> {
    let change = require(conn)?;
    conn.prepare_cached(
        "INSERT INTO coding_archive (coding_id, transcript_id, theme_id, start, end, memo, coder_id,
                                     created_at, version_id, reason, revision_id, archived_at)
         SELECT id, transcript_id, theme_id, start, end, memo, coder_id, created_at, version_id,
                ?2, ?3, ?4
         FROM coding WHERE id = ?1",
    )?
    .execute(params![coding, reason, change, now()])?;
    conn.prepare_cached("DELETE FROM coding WHERE id = ?1")?
        .execute([coding])?;
    Ok(())
}

/// One change as `tana log` shows it.
#[derive(Debug, Clone)]
pub struct Change {
    pub id: i64,
    pub op: String,
    pub kind: Kind,
    pub summary: String,
    pub coder: String,
    pub created_at: String,
    pub rationale: Option<String>,
    pub undoes: Option<i64>,
    pub undone_by: Option<i64>,
    /// Per table: (inserted, updated, deleted) rows.
    pub rows: Vec<(String, [i64; 3])>,
}

impl Change {
    /// "3 codings added, 1 removed; 1 memo added"
    pub fn counts(&self) -> String {
        let mut parts = Vec::new();
        for (tbl, [ins, upd, del]) in &self.rows {
            if ins + upd + del == 0 {
                continue;
            }
            let noun = noun(tbl);
            let mut bits = Vec::new();
            if *ins > 0 {
                bits.push(format!("{ins} added"));
            }
            if *upd > 0 {
                bits.push(format!("{upd} changed"));
            }
            if *del > 0 {
                bits.push(format!("{del} removed"));
            }
            parts.push(format!("{noun}: {}", bits.join(", ")));
        }
        parts.join("; ")
    }
}

/// The researcher's word for the rows of a table.
fn noun(tbl: &str) -> &str {
    match tbl {
        "coding" => "codings",
        "coding_archive" => "archived codings",
        "theme" => "themes",
        "theme_link" => "theme links",
        "review" => "review entries",
        "transcript_review" => "review marks",
        "transcript" => "transcripts",
        "segment" => "segments",
        "attribute" => "attributes",
        "memo" => "memos",
        "journal_entry" => "journal entries",
        "setting" => "settings",
        "template_version" => "versions",
        "autocode_batch" => "autocode batches",
        other => other,
    }
}

/// What a change is called in messages: "change 12 (code P03 segment 4 …, by bea)".
fn describe(conn: &Connection, id: i64) -> Result<String> {
    let row: Option<(String, Option<String>, String, String)> = conn
        .query_row(
            "SELECT r.op, r.summary, r.themes, c.name FROM revision r JOIN coder c ON c.id = r.coder_id
             WHERE r.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(match row {
        Some((op, summary, themes, coder)) => {
            format!("change {id} ({}, by {coder})", what(&op, summary, &themes))
        }
        None => format!("change {id}"),
    })
}

/// A change's one-line description: its summary, or the op and the themes' paths.
fn what(op: &str, summary: Option<String>, themes: &str) -> String {
    if let Some(s) = summary {
        return s;
    }
    let paths: Vec<String> = serde_json::from_str::<Value>(themes)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t["path"].as_str().map(str::to_string))
        .collect();
    match paths.len() {
        0 => op.to_string(),
        1..=3 => format!("{op} {}", paths.join(", ")),
        n => format!("{op} {} and {} more", paths[..2].join(", "), n - 2),
    }
}

/// The changes with `after < id`, newest first, at most `limit`, of one kind when given.
pub fn list(
    conn: &Connection,
    kind: Option<Kind>,
    coder: Option<i64>,
    limit: usize,
) -> Result<Vec<Change>> {
    let mut stmt = conn.prepare(
        "SELECT r.id, r.op, r.kind, r.summary, r.themes, c.name, r.created_at, r.rationale,
                r.undoes, (SELECT min(u.id) FROM revision u WHERE u.undoes = r.id)
         FROM revision r JOIN coder c ON c.id = r.coder_id
         WHERE (?1 IS NULL OR r.kind = ?1) AND (?2 IS NULL OR r.coder_id = ?2)
         ORDER BY r.id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![
            kind.map(Kind::as_str),
            coder,
            limit.min(i64::MAX as usize) as i64
        ],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<i64>>(8)?,
                r.get::<_, Option<i64>>(9)?,
            ))
        },
    )?;
    // Per row: added when its first journaled state had no old row, removed when its last
    // has no new one; a row added and removed in one change does not count.
    let mut counts = conn.prepare_cached(
        "SELECT e.tbl,
                sum(f.old IS NULL AND l.new IS NOT NULL),
                sum(f.old IS NOT NULL AND l.new IS NOT NULL),
                sum(f.old IS NOT NULL AND l.new IS NULL)
         FROM (SELECT tbl, min(id) AS first, max(id) AS last FROM revision_row
               WHERE revision_id = ?1 GROUP BY tbl, row_id) e
         JOIN revision_row f ON f.id = e.first JOIN revision_row l ON l.id = e.last
         GROUP BY e.tbl ORDER BY e.tbl",
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (id, op, kind, summary, themes, coder, created_at, rationale, undoes, undone_by) = row?;
        let rows = counts
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    [
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                    ],
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        out.push(Change {
            id,
            summary: what(&op, summary, &themes),
            op,
            kind: Kind::parse(&kind),
            coder,
            created_at,
            rationale,
            undoes,
            undone_by,
            rows,
        });
    }
    Ok(out)
}

/// Whether change `id` is live: it is not an undo and no undo reverted it.
fn live_sql() -> &'static str {
    "r.op <> 'undo' AND NOT EXISTS (SELECT 1 FROM revision u WHERE u.undoes = r.id)"
}

/// The change `undo` reverts next: the latest live one (of one kind when given).
pub fn last_undoable(conn: &Connection, kind: Option<Kind>) -> Result<Option<(i64, String)>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT r.id, r.op FROM revision r WHERE {} AND (?1 IS NULL OR r.kind = ?1)
                 ORDER BY r.id DESC LIMIT 1",
                live_sql()
            ),
            [kind.map(Kind::as_str)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The change one coder's undo reverts next: their latest live change. (A shared workbench
/// undoes each coder's own work, never a colleague's last change.)
pub fn last_undoable_by(conn: &Connection, coder: i64) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT r.id FROM revision r WHERE {} AND r.coder_id = ?1 ORDER BY r.id DESC LIMIT 1",
                live_sql()
            ),
            [coder],
            |r| r.get(0),
        )
        .optional()?)
}

/// Check that change `target` can be undone: it exists, is live, and no later live change
/// touched the rows it changed. The error names the change that stands in the way.
pub fn check_undoable(conn: &Connection, target: i64) -> Result<()> {
    let row: Option<(String, Option<i64>, Option<i64>)> = conn
        .query_row(
            "SELECT r.op, r.undoes, (SELECT min(u.id) FROM revision u WHERE u.undoes = r.id)
             FROM revision r WHERE r.id = ?1",
            [target],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((op, undoes, undone_by)) = row else {
        return Err(Error::user(format!("there is no change {target}"))
            .with_hint("\"tana log\" lists the changes"));
    };
    if op == "undo" {
        return Err(Error::user(format!(
            "change {target} is itself an undo (of change {}); tana does not redo",
            undoes.unwrap_or(0)
        ))
        .with_hint("make the change again instead"));
    }
    if let Some(u) = undone_by {
        return Err(Error::user(format!(
            "change {target} was already undone by change {u}"
        )));
    }
    // Every change tana makes journals its rows; one without any came with a project's
    // history from a .qdpx, and what it changed is not here to put back.
    let journaled: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM revision_row WHERE revision_id = ?1)",
        [target],
        |r| r.get(0),
    )?;
    if !journaled {
        return Err(Error::user(format!(
            "change {target} came with the project's history from a .qdpx and cannot be undone here"
        ))
        .with_hint("revise the template instead (tana theme ...), or undo a later change"));
    }
    let blocker: Option<i64> = conn
        .query_row(
            &format!(
                "SELECT min(r.id) FROM revision_row mine
                 JOIN revision_row later ON later.tbl = mine.tbl AND later.row_id = mine.row_id
                                        AND later.revision_id > mine.revision_id
                 JOIN revision r ON r.id = later.revision_id
                 WHERE mine.revision_id = ?1 AND {}",
                live_sql()
            ),
            [target],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if let Some(b) = blocker {
        return Err(Error::user(format!(
            "cannot undo change {target}: {} changed the same rows since",
            describe(conn, b)?
        ))
        .with_hint(format!(
            "undo change {b} first (\"tana undo {b}\"), or change the project again instead"
        )));
    }
    Ok(())
}

/// Put back every row change `target` changed, newest change first. Refuses if later work
/// changed any of those rows, or depends on a row the undo would take away, so undo never
/// loses anything done since.
pub fn revert(conn: &Connection, target: i64) -> Result<usize> {
    type Row = (String, i64, Option<String>, Option<String>);
    let mut stmt = conn.prepare(
        "SELECT tbl, row_id, old, new FROM revision_row WHERE revision_id = ?1 ORDER BY id DESC",
    )?;
    let changes: Vec<Row> = stmt
        .query_map([target], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    // Per table: the statements that read and restore its rows.
    let mut sql: HashMap<String, TableSql> = HashMap::new();
    for (tbl, ..) in &changes {
        if !sql.contains_key(tbl) {
            sql.insert(tbl.clone(), TableSql::new(conn, tbl)?);
        }
    }
    // A row may change several times in one change; its final state is the newest `new`.
    let mut checked = std::collections::HashSet::new();
    for (tbl, row_id, _, new) in &changes {
        if !checked.insert((tbl.as_str(), *row_id)) {
            continue;
        }
        let current: Option<String> = conn
            .prepare_cached(&sql[tbl].read)?
            .query_row([row_id], |r| r.get(0))
            .optional()?;
        let same = match (&current, new) {
            (None, None) => true,
            (Some(c), Some(n)) => c == n || same_row(c, n, sql[tbl].text_index),
            _ => false,
        };
        if !same {
            return Err(Error::user(format!(
                "cannot undo change {target}: the {} it changed (row {row_id}) were changed since outside the change log",
                noun(tbl)
            ))
            .with_hint("change the project again instead of undoing; \"tana check\" looks for damage"));
        }
    }
    // Rows may come back in any order within the change: check references once, at the end.
    conn.pragma_update(None, "defer_foreign_keys", "ON")?;
    for (tbl, row_id, old, new) in &changes {
        let s = &sql[tbl];
        match (old, new) {
            (None, Some(_)) => {
                conn.prepare_cached(&s.delete)?.execute([row_id])?;
            }
            (Some(old), None) => {
                conn.prepare_cached(&s.insert)?.execute([old])?;
            }
            (Some(old), Some(_)) => {
                conn.prepare_cached(&s.update)?
                    .execute(params![old, row_id])?;
            }
            (None, None) => {}
        }
    }
    dangling(conn, target)?;
    Ok(changes.len())
}

/// After a revert: if any row now refers to a row that is gone, name the change that made it.
/// (The log's own rows refer to the undo being written, which exists only at its end.)
fn dangling(conn: &Connection, target: i64) -> Result<()> {
    let mut broken: BTreeSet<(String, i64)> = BTreeSet::new();
    for table in journaled_tables(conn)? {
        let mut stmt = conn.prepare(&format!("PRAGMA main.foreign_key_check(\"{table}\")"))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (t, id, parent) = row?;
            if let (Some(id), false) = (id, parent == "revision") {
                broken.insert((t, id));
            }
        }
    }
    let Some((tbl, row)) = broken.iter().next() else {
        return Ok(());
    };
    let by: Option<i64> = conn
        .query_row(
            &format!(
                "SELECT max(r.id) FROM revision_row x JOIN revision r ON r.id = x.revision_id
                 WHERE x.tbl = ?1 AND x.row_id = ?2 AND r.id <> ?3 AND {}",
                live_sql()
            ),
            params![tbl, row, target],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let who = match by {
        Some(b) => describe(conn, b)?,
        None => "later work".to_string(),
    };
    let hint = match by {
        Some(b) => format!(
            "undo change {b} first (\"tana undo {b}\"), or change the project again instead"
        ),
        None => "change the project again instead of undoing".to_string(),
    };
    Err(Error::user(format!(
        "cannot undo change {target}: {who} depends on what it made ({} row {row})",
        noun(tbl)
    ))
    .with_hint(hint))
}

/// Whether a row as it is now (`current`) is the row a change left (`journaled`). A row
/// journaled before a later migration added columns is the shorter array; the columns it
/// does not have are not compared. An insert journaled by rowid alone is a one-element array,
/// and a transcript's text (at `text_index`) is journaled as null when an update left it alone.
fn same_row(current: &str, journaled: &str, text_index: Option<usize>) -> bool {
    match (
        serde_json::from_str::<Value>(current),
        serde_json::from_str::<Value>(journaled),
    ) {
        (Ok(Value::Array(c)), Ok(Value::Array(j))) => {
            c.len() >= j.len()
                && c.iter()
                    .zip(j.iter())
                    .enumerate()
                    .all(|(i, (c, j))| c == j || Some(i) == text_index && j.is_null())
        }
        (Ok(c), Ok(j)) => c == j,
        _ => false,
    }
}

/// The statements `revert` needs for one journaled table.
struct TableSql {
    /// Where a transcript's text stands in the journaled array.
    text_index: Option<usize>,
    read: String,
    delete: String,
    insert: String,
    update: String,
}

impl TableSql {
    fn new(conn: &Connection, tbl: &str) -> Result<TableSql> {
        let cols = columns(conn, tbl)?;
        let names: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
        let values: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, _)| format!("json_extract(?1, '$[{}]')", i + 1))
            .collect();
        // A row journaled before a column was added has no value for it, and a transcript's
        // unchanged text is journaled as null: keep the current value.
        let sets: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let keep_null = if tbl == "transcript" && c == "text" {
                    format!(" OR json_type(?1, '$[{}]') = 'null'", i + 1)
                } else {
                    String::new()
                };
                format!(
                    "\"{c}\" = CASE WHEN json_type(?1, '$[{n}]') IS NULL{keep_null} THEN \"{c}\" \
                     ELSE json_extract(?1, '$[{n}]') END",
                    n = i + 1
                )
            })
            .collect();
        Ok(TableSql {
            text_index: (tbl == "transcript")
                .then(|| cols.iter().position(|c| c == "text").map(|i| i + 1))
                .flatten(),
            read: format!(
                "SELECT {} FROM main.\"{tbl}\" WHERE rowid = ?1",
                json_of(tbl, &cols)
            ),
            delete: format!("DELETE FROM main.\"{tbl}\" WHERE rowid = ?1"),
            insert: format!(
                "INSERT INTO main.\"{tbl}\" (rowid, {}) VALUES (json_extract(?1, '$[0]'), {})",
                names.join(", "),
                values.join(", ")
            ),
            update: format!(
                "UPDATE main.\"{tbl}\" SET {} WHERE rowid = ?2",
                sets.join(", ")
            ),
        })
    }
}

/// Undo a change: check it can be undone, revert it, and log the undo as a change of its own.
/// Returns the undo's id, the change undone, and how many rows were put back.
pub fn undo(
    conn: &Connection,
    target: Option<i64>,
    kind: Option<Kind>,
    coder: i64,
    rationale: Option<String>,
) -> Result<Undone> {
    let target = match target {
        Some(t) => t,
        None => match last_undoable(conn, kind)? {
            Some((t, _)) => t,
            None => {
                return Err(Error::user(match kind {
                    Some(Kind::Template) => "there is no revision to undo",
                    _ => "there is no change to undo",
                })
                .with_hint("\"tana log\" lists the changes"))
            }
        },
    };
    check_undoable(conn, target)?;
    let (op, kind, summary, themes): (String, String, Option<String>, String) = conn.query_row(
        "SELECT op, kind, summary, themes FROM revision WHERE id = ?1",
        [target],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let what = what(&op, summary, &themes);
    let (rows, id) = record(conn, coder, |_| {
        let rows = revert(conn, target)?;
        let entry = LogEntry {
            op: "undo".into(),
            kind: Kind::parse(&kind),
            summary: Some(format!("undo of change {target} ({what})")),
            themes: serde_json::from_str(&themes).unwrap_or(Value::Array(Vec::new())),
            rationale: rationale.or(Some(format!("undo of change {target}"))),
            undoes: Some(target),
            ..Default::default()
        };
        Ok((rows, entry))
    })?;
    Ok(Undone {
        id: id.unwrap_or(0),
        target,
        op,
        what,
        rows,
    })
}

/// Redo: revert the last undo, as a new change (op "redo"). Only right after undoing: the
/// latest changes, redos aside, must end with an undo not yet redone. A redo is an ordinary
/// change, so `undo` reverts it again.
pub fn redo(conn: &Connection, coder: i64) -> Result<Undone> {
    redo_of(conn, coder, None)
}

/// [`redo`], looking only at the changes of one coder when `only` is given (a shared
/// workbench redoes each coder's own undo).
pub fn redo_of(conn: &Connection, coder: i64, only: Option<i64>) -> Result<Undone> {
    let mut stmt = conn.prepare(
        "SELECT r.id, r.op, r.undoes, (SELECT min(x.id) FROM revision x WHERE x.undoes = r.id)
         FROM revision r WHERE ?1 IS NULL OR r.coder_id = ?1 ORDER BY r.id DESC",
    )?;
    let mut rows = stmt.query([only])?;
    let mut found = None;
    while let Some(r) = rows.next()? {
        let (id, op, undoes, redone): (i64, String, Option<i64>, Option<i64>) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        match (op.as_str(), redone) {
            ("redo", _) | ("undo", Some(_)) => continue,
            ("undo", None) => found = Some((id, undoes.unwrap_or(0))),
            _ => {}
        }
        break;
    }
    drop(rows);
    let Some((undo, target)) = found else {
        return Err(Error::user("there is nothing to redo")
            .with_hint("redo works right after an undo; \"tana log\" lists the changes"));
    };
    let (kind, themes): (String, String) = conn.query_row(
        "SELECT kind, themes FROM revision WHERE id = ?1",
        [undo],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (op, summary, t_themes): (String, Option<String>, String) = conn.query_row(
        "SELECT op, summary, themes FROM revision WHERE id = ?1",
        [target],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let what = what(&op, summary, &t_themes);
    let (rows, id) = record(conn, coder, |_| {
        let rows = revert(conn, undo)?;
        let entry = LogEntry {
            op: "redo".into(),
            kind: Kind::parse(&kind),
            summary: Some(format!("redo of change {target} ({what})")),
            themes: serde_json::from_str(&themes).unwrap_or(Value::Array(Vec::new())),
            rationale: Some(format!("redo of change {target}, undone by change {undo}")),
            undoes: Some(undo),
            ..Default::default()
        };
        Ok((rows, entry))
    })?;
    Ok(Undone {
        id: id.unwrap_or(0),
        target,
        op,
        what,
        rows,
    })
}

/// What `undo` did.
#[derive(Debug, Clone)]
pub struct Undone {
    pub id: i64,
    pub target: i64,
    pub op: String,
    pub what: String,
    pub rows: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_journaled_before_a_column_was_added_compare_on_their_columns() {
        assert!(same_row("[1,\"a\",\"guid\"]", "[1,\"a\"]", None));
        assert!(!same_row("[1,\"b\",\"guid\"]", "[1,\"a\"]", None));
        assert!(!same_row("[1]", "[1,\"a\"]", None));
        // An insert journaled by rowid alone.
        assert!(same_row("[7,\"a\",\"b\"]", "[7]", None));
        // Unchanged transcript text journaled as null; any other null compares as null.
        assert!(same_row(
            "[7,\"name\",\"text\"]",
            "[7,\"name\",null]",
            Some(2)
        ));
        assert!(!same_row(
            "[7,\"name\",\"text\"]",
            "[7,\"name\",null]",
            None
        ));
    }

    /// Undo of a revision journaled by an older schema (its rows lack `theme.guid`) puts the
    /// old values back and keeps the guid.
    #[test]
    fn undo_of_an_older_revision_keeps_columns_it_did_not_know() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::project::create(&dir.path().join("t.tana")).unwrap();
        let coder = crate::project::coder_id(&conn, "ana").unwrap();
        let id = crate::template::insert_theme(
            &conn,
            None,
            "Before",
            &crate::template::NewTheme::default(),
            coder,
        )
        .unwrap();
        let cols = columns(&conn, "theme").unwrap();
        let read = format!(
            "SELECT {} FROM theme WHERE rowid = ?1",
            json_of("theme", &cols)
        );
        let row = |conn: &Connection| -> Vec<Value> {
            let json: String = conn.query_row(&read, [id], |r| r.get(0)).unwrap();
            serde_json::from_str::<Vec<Value>>(&json).unwrap()
        };
        let guid = row(&conn).last().cloned().unwrap();
        // A rename, journaled as an older tana would have: without the last column.
        let mut old = row(&conn);
        old.pop();
        conn.execute("UPDATE theme SET name = 'After' WHERE id = ?1", [id])
            .unwrap();
        let mut new = row(&conn);
        new.pop();
        conn.execute(
            "INSERT INTO revision (id, op, themes, coder_id, created_at) VALUES (1, 'rename', '[]', ?1, 'now')",
            [coder],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO revision_row (revision_id, tbl, row_id, old, new) VALUES (1, 'theme', ?1, ?2, ?3)",
            params![id, Value::Array(old).to_string(), Value::Array(new).to_string()],
        )
        .unwrap();
        assert_eq!(revert(&conn, 1).unwrap(), 1);
        let back = row(&conn);
        assert_eq!(back[4], Value::from("Before"));
        assert_eq!(back.last(), Some(&guid));
        assert!(guid.as_str().is_some_and(|g| g.len() == 36));
    }
}
