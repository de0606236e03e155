//! Property tests for template revisions on random coded projects: no coded text is ever lost
//! except through an explicit uncode (which archives exactly what it removes), a refused
//! operation writes nothing, and undoing everything restores the project exactly.

use proptest::prelude::*;
use rusqlite::Connection;
use tana::coding::{self, Stamp};
use tana::import::{import_text, ImportOptions};
use tana::model::{Span, ThemeFields};
use tana::template::revise::{self, Anchor, Destination, Meta, OnDelete, Scope};
use tana::template::{add_path, version, NewTheme, Template};

const TEXTS: &[&str] = &[
    "Interviewer: What are the targets?\n\nP1: Nobody could tell me the target. It is all slogans, honestly.\n\nInterviewer: And training?\n\nP1: One e-learning module about recycling 🌱.",
    "Interviewer: Targets?\n\nP2: Net zero by 2040 and 60% recycled content by 2028. It is on every slide.\n\nInterviewer: Trust?\n\nP2: Mostly. The CEO repeats it, and the CEO means it.",
    "Interviewer: Customers?\n\nP3: They send questionnaires about CO₂ every quarter. Zoë handles them.",
];

const THEMES: &[&str] = &[
    "Awareness",
    "Awareness/Targets",
    "Awareness/Targets/Vague",
    "Awareness/Targets/Concrete",
    "Awareness/Training",
    "Customers",
    "Customers/Questionnaires",
    "Trust",
];

#[derive(Debug, Clone)]
enum Op {
    Add(usize),
    Rename(usize, usize),
    Redefine(usize, bool),
    Move(usize, Option<usize>),
    Merge(usize, usize, Option<usize>),
    Split(usize),
    Reassign(usize, usize),
    Uncode(usize),
    Restore(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..20usize).prop_map(Op::Add),
        (0..20usize, 0..5usize).prop_map(|(a, b)| Op::Rename(a, b)),
        (0..20usize, any::<bool>()).prop_map(|(a, b)| Op::Redefine(a, b)),
        (0..20usize, proptest::option::of(0..20usize)).prop_map(|(a, b)| Op::Move(a, b)),
        (0..20usize, 0..20usize, proptest::option::of(0..20usize))
            .prop_map(|(a, b, c)| Op::Merge(a, b, c)),
        (0..20usize).prop_map(Op::Split),
        (0..20usize, 0..20usize).prop_map(|(a, b)| Op::Reassign(a, b)),
        (0..20usize).prop_map(Op::Uncode),
        (0..20usize).prop_map(Op::Restore),
    ]
}

fn project(codings: &[(usize, usize, usize, usize)]) -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    tana::project::migrate(&mut conn).unwrap();
    let coder = tana::project::coder_id(&conn, "prop").unwrap();
    for (i, t) in TEXTS.iter().enumerate() {
        import_text(
            &conn,
            &format!("T{i}"),
            t,
            None,
            "txt",
            &ImportOptions::default(),
            coder,
        )
        .unwrap();
    }
    for p in THEMES {
        add_path(&conn, p, &NewTheme::default(), false, coder).unwrap();
    }
    version::save(&conn, "T0", None, coder).unwrap();
    let template = Template::load(&conn).unwrap();
    let stamp = Stamp::new(&conn, coder).unwrap();
    // Codings are made as one change in the log, as `code --from` makes them.
    conn.execute_batch("BEGIN").unwrap();
    let journal = tana::journal::Journal::begin(&conn).unwrap();
    for &(t, theme, start, len) in codings {
        let text = TEXTS[t % TEXTS.len()];
        let chars = text.chars().count();
        let s = start % (chars - 1);
        let e = (s + 1 + len % 40).min(chars);
        let id = template.themes[theme % template.themes.len()].id;
        coding::add(
            &conn,
            (t % TEXTS.len()) as i64 + 1,
            id,
            Span::new(s, e),
            None,
            &stamp,
        )
        .unwrap();
    }
    let entry = tana::journal::LogEntry::new("code-batch", tana::journal::Kind::Coding, "setup");
    journal.finish(&conn, &entry, coder).unwrap();
    conn.execute_batch("COMMIT").unwrap();
    conn
}

/// Everything a revision may change, as text: themes, codings, archive, review, links.
fn dump(conn: &Connection) -> String {
    crate::table_dump(
        conn,
        &[
            ("theme", "id"),
            ("coding", "id"),
            ("coding_archive", "id"),
            ("review", "id"),
            ("theme_link", "integrative_id, theme_id"),
        ],
    )
}

/// Coded code points per transcript, whatever the theme.
fn covered(conn: &Connection) -> Vec<(i64, usize)> {
    let mut stmt = conn
        .prepare("SELECT transcript_id, start, end FROM coding")
        .unwrap();
    let mut points: Vec<(i64, usize)> = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)? as usize,
                r.get::<_, i64>(2)? as usize,
            ))
        })
        .unwrap()
        .flat_map(|r| {
            let (t, s, e) = r.unwrap();
            (s..e).map(move |p| (t, p))
        })
        .collect();
    points.sort_unstable();
    points.dedup();
    points
}

