//! Speaker turns, paragraphs and sentences: how a transcript's text becomes numbered segments.
//!
//! A segment is a speaker turn when turns are detected, otherwise a paragraph. Its span excludes
//! the speaker label (and any timestamp) and surrounding whitespace. All offsets are code points.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

use crate::text::{count_words, Offsets};

/// One segment of a transcript, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentSpan {
    pub speaker: Option<String>,
    pub start: usize,
    pub end: usize,
    pub words: usize,
    pub time: Option<String>,
}

/// How to find speaker turns.
#[derive(Debug, Clone, Default)]
pub enum TurnRule {
    /// Detect the common conventions (`Interviewer:`, `P3:`, `[04:12] PARTICIPANT 4:`, ...).
    #[default]
    Detect,
    /// A user regex matched at the start of a line; group `speaker` (or group 1) is the label.
    Pattern(Regex),
    /// No turns: every paragraph is a segment.
    Paragraphs,
}

/// A line that starts a turn: the label, an optional timestamp, and where the speech starts.
#[derive(Debug, Clone)]
struct LabelMatch {
    label: String,
    time: Option<String>,
    /// Byte offset (within the line) where the speech starts.
    body: usize,
}

fn label_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)^[\ \t]*
              (?:[\[(](?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)[\])][\ \t]*)?
              (?:\*\*|__)?
              (?P<label>[\p{L}\p{N}][\p{L}\p{M}\p{N}'’.\-_]*(?:[\ ][\p{L}\p{N}][\p{L}\p{M}\p{N}'’.\-_]*){0,3})
              [\ \t]*(?:\*\*|__)?[\ \t]*:(?:\*\*|__)?
              (?:[\ \t]+|$)",
        )
        .expect("label regex compiles")
    })
}

/// Words that often start a line with a colon but are not speakers.
const NOT_SPEAKERS: &[&str] = &[
    "note", "notes", "image", "source", "licence", "license", "date", "time", "location", "title",
    "subject", "http", "https", "re", "fw", "fwd", "question", "answer", "task", "example",
];

fn match_label(line: &str) -> Option<LabelMatch> {
    let caps = label_regex().captures(line)?;
    let label = caps.name("label")?.as_str();
    if label.chars().count() > 40 {
        return None;
    }
    // Every word starts with a capital, a digit, or a letter of a script without case
    // ("Participant 3", "Zoë Lindqvist", "יגאל ביבי"); a lowercase word is a label only as a
    // single token with a digit ("admin-1").
    let words: Vec<&str> = label.split(' ').collect();
    for w in &words {
        let c = w.chars().next()?;
        let caseless = c.is_alphabetic() && !c.is_lowercase() && !c.is_uppercase();
        let lower_id = words.len() == 1 && w.chars().any(|c| c.is_ascii_digit());
        if !(c.is_uppercase() || c.is_numeric() || caseless || lower_id) {
            return None;
        }
    }
    if NOT_SPEAKERS.contains(&label.to_lowercase().as_str()) {
        return None;
    }
    Some(LabelMatch {
        label: label.to_string(),
        time: caps.name("time").map(|m| m.as_str().to_string()),
        body: caps.get(0)?.end(),
    })
}

/// Labels that are speakers even when they occur once (`P1:`, `Interviewer:`, `Speaker 2:`).
fn is_role_label(label: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^(?:interviewer|interviewee|moderator|facilitator|respondent|researcher|participant(?: ?\d+)?|speaker ?\d+|p ?\d+|r\d+|i\d*|int|resp)$",
        )
        .expect("role regex compiles")
    })
    .is_match(label)
}

fn match_pattern(re: &Regex, line: &str) -> Option<LabelMatch> {
    let caps = re.captures(line)?;
    let whole = caps.get(0)?;
    if whole.start() != 0 {
        return None;
    }
    let label = caps
        .name("speaker")
        .or_else(|| caps.get(1))
        .map(|m| m.as_str().trim().to_string())
        .unwrap_or_default();
    let mut body = whole.end();
    body += line[body..].len() - line[body..].trim_start().len();
    Some(LabelMatch {
        label,
        time: caps.name("time").map(|m| m.as_str().to_string()),
        body,
    })
}

