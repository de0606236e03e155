//! Agreement between coders: units, the unit × theme × coder presence table with roll-up,
//! percent agreement, Cohen's kappa, Krippendorff's alpha, a transcript bootstrap, the
//! disagreements, and the units every coder agreed on (the start of a consensus coder).
//!
//! Presence is kept as a histogram per theme: `hist[mask]` counts the units in which exactly
//! the coders whose bits are set in `mask` coded the theme (bit i = coder i). Every coefficient
//! is a function of that histogram, so character units cost no more than segments: they are
//! counted by interval arithmetic, never one by one.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::model::{union_spans, Span, Theme};
use crate::segment::{paragraph_spans, sentences};
use crate::template::Template;
use crate::text::Offsets;

/// At most this many coders at once (the histogram has 2^k cells per theme).
pub const MAX_CODERS: usize = 8;

/// What one unit of comparison is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Unit {
    /// A segment (speaker turn, or paragraph where no turns were found).
    Segment,
    /// A sentence within a segment (12.3).
    Sentence,
    /// A paragraph of the transcript: lines between blank lines.
    Paragraph,
    /// Every character (code point) of the transcript text.
    Character,
    /// The whole transcript: coded anywhere or not at all.
    Transcript,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Segment => "segment",
            Unit::Sentence => "sentence",
            Unit::Paragraph => "paragraph",
            Unit::Character => "character",
            Unit::Transcript => "transcript",
        }
    }

    /// The plural, for counts.
    pub fn plural(self) -> &'static str {
        match self {
            Unit::Segment => "segments",
            Unit::Sentence => "sentences",
            Unit::Paragraph => "paragraphs",
            Unit::Character => "characters",
            Unit::Transcript => "transcripts",
        }
    }

    /// When a coding covers a unit, for the footer and help.
    pub fn rule(self) -> &'static str {
        match self {
            Unit::Segment => "a coder coded a segment with a theme when one of their codings of the theme or of a sub-theme overlaps the segment's text",
            Unit::Sentence => "a coder coded a sentence with a theme when one of their codings of the theme or of a sub-theme overlaps the sentence",
            Unit::Paragraph => "a coder coded a paragraph (lines between blank lines) with a theme when one of their codings of the theme or of a sub-theme overlaps it",
            Unit::Character => "every character of the transcript is a unit; a coder coded it with a theme when it lies inside one of their codings of the theme or of a sub-theme",
            Unit::Transcript => "a coder coded a transcript with a theme when they coded the theme or a sub-theme anywhere in it",
        }
    }
}

/// A coder being compared.
#[derive(Debug, Clone)]
pub struct Coder {
    pub id: i64,
    pub name: String,
}

/// A transcript in the comparison.
#[derive(Debug, Clone)]
pub struct Transcript {
    pub id: i64,
    pub name: String,
    pub chars: usize,
}

/// Bootstrap settings: transcripts are resampled with replacement.
#[derive(Debug, Clone, Copy)]
pub struct Bootstrap {
    pub reps: usize,
    pub seed: u64,
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct AgreeOptions {
    pub coders: Vec<Coder>,
    pub transcripts: Vec<Transcript>,
    pub unit: Unit,
    /// The theme rows, in template order.
    pub themes: Vec<Theme>,
    /// Roll sub-themes up into their parents (the report); off for consensus, which works on
    /// each theme's own codings.
    pub rollup: bool,
    pub bootstrap: Option<Bootstrap>,
    pub disagreements: bool,
    /// Collect the pieces of text every coder coded (for consensus).
    pub agreed: bool,
}

/// A 95% percentile interval.
pub type Interval = (f64, f64);

/// The coefficients of one histogram.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coefficients {
    /// Share of units on which all coders agree, 0..1.
    pub agreement: Option<f64>,
    /// Cohen's kappa (two coders) or the mean of the pairwise kappas (three or more).
    pub kappa: Option<f64>,
    /// Krippendorff's alpha, nominal (binary here).
    pub alpha: Option<f64>,
}

