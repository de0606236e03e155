//! Coding sheets: a transcript as Markdown with a `codes:` line per segment, edited in any
//! editor and applied back as the difference with the project.
//!
//! A sheet names themes by number and stable id (`1.2 {#5}`), so a sheet made before a
//! template revision still applies. A coding of a whole segment is written as the theme alone;
//! a coding of part of a segment as `THEME "exact words"` (or `THEME @start:end` when the words
//! occur twice); any other coding (one that crosses segments, or starts on a speaker label or
//! between turns) as `THEME @start:end` on the segment where it starts, or the turn that
//! follows. Every coding of the transcript is on the sheet; codings by other coders are marked
//! `@name` and left alone.
//!
//! Applying is safe: a sheet must be whole (its header, every segment with its `codes:` line,
//! its end line) and every `{#id}` must name a theme that still exists; anything else is
//! refused with the line numbers, and nothing is written. Removed codings are archived, and
//! the whole apply is one change in the log, so `tana undo` reverts it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{params, Connection, OptionalExtension};

use crate::coding::{self, codings_of, Doc, Stamp};
use crate::error::{Error, Result};
use crate::journal::{self, Kind, LogEntry};
use crate::model::{Segment, Span};
use crate::template::{revise, NewTheme, Template};
use crate::text::{find_folded, fold_whitespace, Offsets};

const HEADER: &str = "<!-- tana coding sheet: ";
const FOOTER: &str = "<!-- end of coding sheet: ";
/// Segments longer than this show partial codings as spans, not quotes: finding a quote is a
/// scan of the segment, and a sheet stays linear in the transcript's size.
const QUOTE_SEGMENT_LIMIT: usize = 20_000;

/// A transcript's text with fast code-point slicing.
struct Text<'a> {
    text: &'a str,
    offsets: Offsets,
}

