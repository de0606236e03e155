//! Theme frequencies across transcripts: presence, segments, codings, words and coverage, with
//! roll-up to parents that never counts a span twice.

use std::collections::{BTreeMap, HashMap};

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::model::{union_spans, Span, Theme};
use crate::template::Template;
use crate::text::word_starts;

/// What a cell counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Measure {
    /// 1 if the theme (or a sub-theme) is coded in the transcript.
    Presence,
    /// Distinct segments touched by the theme's coded spans.
    Segments,
    /// Coded passages (overlapping codings joined).
    Codings,
    /// Words inside the union of coded spans.
    Words,
    /// Coded words as a percentage of the transcript's words.
    Coverage,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Presence => "presence",
            Measure::Segments => "segments",
            Measure::Codings => "codings",
            Measure::Words => "words",
            Measure::Coverage => "coverage",
        }
    }

    /// What a cell means, for the footer.
    pub fn explain(self) -> &'static str {
        match self {
            Measure::Presence => {
                "whether the theme or any of its sub-themes is coded in the transcript"
            }
            Measure::Segments => "segments touched by the theme's codings, sub-themes included",
            Measure::Codings => "coded passages (overlapping codings joined, sub-themes included)",
            Measure::Words => {
                "words inside the coded passages (each word once, sub-themes included)"
            }
            Measure::Coverage => {
                "coded words as a % of the transcript's words (sub-themes included)"
            }
        }
    }
}

/// A transcript column.
#[derive(Debug, Clone)]
pub struct TranscriptInfo {
    pub id: i64,
    pub name: String,
    pub words: i64,
}

/// Options for `freq`.
#[derive(Debug, Clone)]
pub struct FreqOptions {
    pub measure: Measure,
    pub depth: Option<usize>,
    pub transcripts: Option<Vec<String>>,
    pub coder: Option<i64>,
    /// Leave out codings made by autocode.
    pub no_autocoded: bool,
}

/// One theme's row: its non-zero values by transcript column, and its participant count.
#[derive(Debug, Clone)]
pub struct FreqRow {
    pub theme: Theme,
    /// (transcript column, value) for every transcript where the theme is coded, by column;
    /// every other column is 0. Sparse: 20,000 themes × 2,000 transcripts is mostly zeros.
    pub cells: Vec<(usize, f64)>,
    /// Transcripts in which the theme (or a sub-theme) is coded.
    pub participants: usize,
}

impl FreqRow {
    /// The value in transcript column `c` (0 where the theme is not coded).
    pub fn cell(&self, c: usize) -> f64 {
        self.cells
            .binary_search_by_key(&c, |&(col, _)| col)
            .map_or(0.0, |i| self.cells[i].1)
    }

    /// All `n` columns' values, zeros included: for small tables (pages, reports).
    pub fn dense(&self, n: usize) -> Vec<f64> {
        let mut out = vec![0.0; n];
        for &(c, v) in &self.cells {
            out[c] = v;
        }
        out
    }
}

/// The theme × transcript table.
#[derive(Debug, Clone)]
pub struct FreqTable {
    pub measure: Measure,
    pub transcripts: Vec<TranscriptInfo>,
    pub rows: Vec<FreqRow>,
}

impl FreqTable {
    pub fn percent(&self, row: &FreqRow) -> f64 {
        if self.transcripts.is_empty() {
            0.0
        } else {
            row.participants as f64 * 100.0 / self.transcripts.len() as f64
        }
    }
}

