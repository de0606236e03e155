//! Projects for the targets that write: in memory, with a small study, checked after each case.

use rusqlite::Connection;

use crate::ensure;

/// Transcripts of the small study the CSV targets refer to.
pub const STUDY: &[(&str, &str)] = &[
    (
        "P01",
        "Interviewer: What are the targets?\n\nP1: Honestly, nobody could tell me the target. It is all slogans.\n\nInterviewer: And training?\n\nP1: We had one e-learning module. I think it was about recycling.\n",
    ),
    (
        "P02",
        "Interviewer: What are the targets?\n\nP2: Net zero by 2040, and 60% recycled content.\n\nIt is on every slide.\n",
    ),
    (
        "Zoë 3",
        "Interviewer: Customers?\n\nP3: They send questionnaires about CO₂ 🌱 every quarter. Zoë handles them e\u{301}.\n",
    ),
];

/// The study's template, as an outline.
pub const TEMPLATE: &str = "- Awareness gap: not knowing the targets\n  - Vague targets\n  - Slogans [a priori: Smith 2020]\n- Training [integrative]\n- Zoë's theme\n";

/// An empty project in memory, and its coder.
pub fn empty() -> (Connection, i64) {
    let mut conn = Connection::open_in_memory().expect("an in-memory database");
    tana::project::migrate(&mut conn).expect("migrations apply");
    let coder = tana::project::coder_id(&conn, "fuzz").expect("a coder");
    (conn, coder)
}

/// A project with the study's transcripts and template.
pub fn study() -> (Connection, i64) {
    let (conn, coder) = empty();
    let opts = tana::import::ImportOptions::default();
    for (name, text) in STUDY {
        tana::import::import_text(&conn, name, text, None, "txt", &opts, coder)
            .expect("the study imports");
    }
    let items =
        tana::template::outline::parse(TEMPLATE, "template.md").expect("the template parses");
    tana::template::outline::import(&conn, &items, coder).expect("the template imports");
    // Codings on P01, so that replacing it re-anchors them.
    let template = tana::template::Template::load(&conn).expect("the template loads");
    let stamp = tana::coding::Stamp::new(&conn, coder).expect("a stamp");
    let p01 = STUDY[0].1;
    for (quote, theme) in [
        ("nobody could tell me", 0),
        ("e-learning module", 1),
        ("slogans", 0),
    ] {
        let (s, e) = tana::text::find_folded(p01, quote, false)[0];
        let span = tana::model::Span::new(s, e);
        tana::coding::add(&conn, 1, template.themes[theme].id, span, None, &stamp)
            .expect("a coding");
    }
    (conn, coder)
}

/// What every project keeps true: segments and codings lie within their transcript, segments
/// are numbered in order and do not overlap, and `chars` is the text's length.
pub fn check(conn: &Connection) -> Result<(), String> {
    let count = |sql: &str| -> Result<i64, String> {
        conn.query_row(sql, [], |r| r.get(0))
            .map_err(|e| format!("{sql}: {e}"))
    };
    // Counted here, not with SQL's length(), which stops at a NUL.
    let mut stmt = conn
        .prepare("SELECT name, text, chars FROM transcript")
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(|e| e.to_string())?;
    for row in rows {
        let (name, text, chars) = row.map_err(|e| e.to_string())?;
        let real = text.chars().count() as i64;
        ensure(real == chars, || {
            format!("transcript {name:?} has {real} chars, not {chars}")
        })?;
    }
    let outside = count(
        "SELECT count(*) FROM segment s JOIN transcript t ON t.id = s.transcript_id
         WHERE s.start < 0 OR s.end <= s.start OR s.end > t.chars",
    )?;
    ensure(outside == 0, || {
        format!("{outside} segment(s) empty or outside their transcript")
    })?;
    let overlapping = count(
        "SELECT count(*) FROM segment a JOIN segment b
           ON a.transcript_id = b.transcript_id AND b.number = a.number + 1
         WHERE b.start < a.end",
    )?;
    ensure(overlapping == 0, || {
        format!("{overlapping} segment(s) overlap the next")
    })?;
    let codings = count(
        "SELECT count(*) FROM coding c JOIN transcript t ON t.id = c.transcript_id
         WHERE c.start < 0 OR c.end <= c.start OR c.end > t.chars",
    )?;
    ensure(codings == 0, || {
        format!("{codings} coding(s) outside their transcript")
    })
}
