//! Regression tests against cost that grows faster than the work: they count the SQL
//! statements a command runs for inputs of size N, 2N and 4N (no timing), and fail when a
//! count that should stay the same grows, or when the statements per added row grow.

use std::cell::Cell;

use rusqlite::Connection;

use crate::analysis::freq::{freq, FreqOptions, Measure};
use crate::coding::batch::{self, Ambiguous, BatchOptions};
use crate::import::{import_text, ImportOptions};
use crate::progress::Progress;
use crate::project::{coder_id, migrate};
use crate::template::{outline, revise, Template};

thread_local! {
    static STATEMENTS: Cell<usize> = const { Cell::new(0) };
}

/// Counts top-level statements; the lines SQLite reports for triggers ("-- TRIGGER …") are
/// per row by nature and not counted.
fn count_statement(sql: &str) {
    if !sql.trim_start().starts_with("--") {
        STATEMENTS.with(|n| n.set(n.get() + 1));
    }
}

/// The statements `f` runs on `conn`, in one transaction as every command runs.
fn statements(conn: &mut Connection, f: impl FnOnce(&Connection)) -> usize {
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    STATEMENTS.with(|n| n.set(0));
    conn.trace(Some(count_statement));
    f(conn);
    conn.trace(None);
    conn.execute_batch("COMMIT").unwrap();
    STATEMENTS.with(Cell::get)
}

fn project() -> (Connection, i64) {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn).unwrap();
    let c = coder_id(&conn, "ana").unwrap();
    (conn, c)
}

/// An outline of `n` themes, four to a parent, three levels deep at most.
fn outline_of(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let depth = if i % 16 == 0 {
            0
        } else if i % 4 == 0 {
            1
        } else {
            2
        };
        out.push_str(&format!("{}- Theme {i}\n", "  ".repeat(depth)));
    }
    out
}

/// A transcript of `turns` turns.
fn transcript(turns: usize) -> String {
    (0..turns)
        .map(|i| {
            let who = if i % 2 == 0 { "Interviewer" } else { "P1" };
            format!("{who}: The sustainability targets came up in turn {i}.\n\n")
        })
        .collect()
}

/// A project with `themes` themes, `transcripts` transcripts of 20 turns and `codings`
/// codings spread over them (all on the first theme).
fn coded_project(themes: usize, transcripts: usize, codings: usize) -> (Connection, i64) {
    let (conn, c) = project();
    let items = outline::parse(&outline_of(themes), "t.md").unwrap();
    outline::import(&conn, &items, c).unwrap();
    let opts = ImportOptions::default();
    for t in 0..transcripts {
        import_text(
            &conn,
            &format!("T{t}"),
            &transcript(20),
            None,
            "txt",
            &opts,
            c,
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.csv");
    let mut csv = String::from("transcript,segment,theme\n");
    for i in 0..codings {
        csv.push_str(&format!(
            "T{},{},Theme {}\n",
            i % transcripts,
            1 + (i / transcripts) % 20,
            (i * 7) % themes
        ));
    }
    std::fs::write(&path, csv).unwrap();
    let options = batch_options(c);
    batch::apply_csv(&conn, &path, &options).unwrap();
    (conn, c)
}

/// `code --from` as run from the command line, for coder `c`.
fn batch_options(c: i64) -> BatchOptions {
    BatchOptions {
        coder: c,
        ignore_case: false,
        create: false,
        memo: None,
        ambiguous: Ambiguous::Error,
    }
}

/// Statements for sizes n, 2n and 4n, made by `run(size)`.
fn at_sizes(n: usize, mut run: impl FnMut(usize) -> usize) -> [usize; 3] {
    [run(n), run(2 * n), run(4 * n)]
}

/// The count grows by the same amount for each doubling of rows' worth: constant per row.
fn assert_linear(what: &str, [a, b, c]: [usize; 3]) {
    assert!(
        c - b <= 2 * (b - a) + 2,
        "{what}: statements per row grow with the input ({a}, {b}, {c} for N, 2N, 4N)"
    );
}

#[test]
fn freq_runs_the_same_statements_whatever_the_size() {
    let counts = at_sizes(40, |n| {
        let (mut conn, _) = coded_project(n, n / 4, 10 * n);
        statements(&mut conn, |conn| {
            let template = Template::load(conn).unwrap();
            for measure in [Measure::Presence, Measure::Codings] {
                let opts = FreqOptions {
                    measure,
                    depth: None,
                    transcripts: None,
                    coder: None,
                    no_autocoded: false,
                };
                freq(conn, &template, &opts).unwrap();
            }
        })
    });
    assert!(
        counts[0] == counts[1] && counts[1] == counts[2],
        "freq: {counts:?} statements for N, 2N, 4N themes, transcripts and codings"
    );
}

#[test]
fn a_theme_merge_runs_the_same_statements_whatever_the_codings() {
    let counts = at_sizes(200, |n| {
        let (mut conn, c) = coded_project(8, 10, n);
        let meta = revise::Meta {
            coder: c,
            rationale: None,
            prompted_by: None,
        };
        statements(&mut conn, |conn| {
            revise::merge(conn, &["Theme 1".to_string()], "Theme 0", &meta).unwrap();
        })
    });
    assert!(
        counts[0] == counts[1] && counts[1] == counts[2],
        "theme merge: {counts:?} statements for N, 2N, 4N codings"
    );
}

#[test]
fn template_import_costs_the_same_per_theme() {
    let counts = at_sizes(100, |n| {
        let (mut conn, c) = project();
        let items = outline::parse(&outline_of(n), "t.md").unwrap();
        statements(&mut conn, |conn| {
            outline::import(conn, &items, c).unwrap();
        })
    });
    assert_linear("template import", counts);
}

#[test]
fn code_from_costs_the_same_per_row_in_one_long_transcript() {
    let counts = at_sizes(200, |n| {
        let (mut conn, c) = project();
        let items = outline::parse(&outline_of(20), "t.md").unwrap();
        outline::import(&conn, &items, c).unwrap();
        let opts = ImportOptions::default();
        import_text(&conn, "Long", &transcript(4 * n), None, "txt", &opts, c).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        let mut csv = String::from("transcript,segment,theme\n");
        for i in 0..n {
            csv.push_str(&format!("Long,{},Theme {}\n", 1 + i * 2, i % 20));
        }
        std::fs::write(&path, csv).unwrap();
        let options = batch_options(c);
        statements(&mut conn, |conn| {
            let mut progress = Progress::hidden();
            let plan = batch::check_csv(conn, &path, &options, &mut progress).unwrap();
            batch::apply(conn, plan, c, &mut progress).unwrap();
        })
    });
    assert_linear("code --from", counts);
}

#[test]
fn importing_a_transcript_costs_the_same_per_turn() {
    let counts = at_sizes(200, |n| {
        let (mut conn, c) = project();
        let text = transcript(n);
        statements(&mut conn, |conn| {
            import_text(
                conn,
                "P01",
                &text,
                None,
                "txt",
                &ImportOptions::default(),
                c,
            )
            .unwrap();
        })
    });
    assert_linear("import", counts);
}
