//! Full-text search over segments (SQLite FTS5) and memos, with keyword-in-context lines.
//!
//! The index is contentless: segment text stays in `transcript.text`. New and changed segments
//! wait in `search_pending` and are indexed by the next search, so imports stay fast and a
//! search always sees the current text.

use regex::Regex;
use rusqlite::{params_from_iter, types::Value as SqlValue, Connection};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use crate::error::{Error, Result};
use crate::template::Template;

/// Whether a character belongs to a script written without spaces between words (Chinese,
/// Japanese kana, Thai, Lao, Khmer, Myanmar). FTS5's tokenizer would take a whole run of them
/// as one word, so each is indexed as a word of its own and a query matches them as a phrase:
/// any run of characters is found, as `--regex` finds it.
pub fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3100..=0x312F // Bopomofo
        | 0x31F0..=0x31FF // Katakana extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0xFF66..=0xFF9F // Halfwidth katakana
        | 0x20000..=0x3FFFF // CJK extensions B onwards
    )
}

/// The text as the index sees it: characters of unspaced scripts stand apart as words.
pub fn index_text(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unspaced) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if is_unspaced(c) {
            if !out.ends_with(' ') {
                out.push(' ');
            }
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The query as the index reads it: a word of an unspaced script (`唱歌`) becomes the phrase
/// of its characters (`"唱 歌"`), and so does the inside of a quoted phrase.
pub fn fts_query(query: &str) -> String {
    if !query.chars().any(is_unspaced) {
        return query.to_string();
    }
    let mut out = String::with_capacity(query.len() * 2);
    let mut rest = query;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            // A quoted phrase runs to the next quote ("" inside is a quote).
            let end = after.find('"').unwrap_or(after.len());
            out.push('"');
            out.push_str(&index_text(&after[..end]));
            if end < after.len() {
                out.push('"');
                rest = &after[end + 1..];
            } else {
                rest = "";
            }
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || "()\"".contains(c))
            .unwrap_or(rest.len());
        if end == 0 {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let word = &rest[..end];
        if word.chars().any(is_unspaced) {
            let (body, prefix) = match word.strip_suffix('*') {
                Some(b) => (b, "*"),
                None => (word, ""),
            };
            out.push('"');
            out.push_str(index_text(body).trim());
            out.push('"');
            out.push_str(prefix);
        } else {
            out.push_str(word);
        }
        rest = &rest[end..];
    }
    out
}

/// Index the segments that changed since the last search. Returns how many.
/// Whether segments wait to be indexed.
pub fn pending(conn: &Connection) -> Result<bool> {
    Ok(
        conn.query_row("SELECT EXISTS (SELECT 1 FROM search_pending)", [], |r| {
            r.get(0)
        })?,
    )
}

pub fn sync(conn: &Connection) -> Result<usize> {
    // One transcript at a time: its text is read once, not once per segment.
    let mut stmt = conn.prepare(
        "SELECT s.transcript_id, s.id, s.start, s.end FROM search_pending p
         JOIN segment s ON s.id = p.segment_id ORDER BY s.transcript_id, s.start",
    )?;
    let pending: Vec<(i64, i64, usize, usize)> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<_, i64>(2)? as usize,
                r.get::<_, i64>(3)? as usize,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut text_stmt = conn.prepare_cached("SELECT text FROM transcript WHERE id = ?1")?;
    let mut insert =
        conn.prepare_cached("INSERT INTO segment_fts (rowid, text) VALUES (?1, ?2)")?;
    let mut current: Option<(i64, String, crate::text::Offsets)> = None;
    for (transcript, segment, start, end) in &pending {
        if current.as_ref().is_none_or(|c| c.0 != *transcript) {
            let t: String = text_stmt.query_row([transcript], |r| r.get(0))?;
            let o = crate::text::Offsets::new(&t);
            current = Some((*transcript, t, o));
        }
        let (_, t, o) = current.as_ref().expect("loaded above");
        insert.execute(rusqlite::params![
            segment,
            index_text(&t[o.byte_of_char(*start)..o.byte_of_char(*end)])
        ])?;
    }
    conn.execute("DELETE FROM search_pending", [])?;
    Ok(pending.len())
}

/// How to search.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    /// Treat the query as a regular expression instead of an FTS5 query.
    pub regex: bool,
    pub speaker: Option<String>,
    pub transcripts: Vec<String>,
    pub uncoded: bool,
    pub theme: Option<String>,
    pub not_theme: Option<String>,
    pub coder: Option<i64>,
    pub context: usize,
    pub limit: usize,
    pub offset: usize,
}