impl<'a> Text<'a> {
    fn new(text: &'a str) -> Text<'a> {
        Text {
            text,
            offsets: Offsets::new(text),
        }
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        &self.text[self.offsets.byte_of_char(start)..self.offsets.byte_of_char(end)]
    }
}

/// The segment (index into `segments`) a coding is listed on: the one it starts in, or, for a
/// coding that starts on a label or between turns, the turn that follows (the last one for a
/// coding after every turn).
fn home(segments: &[Segment], span: Span) -> Option<usize> {
    if segments.is_empty() {
        return None;
    }
    let i = segments.partition_point(|s| s.end <= span.start);
    Some(i.min(segments.len() - 1))
}

/// Which codings a sheet shows as the applier's own (unmarked): all of them in a project one
/// person codes (whatever name they code under today), else only the applier's; with blind
/// coding, only the applier's (and the others are not on the sheet at all).
fn editable(
    codings: &[(i64, Span, i64, i64)],
    names: &HashMap<i64, String>,
    me: &str,
    own_only: bool,
) -> Vec<bool> {
    let several = own_only || codings.iter().any(|c| c.2 != codings[0].2);
    codings
        .iter()
        .map(|c| !several || names.get(&c.2).is_some_and(|n| n == me))
        .collect()
}

/// A coder's name as a sheet marks it: one word, no quotes or semicolons.
fn mark(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_whitespace() || c == '"' || c == ';' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// How a coding is written on its segment's `codes:` line, after the theme: nothing for the
/// whole segment, `"words"` when the words find exactly this span again, else `@start:end`.
fn locator(text: &Text, seg: &Segment, span: Span) -> String {
    if span == Span::new(seg.start, seg.end) {
        return String::new();
    }
    let inside = span.start >= seg.start && span.end <= seg.end;
    if inside && seg.end - seg.start <= QUOTE_SEGMENT_LIMIT {
        let part = text.slice(span.start, span.end);
        let quote = fold_whitespace(part);
        if !quote.is_empty() && !quote.contains('"') {
            let found = find_folded(text.slice(seg.start, seg.end), &quote, false);
            if found.len() == 1
                && seg.start + found[0].0 == span.start
                && seg.start + found[0].1 == span.end
            {
                return format!(" \"{quote}\"");
            }
        }
    }
    format!(" @{}:{}", span.start, span.end)
}

/// Write the sheet of a transcript to `w`, a segment at a time. Everything that can fail but
/// writing is done before the first byte is written.
pub fn write(
    conn: &Connection,
    name: &str,
    me: &str,
    blind: bool,
    w: &mut dyn std::io::Write,
) -> Result<()> {
    let doc = Doc::load(conn, name)?;
    let template = Template::load(conn)?;
    let version = crate::template::version::latest_version(conn)?.map(|v| v.1);
    let mut codings = codings_of(conn, doc.id)?;
    let names: HashMap<i64, String> = crate::project::coder_names(conn)?;
    let mut mine = editable(&codings, &names, me, blind || coding::is_team(conn)?);
    if blind {
        // Blind coding: other coders' codings are not shown at all.
        codings.retain(|c| names.get(&c.2).is_some_and(|n| n == me));
        mine = vec![true; codings.len()];
    }
    let mut memos: HashMap<i64, Vec<String>> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT segment_number, text FROM memo WHERE transcript_id = ?1 AND target = 'segment' ORDER BY id",
    )?;
    for row in stmt.query_map([doc.id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })? {
        let (n, t) = row?;
        memos.entry(n).or_default().push(t);
    }
    let text = Text::new(&doc.text);
    // The codes of each segment, sorted by theme number.
    let mut codes: Vec<Vec<(Vec<u32>, String)>> = vec![Vec::new(); doc.segments.len()];
    for (c, own) in codings.iter().zip(&mine) {
        let (theme, span, coder, _) = *c;
        let Some(i) = home(&doc.segments, span) else {
            continue;
        };
        // A coding of a deleted theme is not current work; `tana check` reports it.
        let Some(t) = template.get(theme) else {
            continue;
        };
        let mut code = format!("{} {{#{}}}", t.number, t.id);
        code.push_str(&locator(&text, &doc.segments[i], span));
        if !own {
            code.push_str(&format!(
                " @{}",
                mark(names.get(&coder).map(String::as_str).unwrap_or("unknown"))
            ));
        }
        let key = t.number.split('.').filter_map(|n| n.parse().ok()).collect();
        codes[i].push((key, code));
    }

    let mut out = format!("{HEADER}{} -->\n# Coding sheet: {}\n\n", doc.name, doc.name);
    out.push_str(&format!(
        "Template version: {}. Edit only the `codes:` and `memo:` lines, then run\n\
         `tana sheet apply FILE`. Separate codes with `;`. A code is a theme number or name (keep\n\
         `{{#id}}` tags as they are), optionally followed by \"exact words\" to code part of the\n\
         segment, or by `@START:END` (code points in the transcript) where the words occur twice or\n\
         the coding crosses segments. Codes marked `@name` belong to another coder and are left\n\
         alone. A new `memo: …` line adds a memo on the segment; existing memos are listed but\n\
         not changed or removed from here. Keep every segment and the last line: a sheet that\n\
         is cut short is refused.\n\n## Themes\n\n",
        version.as_deref().unwrap_or("not saved yet")
    ));
    out.push_str(&crate::template::edit::tagged_outline(&template));
    out.push_str("\n## Segments\n");
    for (s, seg_codes) in doc.segments.iter().zip(codes.iter_mut()) {
        out.push_str(&format!("\n### {}", s.number));
        if let Some(sp) = &s.speaker {
            out.push_str(" · ");
            out.push_str(sp);
        }
        out.push_str("\n\n");
        for line in text.slice(s.start, s.end).split('\n') {
            out.push('>');
            if !line.is_empty() {
                out.push(' ');
                out.push_str(line);
            }
            out.push('\n');
        }
        seg_codes.sort();
        out.push_str("\ncodes:");
        for (i, (_, c)) in seg_codes.iter().enumerate() {
            out.push_str(if i == 0 { " " } else { "; " });
            out.push_str(c);
        }
        out.push('\n');
        for m in memos.get(&s.number).into_iter().flatten() {
            out.push_str(&format!("memo: {}\n", fold_whitespace(m)));
        }
        if out.len() >= 1 << 16 {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    out.push_str(&format!(
        "\n{FOOTER}{}, {} segments -->\n",
        doc.name,
        doc.segments.len()
    ));
    w.write_all(out.as_bytes())?;
    Ok(())
}

/// One code read from a sheet.
#[derive(Debug, Clone)]
struct Code {
    line: usize,
    theme: String,
    id: Option<i64>,
    quote: Option<String>,
    span: Option<(usize, usize)>,
    other: bool,
}

/// One segment block of a sheet.
#[derive(Debug, Clone, Default)]
struct Block {
    line: usize,
    /// The first line of the segment's text.
    text_line: usize,
    number: i64,
    /// The segment's text as the sheet shows it, as a digest of its words.
    text: Words,
    /// The line of the block's `codes:` line, once seen.
    codes_line: Option<usize>,
    codes: Vec<Code>,
    memos: Vec<String>,
}

/// A text's words in order, as a digest: two texts that differ only in whitespace have the same
/// one. A sheet's segment texts are checked against the transcript with it, without keeping
/// them in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Words {
    count: usize,
    hash: u64,
}

impl Words {
    fn of(text: &str) -> Words {
        let mut w = Words::default();
        w.add(text);
        w
    }

    fn add(&mut self, text: &str) {
        if text.is_ascii() {
            // The common case, without decoding: ASCII whitespace is what `split_whitespace`
            // splits at in ASCII text.
            let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
            for word in text.as_bytes().split(ws).filter(|w| !w.is_empty()) {
                self.word(word);
            }
        } else {
            for word in text.split_whitespace() {
                self.word(word.as_bytes());
            }
        }
    }

    /// Mix one word into the digest: eight bytes at a time, then its length, so that word
    /// boundaries count ("ab c" and "a bc" differ).
    fn word(&mut self, word: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mix = |h: u64, x: u64| (h.rotate_left(5) ^ x).wrapping_mul(K);
        let mut h = self.hash;
        let mut chunks = word.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            h = mix(h, u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            h = mix(h, u64::from_le_bytes(b));
        }
        self.hash = mix(h, word.len() as u64);
        self.count += 1;
    }
}

/// Split a `codes:` line at the semicolons that stand outside "quotes".
fn split_codes(line: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                items.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&line[start..]);
    items.into_iter().filter(|x| !x.trim().is_empty()).collect()
}

fn parse_code(item: &str, line: usize) -> std::result::Result<Code, String> {
    let mut rest = item.trim().to_string();
    let mut code = Code {
        line,
        theme: String::new(),
        id: None,
        quote: None,
        span: None,
        other: false,
    };
    // A quoted part.
    if let Some(q0) = rest.find('"') {
        let after = &rest[q0 + 1..];
        let q1 = after
            .find('"')
            .ok_or_else(|| format!("an opening quote in \"{}\" is not closed", item.trim()))?;
        code.quote = Some(after[..q1].to_string());
        let tail = after[q1 + 1..].to_string();
        if tail.contains('"') {
            return Err(format!(
                "\"{}\" has more than one quoted part; give one, or a span @START:END",
                item.trim()
            ));
        }
        rest = format!("{} {}", &rest[..q0], tail);
    }
    let mut words: Vec<String> = Vec::new();
    for w in rest.split_whitespace() {
        if let Some(tag) = w.strip_prefix("{#").and_then(|x| x.strip_suffix('}')) {
            code.id = Some(
                tag.parse()
                    .map_err(|_| format!("\"{w}\" is not a theme id tag"))?,
            );
        } else if let Some(at) = w.strip_prefix('@') {
            match at.split_once(':') {
                Some((a, b))
                    if a.chars().all(|c| c.is_ascii_digit())
                        && b.chars().all(|c| c.is_ascii_digit())
                        && !a.is_empty()
                        && !b.is_empty() =>
                {
                    let (a, b) = (a.parse(), b.parse());
                    match (a, b) {
                        (Ok(a), Ok(b)) => code.span = Some((a, b)),
                        _ => return Err(format!("span \"{w}\" is out of range")),
                    }
                }
                _ => code.other = true,
            }
        } else {
            words.push(w.to_string());
        }
    }
    // "1.2 Name {#5}" and "1.2 {#5}": with a tag, the words are only a label.
    code.theme = words.join(" ");
    if code.theme.is_empty() && code.id.is_none() {
        return Err(format!("\"{}\" names no theme", item.trim()));
    }
    Ok(code)
}

/// A sheet as read: the transcript it is for, its segment blocks, and its end line if any
/// (the transcript's name and number of segments it states, and its line).
struct Parsed {
    name: String,
    blocks: Vec<Block>,
    footer: Option<(String, usize, usize)>,
    lines: usize,
}

/// A sheet file read line by line, as [`crate::text::decode`] and `str::lines` would read it
/// whole: a byte-order mark is dropped, `\r\n` and a lone `\r` end a line, and a file that is
/// UTF-16, binary, not UTF-8 or empty is refused the same way. The sheet is never held whole.
struct SheetLines<'a> {
    file: &'a mut dyn std::io::BufRead,
    path: &'a std::path::Path,
    bytes: Vec<u8>,
    /// Lines split off at a lone `\r`, still to come (in reverse order).
    pending: Vec<String>,
    /// Bytes read so far.
    read: usize,
    /// Whether anything but whitespace was read.
    content: bool,
}