struct Line<'a> {
    /// Byte offset of the line in the text.
    at: usize,
    text: &'a str,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    for l in text.split('\n') {
        out.push(Line { at, text: l });
        at += l.len() + 1;
    }
    out
}

/// Split a transcript's text into segments.
///
/// With `Detect`, a label counts as a speaker only if it starts at least two lines. When two or
/// more speakers are found, unlabelled paragraphs continue the previous turn. When only one is
/// found (a `MODERATOR:` transcript whose participant lines are unlabelled), each run of
/// unlabelled lines is a turn of `unlabelled_speaker`.
pub fn segment(text: &str, rule: &TurnRule, unlabelled_speaker: &str) -> Vec<SegmentSpan> {
    let lines = lines(text);
    let matches: Vec<Option<LabelMatch>> = match rule {
        TurnRule::Paragraphs => vec![None; lines.len()],
        TurnRule::Pattern(re) => lines.iter().map(|l| match_pattern(re, l.text)).collect(),
        TurnRule::Detect => {
            let raw: Vec<Option<LabelMatch>> = lines.iter().map(|l| match_label(l.text)).collect();
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for m in raw.iter().flatten() {
                *counts.entry(m.label.as_str()).or_default() += 1;
            }
            let repeated: Vec<&str> = counts
                .iter()
                .filter(|(_, &n)| n >= 2)
                .map(|(l, _)| *l)
                .collect();
            // A label that occurs once is a speaker if it names a role ("P1:"), if it
            // follows a timestamp ("[00:19] Gillian:"), if it is a near-miss of a speaker
            // ("Particpant:" beside "Participant:"), or if the transcript is clearly
            // turn-based and the label is a short name ("John:").
            let timed: Vec<&str> = raw
                .iter()
                .flatten()
                .filter(|m| m.time.is_some())
                .map(|m| m.label.as_str())
                .collect();
            let sure: Vec<&str> = counts
                .keys()
                .copied()
                .filter(|l| repeated.contains(l) || is_role_label(l) || timed.contains(l))
                .collect();
            let keep: Vec<&str> = counts
                .keys()
                .copied()
                .filter(|l| {
                    sure.contains(l)
                        || sure
                            .iter()
                            .any(|r| r.len() > 3 && crate::text::edit_distance(r, l) <= 2)
                })
                .collect();
            // Only inside the dialogue: a headline before the first turn is not a speaker.
            let dialogue_from = (sure.len() >= 2)
                .then(|| {
                    raw.iter()
                        .position(|m| m.as_ref().is_some_and(|m| sure.contains(&m.label.as_str())))
                })
                .flatten()
                .unwrap_or(usize::MAX);
            raw.iter()
                .enumerate()
                .map(|(i, m)| {
                    m.clone().filter(|m| {
                        keep.contains(&m.label.as_str())
                            || (i > dialogue_from && m.label.split(' ').count() <= 3)
                    })
                })
                .collect()
        }
    };
    let speakers: std::collections::BTreeSet<&str> =
        matches.iter().flatten().map(|m| m.label.as_str()).collect();
    let offsets = Offsets::new(text);
    let mut builder = Builder {
        text,
        offsets: &offsets,
        out: Vec::new(),
    };
    if speakers.is_empty() && !has_inner_blank_line(&lines) {
        // No blank line inside the text: one utterance or sentence per line.
        for l in lines.iter().filter(|l| !is_blank(l)) {
            builder.push(l.at, l.at + l.text.len(), None, None);
        }
    } else if speakers.is_empty() {
        paragraphs(&lines, &mut builder);
    } else if speakers.len() == 1 {
        one_labelled_speaker(&lines, &matches, unlabelled_speaker, &mut builder);
    } else {
        turns(&lines, &matches, &mut builder);
    }
    builder.out
}

