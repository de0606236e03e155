//! Text rules shared by every importer: UTF-8 validation, BOM and line endings, code-point
//! offsets, word counts and whitespace-folded matching.

use unicode_segmentation::UnicodeSegmentation;

/// Why raw bytes are not acceptable transcript text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    Utf16,
    Binary { byte: usize },
    InvalidUtf8 { byte: usize },
}

impl TextProblem {
    /// What is wrong, to follow "FILE: ".
    pub fn describe(&self) -> String {
        match self {
            TextProblem::Empty => "the file is empty (or holds only whitespace)".to_string(),
            TextProblem::Utf16 => "the file is UTF-16 text, not UTF-8".to_string(),
            TextProblem::Binary { byte } => {
                format!("not a text file (NUL byte at byte position {byte})")
            }
            TextProblem::InvalidUtf8 { byte } => {
                format!("not valid UTF-8 (invalid byte at byte position {byte})")
            }
        }
    }
}

/// Decode raw file bytes into the stored form: UTF-8, no BOM, `\n` line endings.
pub fn decode(bytes: &[u8]) -> Result<String, TextProblem> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(TextProblem::Utf16);
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(pos) = body.iter().position(|&b| b == 0) {
        let offset = bytes.len() - body.len();
        return Err(TextProblem::Binary { byte: pos + offset });
    }
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            let offset = bytes.len() - body.len();
            return Err(TextProblem::InvalidUtf8 {
                byte: e.valid_up_to() + offset,
            });
        }
    };
    let text = normalize_newlines(text);
    if text.trim().is_empty() {
        return Err(TextProblem::Empty);
    }
    Ok(text)
}

/// `\r\n` and lone `\r` become `\n`; nothing else changes.
pub fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Maps between byte offsets and code-point offsets of one string.
///
/// Interfaces speak code points; Rust slices speak bytes. Build one per text and convert at the
/// boundary. Construction is O(n); lookups are O(log n) (O(1) for ASCII-only text).
pub struct Offsets {
    /// Byte offset of every code point, plus the text length at the end. Empty if ASCII-only.
    starts: Vec<usize>,
    len_bytes: usize,
}

impl Offsets {
    pub fn new(text: &str) -> Offsets {
        let starts = if text.is_ascii() {
            Vec::new()
        } else {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            v
        };
        Offsets {
            starts,
            len_bytes: text.len(),
        }
    }

    /// Number of code points in the text.
    pub fn len_chars(&self) -> usize {
        if self.starts.is_empty() {
            self.len_bytes
        } else {
            self.starts.len() - 1
        }
    }

    /// Code-point offset of a byte offset that lies on a character boundary.
    pub fn char_of_byte(&self, byte: usize) -> usize {
        if self.starts.is_empty() {
            byte
        } else {
            match self.starts.binary_search(&byte) {
                Ok(i) => i,
                Err(i) => i,
            }
        }
    }

    /// Byte offset of a code-point offset (clamped to the end of the text).
    pub fn byte_of_char(&self, ch: usize) -> usize {
        if self.starts.is_empty() {
            ch.min(self.len_bytes)
        } else {
            self.starts[ch.min(self.starts.len() - 1)]
        }
    }
}

/// The text of the code-point span `[start, end)`.
pub fn slice_chars(text: &str, start: usize, end: usize) -> &str {
    let offsets = Offsets::new(text);
    &text[offsets.byte_of_char(start)..offsets.byte_of_char(end)]
}

/// Words as unicode-segmentation sees them (word-bound segments holding a letter or digit).
pub fn count_words(text: &str) -> usize {
    text.unicode_words().count()
}

/// Code-point offsets of the start of every word.
pub fn word_starts(text: &str) -> Vec<usize> {
    let offsets = Offsets::new(text);
    text.unicode_word_indices()
        .map(|(b, _)| offsets.char_of_byte(b))
        .collect()
}