/// One theme's row.
#[derive(Debug, Clone)]
pub struct ThemeRow {
    pub theme: Theme,
    /// Units by the set of coders who coded the theme there (index = coder bit mask).
    pub hist: Vec<u64>,
    pub coef: Coefficients,
    /// Why a coefficient is missing or what is special: "not used by either coder", ...
    pub note: Option<String>,
    pub kappa_ci: Option<Interval>,
    pub alpha_ci: Option<Interval>,
}

impl ThemeRow {
    /// Used by at least one coder in these units.
    pub fn used(&self) -> bool {
        self.hist.iter().skip(1).any(|&n| n > 0)
    }
}

/// An overall row: pooled over unit × theme pairs, or the mean of the themes' values.
#[derive(Debug, Clone, Default)]
pub struct Overall {
    pub hist: Vec<u64>,
    pub pooled: Coefficients,
    pub mean: Coefficients,
    /// Themes that enter the overall rows (used by at least one coder).
    pub themes: usize,
    pub pooled_kappa_ci: Option<Interval>,
    pub pooled_alpha_ci: Option<Interval>,
}

/// A unit on which the coders differ for a theme.
#[derive(Debug, Clone)]
pub struct Disagreement {
    pub transcript: usize,
    /// "12" (segment), "12.3" (sentence), "4" (paragraph), "120:245" (characters), "" (transcript).
    pub unit: String,
    pub span: Span,
    pub row: usize,
    /// Coders (bits) who coded the theme there.
    pub mask: u32,
    pub text: String,
}

/// Text every coder coded with a theme in one unit: where consensus can start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreed {
    pub transcript: i64,
    pub theme: i64,
    pub span: Span,
}

/// The result.
#[derive(Debug, Clone)]
pub struct Agreement {
    pub unit: Unit,
    pub coders: Vec<Coder>,
    pub transcripts: Vec<Transcript>,
    /// Units compared (per theme; the same for every theme).
    pub units: u64,
    pub rows: Vec<ThemeRow>,
    pub overall: Overall,
    pub disagreements: Vec<Disagreement>,
    pub agreed: Vec<Agreed>,
}

