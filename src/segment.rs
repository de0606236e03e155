//! Speaker turns, paragraphs and sentences: how a transcript's text becomes numbered segments.
//!
//! A segment is a speaker turn when turns are detected, otherwise a paragraph (or a line, in a
//! text without blank lines). Headings, stage directions and image captions are segments of
//! their own, without a speaker. A segment's span excludes the speaker label (and any
//! timestamp) and surrounding whitespace. All offsets are code points.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

use crate::text::{count_words, edit_distance, Offsets};

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
    /// Detect the common conventions (`Interviewer:`, `P3:`, `Maria Lopez (Sustainability
    /// lead):`, `[04:12] PARTICIPANT 4:`, `00:00:04 Ana:`, `Ana Lima  0:04` on a line of its own,
    /// `[Ana Lima] 00:00:04`, ...).
    #[default]
    Detect,
    /// A user regex matched at the start of a line; group `speaker` (or group 1) is the label.
    Pattern(Regex),
    /// No turns: every paragraph is a segment.
    Paragraphs,
}

/// How a transcript's segments were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Speaker turns were found; headings, stage directions and captions stand apart.
    Turns,
    /// No speaker turns: each paragraph (between blank lines) is a segment.
    Paragraphs,
    /// No speaker turns and no blank lines: each line is a segment.
    Lines,
    /// A caption file without voices or names: each cue is a segment.
    Cues,
}

/// A transcript's segments, and how they were made.
#[derive(Debug, Clone)]
pub struct Segmentation {
    pub segments: Vec<SegmentSpan>,
    pub layout: Layout,
}

/// A line that starts a turn: the label, an optional timestamp, and where the speech starts.
#[derive(Debug, Clone)]
struct LabelMatch {
    /// The speaker as written: the name, then its role in parentheses if it has one.
    label: String,
    /// Byte length of the name in `label` (the label without its role).
    name_len: usize,
    /// Words in the name, a parenthesised nickname aside.
    words: usize,
    /// The label gives a role: `Maria Lopez (Sustainability lead):`.
    role: bool,
    time: Option<String>,
    /// Byte offset (within the line) where the speech starts.
    body: usize,
}

/// A line that is not speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Apart {
    /// A numbered or Markdown heading: it ends the turn before it.
    Heading,
    /// A stage direction or an image caption: the turn before it goes on after it.
    Aside,
}

/// Space inside a label: blanks, no-break spaces, and the invisible direction marks of
/// right-to-left text (LRM, RLM, embeddings, isolates).
const SPACE: &str = r"[\ \t\u{A0}\u{200E}\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}]";
/// A timestamp: `0:04`, `04:12`, `00:00:04`, `00:00:04.500`.
const TIME: &str = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?";
/// A speaker's name: up to four words of letters, digits and marks, with the apostrophes,
/// geresh and gershayim (׳ ״ ' ") of names and abbreviations, and perhaps a nickname in
/// parentheses between two words (`Avraham (Avi) Nissenkorn`).
const NAME: &str = r#"_W_(?:_S_+(?:\(_W_\)_S_+)?_W_){0,3}"#;
const WORD: &str = r#"[\p{L}\p{N}][\p{L}\p{M}\p{N}'’׳״".\-_]*"#;

fn build(pattern: &str) -> Regex {
    let p = pattern
        .replace("_N_", NAME)
        .replace("_W_", WORD)
        .replace("_S_", SPACE)
        .replace("_T_", TIME);
    Regex::new(&p).expect("a valid regex")
}

/// `Name:`, `Name (Role):`, `Name (00:04):`, `[04:12] Name:`, `00:00:04 Name:`, `**Name:**`,
/// `名字：`.
fn label_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        build(
            r"(?x)^_S_*
              (?:[\[(]?(?P<time>_T_)[\])]?_S_*(?:[-–—]_S_*)?)?
              (?:\*\*|__)?
              (?P<name>_N_)
              (?:_S_*\((?:(?P<ptime>_T_)|(?P<role>[^()\n:：]{1,40}))\))?
              _S_*(?:\*\*|__)?_S_*
              (?::(?:\*\*|__)?(?:_S_+|$)|：_S_*)",
        )
    })
}

/// A name and a time with the speech on the next lines (`Ana Lima  0:04`, as Otter and Teams
/// write them), or `[Ana Lima] 00:00:04` (Zoom), perhaps with the speech after it.
fn timed_name_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        build(
            r"(?x)^_S_*
              (?:\[(?P<bracketed>_N_)\]|(?P<name>_N_))
              _S_+[\[(]?(?P<time>_T_)[\])]?_S_*(?:[-–—]_S_*)?",
        )
    })
}

/// A numbered heading: `1 Read the task.`, `1.a Was it clear?`, `c.ii Data`, `2) Next`.
fn heading_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        build(
            r#"(?x)^_S_*
               (?:\d{1,2}(?:\.(?:\d{1,2}|[a-z]|[ivx]{1,4}))*[a-z]?|[a-z]\.(?:[ivx]{1,4}|\d{1,2}))
               [.)]?_S_+["'‘“]?\p{Lu}"#,
        )
    })
}