struct Builder<'a> {
    text: &'a str,
    offsets: &'a Offsets,
    out: Vec<SegmentSpan>,
}

impl Builder<'_> {
    /// Add the byte range `[from, to)` as a segment, trimmed of whitespace; empty ranges vanish.
    fn push(&mut self, from: usize, to: usize, speaker: Option<String>, time: Option<String>) {
        let slice = &self.text[from..to];
        let trimmed_start = slice.len() - slice.trim_start().len();
        let body = slice.trim();
        if body.is_empty() {
            return;
        }
        let b0 = from + trimmed_start;
        let b1 = b0 + body.len();
        self.out.push(SegmentSpan {
            speaker,
            start: self.offsets.char_of_byte(b0),
            end: self.offsets.char_of_byte(b1),
            words: count_words(body),
            time,
        });
    }
}

fn is_blank(l: &Line) -> bool {
    l.text.trim().is_empty()
}

/// True if a blank line separates two non-blank lines.
fn has_inner_blank_line(lines: &[Line]) -> bool {
    let first = lines.iter().position(|l| !is_blank(l));
    let last = lines.iter().rposition(|l| !is_blank(l));
    match (first, last) {
        (Some(a), Some(b)) => lines[a..b].iter().any(is_blank),
        _ => false,
    }
}

fn paragraphs(lines: &[Line], b: &mut Builder) {
    let mut start: Option<usize> = None;
    let mut end = 0;
    for l in lines {
        if is_blank(l) {
            if let Some(s) = start.take() {
                b.push(s, end, None, None);
            }
        } else {
            start.get_or_insert(l.at);
            end = l.at + l.text.len();
        }
    }
    if let Some(s) = start {
        b.push(s, end, None, None);
    }
}

fn turns(lines: &[Line], matches: &[Option<LabelMatch>], b: &mut Builder) {
    // Text before the first turn (a heading, a lead) is split into paragraphs.
    let first = matches
        .iter()
        .position(Option::is_some)
        .unwrap_or(lines.len());
    paragraphs(&lines[..first], b);
    let mut current: Option<(usize, usize, String, Option<String>)> = None;
    for (l, m) in lines[first..].iter().zip(&matches[first..]) {
        if let Some(m) = m {
            if let Some((s, e, sp, t)) = current.take() {
                b.push(s, e, Some(sp), t);
            }
            let body = l.at + m.body;
            current = Some((
                body,
                (l.at + l.text.len()).max(body),
                m.label.clone(),
                m.time.clone(),
            ));
        } else if !is_blank(l) {
            if let Some(c) = current.as_mut() {
                c.1 = l.at + l.text.len();
            }
        }
    }
    if let Some((s, e, sp, t)) = current {
        b.push(s, e, Some(sp), t);
    }
}

fn one_labelled_speaker(
    lines: &[Line],
    matches: &[Option<LabelMatch>],
    unlabelled: &str,
    b: &mut Builder,
) {
    // Everything that is not the one labelled speaker's is the other party's, including
    // what comes before the first label (a participant thinking aloud before the moderator
    // speaks).
    let mut run: Option<(usize, usize)> = None;
    for (l, m) in lines.iter().zip(matches) {
        match m {
            Some(m) => {
                if let Some((s, e)) = run.take() {
                    b.push(s, e, Some(unlabelled.to_string()), None);
                }
                let body = l.at + m.body;
                b.push(
                    body,
                    (l.at + l.text.len()).max(body),
                    Some(m.label.clone()),
                    m.time.clone(),
                );
            }
            None if !is_blank(l) => {
                let r = run.get_or_insert((l.at, l.at));
                r.1 = l.at + l.text.len();
            }
            None => {}
        }
    }
    if let Some((s, e)) = run {
        b.push(s, e, Some(unlabelled.to_string()), None);
    }
}

