//! The demo study written for this project: 17 interviews, participants, template and
//! codings, embedded in the binary so `tana demo` works anywhere.

/// (relative path, contents) of every demo file, transcripts in interview order.
pub const FILES: &[(&str, &str)] = &[
    (
        "transcripts/P01.txt",
        include_str!("../fixtures/demo/transcripts/P01.txt"),
    ),
    (
        "transcripts/P02.txt",
        include_str!("../fixtures/demo/transcripts/P02.txt"),
    ),
    (
        "transcripts/P03.txt",
        include_str!("../fixtures/demo/transcripts/P03.txt"),
    ),
    (
        "transcripts/P04.txt",
        include_str!("../fixtures/demo/transcripts/P04.txt"),
    ),
    (
        "transcripts/P05.txt",
        include_str!("../fixtures/demo/transcripts/P05.txt"),
    ),
    (
        "transcripts/P06.txt",
        include_str!("../fixtures/demo/transcripts/P06.txt"),
    ),
    (
        "transcripts/P07.txt",
        include_str!("../fixtures/demo/transcripts/P07.txt"),
    ),
    (
        "transcripts/P08.txt",
        include_str!("../fixtures/demo/transcripts/P08.txt"),
    ),
    (
        "transcripts/P09.txt",
        include_str!("../fixtures/demo/transcripts/P09.txt"),
    ),
    (
        "transcripts/P10.txt",
        include_str!("../fixtures/demo/transcripts/P10.txt"),
    ),
    (
        "transcripts/P11.txt",
        include_str!("../fixtures/demo/transcripts/P11.txt"),
    ),
    (
        "transcripts/P12.txt",
        include_str!("../fixtures/demo/transcripts/P12.txt"),
    ),
    (
        "transcripts/P13.txt",
        include_str!("../fixtures/demo/transcripts/P13.txt"),
    ),
    (
        "transcripts/P14.md",
        include_str!("../fixtures/demo/transcripts/P14.md"),
    ),
    (
        "transcripts/P15.md",
        include_str!("../fixtures/demo/transcripts/P15.md"),
    ),
    (
        "transcripts/P16.txt",
        include_str!("../fixtures/demo/transcripts/P16.txt"),
    ),
    (
        "transcripts/P17.txt",
        include_str!("../fixtures/demo/transcripts/P17.txt"),
    ),
    (
        "participants.csv",
        include_str!("../fixtures/demo/participants.csv"),
    ),
    ("template.md", include_str!("../fixtures/demo/template.md")),
    ("codings.csv", include_str!("../fixtures/demo/codings.csv")),
    (
        "second-coder.csv",
        include_str!("../fixtures/demo/second-coder.csv"),
    ),
];

/// The transcript files, in interview order.
pub fn transcripts() -> impl Iterator<Item = (&'static str, &'static str)> {
    FILES
        .iter()
        .copied()
        .filter(|(p, _)| p.starts_with("transcripts/"))
}