/// An image caption ends with its credit, a name: `... in Bolivia. Image: Danny Newman.`
/// (`the picture: we are behind` is speech).
fn caption_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        build(
            r"(?x)(?:^|[\s.,;)\]])
              (?i:photo\ credit|image|photo|photograph|picture|illustration)s?
              _S_*[:;]_S_*(?P<credit>\p{Lu}[^:;\n]{0,79})$",
        )
    })
}

/// The most (label, speaker) pairs compared for near misses (`Particpant` beside `Participant`).
const NEAR_MISS_PAIRS: usize = 20_000;

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

/// Words that often start a line with a colon but are not speakers.
const NOT_SPEAKERS: &[&str] = &[
    "note",
    "notes",
    "image",
    "source",
    "licence",
    "license",
    "date",
    "time",
    "location",
    "title",
    "subject",
    "http",
    "https",
    "re",
    "fw",
    "fwd",
    "question",
    "answer",
    "task",
    "example",
    "caption",
    "photo",
    "picture",
    "credit",
    "credits",
    "figure",
    "fig.",
    "table",
    "ed.",
    "editor's note",
    "transcriber's note",
    "summary",
    "agenda",
    "attendees",
    "duration",
    "transcript",
    "recording",
    "keywords",
];

/// The last word of a caption's credit, not of a name (`Tina Lee. Image: ...`).
const CAPTION_WORDS: &[&str] = &[
    "image",
    "images",
    "photo",
    "photos",
    "picture",
    "photograph",
    "credit",
    "illustration",
    "caption",
    "source",
];

/// Abbreviations that end with a period inside a name (`Mr. Dabor`).
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "mx", "dr", "prof", "st", "jr", "sr", "rev", "hon", "sen", "rep", "gen",
    "col", "capt", "lt", "sgt", "fr",
];

fn is_bidi_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The words of a label, without direction marks or extra spaces.
fn label_words(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || is_bidi_mark(c))
        .filter(|w| !w.is_empty())
        .collect()
}

/// A word that ends a sentence: a period after a word that is not a title or an initial.
fn ends_sentence(word: &str) -> bool {
    let Some(stem) = word.strip_suffix('.') else {
        return false;
    };
    stem.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !TITLES.contains(&stem.to_lowercase().as_str())
}

fn match_label(line: &str) -> Option<LabelMatch> {
    if let Some(caps) = label_regex().captures(line) {
        let body = caps.get(0)?.end();
        // A quotation after a full-width colon is reported speech (`我話：「係吖！」`).
        if line[..body].trim_end().ends_with('：') && line[body..].starts_with(['「', '『', '“'])
        {
            return None;
        }
        // `Name (00:04):`, as Rev writes it, gives the time where a role would be.
        let time = caps
            .name("time")
            .or_else(|| caps.name("ptime"))
            .map(|m| m.as_str().to_string());
        let role = caps.name("role").map(|r| r.as_str().trim());
        return make_label(caps.name("name")?.as_str(), role, time, body);
    }
    let caps = timed_name_regex().captures(line)?;
    let end = caps.get(0)?.end();
    let time = caps.name("time").map(|m| m.as_str().to_string());
    match caps.name("bracketed") {
        Some(name) => make_label(name.as_str(), None, time, end),
        // Otter's and Teams' `Name  0:04` is a line of its own; the speech follows.
        None if line[end..].trim().is_empty() => {
            make_label(caps.name("name")?.as_str(), None, time, line.len())
        }
        None => None,
    }
}

fn make_label(
    name: &str,
    role: Option<&str>,
    time: Option<String>,
    body: usize,
) -> Option<LabelMatch> {
    let words = label_words(name);
    let bare = words.join(" ");
    if bare.chars().count() > 40 {
        return None;
    }
    let named: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !w.starts_with('('))
        .collect();
    // Every word starts with a capital, a digit, or a letter of a script without case
    // ("Participant 3", "Zoë Lindqvist", "יגאל ביבי"); a lowercase word is a label only as a
    // single token with a digit ("admin-1").
    for w in &named {
        let c = w.chars().next()?;
        let caseless = c.is_alphabetic() && !c.is_lowercase() && !c.is_uppercase();
        let lower_id = named.len() == 1 && w.chars().any(|c| c.is_ascii_digit());
        if !(c.is_uppercase() || c.is_numeric() || caseless || lower_id) {
            return None;
        }
    }
    if NOT_SPEAKERS.contains(&bare.to_lowercase().as_str()) {
        return None;
    }
    // "Robert Sarvis. Image: ..." is a caption's credit, not a speaker.
    let (last, before) = named.split_last()?;
    let last = last.to_lowercase();
    if !before.is_empty() && CAPTION_WORDS.contains(&last.trim_end_matches('.')) {
        return None;
    }
    if before.iter().any(|w| ends_sentence(w)) {
        return None;
    }
    let label = match role {
        Some(r) => format!("{bare} ({})", label_words(r).join(" ")),
        None => bare.clone(),
    };
    Some(LabelMatch {
        label,
        name_len: bare.len(),
        words: named.len(),
        role: role.is_some(),
        time,
        body,
    })
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
        name_len: label.len(),
        words: label.split_whitespace().count(),
        role: false,
        label,
        time: caps.name("time").map(|m| m.as_str().to_string()),
        body,
    })
}

