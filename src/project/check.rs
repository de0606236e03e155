//! `tana check` and `tana backup`: SQLite's own checks and tana's invariants over a project,
//! and consistent, verified copies of it.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::error::{Error, Result};

/// One check and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What was checked.
    pub check: &'static str,
    /// "ok", or what is wrong.
    pub result: String,
    /// What to do about it (empty when ok).
    pub fix: String,
    /// How many problems (0 when ok).
    pub problems: usize,
}

/// At most this many examples of one problem are named.
const EXAMPLES: usize = 5;

fn found(check: &'static str, examples: Vec<String>, total: usize, fix: &str) -> Finding {
    if total == 0 {
        return Finding {
            check,
            result: "ok".into(),
            fix: String::new(),
            problems: 0,
        };
    }
    let mut result = examples.join("; ");
    if total > examples.len() {
        result.push_str(&format!("; and {} more", total - examples.len()));
    }
    Finding {
        check,
        result,
        fix: fix.into(),
        problems: total,
    }
}

/// Rows of a query as strings: each row's columns joined by the query itself into one text.
fn strings(conn: &Connection, sql: &str) -> Result<(Vec<String>, usize)> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    let mut total = 0;
    while let Some(r) = rows.next()? {
        total += 1;
        if out.len() < EXAMPLES {
            out.push(r.get::<_, String>(0)?);
        }
    }
    Ok((out, total))
}

/// Run every check. SQLite errors while checking are findings too: a damaged file cannot be
/// read whole, and saying so is the point.
pub fn check(conn: &Connection) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    let mut run = |check: &'static str, fix: &str, f: &dyn Fn() -> Result<(Vec<String>, usize)>| {
        out.push(match f() {
            Ok((examples, total)) => found(check, examples, total, fix),
            Err(e) => found(
                check,
                vec![format!("could not be read: {e}")],
                1,
                "the file is damaged: restore your last backup (tana backup makes them)",
            ),
        });
    };
    run(
        "SQLite integrity",
        "the file is damaged: restore your last backup (tana backup makes them); \"sqlite3 FILE .recover\" may save what is left",
        &|| {
            let (rows, _) = strings(conn, "PRAGMA main.integrity_check(20)")?;
            let bad: Vec<String> = rows.into_iter().filter(|r| r != "ok").collect();
            let n = bad.len();
            Ok((bad, n))
        },
    );
    run(
        "references between rows",
        "rows point at rows that are gone: restore your last backup",
        &|| {
            strings(
                conn,
                "SELECT printf('%s row %d points to a missing %s', \"table\", rowid, parent)
                 FROM pragma_foreign_key_check ORDER BY \"table\", rowid",
            )
        },
    );
    run(
        "search index",
        "run \"tana check --rebuild-search\" to rebuild the search index from the transcripts",
        &|| {
            let mut bad = Vec::new();
            for t in ["segment_fts", "note_fts"] {
                if let Err(e) = conn.execute(
                    &format!("INSERT INTO {t} ({t}, rank) VALUES ('integrity-check', 0)"),
                    [],
                ) {
                    bad.push(format!("{t}: {e}"));
                }
            }
            let n = bad.len();
            Ok((bad, n))
        },
    );
    run(
        "transcript lengths",
        "the stored length of a transcript disagrees with its text: restore your last backup",
        &|| {
            strings(
                conn,
                "SELECT printf('%s: %d characters stored, text has %d', name, chars, length(text))
                 FROM transcript WHERE chars <> length(text) ORDER BY name",
            )
        },
    );
    run(
        "segments tile their transcript",
        "re-import the transcript with \"tana import --replace\" to segment it again",
        &|| {
            strings(
                conn,
                "WITH s AS (
                   SELECT s.*, t.name, t.chars,
                          lag(s.end) OVER w AS prev_end, lag(s.number) OVER w AS prev_number
                   FROM segment s JOIN transcript t ON t.id = s.transcript_id
                   WINDOW w AS (PARTITION BY s.transcript_id ORDER BY s.number))
                 SELECT printf('%s segment %d: %s', name, number,
                   CASE WHEN end > chars THEN printf('ends at %d, after the text (%d)', end, chars)
                        WHEN prev_end IS NOT NULL AND start < prev_end
                          THEN printf('starts at %d, inside segment %d', start, prev_number)
                        ELSE printf('follows segment %d', ifnull(prev_number, 0)) END)
                 FROM s
                 WHERE end > chars OR (prev_end IS NOT NULL AND start < prev_end)
                    OR number <> ifnull(prev_number, 0) + 1
                 ORDER BY name, number",
            )
        },
    );
    run(
        "codings inside their text",
        "restore your last backup; \"tana undo\" of the change that made them also removes them",
        &|| {
            strings(
                conn,
                "SELECT printf('coding %d of %s at %d:%d (the text has %d characters)',
                               c.id, t.name, c.start, c.end, t.chars)
                 FROM coding c JOIN transcript t ON t.id = c.transcript_id
                 WHERE c.start < 0 OR c.end > t.chars OR c.start >= c.end ORDER BY c.id",
            )
        },
    );
    run(
        "codings on live themes",
        "restore the theme with \"tana theme restore\", or revise the template again",
        &|| {
            strings(
                conn,
                "SELECT printf('coding %d is on theme \"%s\", deleted in revision %d', c.id, h.name, h.deleted_in)
                 FROM coding c JOIN theme h ON h.id = c.theme_id
                 WHERE h.deleted_in IS NOT NULL ORDER BY c.id",
            )
        },
    );
    run(
        "one coder's codings of one theme do not overlap",
        "code the span again (\"tana code\" joins overlapping codings of one theme)",
        &|| {
            strings(
                conn,
                "SELECT printf('codings %d and %d of theme %d overlap in %s', a.id, b.id, a.theme_id, t.name)
                 FROM coding a JOIN coding b ON b.transcript_id = a.transcript_id
                   AND b.theme_id = a.theme_id AND b.coder_id = a.coder_id
                   AND b.id > a.id AND b.start < a.end AND b.end > a.start
                 JOIN transcript t ON t.id = a.transcript_id ORDER BY a.id, b.id",
            )
        },
    );
    run(
        "the change log",
        "the change log is inconsistent: restore your last backup; do not undo until then",
        &|| {
            strings(
                conn,
                "SELECT printf('journal rows of change %d, which is not in the log', x.revision_id)
                 FROM (SELECT DISTINCT revision_id FROM revision_row) x
                 WHERE NOT EXISTS (SELECT 1 FROM revision r WHERE r.id = x.revision_id)
                 UNION ALL
                 SELECT printf('change %d undoes change %d, which is not before it', id, undoes)
                 FROM revision WHERE undoes IS NOT NULL AND undoes >= id
                 UNION ALL
                 SELECT printf('change %d was undone %d times', undoes, count(*))
                 FROM revision WHERE undoes IS NOT NULL GROUP BY undoes HAVING count(*) > 1
                 UNION ALL
                 SELECT printf('archived coding %d names change %d, which is not in the log', a.id, a.revision_id)
                 FROM coding_archive a WHERE NOT EXISTS (SELECT 1 FROM revision r WHERE r.id = a.revision_id)",
            )
        },
    );
    Ok(out)
}