/// Transcripts in which every coder has at least one coding, in import order.
pub fn shared_transcripts(conn: &Connection, coders: &[Coder]) -> Result<Vec<Transcript>> {
    // One pass over each coder's codings (index coding_by_coder); a correlated EXISTS per
    // transcript would scan them once per transcript.
    let mut stmt =
        conn.prepare_cached("SELECT DISTINCT transcript_id FROM coding WHERE coder_id = ?1")?;
    let mut shared: Option<std::collections::HashSet<i64>> = None;
    for c in coders {
        let mine: std::collections::HashSet<i64> = stmt
            .query_map([c.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        shared = Some(match shared {
            None => mine,
            Some(s) => s.intersection(&mine).copied().collect(),
        });
    }
    let shared = shared.unwrap_or_default();
    let mut stmt = conn.prepare_cached("SELECT id, name, chars FROM transcript ORDER BY id")?;
    let all = stmt.query_map([], |r| {
        Ok(Transcript {
            id: r.get(0)?,
            name: r.get(1)?,
            chars: r.get::<_, i64>(2)? as usize,
        })
    })?;
    let mut out = Vec::new();
    for t in all {
        let t = t?;
        if shared.contains(&t.id) {
            out.push(t);
        }
    }
    Ok(out)
}

/// The named transcripts, in import order.
pub fn named_transcripts(conn: &Connection, names: &[String]) -> Result<Vec<Transcript>> {
    let mut out: Vec<Transcript> = Vec::new();
    for name in names {
        let row = conn
            .query_row(
                "SELECT id, name, chars FROM transcript WHERE name = ?1",
                [name],
                |r| {
                    Ok(Transcript {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        chars: r.get::<_, i64>(2)? as usize,
                    })
                },
            )
            .ok();
        match row {
            Some(t) if !out.iter().any(|o| o.id == t.id) => out.push(t),
            Some(_) => {}
            None => return Err(crate::coding::unknown_transcript(conn, name)?),
        }
    }
    out.sort_by_key(|t| t.id);
    Ok(out)
}

/// One unit of a transcript: its span and its numbers (segment, and sentence within it).
#[derive(Debug, Clone, Copy)]
struct UnitSpan {
    span: Span,
    number: i64,
    sub: usize,
}

impl UnitSpan {
    fn label(&self, unit: Unit) -> String {
        match unit {
            Unit::Segment | Unit::Paragraph => self.number.to_string(),
            Unit::Sentence => format!("{}.{}", self.number, self.sub),
            Unit::Character => format!("{}:{}", self.span.start, self.span.end),
            Unit::Transcript => String::new(),
        }
    }
}

/// The units of one transcript, sorted by start.
fn load_units(conn: &Connection, t: &Transcript, unit: Unit, text: &str) -> Result<Vec<UnitSpan>> {
    let segments = || -> Result<Vec<(i64, Span)>> {
        let mut stmt = conn.prepare_cached(
            "SELECT number, start, end FROM segment WHERE transcript_id = ?1 ORDER BY start, number",
        )?;
        let rows = stmt.query_map([t.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Span::new(r.get::<_, i64>(1)? as usize, r.get::<_, i64>(2)? as usize),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    Ok(match unit {
        Unit::Segment => segments()?
            .into_iter()
            .map(|(number, span)| UnitSpan {
                span,
                number,
                sub: 0,
            })
            .collect(),
        Unit::Sentence => {
            let offsets = Offsets::new(text);
            let mut out = Vec::new();
            for (number, seg) in segments()? {
                let (a, b) = (
                    offsets.byte_of_char(seg.start),
                    offsets.byte_of_char(seg.end),
                );
                let body = text.get(a..b).unwrap_or_default();
                for (i, (s, e)) in sentences(body).into_iter().enumerate() {
                    out.push(UnitSpan {
                        span: Span::new(seg.start + s, seg.start + e),
                        number,
                        sub: i + 1,
                    });
                }
            }
            out
        }
        Unit::Paragraph => paragraph_spans(text)
            .into_iter()
            .enumerate()
            .map(|(i, (s, e))| UnitSpan {
                span: Span::new(s, e),
                number: i as i64 + 1,
                sub: 0,
            })
            .collect(),
        Unit::Transcript => vec![UnitSpan {
            span: Span::new(0, t.chars),
            number: 0,
            sub: 0,
        }],
        Unit::Character => Vec::new(),
    })
}

/// Units touched by each coder's (sorted, disjoint) spans: (unit index, coder mask), by unit.
fn unit_masks(units: &[UnitSpan], per_coder: &[Vec<Span>]) -> Vec<(usize, u32)> {
    let mut touched: Vec<(usize, u32)> = Vec::new();
    for (c, spans) in per_coder.iter().enumerate() {
        for s in spans {
            let mut i = units.partition_point(|u| u.span.end <= s.start);
            while let Some(u) = units.get(i) {
                if u.span.start >= s.end {
                    break;
                }
                if u.span.overlaps(s) {
                    touched.push((i, 1 << c));
                }
                i += 1;
            }
        }
    }
    touched.sort_unstable();
    let mut out: Vec<(usize, u32)> = Vec::with_capacity(touched.len());
    for (i, m) in touched {
        match out.last_mut() {
            Some(last) if last.0 == i => last.1 |= m,
            _ => out.push((i, m)),
        }
    }
    out
}

/// Maximal runs of characters covered by the same (non-empty) set of coders, in text order.
fn char_runs(per_coder: &[Vec<Span>]) -> Vec<(Span, u32)> {
    let mut events: Vec<(usize, u32, bool)> = Vec::new();
    for (c, spans) in per_coder.iter().enumerate() {
        for s in spans.iter().filter(|s| !s.is_empty()) {
            events.push((s.start, 1 << c, true));
            events.push((s.end, 1 << c, false));
        }
    }
    events.sort_unstable();
    let mut out: Vec<(Span, u32)> = Vec::new();
    let mut mask = 0u32;
    let mut at = 0usize;
    let mut i = 0;
    while i < events.len() {
        let pos = events[i].0;
        if mask != 0 && pos > at {
            match out.last_mut() {
                Some((s, m)) if *m == mask && s.end == at => s.end = pos,
                _ => out.push((Span::new(at, pos), mask)),
            }
        }
        while i < events.len() && events[i].0 == pos {
            let (_, bit, open) = events[i];
            if open {
                mask |= bit;
            } else {
                mask &= !bit;
            }
            i += 1;
        }
        at = pos;
    }
    out
}

/// Compare the coders.
pub fn agree(conn: &Connection, template: &Template, opts: &AgreeOptions) -> Result<Agreement> {
    let k = opts.coders.len();
    if !(2..=MAX_CODERS).contains(&k) {
        return Err(Error::usage(format!(
            "compare 2 to {MAX_CODERS} coders (got {k})"
        )));
    }
    let full: u32 = (1 << k) - 1;
    let cells = 1usize << k;
    let coder_bit: HashMap<i64, usize> = opts
        .coders
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    // Each theme's codings count for its own row and, rolled up, for its ancestors' rows.
    let row_of: HashMap<i64, usize> = opts
        .themes
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id, i))
        .collect();
    let mut targets: HashMap<i64, Vec<usize>> = HashMap::new();
    for theme in &template.themes {
        let mut rows = Vec::new();
        let mut at = Some(theme.id);
        while let Some(id) = at {
            if let Some(&r) = row_of.get(&id) {
                rows.push(r);
            }
            if !opts.rollup {
                break;
            }
            at = template.get(id).and_then(|t| t.parent_id);
        }
        if !rows.is_empty() {
            targets.insert(theme.id, rows);
        }
    }
    let codings = load_codings(conn, opts, &coder_bit)?;

    let nrows = opts.themes.len();
    let mut hist = vec![vec![0u64; cells]; nrows];
    // Per transcript histograms, kept only for the bootstrap.
    let mut per_tx: Vec<Vec<Vec<u64>>> = Vec::new();
    let mut units_of_tx: Vec<u64> = Vec::new();
    let mut disagreements = Vec::new();
    let mut agreed = Vec::new();
    let mut text_stmt = conn.prepare_cached("SELECT text FROM transcript WHERE id = ?1")?;
    for (ti, t) in opts.transcripts.iter().enumerate() {
        let needs_text =
            opts.disagreements || matches!(opts.unit, Unit::Sentence | Unit::Paragraph);
        let text: String = if needs_text {
            text_stmt.query_row([t.id], |r| r.get(0))?
        } else {
            String::new()
        };
        let units = load_units(conn, t, opts.unit, &text)?;
        let n_units = match opts.unit {
            Unit::Character => t.chars as u64,
            _ => units.len() as u64,
        };
        // Spans per row and coder in this transcript.
        let mut spans: Vec<Option<Vec<Vec<Span>>>> = vec![None; nrows];
        for &(theme, bit, span) in codings.get(&t.id).map(Vec::as_slice).unwrap_or_default() {
            for &r in targets.get(&theme).map(Vec::as_slice).unwrap_or_default() {
                spans[r].get_or_insert_with(|| vec![Vec::new(); k])[bit].push(span);
            }
        }
        let mut tx_hist = vec![vec![0u64; cells]; if opts.bootstrap.is_some() { nrows } else { 0 }];
        let offsets = needs_text.then(|| Offsets::new(&text));
        let slice = |s: Span| -> String {
            let o = offsets.as_ref().expect("text loaded");
            let (a, b) = (o.byte_of_char(s.start), o.byte_of_char(s.end));
            text.get(a..b).unwrap_or_default().to_string()
        };
        let mut found: Vec<(usize, usize, Disagreement)> = Vec::new();
        for (r, per_coder) in spans.into_iter().enumerate() {
            let h = &mut hist[r];
            let mut local = vec![0u64; cells];
            let Some(per_coder) = per_coder else {
                local[0] = n_units;
                add_into(h, &local);
                if let Some(x) = tx_hist.get_mut(r) {
                    *x = local;
                }
                continue;
            };
            let per_coder: Vec<Vec<Span>> = per_coder.into_iter().map(union_spans).collect();
            if opts.unit == Unit::Character {
                let runs = char_runs(&per_coder);
                let mut covered = 0u64;
                for &(s, m) in &runs {
                    local[m as usize] += s.len() as u64;
                    covered += s.len() as u64;
                    if m != full && opts.disagreements {
                        found.push((
                            s.start,
                            r,
                            Disagreement {
                                transcript: ti,
                                unit: format!("{}:{}", s.start, s.end),
                                span: s,
                                row: r,
                                mask: m,
                                text: slice(s),
                            },
                        ));
                    }
                    if m == full && opts.agreed {
                        agreed.push(Agreed {
                            transcript: t.id,
                            theme: opts.themes[r].id,
                            span: s,
                        });
                    }
                }
                local[0] = n_units.saturating_sub(covered);
            } else {
                let masks = unit_masks(&units, &per_coder);
                for &(i, m) in &masks {
                    local[m as usize] += 1;
                    let u = units[i];
                    if m != full && opts.disagreements {
                        found.push((
                            u.span.start,
                            r,
                            Disagreement {
                                transcript: ti,
                                unit: u.label(opts.unit),
                                span: u.span,
                                row: r,
                                mask: m,
                                text: slice(u.span),
                            },
                        ));
                    }
                    if m == full && opts.agreed {
                        let all: Vec<Span> = per_coder.iter().flatten().copied().collect();
                        for piece in union_spans(all) {
                            let clipped =
                                Span::new(piece.start.max(u.span.start), piece.end.min(u.span.end));
                            if !clipped.is_empty() {
                                agreed.push(Agreed {
                                    transcript: t.id,
                                    theme: opts.themes[r].id,
                                    span: clipped,
                                });
                            }
                        }
                    }
                }
                local[0] = n_units.saturating_sub(masks.len() as u64);
            }
            add_into(h, &local);
            if let Some(x) = tx_hist.get_mut(r) {
                *x = local;
            }
        }
        found.sort_by_key(|(start, r, _)| (*start, *r));
        disagreements.extend(found.into_iter().map(|(.., d)| d));
        if opts.bootstrap.is_some() {
            per_tx.push(tx_hist);
        }
        units_of_tx.push(n_units);
    }
    let units: u64 = units_of_tx.iter().sum();

    let mut rows: Vec<ThemeRow> = opts
        .themes
        .iter()
        .zip(hist)
        .map(|(theme, hist)| {
            let coef = coefficients(&hist, k);
            let note = note_for(&hist, &opts.coders);
            ThemeRow {
                theme: theme.clone(),
                hist,
                coef,
                note,
                kappa_ci: None,
                alpha_ci: None,
            }
        })
        .collect();
    let used: Vec<usize> = (0..rows.len()).filter(|&r| rows[r].used()).collect();
    let mut overall = Overall {
        hist: vec![0; cells],
        themes: used.len(),
        ..Overall::default()
    };
    for &r in &used {
        add_into(&mut overall.hist, &rows[r].hist);
    }
    overall.pooled = coefficients(&overall.hist, k);
    overall.mean = Coefficients {
        agreement: mean(used.iter().map(|&r| rows[r].coef.agreement)),
        kappa: mean(used.iter().map(|&r| rows[r].coef.kappa)),
        alpha: mean(used.iter().map(|&r| rows[r].coef.alpha)),
    };
    if let Some(b) = opts.bootstrap {
        let cis = bootstrap(&per_tx, &used, k, b);
        for (r, (kci, aci)) in cis.rows.into_iter().enumerate() {
            rows[r].kappa_ci = kci;
            rows[r].alpha_ci = aci;
        }
        overall.pooled_kappa_ci = cis.pooled.0;
        overall.pooled_alpha_ci = cis.pooled.1;
    }
    Ok(Agreement {
        unit: opts.unit,
        coders: opts.coders.clone(),
        transcripts: opts.transcripts.clone(),
        units,
        rows,
        overall,
        disagreements,
        agreed,
    })
}

/// (theme, coder bit, span) of every coding, by transcript.
type CodingsByTranscript = HashMap<i64, Vec<(i64, usize, Span)>>;

/// Codings of the compared coders in the compared transcripts.
fn load_codings(
    conn: &Connection,
    opts: &AgreeOptions,
    coder_bit: &HashMap<i64, usize>,
) -> Result<CodingsByTranscript> {
    let wanted: std::collections::HashSet<i64> = opts.transcripts.iter().map(|t| t.id).collect();
    let mut out: CodingsByTranscript = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT transcript_id, theme_id, start, end FROM coding WHERE coder_id = ?1",
    )?;
    for (&coder, &bit) in coder_bit {
        let mut rows = stmt.query([coder])?;
        while let Some(r) = rows.next()? {
            let t: i64 = r.get(0)?;
            if !wanted.contains(&t) {
                continue;
            }
            let span = Span::new(r.get::<_, i64>(2)? as usize, r.get::<_, i64>(3)? as usize);
            out.entry(t).or_default().push((r.get(1)?, bit, span));
        }
    }
    Ok(out)
}

fn add_into(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.flatten().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Why a theme's numbers are special, if they are.
fn note_for(hist: &[u64], coders: &[Coder]) -> Option<String> {
    let k = coders.len();
    let n: u64 = hist.iter().sum();
    if n == 0 {
        return Some("no units".into());
    }
    let full = hist.len() - 1;
    if hist[0] == n {
        return Some(if k == 2 {
            "not used by either coder".into()
        } else {
            "not used by any coder".into()
        });
    }
    if hist[full] == n {
        return Some(if k == 2 {
            "both coded every unit".into()
        } else {
            "all coders coded every unit".into()
        });
    }
    let every: Vec<&str> = (0..k)
        .filter(|&c| coded_by(hist, c) == n)
        .map(|c| coders[c].name.as_str())
        .collect();
    let never: Vec<&str> = (0..k)
        .filter(|&c| coded_by(hist, c) == 0)
        .map(|c| coders[c].name.as_str())
        .collect();
    let mut parts = Vec::new();
    if !every.is_empty() {
        parts.push(format!("{} coded every unit", every.join(", ")));
    }
    if !never.is_empty() {
        parts.push(format!("{} never used it", never.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Units coder `c` coded.
fn coded_by(hist: &[u64], c: usize) -> u64 {
    hist.iter()
        .enumerate()
        .filter(|(m, _)| m & (1 << c) != 0)
        .map(|(_, n)| n)
        .sum()
}

/// The 2 × 2 table of coders `i` and `j`: (both, i only, j only, neither).
pub fn pair_table(hist: &[u64], i: usize, j: usize) -> (u64, u64, u64, u64) {
    let (mut a, mut b, mut c, mut d) = (0, 0, 0, 0);
    for (m, &n) in hist.iter().enumerate() {
        match (m & (1 << i) != 0, m & (1 << j) != 0) {
            (true, true) => a += n,
            (true, false) => b += n,
            (false, true) => c += n,
            (false, false) => d += n,
        }
    }
    (a, b, c, d)
}

/// Cohen's kappa from a 2 × 2 table (both, first only, second only, neither), with chance
/// agreement from each coder's own marginals. None when chance agreement is 1 (both coders
/// gave every unit the same single value), where kappa is 0/0.
pub fn cohen_kappa(a: u64, b: u64, c: u64, d: u64) -> Option<f64> {
    let (a, b, c, d) = (a as i128, b as i128, c as i128, d as i128);
    let n = a + b + c + d;
    // kappa = (po - pe) / (1 - pe), multiplied through by n².
    let chance = (a + b) * (a + c) + (c + d) * (b + d);
    let den = n * n - chance;
    if n == 0 || den == 0 {
        return None;
    }
    Some((n * (a + d) - chance) as f64 / den as f64)
}

/// Krippendorff's alpha for binary nominal data with every coder valuing every unit, from the
/// histogram: with m₁ ones and m₀ zeros in a unit, the unit adds m₀m₁/(k−1) to each
/// off-diagonal cell of the coincidence matrix, and
/// alpha = 1 − (N − 1) · Σ m₀m₁ / ((k − 1) · n₀ · n₁), N = k · units.
/// None when every value is the same (n₀ · n₁ = 0).
pub fn krippendorff_alpha(hist: &[u64], k: usize) -> Option<f64> {
    let (mut n0, mut n1, mut s) = (0i128, 0i128, 0i128);
    for (m, &n) in hist.iter().enumerate() {
        let ones = (m as u32).count_ones() as i128;
        let zeros = k as i128 - ones;
        let n = n as i128;
        n0 += zeros * n;
        n1 += ones * n;
        s += zeros * ones * n;
    }
    let total = n0 + n1;
    let den = (k as i128 - 1) * n0 * n1;
    if den == 0 {
        return None;
    }
    Some(1.0 - ((total - 1) * s) as f64 / den as f64)
}

/// Percent agreement (as a share), kappa and alpha of a histogram.
pub fn coefficients(hist: &[u64], k: usize) -> Coefficients {
    let n: u64 = hist.iter().sum();
    let full = hist.len() - 1;
    let agreement = (n > 0).then(|| (hist[0] + hist[full]) as f64 / n as f64);
    let kappa = if k == 2 {
        let (a, b, c, d) = pair_table(hist, 0, 1);
        cohen_kappa(a, b, c, d)
    } else {
        let pairs = (0..k).flat_map(|i| (i + 1..k).map(move |j| (i, j)));
        mean(pairs.map(|(i, j)| {
            let (a, b, c, d) = pair_table(hist, i, j);
            cohen_kappa(a, b, c, d)
        }))
    };
    Coefficients {
        agreement,
        kappa,
        alpha: krippendorff_alpha(hist, k),
    }
}

/// Bootstrap intervals per row and for the pooled row.
struct Cis {
    rows: Vec<(Option<Interval>, Option<Interval>)>,
    pooled: (Option<Interval>, Option<Interval>),
}

/// Resample transcripts (clusters of units) with replacement, `reps` times, and take the
/// 2.5th and 97.5th percentiles of each coefficient over the replicates where it is defined.
fn bootstrap(per_tx: &[Vec<Vec<u64>>], used: &[usize], k: usize, b: Bootstrap) -> Cis {
    let nrows = per_tx.first().map_or(0, Vec::len);
    let cells = 1usize << k;
    let mut rng = SplitMix64(b.seed);
    let t = per_tx.len();
    let mut kappas = vec![Vec::with_capacity(b.reps); nrows];
    let mut alphas = vec![Vec::with_capacity(b.reps); nrows];
    let (mut pk, mut pa) = (Vec::new(), Vec::new());
    let mut weight = vec![0u64; t];
    for _ in 0..b.reps {
        weight.iter_mut().for_each(|w| *w = 0);
        for _ in 0..t {
            weight[rng.below(t as u64) as usize] += 1;
        }
        let mut pooled = vec![0u64; cells];
        for r in 0..nrows {
            let mut h = vec![0u64; cells];
            for (tx, &w) in per_tx.iter().zip(&weight) {
                if w > 0 {
                    for (x, y) in h.iter_mut().zip(&tx[r]) {
                        *x += w * y;
                    }
                }
            }
            let c = coefficients(&h, k);
            kappas[r].extend(c.kappa);
            alphas[r].extend(c.alpha);
            if used.contains(&r) {
                add_into(&mut pooled, &h);
            }
        }
        let c = coefficients(&pooled, k);
        pk.extend(c.kappa);
        pa.extend(c.alpha);
    }
    Cis {
        rows: kappas
            .into_iter()
            .zip(alphas)
            .map(|(k, a)| (interval(k), interval(a)))
            .collect(),
        pooled: (interval(pk), interval(pa)),
    }
}

/// The 95% percentile interval (linear interpolation between order statistics).
fn interval(mut v: Vec<f64>) -> Option<Interval> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let pos = p * (v.len() - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = (lo + 1).min(v.len() - 1);
        v[lo] + (pos - lo as f64) * (v[hi] - v[lo])
    };
    Some((q(0.025), q(0.975)))
}

/// A small, seeded generator (SplitMix64): the same seed gives the same intervals everywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0), without modulo bias.
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next();
            if x < zone {
                return x % n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist2(a: u64, b: u64, c: u64, d: u64) -> Vec<u64> {
        // mask 0 = neither, 1 = first only, 2 = second only, 3 = both
        vec![d, b, c, a]
    }

    #[test]
    fn kappa_matches_the_textbook_example() {
        // Cohen (1960)-style table: 20 both, 5 first only, 10 second only, 15 neither.
        // po = 0.7, pe = 0.5·0.6 + 0.5·0.4 = 0.5, kappa = 0.4.
        let k = cohen_kappa(20, 5, 10, 15).unwrap();
        assert!((k - 0.4).abs() < 1e-12, "{k}");
    }

    #[test]
    fn kappa_is_undefined_only_when_both_coders_are_constant_and_equal() {
        assert_eq!(cohen_kappa(0, 0, 0, 10), None);
        assert_eq!(cohen_kappa(10, 0, 0, 0), None);
        assert_eq!(cohen_kappa(0, 0, 0, 0), None);
        // One coder on every unit, the other on some: defined, and 0.
        assert_eq!(cohen_kappa(4, 6, 0, 0), Some(0.0));
        // Total disagreement on a balanced table.
        assert_eq!(cohen_kappa(0, 5, 5, 0), Some(-1.0));
    }

    #[test]
    fn alpha_matches_krippendorffs_binary_formula() {
        // Two coders, 10 units: both 3, first only 1, second only 1, neither 5.
        // n1 = 8, n0 = 12, N = 20, alpha = 1 - 19 · 2 / (12 · 8) = 0.6041666…
        let a = krippendorff_alpha(&hist2(3, 1, 1, 5), 2).unwrap();
        assert!((a - (1.0 - 38.0 / 96.0)).abs() < 1e-12, "{a}");
        assert_eq!(krippendorff_alpha(&hist2(0, 0, 0, 7), 2), None);
        assert_eq!(krippendorff_alpha(&hist2(7, 0, 0, 0), 2), None);
        let perfect = krippendorff_alpha(&hist2(3, 0, 0, 4), 2).unwrap();
        assert!((perfect - 1.0).abs() < 1e-12);
    }

    #[test]
    fn alpha_for_three_coders_uses_every_pair_in_a_unit() {
        // Three coders, 4 units: all three, none, two of three (×2: masks 0b011 and 0b110).
        let mut h = vec![0u64; 8];
        h[7] = 1;
        h[0] = 1;
        h[3] = 1;
        h[6] = 1;
        // n1 = 3 + 2 + 2 = 7, n0 = 5, N = 12, Σ m0·m1 = 2 + 2 = 4.
        // alpha = 1 - 11 · 4 / (2 · 5 · 7) = 1 - 44/70.
        let a = krippendorff_alpha(&h, 3).unwrap();
        assert!((a - (1.0 - 44.0 / 70.0)).abs() < 1e-12, "{a}");
    }

    #[test]
    fn char_runs_split_where_the_set_of_coders_changes() {
        let runs = char_runs(&[vec![Span::new(0, 10)], vec![Span::new(5, 15)]]);
        assert_eq!(
            runs,
            vec![
                (Span::new(0, 5), 1),
                (Span::new(5, 10), 3),
                (Span::new(10, 15), 2)
            ]
        );
        // Touching spans of one coder stay one run.
        let runs = char_runs(&[vec![Span::new(0, 3), Span::new(3, 6)], vec![]]);
        assert_eq!(runs, vec![(Span::new(0, 6), 1)]);
    }

    #[test]
    fn unit_masks_mark_every_unit_a_span_overlaps() {
        let u = |s, e| UnitSpan {
            span: Span::new(s, e),
            number: 0,
            sub: 0,
        };
        let units = vec![u(0, 10), u(12, 20), u(22, 30)];
        let masks = unit_masks(&units, &[vec![Span::new(5, 13)], vec![Span::new(20, 22)]]);
        // The second coder's span lies between units: it touches none.
        assert_eq!(masks, vec![(0, 1), (1, 1)]);
    }

    #[test]
    fn bootstrap_is_reproducible_and_brackets_the_estimate() {
        let per_tx: Vec<Vec<Vec<u64>>> = (0..12)
            .map(|i| vec![hist2(3 + i % 2, 1, i % 3, 6)])
            .collect();
        let b = Bootstrap { reps: 200, seed: 7 };
        let one = bootstrap(&per_tx, &[0], 2, b);
        let two = bootstrap(&per_tx, &[0], 2, b);
        assert_eq!(one.rows, two.rows);
        let (lo, hi) = one.rows[0].0.unwrap();
        let mut total = vec![0u64; 4];
        for t in &per_tx {
            add_into(&mut total, &t[0]);
        }
        let est = coefficients(&total, 2).kappa.unwrap();
        assert!(lo <= est && est <= hi, "{lo} {est} {hi}");
    }
}