impl SheetLines<'_> {
    /// Put the next line in `line`; false at the end of the file.
    fn next(&mut self, line: &mut String) -> Result<bool> {
        use crate::text::TextProblem;
        if let Some(l) = self.pending.pop() {
            *line = l;
            return Ok(true);
        }
        self.bytes.clear();
        let n = self.read_chunk()?;
        if n == 0 {
            if !self.content {
                return Err(Error::user(TextProblem::Empty.describe()));
            }
            return Ok(false);
        }
        let start = self.read - n;
        let mut body: &[u8] = &self.bytes;
        if start == 0 {
            if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
                return Err(Error::user(TextProblem::Utf16.describe()));
            }
            body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        }
        let skipped = self.bytes.len() - body.len();
        // A NUL anywhere makes the file binary, even after a byte that is not UTF-8.
        let mut problem = match body.iter().position(|&b| b == 0) {
            Some(pos) => {
                return Err(Error::user(
                    TextProblem::Binary {
                        byte: start + skipped + pos,
                    }
                    .describe(),
                ))
            }
            None => None,
        };
        let text = match std::str::from_utf8(body) {
            Ok(t) => t,
            Err(e) => {
                problem = Some(TextProblem::InvalidUtf8 {
                    byte: start + skipped + e.valid_up_to(),
                });
                ""
            }
        };
        if let Some(p) = problem {
            loop {
                self.bytes.clear();
                let n = self.read_chunk()?;
                if n == 0 {
                    return Err(Error::user(p.describe()));
                }
                if let Some(pos) = self.bytes.iter().position(|&b| b == 0) {
                    let byte = self.read - n + pos;
                    return Err(Error::user(TextProblem::Binary { byte }.describe()));
                }
            }
        }
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        self.content |= !text.trim().is_empty();
        if text.contains('\r') {
            let mut parts = text.split('\r').map(str::to_string);
            line.clear();
            line.push_str(&parts.next().unwrap_or_default());
            self.pending = parts.collect();
            self.pending.reverse();
        } else {
            line.clear();
            line.push_str(text);
        }
        Ok(true)
    }

    fn read_chunk(&mut self) -> Result<usize> {
        let n = self
            .file
            .read_until(b'\n', &mut self.bytes)
            .map_err(|e| Error::io(self.path, e))?;
        self.read += n;
        Ok(n)
    }
}