/// Find every occurrence of `needle` in `haystack`, treating any run of whitespace as one space
/// (and optionally ignoring case). Returns code-point spans into `haystack`.
pub fn find_folded(haystack: &str, needle: &str, ignore_case: bool) -> Vec<(usize, usize)> {
    Folded::new(haystack, ignore_case).find(needle)
}

/// A text folded for quote search: whitespace runs become one space and, optionally, case is
/// lowered; each byte of the folded text remembers the code-point span it came from. Fold a
/// long transcript once and search it for many quotes (`code --from`).
#[derive(Debug, Clone)]
pub struct Folded {
    ignore_case: bool,
    text: String,
    /// For each byte of `text`, the code-point span in the original it came from.
    origin: Vec<(u32, u32)>,
}

impl Folded {
    pub fn new(haystack: &str, ignore_case: bool) -> Folded {
        let mut text = String::with_capacity(haystack.len());
        let mut origin: Vec<(u32, u32)> = Vec::with_capacity(haystack.len());
        fn push(text: &mut String, origin: &mut Vec<(u32, u32)>, c: char, span: (u32, u32)) {
            text.push(c);
            origin.extend(std::iter::repeat_n(span, c.len_utf8()));
        }
        let mut last_space = false;
        for (i, c) in haystack.chars().enumerate() {
            let i = i as u32;
            if c.is_whitespace() {
                if last_space {
                    // Widen the space's span over the whole run.
                    if let Some(o) = origin.last_mut() {
                        o.1 = i + 1;
                    }
                } else {
                    push(&mut text, &mut origin, ' ', (i, i + 1));
                    last_space = true;
                }
            } else {
                last_space = false;
                if ignore_case {
                    for f in c.to_lowercase() {
                        push(&mut text, &mut origin, f, (i, i + 1));
                    }
                } else {
                    push(&mut text, &mut origin, c, (i, i + 1));
                }
            }
        }
        Folded {
            ignore_case,
            text,
            origin,
        }
    }

    /// The code-point spans in the original text where `needle` (folded the same way) occurs,
    /// overlapping occurrences included, in order.
    pub fn find(&self, needle: &str) -> Vec<(usize, usize)> {
        let mut pattern = String::with_capacity(needle.len());
        for c in needle.trim().chars() {
            if c.is_whitespace() {
                if !pattern.ends_with(' ') {
                    pattern.push(' ');
                }
            } else if self.ignore_case {
                pattern.extend(c.to_lowercase());
            } else {
                pattern.push(c);
            }
        }
        let mut found = Vec::new();
        if pattern.is_empty() {
            return found;
        }
        let finder = memchr::memmem::Finder::new(pattern.as_bytes());
        let step = pattern.chars().next().map_or(1, char::len_utf8);
        let hay = self.text.as_bytes();
        let mut from = 0;
        while let Some(at) = finder.find(&hay[from..]) {
            let b = from + at;
            let start = self.origin[b].0 as usize;
            let end = self.origin[b + pattern.len() - 1].1 as usize;
            // Matching the start of a multi-char lowercase expansion only.
            if found.last().map(|&(s, _)| s) != Some(start) {
                found.push((start, end));
            }
            from = b + step;
        }
        found
    }
}

