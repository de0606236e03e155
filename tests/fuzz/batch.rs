//! `code --from` CSV batches: `coding::batch::apply_csv` on the study project.

use tana::coding::batch::apply_csv;

use crate::attributes::{csv, with_csv};
use crate::segment::in_study;
use crate::{project, user_result, Target};

const HEADER: &[&str] = &[
    "transcript",
    "theme",
    "segment",
    "quote",
    "span",
    "occurrence",
    "memo",
    "coder",
    "ignore_case",
    "Theme",
    "bogus",
];
const CELLS: &[&str] = &[
    "P01",
    "Zoë 3",
    "P9",
    "1",
    "1.1",
    "#1",
    "#999999999999999999999",
    "Awareness gap",
    "Awareness gap/Vague targets",
    "awareness GAP",
    "2",
    "2-4",
    "4-2",
    "1.2",
    "1.0",
    "3.99999999999999999999",
    "0",
    "-1",
    "18446744073709551615",
    "9223372036854775807",
    "0:5",
    "5:0",
    "3:3",
    "0:99999999999",
    "18446744073709551615:18446744073709551615",
    "nobody could tell me",
    "NOBODY could",
    "the",
    "e\u{301}",
    "\u{e9}",
    "🌱",
    "true",
    "yes",
    "Gillian",
    "a memo",
    "",
    " ",
    "\"quoted, cell\"",
];

pub const CODING_CSV: Target = Target {
    name: "coding_csv",
    quick_cases: 300,
    generate: |g| csv(g, HEADER, CELLS),
    check: |input| {
        with_csv(input, |path| {
            in_study(|conn, coder| {
                let r = apply_csv(
                    conn,
                    path,
                    &tana::coding::batch::BatchOptions {
                        coder,
                        ..Default::default()
                    },
                );
                user_result(&r)?;
                project::check(conn)
            })
        })
    },
};

#[test]
fn coding_csv_never_panics_and_codes_only_inside_transcripts() {
    crate::fuzz(&CODING_CSV);
}