/// Transcripts in import order, optionally restricted to the named ones.
pub fn transcripts(conn: &Connection, only: Option<&[String]>) -> Result<Vec<TranscriptInfo>> {
    let mut stmt = conn.prepare("SELECT id, name, words FROM transcript ORDER BY id")?;
    let all: Vec<TranscriptInfo> = stmt
        .query_map([], |r| {
            Ok(TranscriptInfo {
                id: r.get(0)?,
                name: r.get(1)?,
                words: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let Some(only) = only else {
        return Ok(all);
    };
    let mut picked = Vec::new();
    for name in only {
        match all.iter().find(|t| &t.name == name) {
            Some(t) if !picked.iter().any(|p: &TranscriptInfo| p.id == t.id) => {
                picked.push(t.clone())
            }
            Some(_) => {}
            None => return Err(crate::coding::unknown_transcript(conn, name)?),
        }
    }
    picked.sort_by_key(|t| t.id);
    Ok(picked)
}

/// Coded spans per theme and transcript column, restricted to the given transcripts and coder.
pub(crate) fn load_spans(
    conn: &Connection,
    ids: &HashMap<i64, usize>,
    coder: Option<i64>,
    no_autocoded: bool,
) -> Result<HashMap<i64, BTreeMap<usize, Vec<Span>>>> {
    // Served entirely by the covering index coding_by_theme; union_spans sorts later.
    let mut stmt = conn.prepare(
        "SELECT theme_id, transcript_id, start, end FROM coding
         WHERE (?1 IS NULL OR coder_id = ?1) AND (NOT ?2 OR autocode_batch IS NULL)",
    )?;
    let mut out: HashMap<i64, BTreeMap<usize, Vec<Span>>> = HashMap::new();
    let mut rows = stmt.query(rusqlite::params![coder, no_autocoded])?;
    while let Some(r) = rows.next()? {
        let theme: i64 = r.get(0)?;
        let transcript: i64 = r.get(1)?;
        let Some(&col) = ids.get(&transcript) else {
            continue;
        };
        let span = Span::new(r.get::<_, i64>(2)? as usize, r.get::<_, i64>(3)? as usize);
        out.entry(theme)
            .or_default()
            .entry(col)
            .or_default()
            .push(span);
    }
    Ok(out)
}

/// For every theme, per transcript column, the union of its own and its descendants' coded
/// spans. Computed bottom-up, so each span is merged once per ancestor level, not copied
/// from every descendant again.
pub(crate) fn rolled_up(
    template: &Template,
    mut own: HashMap<i64, BTreeMap<usize, Vec<Span>>>,
) -> HashMap<i64, BTreeMap<usize, Vec<Span>>> {
    let mut done: HashMap<i64, BTreeMap<usize, Vec<Span>>> = HashMap::new();
    // Display order is depth first, so reversed it visits children before their parents.
    for theme in template.themes.iter().rev() {
        let mut per_col = own.remove(&theme.id).unwrap_or_default();
        for child in template.children(Some(theme.id)) {
            if let Some(c) = done.get(&child.id) {
                for (col, spans) in c {
                    per_col.entry(*col).or_default().extend_from_slice(spans);
                }
            }
        }
        let unioned = per_col
            .into_iter()
            .map(|(col, v)| (col, union_spans(v)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        done.insert(theme.id, unioned);
    }
    done
}

/// Computes one transcript's cell from a theme's coded spans there.
type CellFn = Box<dyn Fn(&[Span]) -> f64>;

/// Compute the table.
pub fn freq(conn: &Connection, template: &Template, opts: &FreqOptions) -> Result<FreqTable> {
    if opts.depth == Some(0) {
        return Err(Error::usage("--depth must be 1 or more"));
    }
    let transcripts = transcripts(conn, opts.transcripts.as_deref())?;
    let col_of: HashMap<i64, usize> = transcripts
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id, i))
        .collect();
    let unions = rolled_up(
        template,
        load_spans(conn, &col_of, opts.coder, opts.no_autocoded)?,
    );
    let shown: Vec<&Theme> = template
        .themes
        .iter()
        .filter(|t| opts.depth.is_none_or(|d| t.level() <= d))
        .collect();
    let mut rows: Vec<FreqRow> = shown
        .iter()
        .map(|theme| {
            let per_col = unions.get(&theme.id);
            let cells = per_col
                .into_iter()
                .flatten()
                .map(|(&c, union)| {
                    let v = match opts.measure {
                        Measure::Codings => union.len() as f64,
                        _ => 1.0,
                    };
                    (c, v)
                })
                .collect();
            FreqRow {
                theme: (*theme).clone(),
                cells,
                participants: per_col.map_or(0, BTreeMap::len),
            }
        })
        .collect();

    // Segments and words need per-transcript data: load one transcript at a time, fill its
    // column for every theme, and let it go, so memory stays bounded by one transcript.
    if matches!(
        opts.measure,
        Measure::Segments | Measure::Words | Measure::Coverage
    ) {
        let coded: std::collections::BTreeSet<usize> = rows
            .iter()
            .flat_map(|r| {
                unions
                    .get(&r.theme.id)
                    .into_iter()
                    .flat_map(|m| m.keys().copied())
            })
            .collect();
        let mut seg_stmt = conn.prepare_cached(
            "SELECT start, end FROM segment WHERE transcript_id = ?1 ORDER BY start",
        )?;
        let mut text_stmt = conn.prepare_cached("SELECT text FROM transcript WHERE id = ?1")?;
        for c in coded {
            let info = &transcripts[c];
            let measure_of: CellFn = if opts.measure == Measure::Segments {
                let segments: Vec<Span> = seg_stmt
                    .query_map([info.id], |r| {
                        Ok(Span::new(
                            r.get::<_, i64>(0)? as usize,
                            r.get::<_, i64>(1)? as usize,
                        ))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                Box::new(move |u: &[Span]| count_touched(&segments, u) as f64)
            } else {
                let text: String = text_stmt.query_row([info.id], |r| r.get(0))?;
                let starts = word_starts(&text);
                let total = info.words;
                let coverage = opts.measure == Measure::Coverage;
                Box::new(move |u: &[Span]| {
                    let w = count_words_in(&starts, u) as f64;
                    match (coverage, total) {
                        (false, _) => w,
                        (true, 0) => 0.0,
                        (true, t) => w * 100.0 / t as f64,
                    }
                })
            };
            for row in rows.iter_mut() {
                if let Some(u) = unions.get(&row.theme.id).and_then(|m| m.get(&c)) {
                    if let Ok(i) = row.cells.binary_search_by_key(&c, |&(col, _)| col) {
                        row.cells[i].1 = measure_of(u);
                    }
                }
            }
        }
    }
    Ok(FreqTable {
        measure: opts.measure,
        transcripts,
        rows,
    })
}

/// Segments (sorted by start) that overlap any of the (sorted, disjoint) spans.
fn count_touched(segments: &[Span], union: &[Span]) -> usize {
    segments
        .iter()
        .filter(|s| {
            let i = union.partition_point(|u| u.end <= s.start);
            union
                .get(i)
                .is_some_and(|u| u.overlaps(s) || (s.is_empty() && u.start <= s.start))
        })
        .count()
}

/// Words whose first character lies inside one of the (sorted, disjoint) spans.
pub fn count_words_in(starts: &[usize], union: &[Span]) -> usize {
    union
        .iter()
        .map(|u| {
            let a = starts.partition_point(|&w| w < u.start);
            let b = starts.partition_point(|&w| w < u.end);
            b - a
        })
        .sum()
}

/// Participants with each theme per group of an attribute (`--by role`).
#[derive(Debug, Clone)]
pub struct ByTable {
    pub attribute: String,
    /// Group value and the number of transcripts in it.
    pub groups: Vec<(String, usize)>,
    /// Per theme: participants with the theme in each group.
    pub rows: Vec<(Theme, Vec<usize>, usize)>,
    pub total: usize,
}

/// Group the presence table by an attribute's values. Transcripts without the attribute form
/// the group "(none)".
pub fn by_attribute(conn: &Connection, table: &FreqTable, attribute: &str) -> Result<ByTable> {
    let mut stmt = conn.prepare("SELECT transcript_id, value FROM attribute WHERE key = ?1")?;
    let values: HashMap<i64, String> = stmt
        .query_map([attribute], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if values.is_empty() {
        let mut stmt = conn.prepare("SELECT DISTINCT key FROM attribute ORDER BY key")?;
        let keys: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        return Err(
            Error::user(format!("no transcript has the attribute \"{attribute}\"")).with_hint(
                if keys.is_empty() {
                    "set attributes with \"tana attr set\" or \"tana attr import participants.csv\""
                        .to_string()
                } else {
                    format!("attributes in this project: {}", keys.join(", "))
                },
            ),
        );
    }
    let group_of: Vec<String> = table
        .transcripts
        .iter()
        .map(|t| {
            values
                .get(&t.id)
                .cloned()
                .unwrap_or_else(|| "(none)".into())
        })
        .collect();
    let mut names: Vec<String> = group_of.clone();
    names.sort();
    names.dedup();
    let groups: Vec<(String, usize)> = names
        .iter()
        .map(|g| (g.clone(), group_of.iter().filter(|x| *x == g).count()))
        .collect();
    let rows = table
        .rows
        .iter()
        .map(|r| {
            let counts = names
                .iter()
                .map(|g| {
                    r.cells
                        .iter()
                        .filter(|&&(c, v)| v > 0.0 && group_of[c] == *g)
                        .count()
                })
                .collect();
            (r.theme.clone(), counts, r.participants)
        })
        .collect();
    Ok(ByTable {
        attribute: attribute.to_string(),
        groups,
        rows,
        total: table.transcripts.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_segments_and_words_use_the_union() {
        let segs = vec![Span::new(0, 10), Span::new(12, 20), Span::new(22, 30)];
        let union = vec![Span::new(5, 14)];
        assert_eq!(count_touched(&segs, &union), 2);
        let starts = vec![0, 4, 8, 13, 17];
        assert_eq!(count_words_in(&starts, &union), 2);
    }
}