fn parse(file: &mut dyn std::io::BufRead, path: &std::path::Path) -> Result<Parsed> {
    let mut name = None;
    let mut blocks: Vec<Block> = Vec::new();
    let mut problems = Vec::new();
    let mut segments_line = None;
    let mut footer = None;
    let mut lines = 0;
    let mut reader = SheetLines {
        file,
        path,
        bytes: Vec::new(),
        pending: Vec::new(),
        read: 0,
        content: false,
    };
    let mut buf = String::new();
    while reader.next(&mut buf)? {
        let raw = buf.as_str();
        lines += 1;
        let line = lines;
        if let Some(rest) = raw.strip_prefix(HEADER) {
            if name.is_some() {
                problems.push(format!(
                    "line {line}: a second sheet header; apply one sheet at a time"
                ));
            }
            name = Some(rest.trim_end().trim_end_matches("-->").trim().to_string());
            continue;
        }
        if let Some(rest) = raw.strip_prefix(FOOTER) {
            let rest = rest.trim_end().trim_end_matches("-->").trim();
            let parsed = rest.rsplit_once(", ").and_then(|(n, count)| {
                let count = count.strip_suffix(" segments")?.parse::<usize>().ok()?;
                Some((n.to_string(), count))
            });
            match parsed {
                Some((n, count)) => footer = Some((n, count, line)),
                None => problems.push(format!("line {line}: the end line of the sheet is damaged")),
            }
            continue;
        }
        if footer.is_some() && !raw.trim().is_empty() {
            problems.push(format!("line {line}: text after the end line of the sheet"));
            continue;
        }
        if raw.trim() == "## Segments" {
            segments_line = Some(line);
            continue;
        }
        if segments_line.is_none() {
            continue;
        }
        if let Some(h) = raw.strip_prefix("### ") {
            let num = h.split_whitespace().next().unwrap_or("");
            match num.parse::<i64>() {
                Ok(n) => blocks.push(Block {
                    line,
                    number: n,
                    ..Default::default()
                }),
                Err(_) => problems.push(format!(
                    "line {line}: \"{h}\" is not a segment heading (### NUMBER)"
                )),
            }
            continue;
        }
        let Some(b) = blocks.last_mut() else {
            if raw.starts_with("codes:") || raw.starts_with('>') {
                problems.push(format!(
                    "line {line}: this line stands before any segment heading (### NUMBER)"
                ));
            }
            continue;
        };
        if let Some(t) = raw.strip_prefix('>') {
            if b.codes_line.is_some() {
                problems.push(format!(
                    "line {line}: text of segment {} after its codes: line; only codes: and memo: lines may be edited",
                    b.number
                ));
                continue;
            }
            if b.text_line == 0 {
                b.text_line = line;
            }
            b.text.add(t);
        } else if let Some(c) = raw.trim_start().strip_prefix("codes:") {
            if let Some(first) = b.codes_line {
                problems.push(format!(
                    "line {line}: segment {} has a second codes: line (the first is line {first}); put all its codes on one line",
                    b.number
                ));
                continue;
            }
            b.codes_line = Some(line);
            for item in split_codes(c) {
                match parse_code(item, line) {
                    Ok(code) => b.codes.push(code),
                    Err(m) => problems.push(format!("line {line}: {m}")),
                }
            }
        } else if let Some(m) = raw.trim_start().strip_prefix("memo:") {
            if !m.trim().is_empty() {
                b.memos.push(m.trim().to_string());
            }
        }
    }
    let Some(name) = name else {
        return Err(Error::user(
            "this is not a tana coding sheet: its header line (\"<!-- tana coding sheet: NAME -->\") is missing",
        )
        .with_hint("make one with \"tana sheet TRANSCRIPT -o FILE\"; nothing was changed"));
    };
    if segments_line.is_none() {
        problems.push(format!(
            "the \"## Segments\" line is missing (the sheet has {lines} lines); without it no segment can be read"
        ));
    }
    for b in &blocks {
        if b.codes_line.is_none() {
            problems.push(format!(
                "line {}: segment {} has no codes: line (was the sheet cut, or the line deleted?); write \"codes:\" with nothing after it to remove every code",
                b.line, b.number
            ));
        }
    }
    if !problems.is_empty() {
        return Err(refused(&name, problems));
    }
    Ok(Parsed {
        name,
        blocks,
        footer,
        lines,
    })
}

