//! Property tests for the change log and coding sheets, run through the command line's own
//! code paths in this process (`tana::cli::run_from`):
//! - random sequences of code, uncode, code --from, sheet apply, autocode and template
//!   revisions, then `tana undo` of every one of them, give back the project exactly;
//! - random edits of a coding sheet are applied exactly (a second apply of the same sheet
//!   changes nothing, and segments the edits did not touch keep their codings), or refused
//!   with nothing written.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rusqlite::Connection;

const TEXTS: &[&str] = &[
    "Interviewer: What are the targets?\n\nP1: Nobody could tell me the target. It is all slogans, honestly.\n\nInterviewer: And training?\n\nP1: One e-learning module about recycling 🌱. The module was fine; nobody finished it.",
    "Interviewer: Targets?\n\nP2: Net zero by 2040 and 60% recycled content by 2028. It is on every slide.\n\nInterviewer: Trust?\n\nP2: Mostly. The CEO repeats it, and the CEO means it.",
    "Interviewer: Customers?\n\nP3: They send questionnaires about CO₂ every quarter. Zoë handles them.\n\nInterviewer: Anything else?\n\nP3: No; \"nothing\" really.",
];

const THEMES: &[&str] = &["Awareness", "Targets", "Training", "Customers", "Trust"];

/// Run tana in this process; returns the exit code.
fn tana(project: &Path, args: &[&str]) -> i32 {
    let mut all: Vec<String> = vec![
        "tana".into(),
        "-q".into(),
        "--project".into(),
        project.display().to_string(),
        "--coder".into(),
        "prop".into(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    tana::cli::run_from(all)
}

fn setup(dir: &Path) -> PathBuf {
    let p = dir.join("p.tana");
    assert_eq!(
        tana::cli::run_from(["tana", "-q", "init", p.to_str().unwrap()]),
        0
    );
    let mut files = Vec::new();
    for (i, t) in TEXTS.iter().enumerate() {
        let f = dir.join(format!("T{i}.txt"));
        std::fs::write(&f, t).unwrap();
        files.push(f.display().to_string());
    }
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    assert_eq!(tana(&p, &args), 0);
    let outline: String = THEMES.iter().map(|t| format!("- {t}\n")).collect();
    std::fs::write(dir.join("t.md"), outline).unwrap();
    assert_eq!(
        tana(
            &p,
            &["template", "import", dir.join("t.md").to_str().unwrap()]
        ),
        0
    );
    assert_eq!(tana(&p, &["code", "T0", "2", "Targets"]), 0);
    p
}

/// Every table a change may touch, as text (the log itself aside).
fn dump(p: &Path) -> String {
    let tables = [
        "transcript",
        "segment",
        "attribute",
        "theme",
        "coding",
        "review",
        "theme_link",
        "memo",
        "journal_entry",
        "autocode_batch",
        "template_version",
        "setting",
    ]
    .map(|t| (t, "rowid"));
    crate::table_dump(&Connection::open(p).unwrap(), &tables)
}

fn last_live(p: &Path) -> i64 {
    let conn = Connection::open(p).unwrap();
    conn.query_row(
        "SELECT ifnull(max(r.id), 0) FROM revision r WHERE r.op <> 'undo'
         AND NOT EXISTS (SELECT 1 FROM revision u WHERE u.undoes = r.id)",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    Code(usize, usize, usize),
    CodeRange(usize, usize, usize),
    Uncode(usize, usize, usize),
    Batch(Vec<(usize, usize, usize)>),
    SheetDrop(usize),
    SheetAdd(usize, usize, usize),
    Autocode(usize, usize),
    Rename(usize),
    Merge(usize, usize),
    Add(usize),
    Memo(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let t = 0..3usize;
    let s = 1..5usize;
    let th = 0..5usize;
    prop_oneof![
        (t.clone(), s.clone(), th.clone()).prop_map(|(a, b, c)| Op::Code(a, b, c)),
        (t.clone(), s.clone(), th.clone()).prop_map(|(a, b, c)| Op::CodeRange(a, b, c)),
        (t.clone(), s.clone(), th.clone()).prop_map(|(a, b, c)| Op::Uncode(a, b, c)),
        proptest::collection::vec((t.clone(), s.clone(), th.clone()), 1..6).prop_map(Op::Batch),
        t.clone().prop_map(Op::SheetDrop),
        (t.clone(), s.clone(), th.clone()).prop_map(|(a, b, c)| Op::SheetAdd(a, b, c)),
        (th.clone(), 0..4usize).prop_map(|(a, b)| Op::Autocode(a, b)),
        th.clone().prop_map(Op::Rename),
        (th.clone(), th.clone()).prop_map(|(a, b)| Op::Merge(a, b)),
        (0..100usize).prop_map(Op::Add),
        (t, s).prop_map(|(a, b)| Op::Memo(a, b)),
    ]
}

/// The theme a random index names now (themes come and go).
fn theme_name(p: &Path, i: usize) -> String {
    let conn = Connection::open(p).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM theme WHERE deleted_in IS NULL ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    names[i % names.len()].clone()
}

fn apply(dir: &Path, p: &Path, op: &Op, n: usize) {
    let sheet = |t: usize| -> (String, String) {
        let f = dir.join(format!("s{n}.md"));
        assert_eq!(
            tana(
                p,
                &[
                    "sheet",
                    &format!("T{t}"),
                    "-o",
                    f.to_str().unwrap(),
                    "--force"
                ]
            ),
            0
        );
        (
            f.display().to_string(),
            std::fs::read_to_string(&f).unwrap(),
        )
    };
    match op {
        Op::Code(t, s, th) => {
            tana(
                p,
                &[
                    "code",
                    &format!("T{t}"),
                    &s.to_string(),
                    &theme_name(p, *th),
                ],
            );
        }
        Op::CodeRange(t, s, th) => {
            tana(
                p,
                &[
                    "code",
                    &format!("T{t}"),
                    &format!("{s}-{}", s + 1),
                    &theme_name(p, *th),
                ],
            );
        }
        Op::Uncode(t, s, th) => {
            tana(
                p,
                &[
                    "uncode",
                    &format!("T{t}"),
                    &s.to_string(),
                    &theme_name(p, *th),
                ],
            );
        }
        Op::Batch(rows) => {
            let mut csv = String::from("transcript,segment,theme\n");
            for (t, s, th) in rows {
                csv.push_str(&format!("T{t},{s},{}\n", theme_name(p, *th)));
            }
            let f = dir.join(format!("b{n}.csv"));
            std::fs::write(&f, csv).unwrap();
            tana(p, &["code", "--from", f.to_str().unwrap()]);
        }
        Op::SheetDrop(t) => {
            let (f, text) = sheet(*t);
            let edited: String = text
                .lines()
                .map(|l| if l.starts_with("codes:") { "codes:" } else { l })
                .collect::<Vec<_>>()
                .join("\n");
            std::fs::write(&f, edited).unwrap();
            tana(p, &["sheet", "apply", &f]);
        }
        Op::SheetAdd(t, s, th) => {
            let (f, text) = sheet(*t);
            let name = theme_name(p, *th);
            let mut in_seg = false;
            let edited: Vec<String> = text
                .lines()
                .map(|l| {
                    if l.starts_with("### ") {
                        in_seg = l == format!("### {s}") || l.starts_with(&format!("### {s} "));
                    }
                    if in_seg && l.starts_with("codes:") {
                        format!("{l}; {name}")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            std::fs::write(&f, edited.join("\n")).unwrap();
            tana(p, &["sheet", "apply", &f]);
        }
        Op::Autocode(th, w) => {
            let word = ["target*", "module", "CEO", "questionnaires"][*w];
            tana(
                p,
                &["autocode", &theme_name(p, *th), "--search", word, "--apply"],
            );
        }
        Op::Rename(th) => {
            let old = theme_name(p, *th);
            tana(p, &["theme", "rename", &old, &format!("{old} R")]);
        }
        Op::Merge(a, b) => {
            let (a, b) = (theme_name(p, *a), theme_name(p, *b));
            tana(p, &["theme", "merge", &a, "--into", &b]);
        }
        Op::Add(i) => {
            tana(p, &["theme", "add", &format!("New {i}")]);
        }
        Op::Memo(t, s) => {
            tana(p, &["memo", "add", &format!("T{t}:{s}"), "a memo"]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_of_changes_undoes_back_to_the_start(ops in proptest::collection::vec(op(), 1..12)) {
        let dir = tempfile::tempdir().unwrap();
        let p = setup(dir.path());
        let start = dump(&p);
        let mark = last_live(&p);
        for (n, op) in ops.iter().enumerate() {
            apply(dir.path(), &p, op, n);
        }
        let mut undos = 0;
        while last_live(&p) > mark {
            prop_assert_eq!(tana(&p, &["undo"]), 0, "undo failed after {:?}", ops);
            undos += 1;
            prop_assert!(undos <= ops.len() * 3, "undo does not converge");
        }
        prop_assert_eq!(dump(&p), start);
        prop_assert_eq!(tana(&p, &["check"]), 0);
    }

    #[test]
    fn an_edited_sheet_applies_exactly_or_not_at_all(
        ops in proptest::collection::vec(op(), 0..6),
        edits in proptest::collection::vec((0..4usize, 1..5usize, 0..5usize), 1..5),
        cut in proptest::option::of(0..60usize),
        t in 0..3usize,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = setup(dir.path());
        for (n, op) in ops.iter().enumerate() {
            apply(dir.path(), &p, op, n);
        }
        let f = dir.path().join("edit.md");
        prop_assert_eq!(tana(&p, &["sheet", &format!("T{t}"), "-o", f.to_str().unwrap()]), 0);
        let text = std::fs::read_to_string(&f).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        // Edits: 0 drop the codes of a segment, 1 add a theme, 2 add a theme by a quote that
        // is not there, 3 swap two segments' headings.
        let mut touched = std::collections::BTreeSet::new();
        for (kind, s, th) in &edits {
            let heading = lines.iter().position(|l| l == &format!("### {s}") || l.starts_with(&format!("### {s} ")));
            let Some(h) = heading else { continue };
            let Some(c) = lines[h..].iter().position(|l| l.starts_with("codes:")).map(|i| i + h) else { continue };
            touched.insert(*s);
            match kind {
                0 => lines[c] = "codes:".into(),
                1 => lines[c] = format!("{}; {}", lines[c], theme_name(&p, *th)),
                2 => lines[c] = format!("{}; {} \"words that are not there\"", lines[c], theme_name(&p, *th)),
                _ => {
                    let other = lines.iter().rposition(|l| l.starts_with("### ")).unwrap();
                    lines.swap(h, other);
                }
            }
        }
        if let Some(k) = cut {
            lines.truncate(k.min(lines.len()));
        }
        std::fs::write(&f, lines.join("\n")).unwrap();
        let homes = |p: &Path| -> Vec<(i64, i64, i64, i64)> {
            // Codings of the sheet's transcript on segments the edits did not touch.
            let conn = Connection::open(p).unwrap();
            let mut stmt = conn.prepare(
                "SELECT c.theme_id, c.start, c.end, s.number FROM coding c
                 JOIN transcript t ON t.id = c.transcript_id
                 JOIN segment s ON s.transcript_id = t.id AND s.end > c.start
                   AND s.number = (SELECT min(x.number) FROM segment x WHERE x.transcript_id = t.id AND x.end > c.start)
                 WHERE t.name = ?1 ORDER BY 1, 2, 3").unwrap();
            stmt.query_map([format!("T{t}")], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap().collect::<Result<Vec<_>, _>>().unwrap()
        };
        let before = dump(&p);
        let kept_before: Vec<_> = homes(&p).into_iter().filter(|h| !touched.contains(&(h.3 as usize))).collect();
        let code = tana(&p, &["sheet", "apply", f.to_str().unwrap()]);
        if code == 0 {
            let after = dump(&p);
            prop_assert_eq!(tana(&p, &["sheet", "apply", f.to_str().unwrap()]), 0);
            prop_assert_eq!(&dump(&p), &after, "a second apply of the same sheet changed something");
            let kept_after: Vec<_> = homes(&p).into_iter().filter(|h| !touched.contains(&(h.3 as usize))).collect();
            // Codings on untouched segments stay, unless a coding added on a touched segment
            // joined with them.
            for k in &kept_before {
                prop_assert!(
                    kept_after.contains(k) || homes(&p).iter().any(|h| h.0 == k.0 && h.1 <= k.1 && h.2 >= k.2),
                    "coding {:?} on an untouched segment was lost", k
                );
            }
        } else {
            prop_assert_eq!(code, 1);
            prop_assert_eq!(dump(&p), before, "a refused sheet wrote something");
        }
    }
}
