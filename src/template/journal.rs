//! The exact journal behind every template revision: temporary triggers record each row a
//! revision inserts, updates or deletes (as JSON), so `undo` can put back exactly what was
//! there, and the change log gets its row when the revision is done.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::project::now;

/// Tables whose rows revisions change; every change to them during a revision is journaled.
const JOURNALED: &[&str] = &["theme", "coding", "coding_archive", "review", "theme_link"];

/// What the change log says about one revision.
#[derive(Debug, Clone, Default)]
pub struct LogEntry {
    pub op: String,
    /// JSON array of {"id", "number", "path"} for the themes involved.
    pub themes: Value,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub rationale: Option<String>,
    pub prompted_by: Option<String>,
    pub undoes: Option<i64>,
}

/// A revision in progress. Create it at the start of the transaction, do the work, then
/// `finish` it; dropping it without finishing leaves the triggers to die with the rollback.
pub struct Journal {
    pub id: i64,
}

fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA main.table_info({table})"))?;
    let cols = stmt
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(cols)
}

/// A row as a JSON array: its rowid, then every column in table order. (Arrays are smaller
/// and faster to build than objects; the column order is the table's.)
fn json_of(prefix: &str, cols: &[String]) -> String {
    let mut parts = vec![format!("{prefix}.rowid")];
    parts.extend(cols.iter().map(|c| format!("{prefix}.\"{c}\"")));
    format!("json_array({})", parts.join(", "))
}

impl Journal {
    /// Start journaling a revision. Its id is the next change-log id.
    pub fn begin(conn: &Connection) -> Result<Journal> {
        let id: i64 = conn.query_row("SELECT ifnull(max(id), 0) + 1 FROM revision", [], |r| {
            r.get(0)
        })?;
        for table in JOURNALED {
            let cols = columns(conn, table)?;
            let (old, new) = (json_of("OLD", &cols), json_of("NEW", &cols));
            let state = id;
            conn.execute_batch(&format!(
                "DROP TRIGGER IF EXISTS temp.journal_{table}_insert;
                 DROP TRIGGER IF EXISTS temp.journal_{table}_update;
                 DROP TRIGGER IF EXISTS temp.journal_{table}_delete;
                 CREATE TEMP TRIGGER journal_{table}_insert AFTER INSERT ON main.{table} BEGIN
                   INSERT INTO revision_row (revision_id, tbl, row_id, old, new)
                   VALUES ({state}, '{table}', NEW.rowid, NULL, {new});
                 END;
                 CREATE TEMP TRIGGER journal_{table}_update AFTER UPDATE ON main.{table} BEGIN
                   INSERT INTO revision_row (revision_id, tbl, row_id, old, new)
                   VALUES ({state}, '{table}', NEW.rowid, {old}, {new});
                 END;
                 CREATE TEMP TRIGGER journal_{table}_delete AFTER DELETE ON main.{table} BEGIN
                   INSERT INTO revision_row (revision_id, tbl, row_id, old, new)
                   VALUES ({state}, '{table}', OLD.rowid, {old}, NULL);
                 END;"
            ))?;
        }
        Ok(Journal { id })
    }

    /// Stop journaling and write the change-log row.
    pub fn finish(self, conn: &Connection, entry: &LogEntry, coder: i64) -> Result<i64> {
        stop(conn)?;
        conn.execute(
            "INSERT INTO revision (id, op, themes, before, after, rationale, prompted_by,
                                   coder_id, created_at, undoes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                self.id,
                entry.op,
                entry.themes.to_string(),
                entry.before.as_ref().map(Value::to_string),
                entry.after.as_ref().map(Value::to_string),
                entry.rationale,
                entry.prompted_by,
                coder,
                now(),
                entry.undoes
            ],
        )?;
        Ok(self.id)
    }
}