/// A whole line in parentheses or brackets: `(The participant reads the task again)`,
/// `[laughter]`.
fn is_direction(line: &str) -> bool {
    let t = line.trim_matches(|c: char| c.is_whitespace() || is_bidi_mark(c));
    let t = t.strip_suffix('.').unwrap_or(t).trim_end();
    let (open, close) = match t.chars().next() {
        Some('(') => ('(', ')'),
        Some('[') => ('[', ']'),
        Some('（') => ('（', '）'),
        _ => return false,
    };
    if t.chars().count() < 3 || !t.ends_with(close) {
        return false;
    }
    // The first bracket closes at the end: "(1) text (2)" is speech.
    let mut depth = 0usize;
    for (i, c) in t.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return i + c.len_utf8() == t.len();
            }
        }
    }
    false
}

fn is_caption(line: &str) -> bool {
    caption_regex()
        .captures(line)
        .and_then(|c| c.name("credit"))
        .is_some_and(|credit| credit.as_str().split_whitespace().count() <= 10)
        && line.split_whitespace().count() <= 80
}

/// An editor's or transcriber's note: `Ed.: See the catalogue.`, `Note: the line dropped.`
fn is_note(line: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        build(r"(?i)^(?:notes?|ed\.|editor[’']?s\ note|transcriber[’']?s\ note|n\.\ ?b\.)_S_*:")
    })
    .is_match(line)
}

fn is_markdown_heading(line: &str) -> bool {
    let t = line.trim_start();
    let hashes = t.chars().take_while(|&c| c == '#').count();
    (1..=6).contains(&hashes) && t[hashes..].starts_with([' ', '\t'])
}

/// True if the line is a paragraph of its own: blank lines (or the text's ends) around it.
fn alone(lines: &[Line], i: usize) -> bool {
    (i == 0 || is_blank(&lines[i - 1])) && lines.get(i + 1).is_none_or(is_blank)
}

/// Headings, stage directions and captions, line by line. A numbered line is a heading when
/// the text has two or more of them (an interview guide), or when it opens the text, but not
/// when it follows a line that ends with a colon (a list in someone's speech). A Markdown
/// heading is always one.
fn apart_lines(lines: &[Line]) -> Vec<Option<Apart>> {
    let numbered: Vec<bool> = lines
        .iter()
        .map(|l| l.text.len() <= 400 && heading_regex().is_match(l.text))
        .collect();
    let outline = numbered.iter().filter(|&&n| n).count() >= 2;
    let first = lines.iter().position(|l| !is_blank(l));
    // In a text of paragraphs, a direction or caption is a paragraph of its own; inside one, it
    // may be a line that the paragraph was wrapped into.
    let paragraphed = has_inner_blank_line(lines);
    let mut list = false;
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let t = l.text.trim();
        if t.is_empty() {
            list = false;
            out.push(None);
            continue;
        }
        let kind =
            if is_markdown_heading(t) || (numbered[i] && !list && (outline || Some(i) == first)) {
                Some(Apart::Heading)
            } else if (is_direction(t) || is_caption(t) || is_note(t))
                && (!paragraphed || alone(lines, i))
            {
                Some(Apart::Aside)
            } else {
                None
            };
        list = (numbered[i] && list) || (kind.is_none() && t.ends_with([':', '：']));
        out.push(kind);
    }
    out
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

