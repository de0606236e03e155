//! Coding sheets: a transcript as Markdown with a `codes:` line per segment, edited in any
//! editor and applied back as the difference with the project.
//!
//! A sheet names themes by number and stable id (`1.2 {#5}`), so a sheet made before a
//! template revision still applies. A coding of a whole segment is written as the theme alone;
//! a coding of part of a segment as `THEME "exact words"` (or `THEME @start:end` when the words
//! occur twice); a coding that crosses segments as `THEME @start:end` on the segment where it
//! starts. Codings by other coders are marked `@name` and left alone.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{params, Connection};

use crate::coding::{self, codings_of, Doc, Stamp};
use crate::error::{Error, Result};
use crate::model::Span;
use crate::template::{revise, NewTheme, Template};
use crate::text::{find_folded, fold_whitespace, slice_chars};

/// Write the sheet of a transcript.
pub fn write(conn: &Connection, name: &str, me: &str) -> Result<String> {
    let doc = Doc::load(conn, name)?;
    let template = Template::load(conn)?;
    let version = crate::template::version::latest_version(conn)?.map(|v| v.1);
    let codings = codings_of(conn, doc.id)?;
    let names: HashMap<i64, String> = crate::project::coder_names(conn)?;
    let several = codings.iter().any(|c| c.2 != codings[0].2);
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

    let mut out = format!(
        "<!-- tana coding sheet: {} -->\n# Coding sheet: {}\n\n",
        doc.name, doc.name
    );
    out.push_str(&format!(
        "Template version: {}. Edit only the `codes:` and `memo:` lines, then run\n\
         `tana sheet apply FILE`. Separate codes with `;`. A code is a theme number or name (keep\n\
         `{{#id}}` tags as they are), optionally followed by \"exact words\" to code part of the\n\
         segment, or by `@START:END` (code points in the transcript) where the words occur twice or\n\
         the coding crosses segments. Codes marked `@name` belong to another coder and are left\n\
         alone. A new `memo: …` line adds a memo on the segment; existing memos are listed but\n\
         not changed or removed from here.\n\n## Themes\n\n",
        version.as_deref().unwrap_or("not saved yet")
    ));
    out.push_str(&crate::template::edit::tagged_outline(&template));
    out.push_str("\n## Segments\n");
    for s in &doc.segments {
        let seg = Span::new(s.start, s.end);
        let text = slice_chars(&doc.text, s.start, s.end);
        out.push_str(&format!(
            "\n### {}{}\n\n",
            s.number,
            s.speaker
                .as_deref()
                .map(|sp| format!(" · {sp}"))
                .unwrap_or_default()
        ));
        for line in text.split('\n') {
            out.push_str(&format!("> {line}\n").replace("> \n", ">\n"));
        }
        let mut codes: Vec<(Vec<u32>, String)> = Vec::new();
        for (theme, span, coder) in &codings {
            // A coding is listed on the segment where it starts (or that it covers).
            let starts_here = span.start >= s.start && span.start < s.end.max(s.start + 1);
            let covers = *span == seg;
            if !(starts_here || covers) {
                continue;
            }
            let Some(t) = template.get(*theme) else {
                continue;
            };
            let mut code = format!("{} {{#{}}}", t.number, t.id);
            if !covers {
                let inside = span.end <= s.end;
                let part = slice_chars(&doc.text, span.start, span.end);
                let unique = inside && find_folded(text, part, false).len() == 1;
                if unique && !part.contains('"') {
                    code.push_str(&format!(" \"{}\"", fold_whitespace(part)));
                } else {
                    code.push_str(&format!(" @{}:{}", span.start, span.end));
                }
            }
            if several && names.get(coder).is_some_and(|n| n != me) {
                code.push_str(&format!(" @{}", names[coder]));
            }
            let key = t.number.split('.').filter_map(|n| n.parse().ok()).collect();
            codes.push((key, code));
        }
        codes.sort();
        let codes: Vec<String> = codes.into_iter().map(|(_, c)| c).collect();
        out.push_str(&format!(
            "\ncodes:{}{}\n",
            if codes.is_empty() { "" } else { " " },
            codes.join("; ")
        ));
        for m in memos.get(&s.number).into_iter().flatten() {
            out.push_str(&format!("memo: {}\n", fold_whitespace(m)));
        }
    }
    Ok(out)
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
    text: Vec<String>,
    codes: Vec<Code>,
    memos: Vec<String>,
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
            .ok_or_else(|| format!("an opening quote in \"{item}\" is not closed"))?;
        code.quote = Some(after[..q1].to_string());
        let tail = after[q1 + 1..].to_string();
        rest = format!("{}{}", &rest[..q0], tail);
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
                    code.span = Some((a.parse().unwrap_or(0), b.parse().unwrap_or(0)));
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
        return Err(format!("\"{item}\" names no theme"));
    }
    Ok(code)
}

