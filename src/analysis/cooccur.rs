//! Co-occurrence: how often two themes are coded in the same unit (segment, sentence or
//! transcript), with roll-up to parents as in `freq`, as counts, Jaccard or c-coefficients.

use std::collections::{BTreeMap, HashMap};

use rusqlite::Connection;

use crate::analysis::freq::{load_spans, rolled_up, transcripts, TranscriptInfo};
use crate::error::{Error, Result};
use crate::model::{Span, Theme};
use crate::template::Template;
use crate::text::{slice_chars, Offsets};

/// The unit two themes must share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Unit {
    Segment,
    Sentence,
    Transcript,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Segment => "segment",
            Unit::Sentence => "sentence",
            Unit::Transcript => "transcript",
        }
    }
}

/// What a cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Measure {
    /// Units coded with both themes (the diagonal: units coded with the theme).
    Count,
    /// Units with both / units with either: n12 / (n1 + n2 - n12).
    Jaccard,
    /// ATLAS.ti's c-coefficient, n12 / (n1 + n2 - n12), over these units (the same formula as
    /// Jaccard; ATLAS.ti counts quotations instead of units).
    C,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Count => "count",
            Measure::Jaccard => "Jaccard",
            Measure::C => "c-coefficient",
        }
    }
}

/// Options for `cooccur`.
#[derive(Debug, Clone)]
pub struct Options {
    pub unit: Unit,
    pub depth: Option<usize>,
    pub transcripts: Option<Vec<String>>,
    pub coder: Option<i64>,
}

/// The matrix: themes in template order and, per pair, the units they share.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub themes: Vec<Theme>,
    /// `counts[(i, j)]` for i <= j; the diagonal is the units coded with theme i.
    pub counts: HashMap<(usize, usize), u64>,
    pub units: u64,
    pub transcripts: Vec<TranscriptInfo>,
}

impl Matrix {
    pub fn count(&self, i: usize, j: usize) -> u64 {
        let k = if i <= j { (i, j) } else { (j, i) };
        self.counts.get(&k).copied().unwrap_or(0)
    }

    /// A cell in the given measure; None where it is undefined (no unit has either theme).
    pub fn value(&self, i: usize, j: usize, m: Measure) -> Option<f64> {
        let both = self.count(i, j) as f64;
        match m {
            Measure::Count => Some(both),
            Measure::Jaccard | Measure::C => {
                let either = (self.count(i, i) + self.count(j, j)) as f64 - both;
                (either > 0.0).then(|| both / either)
            }
        }
    }
}

/// One unit of one transcript: its span and a label ("12", "12.3", "whole").
struct UnitSpan {
    span: Span,
    label: String,
}

/// The units of a transcript.
fn units_of(
    conn: &Connection,
    t: &TranscriptInfo,
    unit: Unit,
    text: Option<&str>,
) -> Result<Vec<UnitSpan>> {
    if unit == Unit::Transcript {
        return Ok(vec![UnitSpan {
            span: Span::new(0, usize::MAX),
            label: "whole transcript".into(),
        }]);
    }
    let segments = crate::coding::load_segments(conn, t.id)?;
    let mut out = Vec::new();
    let offsets = text.map(Offsets::new);
    for s in segments {
        if s.end <= s.start {
            continue;
        }
        match (unit, text, &offsets) {
            (Unit::Sentence, Some(text), Some(o)) => {
                let seg = &text[o.byte_of_char(s.start)..o.byte_of_char(s.end)];
                for (k, (a, b)) in crate::segment::sentences(seg).into_iter().enumerate() {
                    out.push(UnitSpan {
                        span: Span::new(s.start + a, s.start + b),
                        label: format!("{}.{}", s.number, k + 1),
                    });
                }
            }
            _ => out.push(UnitSpan {
                span: Span::new(s.start, s.end),
                label: s.number.to_string(),
            }),
        }
    }
    Ok(out)
}

/// Units (indices) each of a theme's sorted, disjoint spans overlaps.
fn touched(units: &[UnitSpan], spans: &[Span], out: &mut Vec<usize>) {
    out.clear();
    for s in spans {
        let mut i = units.partition_point(|u| u.span.end <= s.start);
        while i < units.len() && units[i].span.start < s.end {
            if out.last() != Some(&i) {
                out.push(i);
            }
            i += 1;
        }
    }
}

/// A place where two themes meet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Meeting {
    pub transcript: String,
    pub unit: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Compute the matrix, and the meetings of one pair when asked.
pub fn cooccur(
    conn: &Connection,
    template: &Template,
    opts: &Options,
    pair: Option<(i64, i64)>,
) -> Result<(Matrix, Vec<Meeting>)> {
    if opts.depth == Some(0) {
        return Err(Error::usage("--depth must be 1 or more"));
    }
    let transcripts = transcripts(conn, opts.transcripts.as_deref())?;
    let col_of: HashMap<i64, usize> = transcripts
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id, i))
        .collect();
    let unions = rolled_up(template, load_spans(conn, &col_of, opts.coder, false)?);
    let themes: Vec<Theme> = template
        .themes
        .iter()
        .filter(|t| opts.depth.is_none_or(|d| t.level() <= d))
        .cloned()
        .collect();
    let index: HashMap<i64, usize> = themes.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    // Per transcript column: the shown themes coded there.
    let mut per_col: BTreeMap<usize, Vec<(usize, &Vec<Span>)>> = BTreeMap::new();
    for (id, cols) in &unions {
        let Some(&i) = index.get(id) else { continue };
        for (c, spans) in cols {
            per_col.entry(*c).or_default().push((i, spans));
        }
    }
    let mut counts: HashMap<(usize, usize), u64> = HashMap::new();
    let mut meetings = Vec::new();
    let pair_idx = pair.and_then(|(a, b)| Some((*index.get(&a)?, *index.get(&b)?)));
    let mut text_stmt = conn.prepare_cached("SELECT text FROM transcript WHERE id = ?1")?;
    let mut units_total = 0u64;
    let mut scratch = Vec::new();
    for (c, t) in transcripts.iter().enumerate() {
        let need_text = opts.unit == Unit::Sentence || pair_idx.is_some();
        let text: Option<String> = if need_text {
            Some(text_stmt.query_row([t.id], |r| r.get(0))?)
        } else {
            None
        };
        let units = units_of(conn, t, opts.unit, text.as_deref())?;
        units_total += units.len() as u64;
        let Some(mut coded) = per_col.remove(&c) else {
            continue;
        };
        coded.sort_by_key(|x| x.0);
        let mut in_unit: Vec<Vec<usize>> = vec![Vec::new(); units.len()];
        for (i, spans) in coded {
            touched(&units, spans, &mut scratch);
            for &u in &scratch {
                in_unit[u].push(i);
            }
        }
        for (u, list) in in_unit.iter().enumerate() {
            for (x, &i) in list.iter().enumerate() {
                for &j in &list[x..] {
                    *counts.entry((i, j)).or_default() += 1;
                }
            }
            if let (Some((a, b)), Some(text)) = (pair_idx, &text) {
                if list.contains(&a) && list.contains(&b) {
                    let s = units[u].span;
                    let end = if s.end == usize::MAX {
                        text.chars().count()
                    } else {
                        s.end
                    };
                    meetings.push(Meeting {
                        transcript: t.name.clone(),
                        unit: units[u].label.clone(),
                        start: s.start,
                        end,
                        text: slice_chars(text, s.start, end).trim().to_string(),
                    });
                }
            }
        }
    }
    Ok((
        Matrix {
            themes,
            counts,
            units: units_total,
            transcripts,
        },
        meetings,
    ))
}