fn stop(conn: &Connection) -> Result<()> {
    for table in JOURNALED {
        conn.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS temp.journal_{table}_insert;
             DROP TRIGGER IF EXISTS temp.journal_{table}_update;
             DROP TRIGGER IF EXISTS temp.journal_{table}_delete;"
        ))?;
    }
    Ok(())
}

/// The revision `undo` would revert next: the latest one that is not an undo and has not
/// been undone.
pub fn last_undoable(conn: &Connection) -> Result<Option<(i64, String)>> {
    Ok(conn
        .query_row(
            "SELECT r.id, r.op FROM revision r
             WHERE r.op <> 'undo' AND NOT EXISTS (SELECT 1 FROM revision u WHERE u.undoes = r.id)
             ORDER BY r.id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Put back every row revision `target` changed, newest change first. Refuses if later work
/// changed any of those rows, so undo never loses anything done since.
pub fn revert(conn: &Connection, target: i64) -> Result<usize> {
    type Change = (String, i64, Option<String>, Option<String>);
    let mut stmt = conn.prepare(
        "SELECT tbl, row_id, old, new FROM revision_row WHERE revision_id = ?1 ORDER BY id DESC",
    )?;
    let changes: Vec<Change> = stmt
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
    // A row may change several times in one revision; its final state is the newest `new`.
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
            (Some(c), Some(n)) => c == n || same_row(c, n),
            _ => false,
        };
        if !same {
            return Err(Error::user(format!(
                "cannot undo revision {target}: work done since then changed the same {} (row {row_id})",
                match tbl.as_str() {
                    "coding" => "codings",
                    "coding_archive" => "archived codings",
                    "review" => "review entries",
                    "theme_link" => "theme links",
                    _ => "themes",
                }
            ))
            .with_hint("undo only reverts a revision whose results are untouched; revise the template again instead"));
        }
    }
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
    Ok(changes.len())
}

/// Whether a row as it is now (`current`) is the row a revision left (`journaled`). A row
/// journaled before a later migration added columns is the shorter array; the columns it
/// does not have are not compared.
fn same_row(current: &str, journaled: &str) -> bool {
    match (
        serde_json::from_str::<Value>(current),
        serde_json::from_str::<Value>(journaled),
    ) {
        (Ok(Value::Array(c)), Ok(Value::Array(j))) => c.len() >= j.len() && c[..j.len()] == j[..],
        (Ok(c), Ok(j)) => c == j,
        _ => false,
    }
}

/// The statements `revert` needs for one journaled table.
struct TableSql {
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
        // A row journaled before a column was added has no value for it: keep the current one.
        let sets: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    "\"{c}\" = CASE WHEN json_type(?1, '$[{n}]') IS NULL THEN \"{c}\" \
                     ELSE json_extract(?1, '$[{n}]') END",
                    n = i + 1
                )
            })
            .collect();
        Ok(TableSql {
            read: format!(
                "SELECT {} FROM main.{tbl} WHERE rowid = ?1",
                json_of(tbl, &cols)
            ),
            delete: format!("DELETE FROM main.{tbl} WHERE rowid = ?1"),
            insert: format!(
                "INSERT INTO main.{tbl} (rowid, {}) VALUES (json_extract(?1, '$[0]'), {})",
                names.join(", "),
                values.join(", ")
            ),
            update: format!("UPDATE main.{tbl} SET {} WHERE rowid = ?2", sets.join(", ")),
        })
    }
}

/// Map a foreign-key failure during undo to a message about the work that blocks it.
pub fn friendly_fk(e: Error) -> Error {
    match &e {
        Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
        {
            Error::user(
                "cannot undo: codings or themes made since depend on what this revision created",
            )
            .with_hint(
                "uncode or revise them first, or revise the template again instead of undoing",
            )
        }
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_journaled_before_a_column_was_added_compare_on_their_columns() {
        assert!(same_row("[1,\"a\",\"guid\"]", "[1,\"a\"]"));
        assert!(!same_row("[1,\"b\",\"guid\"]", "[1,\"a\"]"));
        assert!(!same_row("[1]", "[1,\"a\"]"));
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