/// Paragraphs of a transcript's text: maximal runs of lines that are not blank, each trimmed
/// of surrounding whitespace, as code-point spans.
pub fn paragraph_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut run: Option<(usize, usize)> = None;
    let mut at = 0;
    for line in text.split('\n') {
        let len = line.chars().count();
        let lead = line.chars().take_while(|c| c.is_whitespace()).count();
        if lead == len {
            out.extend(run.take());
        } else {
            let trail = line.chars().rev().take_while(|c| c.is_whitespace()).count();
            let r = run.get_or_insert((at + lead, at + len - trail));
            r.1 = at + len - trail;
        }
        at += len + 1;
    }
    out.extend(run);
    out
}

/// A run of this much whitespace ends a sentence whatever surrounds it. Unicode's sentence
/// rules look across whitespace, and on a run of thousands of spaces they take seconds.
const SENTENCE_GAP: usize = 32;

/// Sentences of a segment's text, as code-point spans relative to the segment start.
pub fn sentences(segment_text: &str) -> Vec<(usize, usize)> {
    let offsets = Offsets::new(segment_text);
    let mut out = Vec::new();
    for (start, piece) in pieces(segment_text) {
        out.extend(piece.split_sentence_bound_indices().filter_map(|(b, s)| {
            let lead = s.len() - s.trim_start().len();
            let body = s.trim();
            if body.is_empty() {
                return None;
            }
            let b0 = start + b + lead;
            Some((
                offsets.char_of_byte(b0),
                offsets.char_of_byte(b0 + body.len()),
            ))
        }));
    }
    out
}

