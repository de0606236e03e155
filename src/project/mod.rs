//! The project file: create, open, migrate, find. The only place that knows SQLite pragmas.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::error::{Error, Result};

pub mod check;
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
    (
        "0005_change_log",
        include_str!("../../schema/0005_change_log.sql"),
    ),
    ("0006_merge", include_str!("../../schema/0006_merge.sql")),
    (
        "0007_search_unspaced",
        include_str!("../../schema/0007_search_unspaced.sql"),
    ),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Marks a file as a tana project (`PRAGMA application_id`, "tana" in ASCII).
const APPLICATION_ID: i64 = 0x7461_6e61;

/// How long a command waits for another tana's write to finish, unless `--wait` says otherwise.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);

fn configure(conn: &Connection, wait: Duration) -> Result<()> {
    conn.busy_timeout(wait)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Switching to WAL writes the file header: do it only on a file not in WAL yet, so that
    // opening a project to read it never waits for, or blocks, a writer.
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Big revisions (a merge of 50,000 codings) touch many pages: keep them and statement
    // journals in memory instead of spilling to disk mid-transaction.
    conn.pragma_update(None, "cache_size", -32_768)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// The schema version a file records.
fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Apply every migration the file has not seen, in one exclusive transaction. A file that is
/// up to date is only read: no lock is taken, so readers never wait for writers.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let version = schema_version(conn)?;
    if version > SCHEMA_VERSION {
        return Err(newer(version));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    // Another tana may have migrated the file while this one waited for the lock.
    let version = schema_version(&tx)?;
    if version > SCHEMA_VERSION {
        return Err(newer(version));
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

fn newer(version: i64) -> Error {
    Error::user(format!(
        "this project was written by a newer tana (schema version {version}; this tana knows up to {SCHEMA_VERSION})"
    ))
    .with_hint("install a newer tana to open it; nothing was changed")
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
    configure(&conn, DEFAULT_WAIT)?;
    migrate(&mut conn)?;
    conn.execute(
        "INSERT INTO setting (key, value) VALUES ('created_at', ?1)",
        [now()],
    )?;
    Ok(conn)
}

/// Open an existing project file and bring its schema up to date.
pub fn open(path: &Path) -> Result<Connection> {
    open_waiting(path, DEFAULT_WAIT)
}

/// `open`, waiting up to `wait` for another tana's write where a lock is needed.
pub fn open_waiting(path: &Path, wait: Duration) -> Result<Connection> {
    if !path.is_file() {
        return Err(
            Error::user(format!("no project at {}", path.display())).with_hint(format!(
                "create one with \"tana init {}\", or check --project / TANA_PROJECT",
                path.display()
            )),
        );
    }
    if !has_sqlite_header(path)? {
        return Err(not_a_project(path));
    }
    let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| Error::user(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(wait)?;
    let app: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| classify(path, e))?;
    if app != APPLICATION_ID {
        return Err(not_a_project(path));
    }
    configure(&conn, wait).map_err(|e| classify_error(path, e))?;
    migrate(&mut conn).map_err(|e| classify_error(path, e))?;
    // Reading the schema reads every table's definition: a damaged catalogue shows here.
    conn.query_row("SELECT count(*) FROM main.sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| classify(path, e))?;
    Ok(conn)
}

/// Whether a file starts as every SQLite database does (an empty file counts: SQLite treats
/// it as an empty database, which is then "not a tana project").
fn has_sqlite_header(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let n = f.read(&mut head).map_err(|e| Error::io(path, e))?;
    Ok(n == 0 || (n == 16 && &head == b"SQLite format 3\0"))
}

/// Whether an open file carries tana's mark.
pub fn is_tana(conn: &Connection) -> rusqlite::Result<bool> {
    let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    Ok(app == APPLICATION_ID)
}

fn not_a_project(path: &Path) -> Error {
    Error::user(format!("{} is not a tana project", path.display()))
        .with_hint("tana projects are made with \"tana init FILE.tana\"")
}

/// The error for a project file SQLite finds damaged.
pub fn damaged(path: &Path, detail: &str) -> Error {
    Error::user(format!(
        "{} is damaged: {detail}",
        path.display()
    ))
    .with_hint(format!(
        "run \"tana --project {} check\" to see what is wrong, and restore your last backup (made with \"tana backup\"); do not delete any {}-wal file beside it",
        path.display(),
        path.file_name().unwrap_or_default().to_string_lossy()
    ))
}

/// Whether a SQLite error means the file is damaged.
pub fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// Whether a SQLite error means another connection holds the lock.
pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Whether a SQLite error means the disk (or the file size limit) is full.
pub fn is_full(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DiskFull))
        || matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code & 0xff == rusqlite::ffi::SQLITE_IOERR && (f.extended_code == rusqlite::ffi::SQLITE_IOERR_WRITE || f.extended_code == rusqlite::ffi::SQLITE_IOERR_FSYNC))
}

/// A SQLite error met while opening or using `path`, in the researcher's words.
pub fn classify(path: &Path, e: rusqlite::Error) -> Error {
    if is_damage(&e) {
        return damaged(path, &e.to_string());
    }
    if is_busy(&e) {
        return busy(path);
    }
    if is_full(&e) {
        return full(path, &e);
    }
    Error::Sqlite(e)
}

/// [`classify`] for an error that may already be a tana error.
pub fn classify_error(path: &Path, e: Error) -> Error {
    match e {
        Error::Sqlite(e) => classify(path, e),
        other => other,
    }
}

/// The error for a write lock that could not be had in time.
pub fn busy(path: &Path) -> Error {
    Error::user(format!(
        "{} is busy: another tana is writing to it, and did not finish in time",
        path.display()
    ))
    .with_hint("nothing was changed; try again, or wait longer with --wait SECONDS")
}

fn full(path: &Path, e: &rusqlite::Error) -> Error {
    Error::user(format!(
        "cannot write to {}: the disk is full or the file is too large ({e})",
        path.display()
    ))
    .with_hint("nothing was changed; free some disk space and run the command again")
}

/// A command's write: one transaction that holds the write lock from its first statement.
/// It commits only when the change log grew, so a command that changed nothing writes nothing
/// (not even a coder row); dropped without a commit, it rolls back.
pub struct Write<'c> {
    tx: rusqlite::Transaction<'c>,
    conn: &'c Connection,
    path: PathBuf,
    mark: i64,
}