/// Collapse whitespace runs to single spaces and trim.
pub fn fold_whitespace(text: &str) -> String {
    // One pass into one allocation: imports fold every turn and every survey answer.
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether a character may not appear in a name (of a theme, transcript, attribute, coder or
/// version): C0 and C1 control characters, DEL, and the bidirectional overrides and isolates
/// that reorder how a terminal shows the text around them.
pub fn is_forbidden_in_name(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The explicit bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A short name for a control character: `ESC`, `newline`, or `U+009B`.
pub fn describe_control(c: char) -> String {
    match c {
        '\0' => "NUL".into(),
        '\u{7}' => "BEL".into(),
        '\u{8}' => "backspace".into(),
        '\t' => "tab".into(),
        '\n' => "newline".into(),
        '\r' => "carriage return".into(),
        '\u{1b}' => "ESC".into(),
        '\u{7f}' => "DEL".into(),
        c => format!("U+{:04X}", c as u32),
    }
}

/// Check that a name holds no control character, naming the field and the (1-based)
/// character position of the first one: `theme name "Aware\u{1b}[31mness" contains a control
/// character (ESC) at position 6; names cannot contain control characters`.
pub fn check_name(what: &str, name: &str) -> crate::error::Result<()> {
    match name.chars().position(is_forbidden_in_name) {
        None => Ok(()),
        Some(i) => {
            let c = name.chars().nth(i).expect("found above");
            Err(crate::error::Error::user(format!(
                "{what} \"{}\" contains a control character ({}) at position {}; names cannot contain control characters",
                escape_name(name),
                describe_control(c),
                i + 1
            ))
            .with_hint("type the name again without it (tab, newline and terminal escapes are control characters)"))
        }
    }
}

/// A name from another program's file made fit for tana: every control character becomes a
/// space, runs of spaces that makes are joined, and the ends are trimmed. `None` when the
/// name needed no change.
pub fn replace_controls(name: &str) -> Option<String> {
    if !name.chars().any(is_forbidden_in_name) {
        return None;
    }
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if is_forbidden_in_name(c) {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    Some(out.trim().to_string())
}

/// `\u{1b}` for ESC, `\n` for a newline: how a character that must not reach a terminal
/// raw is shown.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// A name as printed on a terminal: every control character escaped (ESC as `\u{1b}`,
/// newline as `\n`), so a name stored by an older tana cannot move the cursor or recolour
/// the screen.
pub fn escape_name(name: &str) -> std::borrow::Cow<'_, str> {
    escape_where(name, is_forbidden_in_name)
}

/// Text (a transcript, a quote, a message) as printed on a terminal: newlines and tabs are
/// kept, every other control character and the bidirectional overrides are escaped.
pub fn escape_text(text: &str) -> std::borrow::Cow<'_, str> {
    escape_where(text, |c| c != '\n' && c != '\t' && is_forbidden_in_name(c))
}

fn escape_where(s: &str, escape: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(&escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain definition of a folded search, char by char: what `Folded` must agree with.
    fn find_folded_naive(hay: &str, needle: &str, ignore_case: bool) -> Vec<(usize, usize)> {
        let fold = |c: char| -> Vec<char> {
            if ignore_case {
                c.to_lowercase().collect()
            } else {
                vec![c]
            }
        };
        let mut pattern: Vec<char> = Vec::new();
        for c in needle.trim().chars() {
            if c.is_whitespace() {
                if pattern.last() != Some(&' ') {
                    pattern.push(' ');
                }
            } else {
                pattern.extend(fold(c));
            }
        }
        let (mut folded, mut origin): (Vec<char>, Vec<(usize, usize)>) = (vec![], vec![]);
        for (i, c) in hay.chars().enumerate() {
            if c.is_whitespace() {
                if folded.last() == Some(&' ') {
                    origin.last_mut().unwrap().1 = i + 1;
                } else {
                    folded.push(' ');
                    origin.push((i, i + 1));
                }
            } else {
                for f in fold(c) {
                    folded.push(f);
                    origin.push((i, i + 1));
                }
            }
        }
        let mut found: Vec<(usize, usize)> = Vec::new();
        if pattern.is_empty() {
            return found;
        }
        for i in 0..(folded.len() + 1).saturating_sub(pattern.len()) {
            if folded[i..i + pattern.len()] == pattern[..] {
                let (start, end) = (origin[i].0, origin[i + pattern.len() - 1].1);
                if found.last().map(|&(s, _)| s) != Some(start) {
                    found.push((start, end));
                }
            }
        }
        found
    }

    proptest! {
        #[test]
        fn folded_search_agrees_with_the_plain_definition(
            hay in "[aAİıß é\n\t🌱-]{0,40}",
            needle in "[aAİıß é\n🌱]{1,4}",
            ignore_case: bool,
        ) {
            prop_assert_eq!(
                find_folded(&hay, &needle, ignore_case),
                find_folded_naive(&hay, &needle, ignore_case)
            );
        }
    }

    #[test]
    fn overlapping_occurrences_are_all_found() {
        assert_eq!(
            find_folded("aaaa", "aa", false),
            vec![(0, 2), (1, 3), (2, 4)]
        );
        assert_eq!(find_folded("x İİ y", "i̇", true), vec![(2, 3), (3, 4)]);
    }

    #[test]
    fn decode_strips_bom_and_normalises_newlines() {
        assert_eq!(decode(b"\xEF\xBB\xBFa\r\nb\rc").unwrap(), "a\nb\nc");
    }

    #[test]
    fn decode_reports_invalid_utf8_byte_position() {
        assert_eq!(
            decode(b"abc\xFFdef"),
            Err(TextProblem::InvalidUtf8 { byte: 3 })
        );
        assert_eq!(decode(b"ab\0c"), Err(TextProblem::Binary { byte: 2 }));
        assert_eq!(decode(b"  \n"), Err(TextProblem::Empty));
    }

    #[test]
    fn offsets_convert_both_ways() {
        let t = "é🌱a";
        let o = Offsets::new(t);
        assert_eq!(o.len_chars(), 3);
        assert_eq!(o.byte_of_char(2), 6);
        assert_eq!(o.char_of_byte(6), 2);
        assert_eq!(slice_chars(t, 1, 3), "🌱a");
    }

    #[test]
    fn find_folded_ignores_whitespace_runs_and_case() {
        let hay = "We said\n  the  Targets were vague. the targets";
        assert_eq!(find_folded(hay, "the targets", false), vec![(35, 46)]);
        assert_eq!(find_folded(hay, "the targets", true).len(), 2);
        assert_eq!(find_folded(hay, "said the", false), vec![(3, 13)]);
    }

    #[test]
    fn names_with_control_characters_are_refused_with_their_position() {
        assert!(check_name("theme name", "Zoë's café 🌱").is_ok());
        let err = check_name("theme name", "Aware\u{1b}[31mness").unwrap_err();
        assert_eq!(
            err.to_string(),
            "theme name \"Aware\\u{1b}[31mness\" contains a control character (ESC) at position 6; names cannot contain control characters"
        );
        for (name, what) in [
            ("a\u{7}", "BEL"),
            ("a\0", "NUL"),
            ("a\nb", "newline"),
            ("a\tb", "tab"),
            ("a\u{7f}", "DEL"),
            ("a\u{9b}", "U+009B"),
            ("a\u{202e}b", "U+202E"),
            ("a\u{2066}b", "U+2066"),
        ] {
            let err = check_name("coder name", name).unwrap_err().to_string();
            assert!(err.contains(&format!("({what}) at position 2")), "{err}");
        }
    }

    #[test]
    fn escaping_keeps_newlines_in_text_but_not_in_names() {
        assert_eq!(
            escape_text("a\tb\nc\u{1b}[2J\u{9b}"),
            "a\tb\nc\\u{1b}[2J\\u{9b}"
        );
        assert_eq!(escape_name("a\tb\nc\u{202e}"), "a\\tb\\nc\\u{202e}");
        assert!(matches!(
            escape_text("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            replace_controls("Aware\u{1b}[31m\n\tness").as_deref(),
            Some("Aware [31m ness")
        );
        assert_eq!(replace_controls("fine"), None);
    }

    #[test]
    fn words_count_accented_and_cjk_text() {
        assert_eq!(count_words("Zoë's café, 42 €!"), 3);
        assert!(count_words("我哋今日好開心") >= 1);
    }
}
