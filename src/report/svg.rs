//! Charts as SVG for the study report: heat maps, grouped bar charts and the template's
//! evolution as a flow of versions. Each function returns one self-contained `<svg>` element
//! (no script, no fonts or images fetched, no `<style>` that could leak into the page) whose
//! output depends only on its input.

use std::collections::BTreeMap;
use std::fmt::{self, Write};

use unicode_segmentation::UnicodeSegmentation;

use super::html::shade;

const FONT: &str = "Helvetica,Arial,sans-serif";
const INK: &str = "#1d2329";
const MUTED: &str = "#5b6670";
const FRAME: &str = "#9aa5ae";
const GRID: &str = "#d5dbe0";
const NO_VALUE: &str = "#eef1f4";
const ADDED: &str = "#1a8a3a";
const DELETED: &str = "#c0392b";
const PAD: f64 = 8.0;
/// Labels longer than this many characters are cut with "…" (the full text shows on hover).
const MAX_CHARS: usize = 48;
/// Above this many columns a heat map drops its column labels and cell text.
const MAX_LABELLED_COLUMNS: usize = 60;
/// Above this many cells a heat map has no tooltip per cell.
const MAX_TIPPED_CELLS: usize = 5_000;
/// The width a heat map with unlabelled columns squeezes them into.
const WIDE_GRID: f64 = 720.0;
/// Levels of shade a heat map with unlabelled columns draws (one path each).
const WIDE_SHADES: u32 = 40;

/// The Okabe–Ito palette: qualitative colours told apart under the common colour-vision
/// deficiencies. Bar charts colour their groups with it, in this order.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
];

/// A row or column label. `level` (1 = top) indents theme names; `colour` is the theme's own
/// colour (`#rrggbb`), if it has one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Label {
    /// What the label says ("1.2 Workload").
    pub text: String,
    /// The theme's level in the template (1 = top); 0 counts as 1.
    pub level: usize,
    /// The theme's colour, shown as a swatch before the label.
    pub colour: Option<String>,
}

impl Label {
    /// A label at `level`, with no colour.
    pub fn new(text: impl Into<String>, level: usize) -> Label {
        Label {
            text: text.into(),
            level,
            colour: None,
        }
    }
}

/// A heat map: rows × columns of values, shaded white (0) to deep blue (the largest value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeatMap {
    /// The rows' labels, top to bottom (themes, in template order).
    pub rows: Vec<Label>,
    /// The columns' labels, left to right (participants, or theme numbers).
    pub columns: Vec<String>,
    /// `values[row][column]`; `None` is no cell (the diagonal of a co-occurrence matrix).
    pub values: Vec<Vec<Option<f64>>>,
    /// How to print each value in its cell ("3", "0.42", "✓"); empty prints nothing.
    pub cell_text: Vec<Vec<String>>,
    /// An extra column of text on the right: its heading and one entry per row
    /// (participants, "12/17").
    pub right: Option<(String, Vec<String>)>,
    /// What the columns are, in the plural ("participants"), for the line under a map too
    /// wide to label them ("2,000 participants"); empty says "columns".
    pub column_noun: String,
    /// The chart's accessible name (its `<title>`).
    pub title: String,
}

/// Horizontal grouped bars: one band per category (theme), one bar per group (role=manager),
/// values from 0 to `max` (the percentage of the group's participants).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bars {
    /// The bands' labels, top to bottom (themes, in template order).
    pub categories: Vec<Label>,
    /// The groups' names, in the legend and in the order of the bars in each band.
    pub groups: Vec<String>,
    /// `values[category][group]`.
    pub values: Vec<Vec<f64>>,
    /// The scale's end: 100 for percentages; other scales round it up to a tick.
    pub max: f64,
    /// "%" for percentages (ticks at 0, 25, 50, 75, 100%); otherwise named under the axis.
    pub unit: String,
    /// What to print at each bar's end ("3/5"); empty prints the value and unit.
    pub value_text: Vec<Vec<String>>,
    /// The chart's accessible name (its `<title>`).
    pub title: String,
}

/// The template's evolution: one column per version (T0 … final), themes as boxes, and links
/// from a theme's box in one version to its box or boxes in the next.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Flow {
    /// The versions' names, left to right.
    pub versions: Vec<String>,
    /// The boxes; within a column they are stacked in the order given here (template order).
    pub nodes: Vec<FlowNode>,
    /// What became of each theme from one version to the next.
    pub links: Vec<FlowLink>,
    /// The chart's accessible name (its `<title>`).
    pub title: String,
}

/// One theme in one version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowNode {
    /// The version (index into [`Flow::versions`]).
    pub column: usize,
    /// "1.2 Name".
    pub label: String,
    /// The theme's level in that version's template (1 = top).
    pub level: usize,
    /// The theme's own colour (`#rrggbb`), if it has one.
    pub colour: Option<String>,
    /// Shown after the box of a theme with no link onwards ("deleted"), in red before the
    /// last version.
    pub note: Option<String>,
}

/// What happened to a theme between two versions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkKind {
    /// Unchanged.
    #[default]
    Kept,
    /// A new name.
    Renamed,
    /// A new place in the hierarchy (a new parent, or a new number).
    Moved,
    /// A new definition.
    Redefined,
    /// Several themes became one: several links into one box.
    Merged,
    /// One theme became several: several links out of one box.
    Split,
    /// Not drawn as a link: a box with no link into it (after the first version) is marked
    /// as added.
    Added,
}

impl LinkKind {
    const DRAWN: [LinkKind; 6] = [
        LinkKind::Kept,
        LinkKind::Renamed,
        LinkKind::Moved,
        LinkKind::Redefined,
        LinkKind::Merged,
        LinkKind::Split,
    ];

    /// The word for the kind, in legends and class names.
    pub fn name(self) -> &'static str {
        match self {
            LinkKind::Kept => "kept",
            LinkKind::Renamed => "renamed",
            LinkKind::Moved => "moved",
            LinkKind::Redefined => "redefined",
            LinkKind::Merged => "merged",
            LinkKind::Split => "split",
            LinkKind::Added => "added",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            LinkKind::Kept | LinkKind::Added => "#c5ccd3",
            LinkKind::Renamed => "#0072B2",
            LinkKind::Moved => "#CC79A7",
            LinkKind::Redefined => "#009E73",
            LinkKind::Merged => "#E69F00",
            LinkKind::Split => "#D55E00",
        }
    }
}

/// A link from one box (`from`, an index into [`Flow::nodes`]) to a box in a later version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowLink {
    /// The box in the earlier version.
    pub from: usize,
    /// The box in the later version.
    pub to: usize,
    /// What happened on the way.
    pub kind: LinkKind,
}

// ---------------------------------------------------------------------------------------------
// Text

/// `s` escaped for XML text and attribute values; characters XML cannot hold are dropped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate: at most two decimals, no trailing zeros.
fn n(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0" } else { s }.to_string()
}

/// 2000 → "2,000".
fn thousands(k: usize) -> String {
    let digits = k.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Characters that take a whole em: CJK, Hangul, full-width forms, emoji.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD)
}

/// A character's advance in ems, roughly as Helvetica and Arial draw it.
fn char_em(c: char) -> f64 {
    match c {
        '\u{300}'..='\u{36F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{200B}'..='\u{200F}' => 0.0,
        'i' | 'l' | 'j' | 'I' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | '`' => 0.28,
        ' ' | 'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '/' | '-' => 0.36,
        'm' | 'w' | 'M' | 'W' | '@' | '%' | '…' | '—' => 0.9,
        c if is_wide(c) => 1.0,
        c if c.is_uppercase() => 0.69,
        _ => 0.58,
    }
}

/// The width of `s` drawn at `size` px.
fn text_width(s: &str, size: f64, bold: bool) -> f64 {
    let em: f64 = s.chars().map(char_em).sum();
    em * size * if bold { 1.08 } else { 1.0 }
}