/// The speaker labels of a text, by the conventions transcripts use.
///
/// A label counts as a speaker if it starts two or more lines, names a role (`P1:`), gives a
/// role in parentheses (`Maria Lopez (Sustainability lead):`), comes with a timestamp in a
/// text with several (`[00:19] Gillian:`), is a near miss of a speaker (`Particpant:` beside
/// `Participant:`), or is a short name inside a dialogue (`John:`). In a text where every
/// paragraph starts with a label (a parliamentary record), every label is a speaker. A
/// headline before the first turn (`Headline: a story`) is not a speaker. When a name occurs
/// both with and without its role, the name alone is the speaker.
fn detect(lines: &[Line], apart: &[Option<Apart>]) -> Vec<Option<LabelMatch>> {
    let raw: Vec<Option<LabelMatch>> = lines
        .iter()
        .zip(apart)
        .map(|(l, a)| match a {
            Some(Apart::Heading) => None,
            _ => match_label(l.text),
        })
        .collect();
    let timed_lines = raw.iter().flatten().filter(|m| m.time.is_some()).count();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut evidence: HashSet<&str> = HashSet::new();
    for m in raw.iter().flatten() {
        *counts.entry(m.label.as_str()).or_default() += 1;
        if m.role || (m.time.is_some() && timed_lines >= 2) {
            evidence.insert(m.label.as_str());
        }
    }
    let mut sure: HashSet<&str> = counts
        .iter()
        .filter(|&(l, &n)| n >= 2 || is_role_label(l) || evidence.contains(l))
        .map(|(l, _)| *l)
        .collect();
    if fully_labelled(lines, &raw, apart) {
        // One-word labels only when nothing else says who speaks: beside two speakers,
        // `Headline: a story` is a headline.
        let one_word = sure.len() < 2 && raw.iter().flatten().count() >= 2;
        let extra: Vec<&str> = raw
            .iter()
            .flatten()
            .filter(|m| one_word || m.words >= 2 || m.role)
            .map(|m| m.label.as_str())
            .collect();
        sure.extend(extra);
    }
    // Near misses of a speaker. Each comparison costs up to 40 × 40 steps, so they are
    // bounded: a text of thousands of one-off labels is not a typo of its speakers.
    let unsure: Vec<&str> = counts
        .keys()
        .copied()
        .filter(|l| !sure.contains(l))
        .collect();
    let near: HashSet<&str> = if unsure.len() * sure.len() <= NEAR_MISS_PAIRS {
        unsure
            .into_iter()
            .filter(|l| {
                sure.iter().any(|r| {
                    r.len() > 3
                        && r.chars().count().abs_diff(l.chars().count()) <= 2
                        && edit_distance(r, l) <= 2
                })
            })
            .collect()
    } else {
        HashSet::new()
    };
    let dialogue_from = (sure.len() >= 2)
        .then(|| {
            raw.iter()
                .position(|m| m.as_ref().is_some_and(|m| sure.contains(m.label.as_str())))
        })
        .flatten()
        .unwrap_or(usize::MAX);
    let mut accepted: Vec<Option<LabelMatch>> = raw
        .iter()
        .enumerate()
        .map(|(i, m)| {
            m.clone().filter(|m| {
                let l = m.label.as_str();
                sure.contains(l)
                    || near.contains(l)
                    || (i > dialogue_from && m.words <= 3 && !l.ends_with('.'))
            })
        })
        .collect();
    let plain: HashSet<String> = accepted
        .iter()
        .flatten()
        .filter(|m| !m.role)
        .map(|m| m.label.clone())
        .collect();
    for m in accepted.iter_mut().flatten() {
        if m.role && plain.contains(&m.label[..m.name_len]) {
            m.label.truncate(m.name_len);
        }
    }
    accepted
}

/// True if every paragraph (every line, in a text without blank lines) starts with a label,
/// headings, directions and captions aside.
fn fully_labelled(lines: &[Line], raw: &[Option<LabelMatch>], apart: &[Option<Apart>]) -> bool {
    let per_line = !has_inner_blank_line(lines);
    let mut any = false;
    let mut after_blank = true;
    for ((l, m), a) in lines.iter().zip(raw).zip(apart) {
        if is_blank(l) {
            after_blank = true;
            continue;
        }
        let starts = after_blank || per_line;
        after_blank = false;
        if a.is_some() || !starts {
            continue;
        }
        if m.is_none() {
            return false;
        }
        any = true;
    }
    any
}

/// Split a transcript's text into segments.
pub fn segment(text: &str, rule: &TurnRule, unlabelled_speaker: &str) -> Vec<SegmentSpan> {
    segmentation(text, rule, unlabelled_speaker).segments
}

/// Split a transcript's text into segments, and say how.
///
/// With `Detect`, speakers are found by the conventions transcripts use; with a pattern, they
/// are its matches. Headings, stage directions and captions are segments without a speaker.
/// When two or more speakers are found, unlabelled paragraphs continue the turn before them
/// (after a heading, they are paragraphs without a speaker). When only one is found (a
/// `MODERATOR:` transcript whose participant lines are unlabelled), each run of unlabelled
/// lines is a turn of `unlabelled_speaker`.
pub fn segmentation(text: &str, rule: &TurnRule, unlabelled_speaker: &str) -> Segmentation {
    let lines = lines(text);
    let (labels, apart): (Vec<Option<LabelMatch>>, Vec<Option<Apart>>) = match rule {
        TurnRule::Paragraphs => (vec![None; lines.len()], vec![None; lines.len()]),
        TurnRule::Pattern(re) => {
            let labels: Vec<Option<LabelMatch>> =
                lines.iter().map(|l| match_pattern(re, l.text)).collect();
            let apart = apart_lines(&lines)
                .into_iter()
                .zip(&labels)
                .map(|(a, m)| a.filter(|_| m.is_none()))
                .collect();
            (labels, apart)
        }
        TurnRule::Detect => {
            let apart = apart_lines(&lines);
            let labels = detect(&lines, &apart);
            let apart = apart
                .into_iter()
                .zip(&labels)
                .map(|(a, m)| a.filter(|_| m.is_none()))
                .collect();
            (labels, apart)
        }
    };
    let speakers: HashSet<&str> = labels.iter().flatten().map(|m| m.label.as_str()).collect();
    let offsets = Offsets::new(text);
    let mut b = Builder {
        text,
        offsets: &offsets,
        out: Vec::new(),
    };
    let layout = if !speakers.is_empty() {
        Layout::Turns
    } else if has_inner_blank_line(&lines) {
        Layout::Paragraphs
    } else {
        Layout::Lines
    };
    match layout {
        Layout::Lines => {
            // No blank line inside the text: one utterance or sentence per line.
            for l in lines.iter().filter(|l| !is_blank(l)) {
                b.push(l.at, l.at + l.text.len(), None, None);
            }
        }
        Layout::Paragraphs => paragraphs(&lines, &apart, &mut b),
        Layout::Turns if speakers.len() == 1 => {
            one_labelled_speaker(&lines, &labels, &apart, unlabelled_speaker, &mut b)
        }
        Layout::Turns | Layout::Cues => turns(&lines, &labels, &apart, &mut b),
    }
    Segmentation {
        segments: b.out,
        layout,
    }
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

    /// A line that stands apart (a heading, direction or caption): a segment of its own.
    fn push_line(&mut self, l: &Line) {
        self.push(l.at, l.at + l.text.len(), None, None);
    }

    fn close(&mut self, open: Option<Open>) {
        if let Some(o) = open {
            self.push(o.start, o.end, o.speaker, o.time);
        }
    }
}