fn coding_rows(conn: &Connection) -> Vec<(i64, i64, i64, i64)> {
    let mut stmt = conn
        .prepare("SELECT id, transcript_id, start, end FROM coding ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn archived(conn: &Connection, revision: i64) -> Vec<(i64, i64, i64, i64)> {
    let mut stmt = conn
        .prepare("SELECT coding_id, transcript_id, start, end FROM coding_archive WHERE revision_id = ?1 ORDER BY coding_id")
        .unwrap();
    stmt.query_map([revision], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn run(conn: &Connection, op: &Op, meta: &Meta) -> tana::Result<revise::Outcome> {
    let t = Template::load(conn)?;
    let n = t.themes.len().max(1);
    let r = |i: usize| {
        t.themes
            .get(i % n)
            .map(|t| format!("#{}", t.id))
            .unwrap_or_default()
    };
    const NAMES: &[&str] = &["Alpha", "Beta", "Gamma", "Delta", "Epsilon"];
    match op {
        Op::Add(p) => revise::add(
            conn,
            &format!("{}/New {}", r(*p), p),
            &NewTheme::default(),
            false,
            meta,
        ),
        Op::Rename(a, b) => revise::rename(conn, &r(*a), NAMES[*b], meta),
        Op::Redefine(a, broaden) => {
            let f = ThemeFields {
                definition: Some("changed".into()),
                ..Default::default()
            };
            revise::redefine(
                conn,
                &r(*a),
                &f,
                Some(if *broaden {
                    Scope::Broaden
                } else {
                    Scope::Narrow
                }),
                meta,
            )
        }
        Op::Move(a, p) => {
            let dest = p.map_or(Destination::Top, |p| Destination::Under(r(p)));
            revise::move_theme(conn, &r(*a), &dest, &Anchor::End, meta)
        }
        Op::Merge(a, b, c) => {
            let into = c.map_or("Merged".to_string(), &r);
            revise::merge(conn, &[r(*a), r(*b)], &into, meta)
        }
        Op::Split(a) => revise::split(conn, &r(*a), &["Part one".into(), "Part two".into()], meta),
        Op::Reassign(a, b) => {
            revise::delete(conn, &r(*a), &OnDelete::ReassignTo(r(*b)), false, meta)
        }
        Op::Uncode(a) => revise::delete(conn, &r(*a), &OnDelete::Uncode, true, meta),
        Op::Restore(a) => {
            let deleted: Vec<i64> = conn
                .prepare("SELECT id FROM theme WHERE deleted_in IS NOT NULL ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            match deleted.get(a % deleted.len().max(1)) {
                Some(id) => revise::restore(conn, &format!("#{id}"), meta),
                None => Err(tana::Error::user("nothing to restore")),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn revisions_never_lose_coded_text_and_undo_restores_everything(
        codings in prop::collection::vec((0..3usize, 0..8usize, 0..200usize, 0..60usize), 0..25),
        ops in prop::collection::vec(op(), 1..10),
    ) {
        let conn = project(&codings);
        let meta = Meta { coder: 1, rationale: Some("property test".into()), prompted_by: None };
        let original = dump(&conn);
        let mut applied = 0;
        for op in &ops {
            let (before_dump, before_cover, before_rows) = (dump(&conn), covered(&conn), coding_rows(&conn));
            let tx = conn.unchecked_transaction().unwrap();
            match run(&tx, op, &meta) {
                Err(_) => {
                    drop(tx);
                    prop_assert_eq!(&before_dump, &dump(&conn), "a refused {:?} wrote something", op);
                }
                Ok(outcome) => {
                    tx.commit().unwrap();
                    applied += 1;
                    let after_rows = coding_rows(&conn);
                    let removed: Vec<(i64, i64, i64, i64)> = before_rows
                        .iter()
                        .filter(|r| !after_rows.iter().any(|a| a.0 == r.0))
                        .copied()
                        .collect();
                    let arch = archived(&conn, outcome.revision);
                    // Every coding row that went is in the archive under this revision.
                    for r in &removed {
                        prop_assert!(arch.iter().any(|a| a.0 == r.0), "{:?} lost coding {:?}", op, r);
                    }
                    if matches!(op, Op::Uncode(_)) {
                        prop_assert_eq!(removed.len(), arch.len(), "uncode archived more than it removed");
                    } else {
                        let after_cover = covered(&conn);
                        let lost = before_cover.iter().filter(|p| after_cover.binary_search(p).is_err()).count();
                        prop_assert_eq!(lost, 0, "{:?} shrank the coded text", op);
                    }
                }
            }
        }
        for _ in 0..applied {
            let tx = conn.unchecked_transaction().unwrap();
            revise::undo(&tx, &meta).unwrap();
            tx.commit().unwrap();
        }
        prop_assert_eq!(original, dump(&conn));
    }
}