/// `s` with its white space collapsed and, if it is longer than `max_px` or [`MAX_CHARS`],
/// cut at a character boundary with "…"; and whether it was cut.
fn fit(s: &str, max_px: f64, size: f64, bold: bool) -> (String, bool) {
    let clean = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = clean.graphemes(true).count();
    if count <= MAX_CHARS && text_width(&clean, size, bold) <= max_px {
        return (clean, false);
    }
    let ellipsis = text_width("…", size, bold);
    let mut out = String::new();
    let mut width = 0.0;
    for (i, g) in clean.graphemes(true).enumerate() {
        let w = text_width(g, size, bold);
        if i + 1 >= MAX_CHARS || width + w + ellipsis > max_px {
            break;
        }
        out.push_str(g);
        width += w;
    }
    let mut out = out.trim_end().to_string();
    out.push('…');
    (out, true)
}

/// A `<text>` element; a cut one holds the full text as its `<title>` (shown on hover).
fn text(out: &mut String, x: f64, y: f64, attrs: &str, full: &str, shown: &str) -> fmt::Result {
    write!(out, r#"<text x="{}" y="{}"{attrs}>"#, n(x), n(y))?;
    if shown != full {
        write!(out, "<title>{}</title>", esc(full))?;
    }
    write!(out, "{}</text>", esc(shown))
}

/// A theme's colour, if it is a well-formed `#rgb` or `#rrggbb`.
fn colour(c: &Option<String>) -> Option<String> {
    let c = c.as_deref()?.trim();
    let hex = c.strip_prefix('#')?;
    ((hex.len() == 6 || hex.len() == 3) && hex.chars().all(|h| h.is_ascii_hexdigit()))
        .then(|| c.to_ascii_lowercase())
}

/// FNV-1a, for ids that are the same for the same chart.
fn fnv(parts: &[&str]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// The `<svg>` element around a chart's body.
fn wrap(kind: &str, title: &str, size: Result<(f64, f64), fmt::Error>, body: &str) -> String {
    let (w, h) = size.unwrap_or((0.0, 0.0));
    let (w, h) = (w.ceil().max(1.0), h.ceil().max(1.0));
    let id = format!("tana-{kind}-{:08x}", fnv(&[kind, title, body]));
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}" font-family="{FONT}" font-size="11" fill="{INK}"><title id="{id}">{}</title>{body}</svg>"#,
        esc(title)
    )
}

/// Row labels laid out: indented by level, top-level ones bold when there are levels below.
struct Lab {
    full: String,
    shown: String,
    indent: f64,
    bold: bool,
    colour: Option<String>,
}

/// The labels, the width of the widest, and whether any has a colour swatch.
fn row_labels(labels: &[Label], size: f64) -> (Vec<Lab>, f64, bool) {
    let levels = labels.iter().any(|l| l.level > 1);
    let swatch = labels.iter().any(|l| colour(&l.colour).is_some());
    let mut width: f64 = 0.0;
    let labs = labels
        .iter()
        .map(|l| {
            let indent = (l.level.max(1) - 1).min(5) as f64 * 12.0;
            let bold = levels && l.level <= 1;
            let (shown, _) = fit(&l.text, 300.0, size, bold);
            let w = text_width(&shown, size, bold) + if swatch { 13.0 } else { 0.0 };
            width = width.max(indent + w);
            Lab {
                full: l.text.split_whitespace().collect::<Vec<_>>().join(" "),
                shown,
                indent,
                bold,
                colour: colour(&l.colour),
            }
        })
        .collect();
    (labs, width, swatch)
}