/// Rebuild the search index from the transcripts: every segment is indexed again by the next
/// search.
pub fn rebuild_search(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "INSERT INTO segment_fts (segment_fts) VALUES ('delete-all');
         INSERT OR IGNORE INTO search_pending (segment_id) SELECT id FROM segment;
         INSERT INTO note_fts (note_fts) VALUES ('delete-all');
         INSERT INTO note_fts (rowid, text) SELECT id * 2, text FROM memo;
         INSERT INTO note_fts (rowid, text) SELECT id * 2 + 1, text || ' ' || tags FROM journal_entry;",
    )?;
    Ok(())
}

/// What a backup holds, for the researcher.
#[derive(Debug, Clone, Default)]
pub struct BackupReport {
    pub transcripts: i64,
    pub themes: i64,
    pub codings: i64,
    pub changes: i64,
    pub bytes: u64,
}

/// Copy the project to `target` with SQLite's backup API: one consistent snapshot, taken while
/// others may be writing. The copy is written beside the target under a temporary name,
/// verified (integrity, tana's marks, readable tables), and only then renamed into place.
pub fn backup(conn: &Connection, target: &Path) -> Result<BackupReport> {
    backup_with(conn, target, |_| Ok(()))
}

/// [`backup`], with `edit` run on the copy before it is checked (settings of a coder's copy).
pub fn backup_with(
    conn: &Connection,
    target: &Path,
    edit: impl FnOnce(&Connection) -> Result<()>,
) -> Result<BackupReport> {
    let tmp = crate::output::temp_beside(target)?;
    let result = (|| {
        {
            let mut dest = Connection::open(&tmp)
                .map_err(|e| Error::user(format!("cannot write {}: {e}", target.display())))?;
            {
                let backup = rusqlite::backup::Backup::new(conn, &mut dest)?;
                // One step: the whole file under one read snapshot, so writers never make
                // the copy restart and it is never a mix of two moments.
                backup
                    .step(-1)
                    .map_err(|e| Error::user(format!("cannot write {}: {e}", target.display())))?;
            }
            // A single self-contained file, with no write-ahead log beside it.
            let _: String = dest.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
            edit(&dest)?;
            dest.close().map_err(|(_, e)| Error::from(e))?;
        }
        let report = verify(&tmp)?;
        std::fs::rename(&tmp, target).map_err(|e| Error::io(target, e))?;
        Ok(report)
    })();
    if result.is_err() {
        for suffix in ["", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
        }
    }
    result
}

/// Open a copy read-only and check it: SQLite's integrity check, tana's marks, and counts.
pub fn verify(path: &Path) -> Result<BackupReport> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let ok: String = conn.query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))?;
    let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if ok != "ok" || app != super::APPLICATION_ID || version != super::SCHEMA_VERSION {
        return Err(
            Error::user(format!("the copy did not verify ({ok}); it was not kept"))
                .with_hint("run \"tana check\" on the project"),
        );
    }
    let mut report: BackupReport = conn.query_row(
        "SELECT (SELECT count(*) FROM transcript), (SELECT count(*) FROM theme WHERE deleted_in IS NULL),
                (SELECT count(*) FROM coding), (SELECT count(*) FROM revision)",
        [],
        |r| {
            Ok(BackupReport {
                transcripts: r.get(0)?,
                themes: r.get(1)?,
                codings: r.get(2)?,
                changes: r.get(3)?,
                bytes: 0,
            })
        },
    )?;
    report.bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(report)
}