/// One hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub transcript: String,
    pub segment: i64,
    pub speaker: Option<String>,
    /// Code-point span of the hit in the transcript.
    pub start: usize,
    pub end: usize,
    pub left: String,
    pub hit: String,
    pub right: String,
    /// Theme numbers coded on the segment.
    pub themes: Vec<String>,
    /// Further hits in the same segment, after this one.
    pub more: usize,
}

/// The results: the page of hits and how many segments matched in all.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// Turn an FTS5 error into a message about the query.
fn syntax_error(query: &str, e: rusqlite::Error) -> Error {
    let detail = e.to_string();
    let detail = detail.strip_prefix("fts5: ").unwrap_or(&detail).to_string();
    Error::user(format!("cannot read the search \"{query}\": {detail}")).with_hint(
        "search words, \"exact phrases\", prefix* and NEAR(a b, 5), joined with AND, OR, NOT and parentheses; \
         quote words that contain punctuation, or use --regex",
    )
}

/// A matching segment.
pub struct Row {
    pub transcript_id: i64,
    pub transcript: String,
    pub number: i64,
    pub speaker: Option<String>,
    pub start: usize,
    pub end: usize,
}

/// The segments a search matches (all of them, in transcript and segment order), and a
/// matcher that places hits in their text.
pub fn matching(
    conn: &Connection,
    template: &Template,
    query: &str,
    opts: &SearchOptions,
) -> Result<(Vec<Row>, Matcher)> {
    if query.trim().is_empty() {
        return Err(Error::usage("the search is empty"));
    }
    let mut filters = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    let regex = if opts.regex {
        Some(Regex::new(query).map_err(|e| {
            Error::user(format!("cannot read the regular expression: {e}"))
                .with_hint("--regex takes Rust regex syntax, e.g. '(?i)net.zero'")
        })?)
    } else {
        filters
            .push("s.id IN (SELECT rowid FROM segment_fts WHERE segment_fts MATCH ?)".to_string());
        let fts = fts_query(query);
        args.push(SqlValue::Text(fts.clone()));
        // Check the syntax up front, so the error speaks of the query, not of SQLite.
        conn.query_row(
            "SELECT count(*) FROM segment_fts WHERE segment_fts MATCH ?1 LIMIT 1",
            [&fts],
            |r| r.get::<_, i64>(0),
        )
        .map_err(|e| syntax_error(query, e))?;
        None
    };
    if let Some(sp) = &opts.speaker {
        filters.push("lower(s.speaker) = lower(?)".into());
        args.push(SqlValue::Text(sp.clone()));
    }
    if !opts.transcripts.is_empty() {
        for name in &opts.transcripts {
            let exists: bool = conn.query_row(
                "SELECT count(*) > 0 FROM transcript WHERE name = ?1",
                [name],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(crate::coding::unknown_transcript(conn, name)?);
            }
        }
        filters.push(format!(
            "t.name IN ({})",
            vec!["?"; opts.transcripts.len()].join(", ")
        ));
        args.extend(opts.transcripts.iter().map(|n| SqlValue::Text(n.clone())));
    }
    let coder_clause = if opts.coder.is_some() {
        " AND c.coder_id = ?"
    } else {
        ""
    };
    if opts.uncoded {
        filters.push(format!(
            "NOT EXISTS (SELECT 1 FROM coding c WHERE c.transcript_id = s.transcript_id
             AND c.start < s.end AND c.end > s.start{coder_clause})"
        ));
        if let Some(c) = opts.coder {
            args.push(SqlValue::Integer(c));
        }
    }
    for (theme, negate) in [(&opts.theme, false), (&opts.not_theme, true)] {
        let Some(r) = theme else { continue };
        let t = template.resolve(r)?;
        let ids: Vec<i64> = template.subtree(t.id).iter().map(|x| x.id).collect();
        filters.push(format!(
            "{}EXISTS (SELECT 1 FROM coding c WHERE c.transcript_id = s.transcript_id
             AND c.start < s.end AND c.end > s.start AND c.theme_id IN ({}){coder_clause})",
            if negate { "NOT " } else { "" },
            vec!["?"; ids.len()].join(", ")
        ));
        args.extend(ids.into_iter().map(SqlValue::Integer));
        if let Some(c) = opts.coder {
            args.push(SqlValue::Integer(c));
        }
    }
    let sql = format!(
        "SELECT t.id, t.name, s.number, s.speaker, s.start, s.end
         FROM segment s JOIN transcript t ON t.id = s.transcript_id
         {} ORDER BY t.id, s.number",
        if filters.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", filters.join(" AND "))
        }
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows: Vec<Row> = stmt
        .query_map(params_from_iter(args), |r| {
            Ok(Row {
                transcript_id: r.get(0)?,
                transcript: r.get(1)?,
                number: r.get(2)?,
                speaker: r.get(3)?,
                start: r.get::<_, i64>(4)? as usize,
                end: r.get::<_, i64>(5)? as usize,
            })
        })
        .map_err(|e| syntax_error(query, e))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|e| syntax_error(query, e))?;
    let terms = if opts.regex {
        Vec::new()
    } else {
        query_terms(query)
    };
    // A quoted phrase is shown whole when its words stand together in the text, and so is a
    // word of an unspaced script.
    let phrases = if opts.regex {
        Vec::new()
    } else {
        query_phrases(query)
    };
    Ok((
        rows,
        Matcher {
            regex,
            terms,
            phrases,
        },
    ))
}