/// The text cut at runs of [`SENTENCE_GAP`] or more whitespace characters, with the byte
/// offset of each piece.
fn pieces(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut from, mut run_start, mut run) = (0, 0, 0);
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if run == 0 {
                run_start = i;
            }
            run += 1;
        } else {
            if run >= SENTENCE_GAP {
                out.push((from, &text[from..run_start]));
                from = i;
            }
            run = 0;
        }
    }
    out.push((from, &text[from..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::slice_chars;

    #[test]
    fn a_long_run_of_spaces_ends_a_sentence_quickly() {
        let text = format!(
            "It is a slogan.{}and nobody knows it. Really.",
            " ".repeat(200_000)
        );
        let t = std::time::Instant::now();
        let s = sentences(&text);
        let words: Vec<&str> = s.iter().map(|&(a, b)| slice_chars(&text, a, b)).collect();
        assert_eq!(
            words,
            ["It is a slogan.", "and nobody knows it.", "Really."]
        );
        // Seconds before the cut; well under one now, even unoptimised.
        assert!(t.elapsed().as_secs() < 5, "{:?}", t.elapsed());
        // Short gaps are left to Unicode's rules.
        assert_eq!(sentences("One.  Two."), [(0, 4), (6, 10)]);
    }

    fn seg(text: &str) -> Vec<(Option<String>, String)> {
        segment(text, &TurnRule::Detect, "P")
            .into_iter()
            .map(|s| (s.speaker, slice_chars(text, s.start, s.end).to_string()))
            .collect()
    }

    fn sp(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn interviewer_and_p3_turns() {
        let t = "Interviewer: Hello there.\n\nP3: Hi. I work in sales.\n\nAnd I like it.\n\nInterviewer: Good.\n\nP3: Yes.";
        assert_eq!(
            seg(t),
            vec![
                (sp("Interviewer"), "Hello there.".into()),
                (sp("P3"), "Hi. I work in sales.\n\nAnd I like it.".into()),
                (sp("Interviewer"), "Good.".into()),
                (sp("P3"), "Yes.".into()),
            ]
        );
    }

    #[test]
    fn moderator_with_unlabelled_participant_lines() {
        let t = "Intro line\n\tMODERATOR: Start task 1?\n\tOkay.\n\tIt looks fine.\n\tMODERATOR: Next?\n\tDone.";
        assert_eq!(
            seg(t),
            vec![
                (sp("P"), "Intro line".into()),
                (sp("MODERATOR"), "Start task 1?".into()),
                (sp("P"), "Okay.\n\tIt looks fine.".into()),
                (sp("MODERATOR"), "Next?".into()),
                (sp("P"), "Done.".into()),
            ]
        );
    }

    #[test]
    fn timestamped_and_padded_labels() {
        let t = "[04:12] INTERVIEWER: Why?\n[04:20] PARTICIPANT 4: Because.\n[05:01] INTERVIEWER: Ok.\n[05:02] PARTICIPANT 4: Fine.";
        let s = segment(t, &TurnRule::Detect, "P");
        assert_eq!(s[1].speaker.as_deref(), Some("PARTICIPANT 4"));
        assert_eq!(s[1].time.as_deref(), Some("04:20"));
        let t = "INT : How long?\nRESP: A year.\nINT : Ok.\nRESP: Yes.";
        assert_eq!(seg(t)[0], (sp("INT"), "How long?".into()));
        assert_eq!(seg(t)[1], (sp("RESP"), "A year.".into()));
    }

    #[test]
    fn full_names_and_single_mentions_are_not_speakers() {
        let t = "Headline: a story\n\nZoë Lindqvist: One.\n\nInterviewer: Two.\n\nZoë Lindqvist: Three.\n\nInterviewer: Four.";
        let s = seg(t);
        assert_eq!(s[0], (None, "Headline: a story".into()));
        assert_eq!(s[1], (sp("Zoë Lindqvist"), "One.".into()));
    }

    #[test]
    fn caseless_scripts_ids_typos_and_one_off_names_are_speakers() {
        let t = "יגאל ביבי: שלום לכולם.\nרות כהן: תודה.\nיגאל ביבי: בבקשה.\nרות כהן: כן.";
        assert_eq!(seg(t)[0], (sp("יגאל ביבי"), "שלום לכולם.".into()));
        let t = "admin-1: hi\nMax: hello\nadmin-1: so\nMax: yes";
        assert_eq!(seg(t)[0], (sp("admin-1"), "hi".into()));
        let t = "Dan: Q1?\n\nParticipant: A1.\n\nDan: Q2?\n\nParticpant: A2.\n\nJohn: Me too.";
        let s = seg(t);
        assert_eq!(s[3], (sp("Particpant"), "A2.".into()));
        assert_eq!(s[4], (sp("John"), "Me too.".into()));
    }

    #[test]
    fn text_without_blank_lines_is_split_per_line() {
        assert_eq!(
            seg("我哋今日好開心。\n佢話唔得。\n"),
            vec![
                (None, "我哋今日好開心。".into()),
                (None, "佢話唔得。".into())
            ]
        );
    }

    #[test]
    fn a_pattern_with_one_speaker_gives_the_rest_to_the_other_party() {
        let re = Regex::new(r"^\s*(MODERATOR):").unwrap();
        let t = "Thinking aloud.\n\tMODERATOR: Next?\n\tOk.";
        let s: Vec<Option<String>> = segment(t, &TurnRule::Pattern(re), "P")
            .into_iter()
            .map(|s| s.speaker)
            .collect();
        assert_eq!(s, vec![sp("P"), sp("MODERATOR"), sp("P")]);
    }

    #[test]
    fn paragraph_spans_are_trimmed_runs_of_lines_between_blank_lines() {
        let text = "  Zoë said: one.\ntwo  \n \t\n\nthree 🌱\n";
        let p = paragraph_spans(text);
        let words: Vec<&str> = p.iter().map(|&(a, b)| slice_chars(text, a, b)).collect();
        assert_eq!(words, vec!["Zoë said: one.\ntwo", "three 🌱"]);
        assert!(paragraph_spans("").is_empty());
    }

    #[test]
    fn paragraphs_without_turns() {
        let t = "First para\nstill first.\n\n\nSecond.\n";
        assert_eq!(
            seg(t),
            vec![
                (None, "First para\nstill first.".into()),
                (None, "Second.".into())
            ]
        );
    }

    #[test]
    fn sentences_are_trimmed_spans() {
        let s = "Hi there. I'm Zoë! Ok?";
        let v = sentences(s);
        assert_eq!(v.len(), 3);
        assert_eq!(slice_chars(s, v[1].0, v[1].1), "I'm Zoë!");
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::text::{decode, find_folded, fold_whitespace, slice_chars};
    use proptest::prelude::*;

    const PIECES: &[&str] = &[
        "Interviewer: ",
        "P3: ",
        "MODERATOR: ",
        "[04:12] PARTICIPANT 4: ",
        "Zoë Doe: ",
        "hello",
        "שלום עולם",
        "我哋今日",
        "🌱",
        "e\u{301}",
        "café",
        "ܫܠܡܐ",
        "don't",
        "42%",
        ".",
        "?",
        " ",
        "\n",
        "\r\n",
        "\n\n",
        "\t",
        "\r",
    ];

    fn transcript() -> impl Strategy<Value = Vec<u8>> {
        (
            any::<bool>(),
            prop::collection::vec(prop::sample::select(PIECES), 1..80),
        )
            .prop_map(|(bom, pieces)| {
                let mut bytes = if bom {
                    b"\xEF\xBB\xBF".to_vec()
                } else {
                    Vec::new()
                };
                for p in pieces {
                    bytes.extend_from_slice(p.as_bytes());
                }
                bytes
            })
    }

    proptest! {
        #[test]
        fn segments_are_ordered_trimmed_and_cover_all_speech(bytes in transcript()) {
            let Ok(text) = decode(&bytes) else { return Ok(()) };
            let bom = '\u{feff}';
            prop_assert!(!text.contains('\r') && !text.starts_with(bom));
            let chars = Offsets::new(&text).len_chars();
            for rule in [TurnRule::Detect, TurnRule::Paragraphs] {
                let segs = segment(&text, &rule, "X");
                let mut last_end = 0;
                for s in &segs {
                    prop_assert!(s.start >= last_end && s.start < s.end && s.end <= chars);
                    let body = slice_chars(&text, s.start, s.end);
                    prop_assert_eq!(body, body.trim());
                    prop_assert_eq!(s.words, crate::text::count_words(body));
                    last_end = s.end;
                }
                // Between segments there is only whitespace and speaker labels.
                let mut prev = 0;
                for s in segs.iter().map(|s| (s.start, s.end)).chain([(chars, chars)]) {
                    let gap = slice_chars(&text, prev, s.0).trim();
                    prop_assert!(gap.is_empty() || gap.ends_with(':'), "gap {:?}", gap);
                    prev = s.1;
                }
            }
        }

        #[test]
        fn code_point_offsets_round_trip(bytes in transcript()) {
            let Ok(text) = decode(&bytes) else { return Ok(()) };
            let o = Offsets::new(&text);
            prop_assert_eq!(o.len_chars(), text.chars().count());
            for (i, (b, _)) in text.char_indices().enumerate() {
                prop_assert_eq!(o.byte_of_char(i), b);
                prop_assert_eq!(o.char_of_byte(b), i);
            }
            prop_assert_eq!(o.byte_of_char(o.len_chars()), text.len());
        }

        #[test]
        fn every_slice_is_found_by_its_folded_quote(bytes in transcript(), a in 0usize..400, len in 1usize..60) {
            let Ok(text) = decode(&bytes) else { return Ok(()) };
            let chars = text.chars().count();
            let a = a % chars;
            let b = (a + len).min(chars);
            let quote = slice_chars(&text, a, b).trim();
            if quote.is_empty() { return Ok(()) }
            let found = find_folded(&text, quote, false);
            prop_assert!(!found.is_empty());
            for (s, e) in found {
                prop_assert_eq!(fold_whitespace(slice_chars(&text, s, e)), fold_whitespace(quote));
            }
        }
    }
}
