//! Transcript segmentation: `segment::segment` and `segment::sentences`, and the whole
//! `import::import_text` path (store, replace, re-anchor codings).

use std::cell::RefCell;

use regex::Regex;
use rusqlite::Connection;
use tana::import::{import_text, ImportOptions};
use tana::segment::{segment, sentences, TurnRule};
use tana::text::{count_words, Offsets};

use crate::gen::{lossy, split_selector};
use crate::{ensure, ordered_spans, project, seeds, user_result, Target};

/// User turn patterns (`--turns REGEX`), including ones that match nothing or everything.
const PATTERNS: &[&str] = &[
    r"^\s*(MODERATOR):",
    r"^(?P<speaker>\w+)\s*:",
    r"^(?:\[(?P<time>[0-9:.]+)\]\s*)?(?P<speaker>[^:]{1,20}):",
    r"^",
    r"\s*",
    r"^(?P<speaker>)",
    r"^(?P<time>\d*)(x)?",
    r".:",
];

/// The turn rule a selector byte names.
fn rule(sel: u8) -> TurnRule {
    match sel % 4 {
        0 | 1 => TurnRule::Detect,
        2 => TurnRule::Paragraphs,
        _ => TurnRule::Pattern(
            Regex::new(PATTERNS[usize::from(sel / 4) % PATTERNS.len()]).expect("a valid pattern"),
        ),
    }
}

fn generate(g: &mut crate::Gen) -> Vec<u8> {
    let mut out = vec![g.u64() as u8];
    if g.chance(10) {
        out.extend(g.bytes(300));
    } else {
        out.extend(seeds::transcript(g).into_bytes());
    }
    out
}

pub const SEGMENT: Target = Target {
    name: "segment",
    quick_cases: 400,
    generate,
    check: |input| {
        let (sel, rest) = split_selector(input);
        let text = lossy(rest);
        let chars = text.chars().count();
        let segs = segment(&text, &rule(sel), "Other");
        ordered_spans(segs.iter().map(|s| (s.start, s.end)), chars, "segment")?;
        // One offset table: slice_chars per segment would make the check quadratic.
        let offsets = Offsets::new(&text);
        for (i, s) in segs.iter().enumerate() {
            let body = &text[offsets.byte_of_char(s.start)..offsets.byte_of_char(s.end)];
            ensure(body == body.trim(), || {
                format!("segment {i} {body:?} is not trimmed")
            })?;
            ensure(s.words == count_words(body), || {
                format!("segment {i} miscounts words")
            })?;
            let len = body.chars().count();
            ordered_spans(sentences(body), len, &format!("segment {i}, sentence"))?;
        }
        Ok(())
    },
};

#[test]
fn segment_never_panics_and_spans_are_ordered_and_trimmed() {
    crate::fuzz(&SEGMENT);
}

thread_local! {
    static STUDY: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

/// Run `f` on the study project inside a transaction that is rolled back afterwards, as one
/// change in the change log (as every command that writes runs).
pub fn in_study<T>(f: impl FnOnce(&Connection, i64) -> T) -> T {
    STUDY.with(|cell| {
        let mut cell = cell.borrow_mut();
        let conn = cell.get_or_insert_with(|| project::study().0);
        let coder = tana::project::coder_id(conn, "fuzz").expect("the fuzz coder");
        let tx = conn.unchecked_transaction().expect("a transaction");
        let _change = tana::journal::Journal::begin(&tx).expect("a change");
        let out = f(&tx, coder);
        drop(tx);
        out
    })
}

/// Names to import under: new ones, the coded transcript (to replace it), and bad ones.
const NAMES: &[&str] = &[
    "New",
    "P01",
    "P01",
    "Zoë 3",
    "",
    " ",
    "a:b",
    "tab\tname",
    "🌱",
];

pub const IMPORT_TEXT: Target = Target {
    name: "import_text",
    quick_cases: 150,
    generate,
    check: |input| {
        let (sel, rest) = split_selector(input);
        let text = lossy(rest);
        let name = NAMES[usize::from(sel / 4) % NAMES.len()];
        let opts = ImportOptions {
            replace: sel & 0x80 == 0,
            turns: rule(sel),
            ..ImportOptions::default()
        };
        in_study(|conn, coder| {
            let r = import_text(conn, name, &text, None, "txt", &opts, coder);
            user_result(&r)?;
            project::check(conn)
        })
    },
};

#[test]
fn import_text_never_panics_and_keeps_codings_inside_the_text() {
    crate::fuzz(&IMPORT_TEXT);
}
