//! Attributes CSV: `import::attributes::import_csv` on the study project.

use std::cell::RefCell;

use tana::import::attributes::import_csv;

use crate::segment::in_study;
use crate::{ensure, Gen, Target};

thread_local! {
    static DIR: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// Write `bytes` to a CSV file in this thread's temp dir, run `f` on it, remove it.
pub fn with_csv<T>(bytes: &[u8], f: impl FnOnce(&std::path::Path) -> T) -> T {
    let path = DIR.with(|d| {
        let mut d = d.borrow_mut();
        let dir = d.get_or_insert_with(|| tempfile::tempdir().expect("a temp dir"));
        dir.path().join("input.csv")
    });
    std::fs::write(&path, bytes).expect("write the CSV");
    let out = f(&path);
    let _ = std::fs::remove_file(&path);
    out
}

/// A CSV of `header` then rows of `cells`, with the quirks of spreadsheet exports.
pub fn csv(g: &mut Gen, header: &[&str], cells: &[&str]) -> Vec<u8> {
    let mut s = String::new();
    if g.chance(10) {
        s.push('\u{feff}');
    }
    let cols = g.size(header.len()) + 1;
    let head: Vec<&str> = (0..cols)
        .map(|i| if i == 0 { header[0] } else { g.pick(header) })
        .collect();
    s.push_str(&head.join(g.pick(&[",", ",", ",", ";", "\t"])));
    for _ in 0..g.size(8) + 1 {
        s.push_str(g.pick(&["\n", "\r\n", "\n\n", "\r"]));
        let n = g.size(cols + 1) + 1;
        let row: Vec<&str> = (0..n).map(|_| g.pick(cells)).collect();
        s.push_str(&row.join(","));
    }
    if g.chance(30) {
        g.mutate_text(&mut s, 4);
    }
    let mut b = s.into_bytes();
    if g.chance(5) {
        g.mutate_bytes(&mut b, 2);
    }
    b
}

const HEADER: &[&str] = &[
    "transcript",
    "role",
    "sector",
    "Role",
    "",
    "age",
    "\"quoted, header\"",
];
const CELLS: &[&str] = &[
    "P01",
    "P02",
    "Zoë 3",
    "P99",
    "",
    " ",
    "manager",
    "\"IT, ops\"",
    "\"multi\nline\"",
    "\"bad\"quote",
    "🌱",
    "e\u{301}",
];

pub const ATTRIBUTES_CSV: Target = Target {
    name: "attributes_csv",
    quick_cases: 300,
    generate: |g| csv(g, HEADER, CELLS),
    check: |input| {
        with_csv(input, |path| {
            in_study(|conn, _| {
                let r = import_csv(conn, path);
                crate::user_result(&r)?;
                if let Ok(report) = &r {
                    ensure(report.transcripts <= 3, || {
                        format!("{report:?} for a study of 3")
                    })?;
                }
                Ok(())
            })
        })
    },
};

#[test]
fn attributes_csv_never_panics_and_names_only_known_transcripts() {
    crate::fuzz(&ATTRIBUTES_CSV);
}