impl<'c> Write<'c> {
    /// Take the write lock now (`BEGIN IMMEDIATE`), waiting for other writers up to the busy
    /// timeout, so the transaction never fails half-way for want of the lock.
    pub fn begin(conn: &'c Connection, path: &Path) -> Result<Write<'c>> {
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
            .map_err(|e| classify(path, e))?;
        let mark = conn
            .query_row("SELECT ifnull(max(id), 0) FROM revision", [], |r| r.get(0))
            .map_err(|e| classify(path, e))?;
        Ok(Write {
            tx,
            conn,
            path: path.to_path_buf(),
            mark,
        })
    }

    /// Commit if the change log grew (returns true); otherwise roll back and return false.
    pub fn commit(self) -> Result<bool> {
        let now: i64 = self
            .tx
            .query_row("SELECT ifnull(max(id), 0) FROM revision", [], |r| r.get(0))?;
        if now == self.mark {
            self.tx.rollback()?;
            return Ok(false);
        }
        self.commit_always()?;
        Ok(true)
    }

    /// Commit whatever was written (for writes outside the change log: a coder registered by
    /// name, the search index brought up to date).
    pub fn commit_always(self) -> Result<()> {
        let (conn, path) = (self.conn, self.path);
        self.tx.commit().map_err(|e| classify(&path, e))?;
        checkpoint(conn, &path)
    }
}

impl std::ops::Deref for Write<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.tx
    }
}

/// After a write: copy the write-ahead log into the project file, without waiting for
/// readers. A failure here (a full disk) is an error, never a silent exit: the work is safe in
/// the `-wal` file beside the project until the copy succeeds.
pub fn checkpoint(conn: &Connection, path: &Path) -> Result<()> {
    let r: rusqlite::Result<(i64, i64, i64)> =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        });
    match r {
        Ok(_) => Ok(()),
        Err(e) if is_busy(&e) => Ok(()),
        Err(e) => Err(Error::user(format!(
            "the change was saved, but could not be copied into {}: {e}",
            path.display()
        ))
        .with_hint(format!(
            "free some disk space, then run \"tana check\"; until then keep {}-wal beside it: it holds your latest work",
            path.display()
        ))),
    }
}

/// Close a connection, reporting what SQLite could not finish (the final checkpoint).
pub fn close(conn: Connection, path: &Path) -> Result<()> {
    conn.close().map_err(|(_, e)| {
        Error::user(format!("could not close {} cleanly: {e}", path.display())).with_hint(format!(
            "run \"tana check\"; keep {}-wal beside the project until it passes",
            path.display()
        ))
    })
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