/// Where a search hits within a segment's text.
pub struct Matcher {
    regex: Option<Regex>,
    terms: Vec<Term>,
    phrases: Vec<String>,
}

impl Matcher {
    /// The first hit, as a byte span (regex, else the phrase, else the first matching word).
    pub fn first(&self, text: &str) -> Option<(usize, usize)> {
        match &self.regex {
            Some(re) => re.find(text).map(|m| (m.start(), m.end())),
            None => self
                .phrases
                .iter()
                .filter_map(|p| find_phrase(text, p))
                .min()
                .or_else(|| find_terms(text, &self.terms)),
        }
    }

    /// Every hit, as byte spans in order.
    pub fn all(&self, text: &str) -> Vec<(usize, usize)> {
        match &self.regex {
            Some(re) => re.find_iter(text).map(|m| (m.start(), m.end())).collect(),
            None => {
                let mut out: Vec<(usize, usize)> = Vec::new();
                let o = crate::text::Offsets::new(text);
                for p in &self.phrases {
                    out.extend(
                        crate::text::find_folded(text, p, true)
                            .into_iter()
                            .map(|(s, e)| (o.byte_of_char(s), o.byte_of_char(e))),
                    );
                }
                out.extend(term_hits(text, &self.terms));
                out.sort_unstable();
                out
            }
        }
    }

    pub fn is_regex(&self) -> bool {
        self.regex.is_some()
    }
}