fn parse(text: &str) -> Result<(String, Vec<Block>)> {
    let mut name = None;
    let mut blocks: Vec<Block> = Vec::new();
    let mut problems = Vec::new();
    let mut in_segments = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if let Some(rest) = raw.strip_prefix("<!-- tana coding sheet: ") {
            name = Some(rest.trim_end_matches("-->").trim().to_string());
            continue;
        }
        if raw.trim() == "## Segments" {
            in_segments = true;
            continue;
        }
        if !in_segments {
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
        let Some(b) = blocks.last_mut() else { continue };
        if let Some(t) = raw.strip_prefix('>') {
            if b.text.is_empty() {
                b.text_line = line;
            }
            b.text.push(t.strip_prefix(' ').unwrap_or(t).to_string());
        } else if let Some(c) = raw.trim_start().strip_prefix("codes:") {
            for item in c.split(';').filter(|x| !x.trim().is_empty()) {
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
            "this is not a tana coding sheet (its first line names the transcript)",
        )
        .with_hint("make one with \"tana sheet TRANSCRIPT -o FILE\""));
    };
    if !problems.is_empty() {
        return Err(Error::user(format!(
            "the sheet has {} problem(s); nothing was changed:\n  {}",
            problems.len(),
            problems.join("\n  ")
        )));
    }
    Ok((name, blocks))
}

/// What applying a sheet did (or would do).
#[derive(Debug, Default)]
pub struct Applied {
    pub transcript: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub memos: Vec<String>,
    pub created_themes: Vec<String>,
}

