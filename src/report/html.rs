//! A document as one self-contained HTML page: its own styles, no script, nothing fetched.
//! It prints on A4, with page breaks where the document asks for them.

use std::io::Write;

use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::Value;

use super::{Block, Doc};
use crate::error::Result;
use crate::output::{cell_text, Table};

const STYLE: &str = r#"
:root{--ink:#1d2329;--muted:#5b6670;--rule:#c9d0d6;--band:#f3f5f7}
*{box-sizing:border-box}
body{font:15px/1.45 "Source Serif Pro",Georgia,"Times New Roman",serif;color:var(--ink);max-width:60em;margin:2em auto;padding:0 1.5em}
h1,h2,h3,caption,th,.note,.sub,nav{font-family:"Source Sans Pro","Segoe UI",Helvetica,Arial,sans-serif}
h1{font-size:1.7em;margin:0 0 .2em}
h2{font-size:1.3em;margin:1.8em 0 .5em;border-bottom:1px solid var(--rule);padding-bottom:.2em}
h3{font-size:1.05em;margin:1.3em 0 .4em}
.sub{color:var(--muted);margin:0 0 1.5em}
.note{color:var(--muted);font-size:.85em;margin:.4em 0 1em}
table{border-collapse:collapse;margin:.6em 0 .4em;font-size:.86em}
caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border-bottom:1px solid var(--rule);padding:.22em .55em;vertical-align:top;text-align:left}
thead th{border-bottom:2px solid var(--ink);font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.c{text-align:center}
tbody tr:nth-child(even) td:not(.h){background:var(--band)}
ul.outline{list-style:none;padding-left:0}
ul.outline li{margin:.15em 0}
figure{margin:1em 0;break-inside:avoid}
figcaption{font:600 .9em "Source Sans Pro",Helvetica,Arial,sans-serif;margin-bottom:.3em}
figure svg{max-width:100%;height:auto}
.wide{overflow-x:auto}
table.full{width:100%}
.pb{break-before:page}
@page{size:A4;margin:16mm 14mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:10.5pt}.wide{overflow:visible}h2,h3{break-after:avoid}tr,figure{break-inside:avoid}}
"#;

/// Write `doc` as a whole page.
pub fn write(doc: &Doc, out: &mut dyn Write) -> Result<()> {
    // Control characters (from a name stored by an older tana, say) are not allowed in HTML:
    // they are written escaped, as on the terminal.
    let page = page(doc).into_string();
    out.write_all(crate::text::escape_text(&page).as_bytes())?;
    writeln!(out)?;
    Ok(())
}

/// The page as markup.
pub fn page(doc: &Doc) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content=(concat!("tana ", env!("CARGO_PKG_VERSION")));
                title { (doc.title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                @if !doc.title.is_empty() { h1 { (doc.title) } }
                @if let Some(s) = &doc.subtitle { p.sub { (s) } }
                @for b in &doc.blocks { (block(b)) }
            }
        }
    }
}

fn block(b: &Block) -> Markup {
    match b {
        Block::Heading { level, text, id } => match level {
            1 => html! { h2 id=[id] { (text) } },
            2 => html! { h3 id=[id] { (text) } },
            _ => html! { h4 id=[id] { (text) } },
        },
        Block::Para(t) => html! { p { (t) } },
        Block::Note(t) => html! { p.note { (t) } },
        Block::Outline(items) => html! {
            ul.outline {
                @for (level, text) in items {
                    li style=(format!("padding-left:{}em", 1.4 * (*level as f64 - 1.0))) { (text) }
                }
            }
        },
        Block::Table(t) => table(t),
        Block::Figure { caption, svg, .. } => html! {
            figure {
                figcaption { (caption) }
                div.wide { (PreEscaped(svg)) }
            }
        },
        Block::PageBreak => html! { div.pb {} },
    }
}

/// What a column holds, for alignment: numbers right, ticks centred.
pub(crate) fn column_kinds(t: &Table) -> Vec<char> {
    (0..t.columns.len())
        .map(|c| {
            let cells = t.rows.iter().map(|r| &r[c]);
            if t.rows.is_empty() {
                't'
            } else if cells.clone().all(|v| v == "✓" || v == "") {
                'c'
            } else if cells
                .clone()
                .all(|v| v.is_number() || v.is_null() || v == "")
                || cells.clone().all(looks_numeric)
            {
                'n'
            } else {
                't'
            }
        })
        .collect()
}

/// Numbers, and counts written for the eye: "3/17", "18%" (not theme numbers like "1.2").
pub(crate) fn looks_numeric(v: &Value) -> bool {
    match v {
        Value::Number(_) | Value::Null => true,
        Value::String(s) => {
            s.is_empty()
                || s == "—"
                || (s.contains(['/', '%'])
                    && s.chars()
                        .all(|c| c.is_ascii_digit() || matches!(c, '/' | '%' | '.')))
        }
        _ => false,
    }
}

/// A cell's text, its line breaks kept.
fn lines(text: &str) -> Markup {
    html! {
        @for (i, line) in text.split('\n').enumerate() {
            @if i > 0 { br; }
            (line)
        }
    }
}

/// A cell's background in a heat map: white to a deep blue, readable under black text up
/// to 60% and then with white text.
pub fn shade(value: f64, max: f64) -> (String, &'static str) {
    let f = if max > 0.0 {
        (value / max).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let lerp = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    let bg = format!(
        "#{:02x}{:02x}{:02x}",
        lerp(255.0, 33.0),
        lerp(255.0, 102.0),
        lerp(255.0, 172.0)
    );
    (bg, if f > 0.6 { "#fff" } else { "#1d2329" })
}

fn table(t: &Table) -> Markup {
    let kinds = column_kinds(t);
    let max = if t.shade {
        t.rows
            .iter()
            .flat_map(|r| r.iter().filter_map(Value::as_f64))
            .fold(0.0, f64::max)
    } else {
        0.0
    };
    let level_col = t.levels.as_ref().map(|(c, _)| *c);
    // Tables of prose (quotes, definitions) take the page's width, so they line up.
    let prose = t.rows.iter().any(|r| {
        r.iter()
            .any(|v| v.as_str().is_some_and(|s| s.chars().count() > 80))
    });
    html! {
        div.wide {
            table class=[prose.then_some("full")] {
                @if let Some(c) = &t.caption { caption { (c) } }
                thead { tr { @for c in &t.columns { th { (c) } } } }
                tbody {
                    @for (i, row) in t.rows.iter().enumerate() {
                        tr {
                            @for (c, v) in row.iter().enumerate() {
                                @let text = cell_text(v);
                                @if Some(c) == level_col {
                                    td style=(format!("padding-left:{}em", 0.55 + 1.2 * (t.level(i) as f64 - 1.0))) { (lines(&text)) }
                                } @else if t.shade && v.is_number() {
                                    @let (bg, fg) = shade(v.as_f64().unwrap_or(0.0), max);
                                    td.n.h style=(format!("background:{bg};color:{fg}")) { (text) }
                                } @else if kinds[c] == 'n' {
                                    td.n { (text) }
                                } @else if kinds[c] == 'c' {
                                    td.c { (text) }
                                } @else {
                                    td { (lines(&text)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @for n in &t.notes { p.note { (n) } }
    }
}