/// Run a search over segments.
pub fn search(
    conn: &Connection,
    template: &Template,
    query: &str,
    opts: &SearchOptions,
) -> Result<Results> {
    let (rows, matcher) = matching(conn, template, query, opts)?;
    // Segment text comes from its transcript, loaded once per transcript (rows are grouped).
    let mut text_stmt = conn.prepare_cached("SELECT text FROM transcript WHERE id = ?1")?;
    let mut loaded: Option<(i64, String, crate::text::Offsets)> = None;
    let mut segment_text = |row: &Row| -> Result<String> {
        if loaded.as_ref().is_none_or(|l| l.0 != row.transcript_id) {
            let t: String = text_stmt.query_row([row.transcript_id], |r| r.get(0))?;
            let o = crate::text::Offsets::new(&t);
            loaded = Some((row.transcript_id, t, o));
        }
        let (_, t, o) = loaded.as_ref().expect("loaded above");
        Ok(t[o.byte_of_char(row.start)..o.byte_of_char(row.end)].to_string())
    };
    let mut themes_stmt = conn.prepare_cached(
        "SELECT DISTINCT theme_id FROM coding WHERE transcript_id = ?1 AND start < ?3 AND end > ?2
           AND (?4 IS NULL OR coder_id = ?4)",
    )?;
    // FTS matches are all hits: only the page needs its text. A regex must read every segment.
    let mut page: Vec<(&Row, String, (usize, usize))> = Vec::new();
    let mut total = 0;
    if matcher.is_regex() {
        for row in &rows {
            let text = segment_text(row)?;
            let Some(span) = matcher.first(&text) else {
                continue;
            };
            total += 1;
            if total > opts.offset && page.len() < opts.limit {
                page.push((row, text, span));
            }
        }
    } else {
        total = rows.len();
        for row in rows.iter().skip(opts.offset).take(opts.limit) {
            let text = segment_text(row)?;
            let span = matcher.first(&text).unwrap_or((0, 0));
            page.push((row, text, span));
        }
    }
    let mut hits = Vec::with_capacity(page.len());
    for (row, text, (b0, b1)) in page {
        let (left, hit, right) = kwic(&text, b0, b1, opts.context);
        let mut themes: Vec<String> = themes_stmt
            .query_map(
                (
                    row.transcript_id,
                    row.start as i64,
                    row.end as i64,
                    opts.coder,
                ),
                |r| r.get::<_, i64>(0),
            )?
            .filter_map(|id| {
                id.ok()
                    .and_then(|id| template.get(id))
                    .map(|t| t.number.clone())
            })
            .collect();
        themes.sort_by_key(|n| {
            n.split('.')
                .map(|p| p.parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>()
        });
        // Further hits: distinct stretches after this one (a phrase's words are hits too, and
        // count once with the phrase).
        let mut more = 0;
        let mut reach = b1;
        for (s, e) in matcher.all(&text) {
            if s >= reach {
                more += 1;
                reach = e;
            } else {
                reach = reach.max(e);
            }
        }
        let chars_before = text[..b0].chars().count();
        let hit_chars = text[b0..b1].chars().count();
        hits.push(Hit {
            transcript: row.transcript.clone(),
            segment: row.number,
            speaker: row.speaker.clone(),
            start: row.start + chars_before,
            end: row.start + chars_before + hit_chars,
            left,
            hit,
            right,
            themes,
            more,
        });
    }
    Ok(Results { total, hits })
}

/// A query term: a word, or a prefix (`sustainab*`).
#[derive(Debug, Clone, PartialEq)]
struct Term {
    word: String,
    prefix: bool,
}

fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// The words of an FTS5 query, without operators, for placing the hit in context.
fn query_terms(query: &str) -> Vec<Term> {
    // NEAR(a b, 5): the distance is not a word to look for.
    static NEAR_DISTANCE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let query = NEAR_DISTANCE
        .get_or_init(|| Regex::new(r",\s*\d+\s*\)").expect("distance regex compiles"))
        .replace_all(query, ")");
    let mut out = Vec::new();
    for raw in query.split(|c: char| c.is_whitespace() || "()\",:^+{}".contains(c)) {
        if raw.is_empty() || ["AND", "OR", "NOT"].contains(&raw) || raw.starts_with("NEAR") {
            continue;
        }
        let prefix = raw.ends_with('*');
        if raw.chars().any(is_unspaced) {
            continue;
        }
        for w in raw.trim_end_matches('*').unicode_words() {
            out.push(Term {
                word: fold(w),
                prefix,
            });
        }
    }
    out
}

/// What a hit is shown as whole: quoted phrases of several words, and words of unspaced
/// scripts outside quotes.
fn query_phrases(query: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, part) in query.split('"').enumerate() {
        if i % 2 == 1 {
            if part.split_whitespace().count() > 1 || part.chars().any(is_unspaced) {
                out.push(part.to_string());
            }
            continue;
        }
        for raw in part.split(|c: char| c.is_whitespace() || "()".contains(c)) {
            let word = raw.trim_end_matches('*');
            if word.chars().any(is_unspaced) {
                out.push(word.to_string());
            }
        }
    }
    out
}

/// The first place a phrase stands in `text` (whitespace and case folded), as a byte span.
fn find_phrase(text: &str, phrase: &str) -> Option<(usize, usize)> {
    let (s, e) = *crate::text::find_folded(text, phrase, true).first()?;
    let o = crate::text::Offsets::new(text);
    Some((o.byte_of_char(s), o.byte_of_char(e)))
}

/// The words of `text` that match a term, as byte spans in order.
fn term_hits<'a>(text: &'a str, terms: &'a [Term]) -> impl Iterator<Item = (usize, usize)> + 'a {
    text.unicode_word_indices().filter_map(move |(b, w)| {
        let f = fold(w);
        terms
            .iter()
            .any(|t| {
                if t.prefix {
                    f.starts_with(&t.word)
                } else {
                    f == t.word
                }
            })
            .then_some((b, b + w.len()))
    })
}

/// The first word of `text` that matches a term, as a byte span.
fn find_terms(text: &str, terms: &[Term]) -> Option<(usize, usize)> {
    term_hits(text, terms).next()
}

