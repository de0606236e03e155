//! The project file: create, open, migrate, find. The only place that knows SQLite pragmas.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::error::{Error, Result};

mod clock;
pub use clock::now;

/// Migrations, in order. `PRAGMA user_version` records how many have run. Append only.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../schema/0001_init.sql")),
    (
        "0002_revisions",
        include_str!("../../schema/0002_revisions.sql"),
    ),
    (
        "0003_memos_search",
        include_str!("../../schema/0003_memos_search.sql"),
    ),
    ("0004_guids", include_str!("../../schema/0004_guids.sql")),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Marks a file as a tana project (`PRAGMA application_id`, "tana" in ASCII).
const APPLICATION_ID: i64 = 0x7461_6e61;

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Big revisions (a merge of 50,000 codings) touch many pages: keep them and statement
    // journals in memory instead of spilling to disk mid-transaction.
    conn.pragma_update(None, "cache_size", -32_768)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Apply every migration the file has not seen, in one exclusive transaction.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::user(format!(
            "this project was written by a newer tana (schema version {version}; this tana knows up to {SCHEMA_VERSION})"
        ))
        .with_hint("install a newer tana to open it; nothing was changed"));
    }
    for (_, sql) in &MIGRATIONS[version as usize..] {
        tx.execute_batch(sql)?;
    }
    if version < SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    tx.commit()?;
    Ok(())
}

/// Create a new project file. Refuses to overwrite anything.
pub fn create(path: &Path) -> Result<Connection> {
    if path.exists() {
        return Err(Error::user(format!("{} already exists", path.display()))
            .with_hint("choose another name, or use the existing project with --project"));
    }
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(Error::user(format!(
                "cannot create {}: folder {} does not exist",
                path.display(),
                dir.display()
            )));
        }
    }
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )
    .map_err(|e| Error::user(format!("cannot create {}: {e}", path.display())))?;
    configure(&conn)?;
    migrate(&mut conn)?;
    conn.execute(
        "INSERT INTO setting (key, value) VALUES ('created_at', ?1)",
        [now()],
    )?;
    Ok(conn)
}

/// Open an existing project file and bring its schema up to date.
pub fn open(path: &Path) -> Result<Connection> {
    if !path.is_file() {
        return Err(
            Error::user(format!("no project at {}", path.display())).with_hint(format!(
                "create one with \"tana init {}\", or check --project / TANA_PROJECT",
                path.display()
            )),
        );
    }
    let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| Error::user(format!("cannot open {}: {e}", path.display())))?;
    let app: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|_| not_a_project(path))?;
    if app != APPLICATION_ID {
        return Err(not_a_project(path));
    }
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

fn not_a_project(path: &Path) -> Error {
    Error::user(format!("{} is not a tana project", path.display()))
        .with_hint("tana projects are made with \"tana init FILE.tana\"")
}

/// Find the project: `--project`, then `TANA_PROJECT`, then the only `*.tana` file here.
pub fn discover(flag: Option<&Path>, env: Option<&Path>, cwd: &Path) -> Result<PathBuf> {
    if let Some(p) = flag.or(env) {
        return Ok(p.to_path_buf());
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(cwd)
        .map_err(|e| Error::io(cwd, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tana") && p.is_file())
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::user("no tana project found in the current directory")
            .with_hint("create one with \"tana init study.tana\", or name one with --project PATH or TANA_PROJECT")),
        _ => Err(Error::user(format!(
            "several tana projects in the current directory: {}",
            found
                .iter()
                .map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint("choose one with --project PATH or TANA_PROJECT")),
    }
}

/// The id of a coder, creating the coder on first use.
pub fn coder_id(conn: &Connection, name: &str) -> Result<i64> {
    if let Some(id) = conn
        .query_row("SELECT id FROM coder WHERE name = ?1", [name], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    crate::text::check_name("coder name", name)?;
    conn.execute(
        "INSERT INTO coder (name, created_at) VALUES (?1, ?2)",
        (name, now()),
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every coder's name by id.
pub fn coder_names(conn: &Connection) -> Result<std::collections::HashMap<i64, String>> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM coder")?;
    let names = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(names)
}

/// A project setting, if set.
pub fn setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_twice_is_noop() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(err.to_string().contains("newer tana"), "{err}");
    }

    #[test]
    fn every_table_is_strict() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let mut stmt = conn
            // FTS5 virtual tables and their shadow tables are SQLite's own, not STRICT.
            .prepare(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table'
                 AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND name NOT LIKE '%\\_fts\\_%' ESCAPE '\\'
                 ORDER BY name",
            )
            .unwrap();
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(rows.len() >= 7);
        for (name, sql) in rows {
            assert!(sql.trim_end().ends_with("STRICT"), "{name} is not STRICT");
        }
    }
}