/// A segment being built: byte range, speaker and time.
struct Open {
    start: usize,
    end: usize,
    speaker: Option<String>,
    time: Option<String>,
    /// Some speech is in it (a label alone on its line has none yet).
    spoken: bool,
}

impl Open {
    fn line(l: &Line, speaker: Option<String>) -> Open {
        Open {
            start: l.at,
            end: l.at + l.text.len(),
            speaker,
            time: None,
            spoken: true,
        }
    }

    fn label(l: &Line, m: &LabelMatch) -> Open {
        let body = l.at + m.body.min(l.text.len());
        let end = (l.at + l.text.len()).max(body);
        Open {
            start: body,
            end,
            speaker: Some(m.label.clone()),
            time: m.time.clone(),
            spoken: !l.text[m.body.min(l.text.len())..].trim().is_empty(),
        }
    }

    fn extend(&mut self, l: &Line) {
        self.end = l.at + l.text.len();
        self.spoken = true;
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

/// A short title on a paragraph of its own inside a dialogue (`On NATO`, `The costs`): two to
/// eight words, a capital first, no punctuation at the end, after a paragraph that ends a
/// sentence.
fn is_title(lines: &[Line], i: usize) -> bool {
    let t = lines[i].text.trim();
    let words = t.split_whitespace().count();
    let before = lines[..i].iter().rev().find(|l| !is_blank(l));
    alone(lines, i)
        && (2..=8).contains(&words)
        && t.chars().next().is_some_and(char::is_uppercase)
        && t.chars().last().is_some_and(char::is_alphanumeric)
        && !t.contains([':', '：'])
        && before.is_some_and(|l| !l.text.trim_end().ends_with(char::is_alphanumeric))
}

/// True if the transcript punctuates its speech: of the turns that are one paragraph longer
/// than a title, at most one in ten ends on a letter or digit. In a transcript that does not
/// punctuate, a short unpunctuated paragraph is speech, not a title.
fn punctuates(lines: &[Line], labels: &[Option<LabelMatch>]) -> bool {
    let (mut long, mut bare) = (0usize, 0usize);
    for (i, (l, m)) in lines.iter().zip(labels).enumerate() {
        let Some(m) = m else { continue };
        let speech = l.text[m.body.min(l.text.len())..].trim();
        if !lines.get(i + 1).is_none_or(is_blank) || speech.split_whitespace().nth(8).is_none() {
            continue;
        }
        long += 1;
        bare += usize::from(speech.ends_with(char::is_alphanumeric));
    }
    bare * 10 <= long
}

fn paragraphs(lines: &[Line], apart: &[Option<Apart>], b: &mut Builder) {
    let mut open: Option<Open> = None;
    for (l, a) in lines.iter().zip(apart) {
        if is_blank(l) {
            b.close(open.take());
        } else if a.is_some() {
            b.close(open.take());
            b.push_line(l);
        } else {
            match open.as_mut() {
                Some(o) => o.extend(l),
                None => open = Some(Open::line(l, None)),
            }
        }
    }
    b.close(open);
}

fn turns(lines: &[Line], labels: &[Option<LabelMatch>], apart: &[Option<Apart>], b: &mut Builder) {
    // The open segment: a turn, or a paragraph without a speaker (before the first turn, or
    // after a heading), which ends at a blank line.
    let mut open: Option<Open> = None;
    // Whose turn unlabelled text continues.
    let mut speaker: Option<String> = None;
    let titles = punctuates(lines, labels);
    for (i, ((l, m), a)) in lines.iter().zip(labels).zip(apart).enumerate() {
        if let Some(m) = m {
            b.close(open.take());
            speaker = Some(m.label.clone());
            open = Some(Open::label(l, m));
        } else if let Some(a) = a {
            b.close(open.take());
            b.push_line(l);
            if *a == Apart::Heading {
                speaker = None;
            }
        } else if is_blank(l) {
            if open.as_ref().is_some_and(|o| o.speaker.is_none()) {
                b.close(open.take());
            }
        } else if let Some(o) = open.as_mut().filter(|o| !o.spoken) {
            // A label alone on its line: the speech follows.
            o.extend(l);
        } else if titles && speaker.is_some() && is_title(lines, i) {
            b.close(open.take());
            b.push_line(l);
            speaker = None;
        } else {
            match open.as_mut() {
                Some(o) => o.extend(l),
                None => open = Some(Open::line(l, speaker.clone())),
            }
        }
    }
    b.close(open);
}

fn one_labelled_speaker(
    lines: &[Line],
    labels: &[Option<LabelMatch>],
    apart: &[Option<Apart>],
    unlabelled: &str,
    b: &mut Builder,
) {
    // Everything that is not the one labelled speaker's is the other party's, including
    // what comes before the first label (a participant thinking aloud before the moderator
    // speaks). A label alone on its line takes the lines after it.
    let mut open: Option<Open> = None;
    for ((l, m), a) in lines.iter().zip(labels).zip(apart) {
        if let Some(m) = m {
            b.close(open.take());
            let turn = Open::label(l, m);
            if turn.spoken {
                b.close(Some(turn));
            } else {
                open = Some(turn);
            }
        } else if a.is_some() {
            b.close(open.take());
            b.push_line(l);
        } else if !is_blank(l) {
            match open.as_mut() {
                Some(o) => o.extend(l),
                None => open = Some(Open::line(l, Some(unlabelled.to_string()))),
            }
        }
    }
    b.close(open);
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

    fn speakers(text: &str) -> Vec<Option<String>> {
        segment(text, &TurnRule::Detect, "P")
            .into_iter()
            .map(|s| s.speaker)
            .collect()
    }

    #[test]
    fn numbered_headings_and_stage_directions_stand_apart() {
        let t = "1 Open the intranet page on packaging.\n\t(The participant opens the page)\n\tMODERATOR: Start with task 1?\n\tOkay. It says recycled content.\n\t4 targets, I think.\n    1.a Was the target clear?\n    \tMostly.\n    \t(The participant scrolls down).\n    \tThe date is missing.\n        c.ii Supplier data\n    \tMODERATOR: Next?\n2 Find the fleet targets.\n\tHere.";
        assert_eq!(
            seg(t),
            vec![
                (None, "1 Open the intranet page on packaging.".into()),
                (None, "(The participant opens the page)".into()),
                (sp("MODERATOR"), "Start with task 1?".into()),
                // A line that starts with a number and a lowercase word is speech.
                (
                    sp("P"),
                    "Okay. It says recycled content.\n\t4 targets, I think.".into()
                ),
                (None, "1.a Was the target clear?".into()),
                (sp("P"), "Mostly.".into()),
                (None, "(The participant scrolls down).".into()),
                (sp("P"), "The date is missing.".into()),
                (None, "c.ii Supplier data".into()),
                (sp("MODERATOR"), "Next?".into()),
                (None, "2 Find the fleet targets.".into()),
                (sp("P"), "Here.".into()),
            ]
        );
        // An inline direction stays in the speech; "(1) ... (2)" is not a direction.
        let t = "Interviewer: Why?\n\nMaria: Well (laughs) because.\n\nInterviewer: And?\n\nMaria:\n(1) first (2) second";
        assert_eq!(seg(t)[1], (sp("Maria"), "Well (laughs) because.".into()));
        assert_eq!(seg(t)[3], (sp("Maria"), "(1) first (2) second".into()));
    }

    #[test]
    fn a_numbered_list_in_speech_is_not_headings() {
        let t = "Interviewer: What changed?\n\nMaria: Three things:\n1. Green power at the plant\n2. Supplier audits\n\nInterviewer: Thanks.";
        assert_eq!(
            seg(t)[1],
            (
                sp("Maria"),
                "Three things:\n1. Green power at the plant\n2. Supplier audits".into()
            )
        );
        // A single numbered line inside a text is a list item, not a heading.
        let t = "Interviewer: Why?\n\nMaria: Because.\n3 Plants switched.\n\nInterviewer: Ok.";
        assert_eq!(
            seg(t)[1],
            (sp("Maria"), "Because.\n3 Plants switched.".into())
        );
    }

    #[test]
    fn headings_end_a_turn_and_directions_do_not() {
        let t = "Interviewer: Why?\n\nMaria: Customers asked.\n\n[laughter]\n\nAnd the board.\n\n## Sales\n\nA lead paragraph.\n\nInterviewer: And sales?\n\nMaria: Later.";
        assert_eq!(
            seg(t),
            vec![
                (sp("Interviewer"), "Why?".into()),
                (sp("Maria"), "Customers asked.".into()),
                (None, "[laughter]".into()),
                (sp("Maria"), "And the board.".into()),
                (None, "## Sales".into()),
                (None, "A lead paragraph.".into()),
                (sp("Interviewer"), "And sales?".into()),
                (sp("Maria"), "Later.".into()),
            ]
        );
        // A short title on a paragraph of its own inside a dialogue ends the turn too.
        let t = "Interviewer: Why?\n\nMaria: Customers asked.\n\nThe supplier side\n\nInterviewer: And?\n\nMaria: Audits.";
        assert_eq!(seg(t)[2], (None, "The supplier side".into()));
        // Not after a sentence left open, nor in a transcript that does not punctuate.
        let t = "Interviewer: Why?\n\nMaria: Customers asked and\n\nThe supplier side\n\nInterviewer: And?\n\nMaria: Audits.";
        assert_eq!(
            seg(t)[1],
            (
                sp("Maria"),
                "Customers asked and\n\nThe supplier side".into()
            )
        );
        let t = "Interviewer: why do you think the targets never reached the sales floor\n\nMaria: we heard about them in a webinar nobody watched to the end\n\nNot really\n\nInterviewer: ok\n\nMaria: yes";
        assert_eq!(
            seg(t)[1],
            (
                sp("Maria"),
                "we heard about them in a webinar nobody watched to the end\n\nNot really".into()
            )
        );
        // In a text of paragraphs, a bracketed line wrapped into a paragraph stays in it.
        let t = "Interviewer: Why?\n\nMaria: Customers asked about\n[inaudible 00:01:02]\n\nInterviewer: Ok.";
        assert_eq!(
            seg(t)[1],
            (
                sp("Maria"),
                "Customers asked about\n[inaudible 00:01:02]".into()
            )
        );
    }

    #[test]
    fn chair_labels_with_a_role_and_one_turn_records_are_speakers() {
        // Hebrew, right to left: a chair with the role in parentheses (gershayim ״), a
        // parenthesised nickname, direction marks around the label.
        let t = "רונית לוי (יו״ר): אני פותחת את הישיבה על יעדי הקיימות.\n\nדני כהן: תודה.\n\n\u{200F}אברהם (אבי) שחר\u{200F}: שיווק פנימי.\n\nרונית לוי (יו\"ר): תודה.";
        assert_eq!(
            speakers(t),
            [
                sp("רונית לוי (יו״ר)"),
                sp("דני כהן"),
                sp("אברהם (אבי) שחר"),
                sp("רונית לוי (יו\"ר)")
            ]
        );
        assert_eq!(seg(t)[1].1, "תודה.");
        // A record of one turn: every paragraph starts with a label.
        assert_eq!(
            speakers("יעל ברק: הנושא הוא אריזות ממוחזרות."),
            [sp("יעל ברק")]
        );
        assert_eq!(
            speakers("יעל ברק (יו״ר): כן.\nדני כהן: לא."),
            [sp("יעל ברק (יו״ר)"), sp("דני כהן")]
        );
        // A one-word label on a paragraph alone is not enough.
        assert_eq!(speakers("Summary: sales learned it last."), [None]);
        assert_eq!(speakers("Background: sales learned it last."), [None]);
    }

    #[test]
    fn a_role_is_dropped_when_the_name_also_speaks_without_it() {
        let t = "Maria Lopez (Sustainability lead): Targets came from the board.\n\nTom Berg (Interviewer): And sales?\n\nMaria Lopez: Sales heard it last.";
        assert_eq!(
            speakers(t),
            [
                sp("Maria Lopez"),
                sp("Tom Berg (Interviewer)"),
                sp("Maria Lopez")
            ]
        );
    }

    #[test]
    fn timestamp_conventions_start_turns_and_keep_their_time() {
        let check = |t: &str, want: &[(&str, &str, &str)]| {
            let got: Vec<(String, String, String)> = segment(t, &TurnRule::Detect, "P")
                .into_iter()
                .map(|s| {
                    (
                        s.speaker.unwrap_or_default(),
                        s.time.unwrap_or_default(),
                        slice_chars(t, s.start, s.end).to_string(),
                    )
                })
                .collect();
            let want: Vec<(String, String, String)> = want
                .iter()
                .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
                .collect();
            assert_eq!(got, want, "{t}");
        };
        let want = [
            ("Maria Lopez", "00:00:04", "We report scope 3."),
            ("Tom Berg", "00:00:10", "Since when?"),
        ];
        // Zoom: time first, or a bracketed name then the time.
        check(
            "00:00:04 Maria Lopez: We report scope 3.\n00:00:10 Tom Berg: Since when?",
            &want,
        );
        check(
            "[Maria Lopez] 00:00:04\nWe report scope 3.\n[Tom Berg] 00:00:10 Since when?",
            &want,
        );
        // Otter and Teams: the name and the time on a line, the speech after it.
        check(
            "Maria Lopez  00:00:04\nWe report scope 3.\n\nTom Berg  00:00:10\nSince when?\n",
            &want,
        );
        check(
            "Maria Lopez   00:00:04\n\nWe report scope 3.\n\nTom Berg   00:00:10\n\nSince when?",
            &want,
        );
        // Rev: the time in parentheses.
        check(
            "Maria Lopez (00:00:04):\nWe report scope 3.\n\nTom Berg (00:00:10):\nSince when?",
            &want,
        );
        // One Otter speaker: a name line takes the speech after it.
        check(
            "Maria Lopez  0:04\nFirst the plant.\n\nMaria Lopez  1:30\nThen the fleet.",
            &[
                ("Maria Lopez", "0:04", "First the plant."),
                ("Maria Lopez", "1:30", "Then the fleet."),
            ],
        );
        // A lone name and time in prose is not a turn.
        assert_eq!(speakers("Meeting 10:30\n\nWe met the board."), [None, None]);
        assert_eq!(
            speakers("Tom 10:30\n\nSee you at 10:30 then."),
            [None, None]
        );
    }

    #[test]
    fn captions_and_notes_are_not_speakers() {
        let t = "Interviewer: Why pallets?\n\nMaria Lopez: Customers asked.\n\nMaria Lopez. Image: Varden Packaging.\n\nThe Tilburg plant in 2023 Photo: J. Berg\n\nEd.: The plant opened in 2019.\n\nInterviewer: And sales?\n\nMaria Lopez: Later.";
        assert_eq!(
            seg(t),
            vec![
                (sp("Interviewer"), "Why pallets?".into()),
                (sp("Maria Lopez"), "Customers asked.".into()),
                (None, "Maria Lopez. Image: Varden Packaging.".into()),
                (None, "The Tilburg plant in 2023 Photo: J. Berg".into()),
                (None, "Ed.: The plant opened in 2019.".into()),
                (sp("Interviewer"), "And sales?".into()),
                (sp("Maria Lopez"), "Later.".into()),
            ]
        );
        // A credit is a name: a paragraph that ends "the picture: we ..." is speech.
        let t = "Interviewer: Why?\n\nMaria Lopez: Customers asked.\n\nTo give you the picture: we are behind.\n\nInterviewer: Ok.\n\nMaria Lopez: Yes.";
        assert_eq!(
            seg(t)[1],
            (
                sp("Maria Lopez"),
                "Customers asked.\n\nTo give you the picture: we are behind.".into()
            )
        );
        // Titles and initials inside a name are not the end of a sentence.
        let t = "Mr. Berg: Hello.\nMario J. Rossi: Hi.\nMr. Berg: Bye.\nMario J. Rossi: Bye.";
        assert_eq!(speakers(t)[..2], [sp("Mr. Berg"), sp("Mario J. Rossi")]);
    }

    #[test]
    fn full_width_colons_name_speakers_but_not_reported_speech() {
        let t = "主持人：你好。\n陳生：你好。\n主持人：開始啦。\n陳生：好。";
        assert_eq!(seg(t)[1], (sp("陳生"), "你好。".into()));
        let t = "我話：「係吖！」\n佢話：「好。」\n我話：「走啦。」";
        assert_eq!(speakers(t), [None, None, None]);
    }

    #[test]
    fn segmentation_says_how_it_split_the_text() {
        let layout = |t: &str, rule: &TurnRule| segmentation(t, rule, "P").layout;
        assert_eq!(
            layout("A: one\nB: two\nA: three", &TurnRule::Detect),
            Layout::Turns
        );
        assert_eq!(
            layout("One.\n\nTwo.", &TurnRule::Detect),
            Layout::Paragraphs
        );
        assert_eq!(layout("One.\nTwo.", &TurnRule::Detect), Layout::Lines);
        assert_eq!(
            layout("A: one\n\nB: two\n\nA: three", &TurnRule::Paragraphs),
            Layout::Paragraphs
        );
    }

    #[test]
    fn detection_stays_linear_on_many_distinct_labels() {
        // 40,000 timed turns, each by a different speaker: no quadratic pass over them.
        let mut t = String::new();
        for i in 0..40_000 {
            t.push_str(&format!(
                "[00:{:02}:{:02}] Speaker {i}: We met the target.\n",
                i / 60 % 60,
                i % 60
            ));
        }
        let started = std::time::Instant::now();
        let s = segment(&t, &TurnRule::Detect, "P");
        assert_eq!(s.len(), 40_000);
        assert_eq!(s[39_999].speaker.as_deref(), Some("Speaker 39999"));
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        // Two speakers and 30,000 one-off labels: no near-miss comparison of every pair.
        let mut t =
            "Interviewer: Hello.\nInterviewer: Again.\nMaria: Hi.\nMaria: Yes.\n".to_string();
        for i in 0..30_000 {
            t.push_str(&format!("Guest{i} Lopez: We met the target.\n"));
        }
        let started = std::time::Instant::now();
        let s = segment(&t, &TurnRule::Detect, "P");
        assert_eq!(s.len(), 30_004);
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
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
        "Maria Lopez (Lead): ",
        "רונית לוי (יו״ר): ",
        "00:00:04 Ana: ",
        "Ana Lima  0:04\n",
        "[Ana Lima] 00:00:04 ",
        "(laughs)\n",
        "1.a Heading\n",
        "Photo: Ana.\n",
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
                    let gap = slice_chars(&text, prev, s.0);
                    for line in gap.split('\n').map(str::trim) {
                        prop_assert!(
                            line.is_empty() || line.ends_with(':') || match_label(line).is_some(),
                            "gap {:?}",
                            gap
                        );
                    }
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