/// Apply a sheet: add and remove codings (and add memos) so the project matches it.
pub fn apply(
    conn: &Connection,
    text: &str,
    me: i64,
    me_name: &str,
    new_themes: bool,
) -> Result<Applied> {
    let (name, blocks) = parse(text)?;
    let doc = Doc::load(conn, &name)?;
    let mut template = Template::load(conn)?;
    let mut problems = Vec::new();
    let mut created = Vec::new();
    // Desired codings: (theme id, span) from every unmarked code.
    let mut desired: BTreeSet<(i64, Span)> = BTreeSet::new();
    let mut labels: HashMap<(i64, Span), String> = HashMap::new();
    let mut new_memos: Vec<(i64, String)> = Vec::new();
    let mut seen = BTreeSet::new();
    for b in &blocks {
        let Ok(seg) = doc.segment(b.number) else {
            problems.push(format!(
                "line {}: {} has no segment {}",
                b.line, doc.name, b.number
            ));
            continue;
        };
        if !seen.insert(b.number) {
            problems.push(format!(
                "line {}: segment {} appears twice",
                b.line, b.number
            ));
            continue;
        }
        let seg_text = slice_chars(&doc.text, seg.start, seg.end);
        if fold_whitespace(&b.text.join("\n")) != fold_whitespace(seg_text) {
            problems.push(format!(
                "line {}: the text of segment {} differs from the transcript; only codes: and memo: lines may be edited",
                b.text_line.max(b.line),
                b.number
            ));
            continue;
        }
        for c in &b.codes {
            if c.other {
                continue;
            }
            let theme = match c.id.and_then(|id| template.get(id)) {
                Some(t) => t.id,
                None => match template.resolve(&c.theme) {
                    Ok(t) => t.id,
                    Err(_) if new_themes && c.id.is_none() => {
                        let meta = revise::Meta {
                            coder: me,
                            rationale: Some(format!("created in the coding sheet of {}", doc.name)),
                            prompted_by: Some(format!("{}:{}", doc.name, b.number)),
                        };
                        revise::add(conn, &c.theme, &NewTheme::default(), true, &meta)?;
                        template = Template::load(conn)?;
                        created.push(c.theme.clone());
                        template.resolve(&c.theme)?.id
                    }
                    Err(e) => {
                        let what = match c.id {
                            Some(id) => format!("no theme has id #{id} (was it deleted?)"),
                            None => e.to_string(),
                        };
                        problems.push(format!("line {}: {what}", c.line));
                        continue;
                    }
                },
            };
            let span = if let Some((a, z)) = c.span {
                if a >= z || z > doc.chars {
                    problems.push(format!(
                        "line {}: span @{a}:{z} is not inside {}",
                        c.line, doc.name
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
            let label = format!(
                "{}:{} {} {}",
                doc.name,
                b.number,
                template.get(theme).map(|t| t.label()).unwrap_or_default(),
                c.quote
                    .as_deref()
                    .map(|q| format!("\"{}\"", coding::shorten(q, 40)))
                    .unwrap_or_default()
            );
            labels.insert((theme, span), label.trim_end().to_string());
            desired.insert((theme, span));
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
            {
                new_memos.push((b.number, m.clone()));
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::user(format!(
            "the sheet for {} has {} problem(s); nothing was changed:\n  {}",
            doc.name,
            problems.len(),
            problems.join("\n  ")
        ))
        .with_hint("fix the lines named, or write a fresh sheet with \"tana sheet\""));
    }
    // Current codings the sheet shows unmarked: all of them when one coder coded this
    // transcript, else only the sheet-applier's own.
    let current = codings_of(conn, doc.id)?;
    let several = current.iter().any(|c| c.2 != current[0].2);
    let names: HashMap<i64, String> = crate::project::coder_names(conn)?;
    let editable: Vec<&(i64, Span, i64)> = current
        .iter()
        .filter(|c| !several || names.get(&c.2).is_none_or(|n| n == me_name))
        .collect();
    let have: BTreeSet<(i64, Span)> = editable.iter().map(|c| (c.0, c.1)).collect();
    let mut report = Applied {
        transcript: doc.name.clone(),
        created_themes: created,
        ..Default::default()
    };
    for (theme, span) in have.difference(&desired) {
        conn.execute(
            "DELETE FROM coding WHERE transcript_id = ?1 AND theme_id = ?2 AND start = ?3 AND end = ?4",
            params![doc.id, theme, span.start as i64, span.end as i64],
        )?;
        let t = template.get(*theme).map(|t| t.label()).unwrap_or_default();
        let seg = doc.segment_at(span.start).map(|s| s.number).unwrap_or(0);
        report.removed.push(format!(
            "{}:{seg} {t} \"{}\"",
            doc.name,
            coding::shorten(doc.slice(*span), 40)
        ));
    }
    let stamp = Stamp::new(conn, me)?;
    for key in desired.difference(&have) {
        // A span inside a coding of the same theme adds nothing (it was joined before).
        if coding::add(conn, doc.id, key.0, key.1, None, &stamp)? != coding::Added::AlreadyCoded {
            report
                .added
                .push(labels.get(key).cloned().unwrap_or_default());
        }
    }
    for (n, m) in new_memos {
        crate::memo::add(
            conn,
            &crate::memo::Target::Segment(doc.name.clone(), n),
            &m,
            me,
        )?;
        report
            .memos
            .push(format!("{}:{n} {}", doc.name, coding::shorten(&m, 50)));
    }
    Ok(report)
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
    }
}