fn refused(name: &str, problems: Vec<String>) -> Error {
    Error::user(format!(
        "the sheet for {name} has {} problem(s); nothing was changed:\n  {}",
        problems.len(),
        problems.join("\n  ")
    ))
    .with_hint("fix the lines named, or write a fresh sheet with \"tana sheet\"")
}

/// Say which segment numbers are missing: "13-40" or "3, 7".
fn ranges(numbers: &[i64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let mut j = i;
        while j + 1 < numbers.len() && numbers[j + 1] == numbers[j] + 1 {
            j += 1;
        }
        parts.push(if j == i {
            numbers[i].to_string()
        } else {
            format!("{}-{}", numbers[i], numbers[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// What applying a sheet did (or would do).
#[derive(Debug, Default)]
pub struct Applied {
    pub transcript: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub memos: Vec<String>,
    pub created_themes: Vec<String>,
    /// The change logged (None when nothing changed).
    pub change: Option<i64>,
}

/// A code resolved against the transcript and the template.
struct Wanted {
    theme: i64,
    span: Span,
    label: String,
}

/// Apply a sheet: add and remove codings (and add memos) so the project matches it. Themes
/// the sheet names that do not exist are made first (with `new_themes`), each a template
/// revision of its own; the codings and memos are then one change in the log.
pub fn apply(
    conn: &Connection,
    sheet: &mut dyn std::io::BufRead,
    path: &std::path::Path,
    me: i64,
    me_name: &str,
    new_themes: bool,
    blind: bool,
) -> Result<Applied> {
    let parsed = parse(sheet, path)?;
    let doc = Doc::load(conn, &parsed.name)?;
    let mut problems = Vec::new();

    // The sheet must be whole: every segment once, and an end line that agrees.
    let by_number: HashMap<i64, usize> = doc
        .segments
        .iter()
        .enumerate()
        .map(|(i, s)| (s.number, i))
        .collect();
    let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
    for b in &parsed.blocks {
        if !by_number.contains_key(&b.number) {
            problems.push(format!(
                "line {}: {} has no segment {} (it has segments 1-{})",
                b.line,
                doc.name,
                b.number,
                doc.segments.len()
            ));
        } else if let Some(first) = seen.insert(b.number, b.line) {
            problems.push(format!(
                "line {}: segment {} appears twice (first at line {first})",
                b.line, b.number
            ));
        }
    }
    let missing: Vec<i64> = doc
        .segments
        .iter()
        .map(|s| s.number)
        .filter(|n| !seen.contains_key(n))
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "segment(s) {} of {} are missing from the sheet (it ends at line {}); was it cut short? A sheet must keep every segment",
            ranges(&missing),
            doc.segments.len(),
            parsed.lines
        ));
    }
    match &parsed.footer {
        Some((n, count, line)) if *n != doc.name || *count != doc.segments.len() => {
            problems.push(format!(
                "line {line}: the end line is for {n} with {count} segments, but {} has {}",
                doc.name,
                doc.segments.len()
            ))
        }
        _ => {}
    }
    if !problems.is_empty() {
        return Err(refused(&doc.name, problems));
    }

    // Themes: a {#id} must still name a live theme; a name may be made with --new-themes
    // (after every other check has passed). Then the text, quotes and spans.
    let mut template = Template::load(conn)?;
    let mut to_create: Vec<(String, i64)> = Vec::new();
    let text_of = Text::new(&doc.text);
    // (theme id, or the name of a theme to make; span; segment number; quote)
    type Want<'a> = (std::result::Result<i64, String>, Span, i64, Option<&'a str>);
    let mut wanted: Vec<Want> = Vec::new();
    let mut new_memos: Vec<(i64, String)> = Vec::new();
    for b in &parsed.blocks {
        let seg = &doc.segments[by_number[&b.number]];
        let seg_text = text_of.slice(seg.start, seg.end);
        if b.text != Words::of(seg_text) {
            problems.push(format!(
                "line {}: the text of segment {} differs from the transcript; only codes: and memo: lines may be edited",
                b.text_line.max(b.line),
                b.number
            ));
            continue;
        }
        for c in b.codes.iter().filter(|c| !c.other) {
            let theme = match c.id {
                Some(id) if template.get(id).is_none() => {
                    problems.push(format!("line {}: {}", c.line, stale(conn, id, &c.theme)?));
                    continue;
                }
                Some(id) => Ok(id),
                None => match template.resolve(&c.theme) {
                    Ok(t) => Ok(t.id),
                    Err(_) if new_themes => {
                        if !to_create.iter().any(|x| x.0 == c.theme) {
                            to_create.push((c.theme.clone(), b.number));
                        }
                        Err(c.theme.clone())
                    }
                    Err(e) => {
                        problems.push(format!("line {}: {e}", c.line));
                        continue;
                    }
                },
            };
            let span = if let Some((a, z)) = c.span {
                if a >= z || z > doc.chars {
                    problems.push(format!(
                        "line {}: span @{a}:{z} is not inside {} (0:{})",
                        c.line, doc.name, doc.chars
                    ));
                    continue;
                }
                Span::new(a, z)
            } else if let Some(q) = &c.quote {
                let found = find_folded(seg_text, q, false);
                match found.len() {
                    1 => Span::new(seg.start + found[0].0, seg.start + found[0].1),
                    0 => {
                        problems.push(format!(
                            "line {}: \"{}\" is not in segment {}",
                            c.line,
                            coding::shorten(q, 40),
                            b.number
                        ));
                        continue;
                    }
                    n => {
                        problems.push(format!(
                            "line {}: \"{}\" occurs {n} times in segment {}; quote more words, or give the span as THEME @START:END",
                            c.line,
                            coding::shorten(q, 40),
                            b.number
                        ));
                        continue;
                    }
                }
            } else {
                Span::new(seg.start, seg.end)
            };
            wanted.push((theme, span, b.number, c.quote.as_deref()));
        }
        let existing: Vec<String> = conn
            .prepare_cached(
                "SELECT text FROM memo WHERE transcript_id = ?1 AND segment_number = ?2",
            )?
            .query_map(params![doc.id, b.number], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for m in &b.memos {
            if !existing
                .iter()
                .any(|e| fold_whitespace(e) == fold_whitespace(m))
                && !new_memos
                    .iter()
                    .any(|(n, x)| *n == b.number && fold_whitespace(x) == fold_whitespace(m))
            {
                new_memos.push((b.number, m.clone()));
            }
        }
    }
    if !problems.is_empty() {
        return Err(refused(&doc.name, problems));
    }
    let mut created = Vec::new();
    for (name, number) in &to_create {
        let meta = revise::Meta {
            coder: me,
            rationale: Some(format!("created in the coding sheet of {}", doc.name)),
            prompted_by: Some(format!("{}:{number}", doc.name)),
        };
        revise::add(conn, name, &NewTheme::default(), true, &meta)?;
        created.push(name.clone());
    }
    if !created.is_empty() {
        template = Template::load(conn)?;
    }
    let mut desired: BTreeMap<(i64, Span), Wanted> = BTreeMap::new();
    for (theme, span, number, quote) in wanted {
        let theme = match theme {
            Ok(id) => id,
            Err(name) => template.resolve(&name)?.id,
        };
        let mut label = format!(
            "{}:{number} {}",
            doc.name,
            template.get(theme).map(|t| t.label()).unwrap_or_default()
        );
        if let Some(q) = quote {
            label.push_str(&format!(" \"{}\"", coding::shorten(q, 40)));
        }
        desired.insert((theme, span), Wanted { theme, span, label });
    }

    // What the sheet showed as the applier's own: every coding it lists unmarked.
    let current = codings_of(conn, doc.id)?;
    let names: HashMap<i64, String> = crate::project::coder_names(conn)?;
    let mine = editable(&current, &names, me_name, blind || coding::is_team(conn)?);
    let mut have: BTreeMap<(i64, Span), Vec<i64>> = BTreeMap::new();
    for (c, own) in current.iter().zip(&mine) {
        if *own && template.get(c.0).is_some() && home(&doc.segments, c.1).is_some() {
            have.entry((c.0, c.1)).or_default().push(c.3);
        }
    }
    let mut report = Applied {
        transcript: doc.name.clone(),
        created_themes: created,
        ..Default::default()
    };
    let stamp = Stamp::new(conn, me)?;
    let have_keys: BTreeSet<(i64, Span)> = have.keys().copied().collect();
    let desired_keys: BTreeSet<(i64, Span)> = desired.keys().copied().collect();
    let (_, change) = journal::record(conn, me, |_| {
        for key in have_keys.difference(&desired_keys) {
            for id in &have[key] {
                journal::archive_coding(conn, *id, "removed in a coding sheet")?;
            }
            let (theme, span) = *key;
            let t = template.get(theme).map(|t| t.label()).unwrap_or_default();
            let seg = home(&doc.segments, span)
                .map(|i| doc.segments[i].number)
                .unwrap_or(0);
            report.removed.push(format!(
                "{}:{seg} {t} \"{}\"",
                doc.name,
                coding::shorten(text_of.slice(span.start, span.end), 40)
            ));
        }
        for key in desired_keys.difference(&have_keys) {
            let w = &desired[key];
            // A span inside a coding of the same theme adds nothing (it was joined before).
            if coding::add(conn, doc.id, w.theme, w.span, None, &stamp)?
                != coding::Added::AlreadyCoded
            {
                report.added.push(w.label.clone());
            }
        }
        for (n, m) in &new_memos {
            crate::memo::add(
                conn,
                &crate::memo::Target::Segment(doc.name.clone(), *n),
                m,
                me,
            )?;
            report
                .memos
                .push(format!("{}:{n} {}", doc.name, coding::shorten(m, 50)));
        }
        let summary = format!(
            "sheet apply {}: {} coding(s) added, {} removed, {} memo(s) added",
            doc.name,
            report.added.len(),
            report.removed.len(),
            report.memos.len()
        );
        Ok(((), LogEntry::new("sheet", Kind::Coding, summary)))
    })?;
    report.change = change;
    Ok(report)
}

/// Why a `{#id}` no longer names a theme: deleted or merged since the sheet was made.
fn stale(conn: &Connection, id: i64, label: &str) -> Result<String> {
    let row: Option<(String, Option<i64>, Option<String>)> = conn
        .query_row(
            "SELECT t.name, t.deleted_in, r.op FROM theme t LEFT JOIN revision r ON r.id = t.deleted_in
             WHERE t.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let was = if label.is_empty() {
        format!("#{id}")
    } else {
        format!("{label} {{#{id}}}")
    };
    Ok(match row {
        Some((name, Some(rev), op)) => format!(
            "{was} names theme \"{name}\", which was {} in revision {rev} after this sheet was made; write a fresh sheet with \"tana sheet\", or name the theme it should be now without the {{#id}} tag",
            match op.as_deref() {
                Some("merge") => "merged into another",
                _ => "deleted",
            }
        ),
        _ => format!(
            "{was}: no theme has id #{id}; write a fresh sheet with \"tana sheet\", or name the theme without the {{#id}} tag"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_with_tags_quotes_spans_and_coders() {
        let c = parse_code(" 1.2 Knowing {#5} \"the target\" @bea", 3).unwrap();
        assert_eq!(
            (c.id, c.quote.as_deref(), c.other, c.theme.as_str()),
            (Some(5), Some("the target"), true, "1.2 Knowing")
        );
        let c = parse_code("Trust @12:40", 3).unwrap();
        assert_eq!((c.span, c.theme.as_str()), (Some((12, 40)), "Trust"));
        assert!(parse_code("1.2 \"open", 3).is_err());
        assert!(parse_code("1.2 @1:99999999999999999999999", 3).is_err());
    }

    #[test]
    fn semicolons_inside_quotes_do_not_split_codes() {
        assert_eq!(
            split_codes(" 1 {#1} \"yes; no\"; 2 {#2}"),
            vec![" 1 {#1} \"yes; no\"", " 2 {#2}"]
        );
        assert_eq!(split_codes(""), Vec::<&str>::new());
    }

    #[test]
    fn missing_segments_read_as_ranges() {
        assert_eq!(ranges(&[3, 4, 5, 9, 11, 12]), "3-5, 9, 11-12");
    }

    fn seg(number: i64, start: usize, end: usize) -> Segment {
        Segment {
            id: number,
            number,
            speaker: None,
            start,
            end,
            words: 0,
            time: None,
        }
    }

    #[test]
    fn every_coding_has_a_home_segment() {
        // Turns at 10..20 and 30..40: labels and gaps go to the turn that follows.
        let segs = vec![seg(1, 10, 20), seg(2, 30, 40)];
        assert_eq!(home(&segs, Span::new(0, 5)), Some(0));
        assert_eq!(home(&segs, Span::new(12, 35)), Some(0));
        assert_eq!(home(&segs, Span::new(20, 25)), Some(1));
        assert_eq!(home(&segs, Span::new(25, 32)), Some(1));
        assert_eq!(home(&segs, Span::new(41, 45)), Some(1));
        // An empty segment holds nothing; the coding goes on.
        let segs = vec![seg(1, 10, 10), seg(2, 10, 20)];
        assert_eq!(home(&segs, Span::new(10, 12)), Some(1));
        assert_eq!(home(&[], Span::new(0, 1)), None);
    }
}
