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
    (
        "template-t0.md",
        include_str!("../fixtures/demo/template-t0.md"),
    ),
    ("history.txt", include_str!("../fixtures/demo/history.txt")),
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

/// The commands of `history.txt`, each as its arguments: one per line that is not blank or a
/// `#` comment, split at spaces outside double quotes.
pub fn history() -> Vec<Vec<String>> {
    include_str!("../fixtures/demo/history.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(split_words)
        .collect()
}

fn split_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_lines_split_at_spaces_outside_quotes() {
        assert_eq!(
            split_words(r#"theme rename "Why it matters" "" --why x"#),
            vec!["theme", "rename", "Why it matters", "", "--why", "x"]
        );
        assert!(history()
            .iter()
            .all(|h| h[0] == "theme" || h[0] == "template"));
    }
}