/// Keyword in context: up to `n` words either side of the hit, whitespace folded.
pub fn kwic(text: &str, b0: usize, b1: usize, n: usize) -> (String, String, String) {
    let before = &text[..b0];
    let after = &text[b1..];
    let left_words: Vec<(usize, &str)> = before.unicode_word_indices().collect();
    let left_start = if left_words.len() > n {
        left_words[left_words.len() - n].0
    } else {
        0
    };
    let right_words: Vec<(usize, &str)> = after.unicode_word_indices().take(n + 1).collect();
    let right_end = if right_words.len() > n {
        right_words[n].0
    } else {
        after.len()
    };
    let fold_ws = crate::text::fold_whitespace;
    let mut left = fold_ws(&before[left_start..]);
    if left_start > 0 {
        left = format!("…{left}");
    }
    if before.ends_with(char::is_whitespace) && !left.is_empty() {
        left.push(' ');
    }
    let mut right = fold_ws(&after[..right_end]);
    if after.starts_with(char::is_whitespace) && !right.is_empty() {
        right.insert(0, ' ');
    }
    if right_end < after.len() {
        right.push('…');
    }
    (left, fold_ws(&text[b0..b1]), right)
}

/// A memo or journal entry that matched.
#[derive(Debug, Clone, Serialize)]
pub struct NoteHit {
    pub kind: String,
    pub on: String,
    pub date: String,
    pub coder: String,
    pub text: String,
}

/// Search memos and journal entries.
pub fn search_notes(conn: &Connection, template: &Template, query: &str) -> Result<Vec<NoteHit>> {
    let ids: Vec<i64> = if query.chars().any(is_unspaced) {
        // The memo index takes runs of unspaced scripts as one word: find every word of the
        // query in the text itself, as a case-folded substring (memos are few).
        let words: Vec<String> = query
            .split(|c: char| c.is_whitespace() || "()\"".contains(c))
            .filter(|w| !w.is_empty() && !["AND", "OR", "NOT"].contains(w))
            .map(|w| fold(w.trim_end_matches('*')))
            .collect();
        let mut stmt = conn.prepare(
            "SELECT id * 2, text FROM memo
             UNION ALL SELECT id * 2 + 1, text || ' ' || tags FROM journal_entry ORDER BY 1",
        )?;
        let rows: Vec<(i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .filter(|(_, text)| {
                let text = fold(text);
                words.iter().all(|w| text.contains(w.as_str()))
            })
            .map(|(id, _)| id)
            .collect()
    } else {
        let mut stmt =
            conn.prepare("SELECT rowid FROM note_fts WHERE note_fts MATCH ?1 ORDER BY rowid")?;
        let ids = stmt
            .query_map([query], |r| r.get(0))
            .map_err(|e| syntax_error(query, e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| syntax_error(query, e))?;
        ids
    };
    let mut out = Vec::new();
    for id in ids {
        if id % 2 == 0 {
            for m in crate::memo::list(conn, template, &crate::memo::Filter::Id(id / 2))? {
                out.push(NoteHit {
                    kind: "memo".into(),
                    on: m.on,
                    date: m.created_at,
                    coder: m.coder,
                    text: m.text,
                });
            }
        } else if let Some(j) = crate::memo::journal(conn, None)?
            .into_iter()
            .find(|j| j.id == id / 2)
        {
            out.push(NoteHit {
                kind: "journal".into(),
                on: if j.tags.is_empty() {
                    String::new()
                } else {
                    format!("tags: {}", j.tags)
                },
                date: j.created_at,
                coder: j.coder,
                text: j.text,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_ignore_operators_and_keep_prefixes() {
        let t = query_terms("sustainab* AND \"net zero\" NOT NEAR(café target, 5)");
        let words: Vec<(&str, bool)> = t.iter().map(|t| (t.word.as_str(), t.prefix)).collect();
        assert_eq!(
            words,
            vec![
                ("sustainab", true),
                ("net", false),
                ("zero", false),
                ("cafe", false),
                ("target", false)
            ]
        );
    }

    #[test]
    fn unspaced_words_become_phrases_of_their_characters() {
        assert_eq!(fts_query("net zero"), "net zero");
        assert_eq!(fts_query("唱歌"), "\"唱 歌\"");
        assert_eq!(
            fts_query("(唱歌* OR \"好 唱歌\") AND music"),
            "(\"唱 歌\"* OR \" 好  唱 歌 \") AND music"
        );
        assert_eq!(index_text("CO₂目標ok"), "CO₂ 目 標 ok");
        assert_eq!(
            query_phrases("唱歌 AND \"net zero\" OR x"),
            vec!["唱歌", "net zero"]
        );
    }

    #[test]
    fn kwic_cuts_context_by_words() {
        let text = "one two three four HIT five six seven eight";
        let b0 = text.find("HIT").unwrap();
        let (l, h, r) = kwic(text, b0, b0 + 3, 2);
        assert_eq!(
            (l.as_str(), h.as_str(), r.as_str()),
            ("…three four ", "HIT", " five six…")
        );
    }
}