fn draw_label(out: &mut String, l: &Lab, x: f64, mid: f64, size: f64, swatch: bool) -> fmt::Result {
    let mut tx = x + l.indent;
    if swatch {
        if let Some(c) = &l.colour {
            write!(
                out,
                r#"<rect x="{}" y="{}" width="9" height="9" rx="2" fill="{c}"/>"#,
                n(tx),
                n(mid - 4.5)
            )?;
        }
        tx += 13.0;
    }
    let weight = if l.bold { r#" font-weight="600""# } else { "" };
    text(out, tx, mid + size * 0.35, weight, &l.full, &l.shown)
}

// ---------------------------------------------------------------------------------------------
// Heat map

/// A heat map as an `<svg>` element: row labels on the left (indented by level), column labels
/// at the top (slanted when they do not fit), one `<rect class="cell">` per value shaded by
/// [`shade`], the optional right-hand column, and a scale from 0 to the largest value. Over 60
/// columns the labels and cell text are left out, the columns squeezed into 720 px and the
/// cells drawn as one path per shade.
pub fn heat_map(h: &HeatMap) -> String {
    let mut body = String::new();
    let size = heat_body(h, &mut body);
    wrap("heat", &h.title, size, &body)
}

fn heat_body(h: &HeatMap, out: &mut String) -> Result<(f64, f64), fmt::Error> {
    const FS: f64 = 11.0;
    const CFS: f64 = 10.0;
    const SLANT: f64 = std::f64::consts::FRAC_1_SQRT_2;
    let (nr, nc) = (h.rows.len(), h.columns.len());
    let value = |r: usize, c: usize| {
        h.values
            .get(r)
            .and_then(|row| row.get(c))
            .copied()
            .flatten()
            .filter(|v| v.is_finite())
    };
    let cell_text = |r: usize, c: usize| {
        h.cell_text
            .get(r)
            .and_then(|row| row.get(c))
            .map_or("", String::as_str)
    };
    let max = (0..nr)
        .flat_map(|r| (0..nc).filter_map(move |c| value(r, c)))
        .fold(0.0, f64::max);
    let wide = nc > MAX_LABELLED_COLUMNS;
    let tips = nr * nc <= MAX_TIPPED_CELLS;
    let mut text_w: f64 = 0.0;
    if !wide {
        for r in 0..nr {
            for c in 0..nc {
                text_w = text_w.max(text_width(cell_text(r, c), CFS, false));
            }
        }
    }
    let show_text = text_w > 0.0;
    let cw = if wide {
        (WIDE_GRID / nc as f64).min(12.0)
    } else {
        (text_w + 8.0).max(22.0).ceil()
    };
    let ch = if wide { 16.0 } else { 22.0 };

    let (labs, label_w, swatch) = row_labels(&h.rows, FS);
    let cols: Vec<(String, f64)> = if wide {
        Vec::new()
    } else {
        h.columns
            .iter()
            .map(|c| {
                let (t, _) = fit(c, 160.0, FS, false);
                let w = text_width(&t, FS, false);
                (t, w)
            })
            .collect()
    };
    let upright = cols.iter().all(|(_, w)| w + 4.0 <= cw);
    let right = h.right.as_ref().map(|(head, vals)| {
        let (head_shown, _) = fit(head, 160.0, FS, true);
        let head_w = text_width(&head_shown, FS, true);
        let vals: Vec<(String, f64)> = (0..nr)
            .map(|r| {
                let (v, _) = fit(vals.get(r).map_or("", String::as_str), 160.0, FS, false);
                let w = text_width(&v, FS, false);
                (v, w)
            })
            .collect();
        (head.as_str(), head_shown, head_w, vals)
    });
    let slanted_head = !wide && !upright && !cols.is_empty();
    let right_w = right.as_ref().map_or(0.0, |(_, _, head_w, vals)| {
        let vals_w = vals.iter().map(|v| v.1).fold(0.0, f64::max);
        if slanted_head {
            vals_w.max(FS)
        } else {
            vals_w.max(*head_w)
        }
    });

    let top = if slanted_head {
        let longest = cols
            .iter()
            .map(|c| c.1)
            .chain(right.as_ref().map(|r| r.2))
            .fold(0.0, f64::max);
        (longest + FS) * SLANT + 8.0
    } else if !cols.is_empty() || right.is_some() {
        FS + 9.0
    } else {
        2.0
    };
    let gx0 = PAD + label_w + 10.0;
    let gy0 = PAD + top;
    let gx1 = gx0 + nc as f64 * cw;
    let gy1 = gy0 + nr as f64 * ch;
    let rx1 = if right.is_some() {
        gx1 + 12.0 + right_w
    } else {
        gx1
    };
    let mut width = rx1;

    // Row labels.
    write!(out, "<g>")?;
    for (r, l) in labs.iter().enumerate() {
        draw_label(out, l, PAD, gy0 + (r as f64 + 0.5) * ch, FS, swatch)?;
    }
    write!(out, "</g>")?;

    // Cells.
    if wide {
        cells_as_paths(out, nr, nc, &value, max, (gx0, gy0, cw, ch))?;
    } else {
        write!(out, "<g>")?;
        for r in 0..nr {
            for c in 0..nc {
                let (x, y) = (n(gx0 + c as f64 * cw), n(gy0 + r as f64 * ch));
                let (cls, fill) = match value(r, c) {
                    Some(v) => ("cell", shade(v, max).0),
                    None => ("na", NO_VALUE.to_string()),
                };
                write!(
                    out,
                    r#"<rect class="{cls}" x="{x}" y="{y}" width="{}" height="{}" fill="{fill}""#,
                    n(cw),
                    n(ch)
                )?;
                match value(r, c) {
                    Some(v) if tips => {
                        let t = cell_text(r, c);
                        let t = if t.is_empty() { n(v) } else { t.to_string() };
                        let row = h.rows.get(r).map_or("", |l| l.text.as_str());
                        let col = h.columns.get(c).map_or("", String::as_str);
                        write!(
                            out,
                            "><title>{} · {}: {}</title></rect>",
                            esc(row),
                            esc(col),
                            esc(&t)
                        )?;
                    }
                    _ => write!(out, "/>")?,
                }
            }
        }
        write!(out, "</g>")?;
    }

    // Grid: thin lines between cells (rows only when the columns are unlabelled), a darker
    // line above each top-level theme, and a frame.
    let mut d = String::new();
    for r in 1..nr {
        write!(d, "M{} {}H{}", n(gx0), n(gy0 + r as f64 * ch), n(gx1))?;
    }
    if !wide {
        for c in 1..nc {
            write!(d, "M{} {}V{}", n(gx0 + c as f64 * cw), n(gy0), n(gy1))?;
        }
    }
    if !d.is_empty() {
        write!(
            out,
            r#"<path d="{d}" stroke="{GRID}" stroke-width="0.6" fill="none"/>"#
        )?;
    }
    let levels = h.rows.iter().any(|l| l.level > 1);
    if levels {
        let mut d = String::new();
        for (r, l) in h.rows.iter().enumerate().skip(1) {
            if l.level <= 1 {
                write!(d, "M{} {}H{}", n(PAD), n(gy0 + r as f64 * ch), n(rx1))?;
            }
        }
        if !d.is_empty() {
            write!(
                out,
                r#"<path d="{d}" stroke="{FRAME}" stroke-width="0.8" fill="none"/>"#
            )?;
        }
    }
    if nr > 0 && nc > 0 {
        write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{FRAME}" stroke-width="0.8"/>"#,
            n(gx0),
            n(gy0),
            n(gx1 - gx0),
            n(gy1 - gy0)
        )?;
    }

    // Cell text.
    if show_text {
        write!(
            out,
            r#"<g font-size="{CFS}" text-anchor="middle" style="font-variant-numeric:tabular-nums">"#
        )?;
        for r in 0..nr {
            for c in 0..nc {
                let t = cell_text(r, c);
                let Some(v) = value(r, c) else { continue };
                if t.is_empty() {
                    continue;
                }
                let (_, fg) = shade(v, max);
                let fill = if fg == "#fff" {
                    r##" fill="#fff""##
                } else {
                    ""
                };
                write!(
                    out,
                    r#"<text x="{}" y="{}"{fill}>{}</text>"#,
                    n(gx0 + (c as f64 + 0.5) * cw),
                    n(gy0 + (r as f64 + 0.5) * ch + CFS * 0.35),
                    esc(t)
                )?;
            }
        }
        write!(out, "</g>")?;
    }

    // Column labels.
    if !cols.is_empty() {
        write!(out, "<g>")?;
        for (c, (shown, w)) in cols.iter().enumerate() {
            let xc = gx0 + (c as f64 + 0.5) * cw;
            let full = &h.columns[c];
            if upright {
                text(out, xc, gy0 - 6.0, r#" text-anchor="middle""#, full, shown)?;
            } else {
                let (x, y) = (xc + 3.5, gy0 - 5.0);
                let rot = format!(r#" transform="rotate(-45 {} {})""#, n(x), n(y));
                text(out, x, y, &rot, full, shown)?;
                width = width.max(x + (w + FS * 0.5) * SLANT);
            }
        }
        write!(out, "</g>")?;
    }

    // The right-hand column.
    if let Some((head, head_shown, head_w, vals)) = &right {
        write!(out, r#"<g style="font-variant-numeric:tabular-nums">"#)?;
        if slanted_head {
            let (x, y) = (rx1 - right_w / 2.0 + 3.5, gy0 - 5.0);
            let rot = format!(
                r#" font-weight="600" transform="rotate(-45 {} {})""#,
                n(x),
                n(y)
            );
            text(out, x, y, &rot, head, head_shown)?;
            width = width.max(x + (head_w + FS * 0.5) * SLANT);
        } else {
            let attrs = r#" font-weight="600" text-anchor="end""#;
            text(out, rx1, gy0 - 6.0, attrs, head, head_shown)?;
        }
        for (r, (v, _)) in vals.iter().enumerate() {
            let y = gy0 + (r as f64 + 0.5) * ch + FS * 0.35;
            write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                n(rx1),
                n(y),
                esc(v)
            )?;
        }
        write!(out, "</g>")?;
    }

    // Under the map: how many columns (when unlabelled), and the scale.
    let ly = gy1 + 10.0;
    let mut lx = gx0;
    if wide {
        let noun = if h.column_noun.trim().is_empty() {
            "columns"
        } else {
            h.column_noun.trim()
        };
        let note = format!("{} {}", thousands(nc), noun);
        text(
            out,
            lx,
            ly + 9.0,
            &format!(r#" fill="{MUTED}""#),
            &note,
            &note,
        )?;
        lx += text_width(&note, FS, false) + 24.0;
    }
    width = width.max(legend_scale(out, lx, ly, max)?);
    Ok((width + PAD, ly + 12.0 + PAD))
}

/// Draw the cells of a map too wide to label, in a grid scaled to one unit per cell: one path
/// per level of shade, each run of equal cells in a row one rectangle, so the output grows with
/// the runs and not with the pixels.
fn cells_as_paths(
    out: &mut String,
    nr: usize,
    nc: usize,
    value: &dyn Fn(usize, usize) -> Option<f64>,
    max: f64,
    (gx0, gy0, cw, ch): (f64, f64, f64, f64),
) -> fmt::Result {
    const NA: u32 = u32::MAX;
    let key = |r: usize, c: usize| match value(r, c) {
        None => Some(NA),
        Some(v) if max > 0.0 => {
            let k = ((v / max).clamp(0.0, 1.0) * f64::from(WIDE_SHADES)).round() as u32;
            (k > 0).then_some(k)
        }
        Some(_) => None,
    };
    let mut paths: BTreeMap<u32, String> = BTreeMap::new();
    // Per shade: the row and column where its last rectangle started (relative moves).
    let mut last: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    for r in 0..nr {
        let mut c = 0;
        while c < nc {
            let k = key(r, c);
            let start = c;
            while c < nc && key(r, c) == k {
                c += 1;
            }
            let Some(k) = k else { continue };
            let len = c - start;
            let d = paths.entry(k).or_default();
            match last.get(&k) {
                Some(&(lr, lc)) if lr == r => write!(d, "m{} 0", start - lc)?,
                _ => write!(d, "M{start} {r}")?,
            }
            write!(d, "h{len}v1h-{len}z")?;
            last.insert(k, (r, start));
        }
    }
    write!(
        out,
        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#fff"/>"##,
        n(gx0),
        n(gy0),
        n(nc as f64 * cw),
        n(nr as f64 * ch)
    )?;
    write!(
        out,
        r#"<g transform="translate({} {}) scale({} {})">"#,
        n(gx0),
        n(gy0),
        cw,
        n(ch)
    )?;
    for (k, d) in &paths {
        let fill = if *k == NA {
            NO_VALUE.to_string()
        } else {
            shade(f64::from(*k) / f64::from(WIDE_SHADES) * max, max).0
        };
        write!(out, r#"<path class="cells" fill="{fill}" d="{d}"/>"#)?;
    }
    write!(out, "</g>")
}

/// The colour scale from 0 to `max` at (`x`, `y`); returns its right edge.
fn legend_scale(out: &mut String, x: f64, y: f64, max: f64) -> Result<f64, fmt::Error> {
    const STEPS: usize = 20;
    const STEP_W: f64 = 6.0;
    let lo = "0";
    let hi = n(max);
    let attrs = format!(r#" font-size="10" fill="{MUTED}""#);
    text(out, x, y + 8.5, &attrs, lo, lo)?;
    let sx = x + text_width(lo, 10.0, false) + 4.0;
    write!(out, "<g>")?;
    for i in 0..STEPS {
        let v = max * i as f64 / (STEPS - 1) as f64;
        write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="10" fill="{}"/>"#,
            n(sx + i as f64 * STEP_W),
            n(y),
            STEP_W + 0.3,
            shade(v, max).0
        )?;
    }
    write!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="10" fill="none" stroke="{FRAME}" stroke-width="0.6"/></g>"#,
        n(sx),
        n(y),
        n(STEPS as f64 * STEP_W)
    )?;
    let hx = sx + STEPS as f64 * STEP_W + 4.0;
    text(out, hx, y + 8.5, &attrs, &hi, &hi)?;
    Ok(hx + text_width(&hi, 10.0, false))
}

// ---------------------------------------------------------------------------------------------
// Bar chart

/// Grouped horizontal bars as an `<svg>` element: a band per category (labels indented by
/// level, with the theme's colour as a swatch), one `<rect class="bar">` per group coloured
/// from [`PALETTE`], the value at each bar's end, a legend of the groups and an axis with
/// ticks (0, 25, 50, 75, 100% for percentages).
pub fn bar_chart(b: &Bars) -> String {
    let mut body = String::new();
    let size = bars_body(b, &mut body);
    wrap("bars", &b.title, size, &body)
}

/// The end of a scale starting at 0 and the step between its ticks: 1, 2, 2.5 or 5 × 10ⁿ,
/// about four steps.
fn nice_axis(max: f64) -> (f64, f64) {
    if !max.is_finite() || max <= 0.0 {
        return (1.0, 0.25);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    ((max / step - 1e-9).ceil() * step, step)
}

fn bars_body(b: &Bars, out: &mut String) -> Result<(f64, f64), fmt::Error> {
    const FS: f64 = 11.0;
    const PW: f64 = 400.0;
    let nk = b.categories.len();
    let ng = b.groups.len().max(1);
    let value = |k: usize, g: usize| {
        b.values
            .get(k)
            .and_then(|row| row.get(g))
            .copied()
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
    };
    let pct = b.unit.trim() == "%";
    let data_max = (0..nk)
        .flat_map(|k| (0..ng).map(move |g| (k, g)))
        .map(|(k, g)| value(k, g))
        .fold(0.0, f64::max);
    let (axis_max, step) = if pct && (b.max <= 0.0 || (b.max - 100.0).abs() < 1e-9) {
        (100.0, 25.0)
    } else if b.max > 0.0 && b.max.is_finite() {
        nice_axis(b.max)
    } else {
        nice_axis(data_max)
    };
    let tick_label = |t: f64| {
        if pct {
            format!("{}%", n(t))
        } else {
            n(t)
        }
    };
    let value_label = |k: usize, g: usize| {
        let t = b
            .value_text
            .get(k)
            .and_then(|row| row.get(g))
            .map_or("", |s| s.trim());
        if !t.is_empty() {
            t.to_string()
        } else if pct {
            format!("{}%", n(value(k, g)))
        } else {
            n(value(k, g))
        }
    };
    let bh = match ng {
        1 => 14.0,
        2 | 3 => 11.0,
        _ => 9.0,
    };
    let band = ng as f64 * bh + 10.0;
    // Values at the bars' ends, small enough not to touch those of the next bar.
    let vfs = if bh < 12.0 { 9.0 } else { 10.0 };
    let (labs, label_w, swatch) = row_labels(&b.categories, FS);
    let mut value_w: f64 = 0.0;
    for k in 0..nk {
        for g in 0..ng {
            value_w = value_w.max(text_width(&value_label(k, g), vfs, false));
        }
    }
    let px0 = PAD + label_w + 12.0;
    let px1 = px0 + PW;
    let right = px1 + value_w + 8.0;
    let x_of = |v: f64| px0 + (v.clamp(0.0, axis_max) / axis_max) * PW;

    // The legend of groups, wrapped to the chart's width.
    let mut legend = Vec::new();
    let (mut lx, mut ly) = (px0, PAD);
    let show_legend = b.groups.len() > 1 || b.groups.iter().any(|g| !g.trim().is_empty());
    if show_legend {
        for (g, name) in b.groups.iter().enumerate() {
            let (shown, _) = fit(name, 240.0, FS, false);
            let w = 14.0 + text_width(&shown, FS, false);
            if lx > px0 && lx + w > right.max(px0 + 300.0) {
                lx = px0;
                ly += 18.0;
            }
            legend.push((g, lx, ly, shown));
            lx += w + 16.0;
        }
    }
    let legend_h = if show_legend {
        ly - PAD + 18.0 + 6.0
    } else {
        0.0
    };
    let top_axis = nk > 12;
    let y0 = PAD + legend_h + if top_axis { 16.0 } else { 4.0 };
    let y1 = y0 + nk as f64 * band;
    let ticks: Vec<f64> = (0..)
        .map(|i| i as f64 * step)
        .take_while(|t| *t <= axis_max + step * 1e-6)
        .collect();

    for (g, x, y, shown) in &legend {
        write!(
            out,
            r#"<rect x="{}" y="{}" width="10" height="10" fill="{}"/>"#,
            n(*x),
            n(*y + 1.0),
            PALETTE[g % PALETTE.len()]
        )?;
        text(out, x + 14.0, y + 10.0, "", &b.groups[*g], shown)?;
    }

    // Bands: every other one shaded, so a row reads across.
    if nk > 3 {
        let mut d = String::new();
        for k in (0..nk).step_by(2) {
            write!(
                d,
                "M{} {}H{}V{}H{}z",
                n(PAD - 4.0),
                n(y0 + k as f64 * band),
                n(right),
                n(y0 + (k + 1) as f64 * band),
                n(PAD - 4.0)
            )?;
        }
        write!(out, r##"<path d="{d}" fill="#f3f5f7"/>"##)?;
    }
    // Grid lines at the ticks.
    let mut d = String::new();
    for t in ticks.iter().skip(1) {
        write!(d, "M{} {}V{}", n(x_of(*t)), n(y0), n(y1))?;
    }
    if !d.is_empty() {
        write!(
            out,
            r##"<path d="{d}" stroke="#dde2e6" stroke-width="0.7" fill="none"/>"##
        )?;
    }
    // Labels, bars and values.
    for (k, l) in labs.iter().enumerate() {
        let by = y0 + k as f64 * band;
        draw_label(out, l, PAD, by + band / 2.0, FS, swatch)?;
        for g in 0..ng {
            let v = value(k, g);
            let y = by + 5.0 + g as f64 * bh;
            let w = x_of(v) - px0;
            let vt = value_label(k, g);
            write!(
                out,
                r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} · {}: {}</title></rect>"#,
                n(px0),
                n(y + 0.5),
                n(w),
                n(bh - 1.0),
                PALETTE[g % PALETTE.len()],
                esc(&l.full),
                esc(b.groups.get(g).map_or("", String::as_str)),
                esc(&vt)
            )?;
            write!(
                out,
                r#"<text x="{}" y="{}" font-size="{vfs}" fill="{MUTED}">{}</text>"#,
                n(px0 + w + 3.0),
                n(y + bh / 2.0 + vfs * 0.35),
                esc(&vt)
            )?;
        }
    }
    // Axes.
    write!(
        out,
        r#"<path d="M{x0} {}V{}M{x0} {}H{}" stroke="{FRAME}" stroke-width="0.8" fill="none"/>"#,
        n(y0),
        n(y1),
        n(y1),
        n(px1),
        x0 = n(px0)
    )?;
    write!(
        out,
        r#"<g font-size="10" fill="{MUTED}" text-anchor="middle">"#
    )?;
    let mut d = String::new();
    for t in &ticks {
        let x = x_of(*t);
        write!(d, "M{} {}v4", n(x), n(y1))?;
        write!(
            out,
            r#"<text x="{}" y="{}">{}</text>"#,
            n(x),
            n(y1 + 14.0),
            tick_label(*t)
        )?;
        if top_axis {
            write!(
                out,
                r#"<text x="{}" y="{}">{}</text>"#,
                n(x),
                n(y0 - 5.0),
                tick_label(*t)
            )?;
        }
    }
    write!(out, "</g>")?;
    write!(
        out,
        r#"<path d="{d}" stroke="{FRAME}" stroke-width="0.8"/>"#
    )?;
    let mut bottom = y1 + 18.0;
    if !pct && !b.unit.trim().is_empty() {
        let unit = b.unit.trim();
        text(
            out,
            (px0 + px1) / 2.0,
            y1 + 29.0,
            &format!(r#" font-size="10" fill="{MUTED}" text-anchor="middle""#),
            unit,
            unit,
        )?;
        bottom += 13.0;
    }
    Ok((right + PAD, bottom + PAD))
}

// ---------------------------------------------------------------------------------------------
// Flow

/// The template's evolution as an `<svg>` element: a column per version headed by its name and
/// theme count, each theme a box stacked in template order (indented by level), and each link
/// a `<path class="link KIND">` curving from the right edge of one box to the left edge of the
/// next, coloured by kind (kept grey, renamed blue, moved purple, redefined teal, merged orange,
/// split vermillion). Boxes line up with their predecessors where the order allows. A box with
/// no link in (after the first version) is marked added (green edge and "+"); one with no link
/// out (before the last) is marked deleted (red edge) and shows its note in red. Over 80 boxes
/// in a column the type gets smaller.
pub fn flow(f: &Flow) -> String {
    let mut body = String::new();
    let size = flow_body(f, &mut body);
    wrap("flow", &f.title, size, &body)
}

/// What the flow's page width aims at: labels are cut to share it between the versions.
const FLOW_TARGET_W: f64 = 920.0;
const FLOW_GAP: f64 = 90.0;

fn flow_body(f: &Flow, out: &mut String) -> Result<(f64, f64), fmt::Error> {
    let nodes = &f.nodes;
    let nn = nodes.len();
    let ncol = f
        .versions
        .len()
        .max(nodes.iter().map(|x| x.column + 1).max().unwrap_or(0));
    if ncol == 0 {
        return Ok((2.0 * PAD, 2.0 * PAD));
    }
    let last = ncol - 1;
    let mut cols: Vec<Vec<usize>> = vec![Vec::new(); ncol];
    for (i, x) in nodes.iter().enumerate() {
        cols[x.column].push(i);
    }
    // Links that can be drawn: between two boxes, left to right.
    let links: Vec<FlowLink> = f
        .links
        .iter()
        .copied()
        .filter(|l| {
            l.kind != LinkKind::Added
                && l.from < nn
                && l.to < nn
                && nodes[l.from].column < nodes[l.to].column
        })
        .collect();
    let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); nn];
    let mut outgoing: Vec<Vec<usize>> = vec![Vec::new(); nn];
    for (k, l) in links.iter().enumerate() {
        outgoing[l.from].push(k);
        incoming[l.to].push(k);
    }
    let crowded = cols.iter().map(Vec::len).max().unwrap_or(0);
    let (fs, nh, vgap): (f64, f64, f64) = if crowded > 160 {
        (8.0, 12.0, 1.5)
    } else if crowded > 80 {
        (9.0, 14.0, 2.0)
    } else {
        (11.0, 19.0, 4.0)
    };
    let hfs = fs + 1.0;
    let nfs = fs - 1.0;
    let levels = nodes.iter().any(|x| x.level > 1);
    let indent = |i: usize| (nodes[i].level.max(1) - 1).min(3) as f64 * fs * 0.75;
    let added = |i: usize| incoming[i].is_empty() && nodes[i].column > 0;
    let deleted = |i: usize| outgoing[i].is_empty() && nodes[i].column < last;
    let note = |i: usize| {
        nodes[i]
            .note
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && outgoing[i].is_empty())
    };

    // Labels, cut so that the columns share the target width: the narrow ones keep their
    // width and the wide ones are cut to the same width, no narrower than 130 px.
    let bold = |i: usize| levels && nodes[i].level <= 1;
    let full: Vec<String> = nodes
        .iter()
        .map(|x| x.label.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let natural: Vec<f64> = cols
        .iter()
        .map(|col| {
            col.iter()
                .map(|&i| {
                    let shown = fit(&full[i], 330.0, fs, bold(i)).0;
                    indent(i) + text_width(&shown, fs, bold(i)) + 14.0
                })
                .fold(0.0, f64::max)
        })
        .collect();
    let cap = share(
        &natural,
        FLOW_TARGET_W - (ncol - 1) as f64 * FLOW_GAP - 2.0 * PAD - 12.0,
    )
    .max(130.0);
    let labels: Vec<(String, String, bool)> = full
        .into_iter()
        .enumerate()
        .map(|(i, full)| {
            let (shown, _) = fit(&full, cap - 14.0 - indent(i), fs, bold(i));
            (full, shown, bold(i))
        })
        .collect();
    let heads: Vec<(String, String)> = (0..ncol)
        .map(|c| {
            let full = f.versions.get(c).cloned().unwrap_or_default();
            let (shown, _) = fit(&full, 220.0, hfs, true);
            (full, shown)
        })
        .collect();
    let counts: Vec<String> = cols
        .iter()
        .map(|c| match c.len() {
            1 => "1 theme".to_string(),
            k => format!("{} themes", thousands(k)),
        })
        .collect();
    let col_w: Vec<f64> = (0..ncol)
        .map(|c| {
            let boxes = cols[c]
                .iter()
                .map(|&i| indent(i) + text_width(&labels[i].1, fs, labels[i].2) + 14.0)
                .fold(0.0, f64::max);
            boxes
                .max(text_width(&heads[c].1, hfs, true))
                .max(text_width(&counts[c], nfs, false))
                .max(60.0)
                .ceil()
        })
        .collect();
    let note_w = |c: usize| {
        cols[c]
            .iter()
            .filter_map(|&i| note(i))
            .map(|s| text_width(&fit(s, 200.0, nfs, false).0, nfs, false) + 8.0)
            .fold(0.0, f64::max)
    };
    let mut xs = vec![PAD + 12.0; ncol];
    for c in 1..ncol {
        let gap = FLOW_GAP.max(note_w(c - 1) + 36.0);
        xs[c] = xs[c - 1] + col_w[c - 1] + gap;
    }
    let width = xs[last] + col_w[last] + note_w(last) + PAD;

    // The legend: the kinds of link drawn, and the marks for added and deleted themes.
    let mut items: Vec<(Option<LinkKind>, &str)> = LinkKind::DRAWN
        .iter()
        .filter(|k| links.iter().any(|l| l.kind == **k))
        .map(|k| (Some(*k), k.name()))
        .collect();
    if (0..nn).any(added) {
        items.push((None, "added"));
    }
    if (0..nn).any(deleted) {
        items.push((None, "deleted"));
    }
    let (mut lx, mut ly) = (PAD, PAD);
    let mut legend = Vec::new();
    for (kind, name) in items {
        let w = 30.0 + text_width(name, 10.0, false);
        if lx > PAD && lx + w > width {
            lx = PAD;
            ly += 16.0;
        }
        legend.push((kind, name, lx, ly));
        lx += w + 16.0;
    }
    let legend_h = if legend.is_empty() { 0.0 } else { ly + 16.0 };
    let head_y = PAD.max(legend_h) + 8.0 + hfs;
    let count_y = head_y + nfs + 4.0;
    let y_start = count_y + 10.0;

    // Vertical places: each box as high as the order allows, level with the first box it
    // comes from; then, right to left, lowered to the box it goes on as, so that a theme
    // that goes on unchanged runs straight across.
    let mut ys = vec![0.0; nn];
    for col in &cols {
        let mut next = y_start;
        for &i in col {
            let want = incoming[i]
                .iter()
                .map(|&k| ys[links[k].from])
                .fold(f64::INFINITY, f64::min);
            ys[i] = if want.is_finite() {
                want.max(next)
            } else {
                next
            };
            next = ys[i] + nh + vgap;
        }
    }
    // Only a theme that goes on (kept, renamed, moved, redefined) pulls its box down: one
    // merged into a theme far below must not push every box after it down too.
    for col in cols.iter().rev().skip(1) {
        let mut next = y_start;
        for &i in col {
            let want = outgoing[i]
                .iter()
                .filter(|&&k| !matches!(links[k].kind, LinkKind::Merged | LinkKind::Split))
                .map(|&k| ys[links[k].to])
                .fold(f64::INFINITY, f64::min);
            let mut y = ys[i].max(next);
            if want.is_finite() && want > y {
                y = want;
            }
            ys[i] = y;
            next = y + nh + vgap;
        }
    }
    let height = ys.iter().fold(y_start, |m, y| m.max(y + nh)) + PAD;

    let box_x = |i: usize| xs[nodes[i].column] + indent(i);
    let box_right = |i: usize| xs[nodes[i].column] + col_w[nodes[i].column];

    // Legend.
    for (kind, name, x, y) in &legend {
        let my = y + 6.0;
        match kind {
            Some(k) => write!(
                out,
                r#"<path d="M{} {}h24" stroke="{}" stroke-width="6" fill="none"/>"#,
                n(*x),
                n(my),
                k.colour()
            )?,
            None if *name == "added" => {
                marker_box(out, x + 6.0, my - 6.0, 18.0, 12.0, true, false)?;
            }
            None => marker_box(out, x + 2.0, my - 6.0, 18.0, 12.0, false, true)?,
        }
        text(out, x + 30.0, my + 3.5, r#" font-size="10""#, name, name)?;
    }

    // Headers.
    for c in 0..ncol {
        let attrs = format!(r#" font-size="{}" font-weight="600""#, n(hfs));
        text(out, xs[c], head_y, &attrs, &heads[c].0, &heads[c].1)?;
        let attrs = format!(r#" font-size="{}" fill="{MUTED}""#, n(nfs));
        text(out, xs[c], count_y, &attrs, &counts[c], &counts[c])?;
    }

    // Links, spread over a box's edge where several meet it, in the order of the boxes at
    // their other ends so that they do not cross there.
    let slot = |k: usize, ends: &[usize], other: &dyn Fn(usize) -> usize| {
        let mut order: Vec<usize> = ends.to_vec();
        order.sort_by(|a, b| {
            let (ia, ib) = (other(*a), other(*b));
            ys[ia].total_cmp(&ys[ib]).then(ia.cmp(&ib)).then(a.cmp(b))
        });
        let p = order.iter().position(|x| *x == k).unwrap_or(0);
        (p as f64 + 0.5) / ends.len().max(1) as f64
    };
    let mut order: Vec<usize> = (0..links.len()).collect();
    order.sort_by_key(|k| (links[*k].kind != LinkKind::Kept, *k));
    write!(out, r#"<g fill="none">"#)?;
    for k in order {
        let l = links[k];
        let (from, to) = (l.from, l.to);
        let (so, si) = (outgoing[from].len(), incoming[to].len());
        let y1 = ys[from] + nh * slot(k, &outgoing[from], &|x| links[x].to);
        let y2 = ys[to] + nh * slot(k, &incoming[to], &|x| links[x].from);
        let (x1, x2) = (box_right(from), box_x(to));
        let dx = (x2 - x1) * 0.5;
        let w = (nh * 0.42).min(nh * 0.8 / so.max(si).max(1) as f64);
        let opacity = if l.kind == LinkKind::Kept {
            ""
        } else {
            r#" stroke-opacity="0.85""#
        };
        write!(
            out,
            r#"<path class="link {}" d="M{} {}C{} {} {} {} {} {}" stroke="{}" stroke-width="{}"{opacity}><title>{} → {} ({})</title></path>"#,
            l.kind.name(),
            n(x1),
            n(y1),
            n(x1 + dx),
            n(y1),
            n(x2 - dx),
            n(y2),
            n(x2),
            n(y2),
            l.kind.colour(),
            n(w),
            esc(&labels[from].0),
            esc(&labels[to].0),
            l.kind.name()
        )?;
    }
    write!(out, "</g>")?;

    // Boxes.
    let ty = nh / 2.0 + fs * 0.35;
    for (i, x) in nodes.iter().enumerate() {
        let (bx, y) = (box_x(i), ys[i]);
        let bw = box_right(i) - bx;
        let (fill, stroke) = match colour(&x.colour) {
            Some(c) => (format!(r#"{c}" fill-opacity="0.16"#), c),
            None => ("#fff".to_string(), "#8c979f".to_string()),
        };
        write!(
            out,
            r#"<rect class="node" x="{}" y="{}" width="{}" height="{}" rx="2.5" fill="{fill}" stroke="{stroke}" stroke-width="0.8"/>"#,
            n(bx),
            n(y),
            n(bw),
            n(nh)
        )?;
        if added(i) || deleted(i) {
            marker_box(out, bx, y, bw, nh, added(i), deleted(i))?;
        }
        let (full, shown, bold) = &labels[i];
        let attrs = if *bold {
            format!(r#" font-size="{}" font-weight="600""#, n(fs))
        } else {
            format!(r#" font-size="{}""#, n(fs))
        };
        text(out, bx + 6.0, y + ty, &attrs, full, shown)?;
        if added(i) {
            write!(
                out,
                r#"<text x="{}" y="{}" font-size="{}" font-weight="700" fill="{ADDED}" text-anchor="end">+</text>"#,
                n(bx - 3.0),
                n(y + ty),
                n(fs + 1.0)
            )?;
        }
        if let Some(t) = note(i) {
            let (shown, _) = fit(t, 200.0, nfs, false);
            let fill = if deleted(i) { DELETED } else { MUTED };
            let attrs = format!(
                r##" font-size="{}" font-style="italic" fill="{fill}" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke""##,
                n(nfs)
            );
            text(
                out,
                box_right(i) + 5.0,
                y + nh / 2.0 + nfs * 0.35,
                &attrs,
                t,
                &shown,
            )?;
        }
    }
    Ok((width, height))
}

/// The largest cap such that the `widths`, each cut to it, add up to no more than `total`
/// (infinite if they fit whole).
fn share(widths: &[f64], total: f64) -> f64 {
    let mut sorted = widths.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut left = total;
    for (i, w) in sorted.iter().enumerate() {
        let even = left / (sorted.len() - i) as f64;
        if *w > even {
            return even;
        }
        left -= w;
    }
    f64::INFINITY
}

/// The marks on a box: a green left edge for an added theme, a red right edge for a deleted
/// one (drawn over the box's outline, on a box of its own in the legend).
fn marker_box(
    out: &mut String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    added: bool,
    deleted: bool,
) -> fmt::Result {
    if w <= 18.0 {
        write!(
            out,
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="#fff" stroke="#8c979f" stroke-width="0.8"/>"##,
            n(x),
            n(y),
            n(w),
            n(h)
        )?;
    }
    if added {
        write!(
            out,
            r#"<path d="M{} {}h3v{}h-3z" fill="{ADDED}"/>"#,
            n(x),
            n(y),
            n(h)
        )?;
    }
    if deleted {
        write!(
            out,
            r#"<path d="M{} {}h-3v{}h3z" fill="{DELETED}"/>"#,
            n(x + w),
            n(y),
            n(h)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;

    /// Parse `svg` to its end; the number of elements.
    fn well_formed(svg: &str) -> usize {
        let mut reader = Reader::from_str(svg);
        let mut depth = 0i64;
        let mut elements = 0;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    depth += 1;
                    elements += 1;
                    for a in e.attributes() {
                        a.expect("attribute")
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .expect("attribute value");
                    }
                }
                Ok(Event::Empty(e)) => {
                    elements += 1;
                    for a in e.attributes() {
                        a.expect("attribute")
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .expect("attribute value");
                    }
                }
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::GeneralRef(r)) => {
                    let name = r.decode().expect("entity");
                    assert!(
                        matches!(&*name, "amp" | "lt" | "gt" | "quot" | "apos")
                            || name.starts_with('#'),
                        "unknown entity {name}"
                    );
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed at {}: {e}", reader.error_position()),
            }
        }
        assert_eq!(depth, 0);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        elements
    }

    fn count(s: &str, what: &str) -> usize {
        s.matches(what).count()
    }

    fn small_heat() -> HeatMap {
        HeatMap {
            rows: vec![
                Label::new("1 Work", 1),
                Label {
                    text: "1.1 A & <B>".into(),
                    level: 2,
                    colour: Some("#E69F00".into()),
                },
                Label::new("2 Home", 1),
            ],
            columns: vec!["P01".into(), "P02".into(), "P03".into(), "P04".into()],
            values: vec![
                vec![Some(0.0), Some(1.0), Some(2.0), Some(3.0)],
                vec![Some(4.0), None, Some(1.0), Some(0.0)],
                vec![Some(2.0), Some(2.0), Some(0.0), Some(1.0)],
            ],
            cell_text: vec![
                vec!["".into(), "1".into(), "2".into(), "3".into()],
                vec!["4".into(), "".into(), "1".into(), "".into()],
                vec!["2".into(), "2".into(), "".into(), "1".into()],
            ],
            right: Some((
                "Participants".into(),
                vec!["3/4".into(), "2/4".into(), "3/4".into()],
            )),
            column_noun: "participants".into(),
            title: "Who said what \"quoted\"".into(),
        }
    }

    #[test]
    fn heat_map_is_well_formed_with_a_cell_per_value() {
        let h = small_heat();
        let svg = heat_map(&h);
        well_formed(&svg);
        assert_eq!(count(&svg, r#"<rect class="cell""#), 11);
        assert_eq!(count(&svg, r#"<rect class="na""#), 1);
        assert!(svg.contains("A &amp; &lt;B&gt;"));
        assert!(!svg.contains("<B>"));
        assert!(svg.contains("&quot;quoted&quot;"));
        assert!(svg.contains("3/4"));
        assert!(svg.contains("role=\"img\""));
        assert_eq!(svg, heat_map(&h));
        assert!(svg.contains(&shade(4.0, 4.0).0));
    }

    #[test]
    fn three_by_four_has_twelve_cells() {
        let mut h = small_heat();
        h.values[1][1] = Some(1.0);
        h.right = None;
        let svg = heat_map(&h);
        well_formed(&svg);
        assert_eq!(count(&svg, r#"<rect class="cell""#), 12);
        assert_eq!(count(&svg, "<title"), 13);
    }

    #[test]
    fn long_and_wide_labels_are_cut_with_the_full_text_as_title() {
        let long = "A very long theme name that goes on and on and on well past the limit";
        let (shown, cut) = fit(long, 1000.0, 11.0, false);
        assert!(cut);
        assert!(shown.ends_with('…'));
        assert!(shown.chars().count() <= MAX_CHARS);
        assert_eq!(fit("Short", 1000.0, 11.0, false), ("Short".into(), false));
        assert!(text_width("漢字", 10.0, false) > text_width("ab", 10.0, false) * 1.5);
        let h = HeatMap {
            rows: vec![Label::new(long, 1)],
            columns: vec!["P01".into()],
            values: vec![vec![Some(1.0)]],
            ..HeatMap::default()
        };
        let svg = heat_map(&h);
        well_formed(&svg);
        assert!(svg.contains(&format!("<title>{long}</title>")));
    }

    #[test]
    fn esc_escapes_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            esc("a & <b> \"c\" 'd'"),
            "a &amp; &lt;b&gt; &quot;c&quot; &#39;d&#39;"
        );
        assert_eq!(esc("x\u{1}y\u{FFFF}"), "xy");
        assert_eq!(n(1.0), "1");
        assert_eq!(n(0.5), "0.5");
        assert_eq!(n(-0.001), "0");
        assert_eq!(n(12.345), "12.35");
        assert_eq!(thousands(2000), "2,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    fn wide_heat(rows: usize, cols: usize, distinct: bool) -> HeatMap {
        let mut seed: u64 = 7;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as f64 / f64::from(1u32 << 31)
        };
        HeatMap {
            rows: (0..rows)
                .map(|r| {
                    Label::new(
                        format!("{}.{} Theme number {r}", r / 5 + 1, r % 5),
                        1 + (r % 5 > 0) as usize,
                    )
                })
                .collect(),
            columns: (0..cols).map(|c| format!("P{c:04}")).collect(),
            values: (0..rows)
                .map(|_| {
                    (0..cols)
                        .map(|_| {
                            let x = rnd();
                            Some(if distinct {
                                (x * 41.0).floor()
                            } else if x < 0.7 {
                                0.0
                            } else {
                                (x * 10.0).floor()
                            })
                        })
                        .collect()
                })
                .collect(),
            cell_text: Vec::new(),
            right: Some((
                "Participants".into(),
                (0..rows).map(|r| format!("{r}/{cols}")).collect(),
            )),
            column_noun: "participants".into(),
            title: "Wide".into(),
        }
    }

    #[test]
    fn a_two_thousand_column_map_stays_small() {
        let h = wide_heat(60, 2000, false);
        let svg = heat_map(&h);
        well_formed(&svg);
        assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
        assert!(svg.contains("2,000 participants"));
        assert!(!svg.contains("P0001"));
        assert!(!svg.contains(r#"<rect class="cell""#));
        // Worst case: no two neighbours alike.
        let svg = heat_map(&wide_heat(60, 2000, true));
        well_formed(&svg);
        assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
        assert_eq!(svg, heat_map(&wide_heat(60, 2000, true)));
    }

    #[test]
    fn seventeen_columns_have_labels_and_no_more_than_sixty() {
        let h = wide_heat(60, 17, false);
        let svg = heat_map(&h);
        well_formed(&svg);
        assert_eq!(count(&svg, r#"<rect class="cell""#), 60 * 17);
        assert!(svg.contains(">P0016</text>"));
        let svg = heat_map(&wide_heat(3, 61, false));
        assert!(!svg.contains(">P0016</text>"));
        assert!(svg.contains("61 participants"));
    }

    #[test]
    fn an_empty_map_is_still_an_svg() {
        well_formed(&heat_map(&HeatMap::default()));
        well_formed(&bar_chart(&Bars::default()));
        well_formed(&flow(&Flow::default()));
    }

    fn bars() -> Bars {
        Bars {
            categories: vec![
                Label {
                    text: "1 A & <B>".into(),
                    level: 1,
                    colour: Some("#0072b2".into()),
                },
                Label::new("1.1 Sub", 2),
            ],
            groups: vec!["manager".into(), "nurse".into(), "doctor".into()],
            values: vec![vec![40.0, 100.0, 0.0], vec![20.0, 50.0, 66.7]],
            max: 100.0,
            unit: "%".into(),
            value_text: vec![
                vec!["2/5".into(), "4/4".into(), "0/3".into()],
                vec!["1/5".into(), "2/4".into(), "2/3".into()],
            ],
            title: "By role".into(),
        }
    }

    #[test]
    fn bar_chart_has_a_bar_per_value_and_percent_ticks() {
        let b = bars();
        let svg = bar_chart(&b);
        well_formed(&svg);
        assert_eq!(count(&svg, r#"<rect class="bar""#), 6);
        for t in ["0%", "25%", "50%", "75%", "100%"] {
            assert!(svg.contains(&format!(">{t}</text>")), "{t}");
        }
        assert!(svg.contains("A &amp; &lt;B&gt;"));
        assert!(svg.contains(">4/4</text>"));
        assert!(svg.contains(PALETTE[2]));
        assert_eq!(svg, bar_chart(&b));
    }

    #[test]
    fn wide_columns_share_what_the_narrow_leave() {
        assert_eq!(share(&[100.0, 200.0], 400.0), f64::INFINITY);
        assert_eq!(share(&[100.0, 300.0, 300.0], 500.0), 200.0);
        assert_eq!(share(&[300.0, 300.0], 400.0), 200.0);
    }

    #[test]
    fn other_units_get_nice_ticks() {
        assert_eq!(nice_axis(100.0), (100.0, 25.0));
        assert_eq!(nice_axis(37.0), (40.0, 10.0));
        assert_eq!(nice_axis(7.0), (8.0, 2.0));
        let (end, step) = nice_axis(0.42);
        assert!(
            (end - 0.6).abs() < 1e-9 && (step - 0.2).abs() < 1e-9,
            "{end} {step}"
        );
        let mut b = bars();
        b.unit = "segments".into();
        b.max = 37.0;
        let svg = bar_chart(&b);
        well_formed(&svg);
        assert!(svg.contains(">40</text>"));
        assert!(svg.contains(">segments</text>"));
    }

    fn sample_flow() -> Flow {
        let node = |column, label: &str, level| FlowNode {
            column,
            label: label.into(),
            level,
            ..FlowNode::default()
        };
        let mut nodes = vec![
            node(0, "1 Work & <life>", 1),
            node(0, "1.1 Stress", 2),
            node(0, "1.2 Load", 2),
            node(0, "2 Home", 1),
            node(1, "1 Work & <life>", 1),
            node(1, "1.1 Pressure", 2),
            node(1, "2 Home", 1),
            node(1, "3 New", 1),
        ];
        nodes[3].note = Some("deleted".into());
        nodes[2].note = Some("merged".into());
        let link = |from, to, kind| FlowLink { from, to, kind };
        Flow {
            versions: vec!["T0".into(), "T1".into()],
            nodes,
            links: vec![
                link(0, 4, LinkKind::Kept),
                link(1, 5, LinkKind::Merged),
                link(2, 5, LinkKind::Merged),
            ],
            title: "Evolution".into(),
        }
    }

    #[test]
    fn flow_draws_a_path_per_link_and_marks_added_and_deleted() {
        let f = sample_flow();
        let svg = flow(&f);
        well_formed(&svg);
        assert_eq!(count(&svg, r#"<path class="link"#), 3);
        assert_eq!(count(&svg, r#"<path class="link merged""#), 2);
        assert_eq!(count(&svg, r#"<rect class="node""#), 8);
        assert!(svg.contains("Work &amp; &lt;life&gt;"));
        assert!(svg.contains(&format!("fill=\"{DELETED}\"")));
        assert!(svg.contains(">deleted</text>"));
        assert!(svg.contains(">+</text>"));
        assert_eq!(svg, flow(&f));
    }

    #[test]
    fn flow_ignores_links_it_cannot_draw() {
        let mut f = sample_flow();
        f.links.push(FlowLink {
            from: 0,
            to: 99,
            kind: LinkKind::Kept,
        });
        f.links.push(FlowLink {
            from: 5,
            to: 1,
            kind: LinkKind::Kept,
        });
        let svg = flow(&f);
        well_formed(&svg);
        assert_eq!(count(&svg, r#"<path class="link"#), 3);
    }

    #[test]
    fn a_kept_theme_runs_straight_across() {
        let f = sample_flow();
        let svg = flow(&f);
        let kept = svg
            .split(r#"<path class="link kept" d="M"#)
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("kept link");
        let nums: Vec<f64> = kept
            .split([' ', 'C'])
            .filter_map(|s| s.parse().ok())
            .collect();
        assert_eq!(nums.len(), 8);
        assert_eq!(nums[1], nums[7]);
    }

    /// Six versions of about 40 themes: each version drops one theme, adds one and renames
    /// a few.
    fn six_by_forty() -> Flow {
        let words = [
            "Workload", "Support", "Identity", "Coping", "Family", "Pride", "Conflict", "Time",
        ];
        let mut f = Flow {
            versions: (0..6).map(|v| format!("T{v}")).collect(),
            ..Flow::default()
        };
        // (theme id, level) per version, and each theme's node in the previous version.
        let mut themes: Vec<(usize, usize)> =
            (0..40).map(|t| (t, 1 + usize::from(t % 8 > 0))).collect();
        let mut next_id = 40;
        let mut prev: Vec<(usize, usize)> = Vec::new();
        for v in 0..6 {
            if v > 0 {
                let gone = themes.remove((v * 5 + 1) % themes.len());
                f.nodes[prev.iter().find(|p| p.0 == gone.0).map_or(0, |p| p.1)].note =
                    Some("deleted".into());
                themes.insert((v * 7 + 2) % themes.len(), (next_id, 2));
                next_id += 1;
            }
            let mut top = 0;
            let mut sub = 0;
            let mut here = Vec::new();
            for &(id, level) in &themes {
                if level == 1 {
                    top += 1;
                    sub = 0
                } else {
                    sub += 1
                }
                let num = if level == 1 {
                    format!("{top}")
                } else {
                    format!("{top}.{sub}")
                };
                let renamed = v > 0 && id % 9 == v;
                let name = format!(
                    "{}{} {}",
                    words[id % 8],
                    if renamed { " and more" } else { "" },
                    id
                );
                here.push((id, f.nodes.len()));
                f.nodes.push(FlowNode {
                    column: v,
                    label: format!("{num} {name}"),
                    level,
                    ..FlowNode::default()
                });
                if let Some(p) = prev.iter().find(|p| p.0 == id) {
                    f.links.push(FlowLink {
                        from: p.1,
                        to: f.nodes.len() - 1,
                        kind: if renamed {
                            LinkKind::Renamed
                        } else {
                            LinkKind::Kept
                        },
                    });
                }
            }
            prev = here;
        }
        f
    }

    /// 262 themes over three versions, some of them renamed or gone.
    fn big_flow() -> Flow {
        let mut f = Flow {
            versions: vec!["T0".into(), "T1".into(), "Final".into()],
            title: "Big".into(),
            ..Flow::default()
        };
        for v in 0..3 {
            for t in 0..262 {
                let level = 1 + usize::from(t % 6 > 0) + usize::from(t % 6 > 3);
                f.nodes.push(FlowNode {
                    column: v,
                    label: format!("{}.{} Theme called {t}", t / 6 + 1, t % 6),
                    level,
                    ..FlowNode::default()
                });
                if v > 0 && t % 17 != v {
                    f.links.push(FlowLink {
                        from: (v - 1) * 262 + t,
                        to: v * 262 + t,
                        kind: if t % 11 == 0 {
                            LinkKind::Renamed
                        } else {
                            LinkKind::Kept
                        },
                    });
                }
            }
        }
        f
    }

    #[test]
    fn big_flows_stay_drawable() {
        let f = six_by_forty();
        let svg = flow(&f);
        well_formed(&svg);
        assert_eq!(count(&svg, r#"<path class="link"#), 195);
        let big = big_flow();
        let svg = flow(&big);
        well_formed(&svg);
        assert!(svg.contains(r#"font-size="8""#));
    }
}
