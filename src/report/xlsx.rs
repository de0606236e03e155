//! A document as an Excel workbook (.xlsx), built with rust_xlsxwriter: one sheet per table,
//! with a bold frozen header row, an autofilter, numbers stored as numbers, indented theme
//! names and, for heat maps, a colour scale. Notes sit under each table.

use std::collections::HashSet;
use std::io::Write;

use rust_xlsxwriter::{
    Color, ConditionalFormat2ColorScale, ConditionalFormatCell, ConditionalFormatCellRule,
    ConditionalFormatType, DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError,
};
use serde_json::Value;

use super::{Block, Doc};
use crate::error::{Error, Result};
use crate::output::{cell_text, Table};

/// The heat map's deep end, as in the HTML report.
const DEEP_BLUE: u32 = 0x2166AC;
/// Excel's limit on the text of one cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Excel's limit on a sheet's name.
const MAX_SHEET_NAME: usize = 31;
/// The widest a column gets, in characters.
const MAX_WIDTH: usize = 60;

/// Write `doc` as a workbook: a sheet per table, or one sheet of its text when it has none.
pub fn write(doc: &Doc, out: &mut dyn Write) -> Result<()> {
    let mut wb = Workbook::new();
    let mut props = DocProperties::new().set_title(&doc.title);
    if let Some(s) = &doc.subtitle {
        props = props.set_comment(s);
    }
    wb.set_properties(&props);
    let tables = captioned_tables(doc);
    let mut taken = HashSet::new();
    if tables.is_empty() {
        let name = sheet_name(Some(&doc.title), "Document", &mut taken);
        let ws = wb.add_worksheet();
        xl(ws.set_name(name))?;
        text_sheet(ws, doc)?;
    }
    for (i, (t, caption)) in tables.iter().enumerate() {
        let wanted = caption.or(Some(doc.title.as_str()).filter(|s| !s.trim().is_empty()));
        let name = sheet_name(wanted, &format!("Table {}", i + 1), &mut taken);
        let ws = wb.add_worksheet();
        xl(ws.set_name(&name))?;
        table_sheet(ws, t, *caption, &name)?;
    }
    let bytes = xl(wb.save_to_buffer())?;
    out.write_all(&bytes)?;
    Ok(())
}

/// The tables in order, as [`Doc::tables`] gives them, each with its caption: a figure's
/// table goes by the figure's caption unless it has one of its own.
fn captioned_tables(doc: &Doc) -> Vec<(&Table, Option<&str>)> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some((t, t.caption.as_deref())),
            Block::Figure {
                caption,
                table: Some(t),
                ..
            } => Some((t, t.caption.as_deref().or(Some(caption.as_str())))),
            _ => None,
        })
        .collect()
}

fn xl<T>(r: std::result::Result<T, XlsxError>) -> Result<T> {
    r.map_err(|e| Error::user(format!("cannot write the Excel workbook: {e}")))
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, not quoted, not
/// "History", and unlike the names already `taken` (ignoring case): " (2)" and so on are
/// appended. `fallback` stands in for a name that is empty once cleaned.
fn sheet_name(wanted: Option<&str>, fallback: &str, taken: &mut HashSet<String>) -> String {
    let cleaned: String = wanted
        .unwrap_or("")
        .chars()
        .filter_map(|c| match c {
            '/' | '\\' | ':' => Some('-'),
            '[' => Some('('),
            ']' => Some(')'),
            '*' | '?' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim();
    let base = if cleaned.is_empty() {
        fallback
    } else {
        cleaned
    };
    taken.insert("history".to_string());
    let mut k = 1;
    loop {
        let suffix = if k == 1 {
            String::new()
        } else {
            format!(" ({k})")
        };
        let room = MAX_SHEET_NAME - suffix.chars().count();
        let head: String = base.chars().take(room).collect();
        let name = format!("{}{suffix}", head.trim_end());
        if taken.insert(name.to_lowercase()) {
            return name;
        }
        k += 1;
    }
}

/// Text Excel can hold in one cell (longer text is cut at its limit).
fn fit(s: &str) -> String {
    if s.chars().count() > MAX_CELL_CHARS {
        s.chars().take(MAX_CELL_CHARS).collect()
    } else {
        s.to_string()
    }
}

/// A table from A1: header, rows, then its caption (when the sheet's name does not say it
/// all) and notes under an empty row.
fn table_sheet(ws: &mut Worksheet, t: &Table, caption: Option<&str>, sheet: &str) -> Result<()> {
    let header = Format::new()
        .set_bold()
        .set_border_bottom(FormatBorder::Thin)
        .set_align(FormatAlign::Bottom);
    let over_numbers = header.clone().set_align(FormatAlign::Right);
    for (c, name) in t.columns.iter().enumerate() {
        let format = if numeric_column(t, c) {
            &over_numbers
        } else {
            &header
        };
        xl(ws.write_string_with_format(0, col(c), fit(name), format))?;
    }
    write_rows(ws, t)?;
    let last_row = t.rows.len() as u32;
    if !t.columns.is_empty() {
        let last_col = col(t.columns.len() - 1);
        xl(ws.autofilter(0, 0, last_row, last_col))?;
        let frozen_cols = match &t.levels {
            Some((c, _)) if *c < 3 => col(c + 1),
            _ => 0,
        };
        xl(ws.set_freeze_panes(1, frozen_cols))?;
    }
    for (c, w) in column_widths(t).into_iter().enumerate() {
        xl(ws.set_column_width(col(c), w as f64))?;
    }
    if t.shade {
        shade(ws, t)?;
    }
    let italic = Format::new().set_italic();
    let caption = caption.filter(|c| c.trim() != sheet);
    for (i, line) in caption
        .into_iter()
        .chain(t.notes.iter().map(String::as_str))
        .enumerate()
    {
        xl(ws.write_string_with_format(last_row + 2 + i as u32, 0, fit(line), &italic))?;
    }
    Ok(())
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// The body: numbers as numbers, text as text (ticks centred), theme names indented by their
/// level in the template.
fn write_rows(ws: &mut Worksheet, t: &Table) -> Result<()> {
    let level_col = t.levels.as_ref().map(|(c, _)| *c);
    let plain = Format::new();
    let tick = Format::new().set_align(FormatAlign::Center);
    let indents: Vec<Format> = (0..16u8).map(|i| Format::new().set_indent(i)).collect();
    for (i, row) in t.rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let format = if Some(c) == level_col {
                &indents[t.level(i).saturating_sub(1).min(15)]
            } else if v == "✓" {
                &tick
            } else {
                &plain
            };
            let c = col(c);
            match v {
                Value::Null => {}
                Value::Number(n) => {
                    xl(ws.write_number_with_format(r, c, n.as_f64().unwrap_or(0.0), format))?;
                }
                Value::Bool(b) => {
                    xl(ws.write_boolean_with_format(r, c, *b, format))?;
                }
                other => {
                    xl(ws.write_string_with_format(r, c, fit(&cell_text(other)), format))?;
                }
            }
        }
    }
    Ok(())
}

/// Each column's width in characters, from its header and cells (and indents), 6 to 60.
fn column_widths(t: &Table) -> Vec<usize> {
    let level_col = t.levels.as_ref().map(|(c, _)| *c);
    (0..t.columns.len())
        .map(|c| {
            let cells = t.rows.iter().enumerate().map(|(i, r)| {
                let n = r.get(c).map(|v| cell_text(v).chars().count()).unwrap_or(0);
                if Some(c) == level_col {
                    n + 2 * t.level(i).saturating_sub(1)
                } else {
                    n
                }
            });
            let widest = cells.fold(t.columns[c].chars().count() + 2, usize::max);
            (widest + 2).clamp(6, MAX_WIDTH)
        })
        .collect()
}

/// Whether a column holds numbers and nothing else (blanks aside).
fn numeric_column(t: &Table, c: usize) -> bool {
    let cells = || t.rows.iter().filter_map(|r| r.get(c));
    cells().any(Value::is_number) && cells().all(|v| v.is_number() || v.is_null())
}

/// The heat map: a colour scale from white at 0 to deep blue at the table's largest number
/// (as in the HTML report), with white text above 60% of it, over each run of numeric
/// columns.
fn shade(ws: &mut Worksheet, t: &Table) -> Result<()> {
    let max = t
        .rows
        .iter()
        .flat_map(|r| r.iter().filter_map(Value::as_f64))
        .fold(0.0, f64::max);
    if max <= 0.0 || t.rows.is_empty() {
        return Ok(());
    }
    let scale = ConditionalFormat2ColorScale::new()
        .set_minimum(ConditionalFormatType::Number, 0)
        .set_minimum_color(Color::White)
        .set_maximum(ConditionalFormatType::Number, max)
        .set_maximum_color(Color::RGB(DEEP_BLUE));
    let white_text = ConditionalFormatCell::new()
        .set_rule(ConditionalFormatCellRule::GreaterThan(
            (0.6 * max * 1e6).round() / 1e6,
        ))
        .set_format(Format::new().set_font_color(Color::White));
    let last_row = t.rows.len() as u32;
    for (first, last) in numeric_runs(t) {
        xl(ws.add_conditional_format(1, col(first), last_row, col(last), &scale))?;
        xl(ws.add_conditional_format(1, col(first), last_row, col(last), &white_text))?;
    }
    Ok(())
}

/// The runs of adjacent numeric columns, as (first, last).
fn numeric_runs(t: &Table) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for c in (0..t.columns.len()).filter(|&c| numeric_column(t, c)) {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == c => *last = c,
            _ => runs.push((c, c)),
        }
    }
    runs
}

/// A document without tables: its text down column A, so the workbook is still of use.
fn text_sheet(ws: &mut Worksheet, doc: &Doc) -> Result<()> {
    let wrap = Format::new().set_text_wrap();
    let bold = Format::new().set_bold().set_text_wrap();
    let title = Format::new().set_bold().set_font_size(14);
    let italic = Format::new().set_italic().set_text_wrap();
    xl(ws.set_column_width(0, 100))?;
    let mut lines: Vec<(String, Format)> = vec![(doc.title.clone(), title)];
    if let Some(s) = &doc.subtitle {
        lines.push((s.clone(), italic.clone()));
    }
    for b in &doc.blocks {
        match b {
            Block::Heading { text, .. } => lines.push((text.clone(), bold.clone())),
            Block::Para(t) => lines.push((t.clone(), wrap.clone())),
            Block::Note(t) => lines.push((t.clone(), italic.clone())),
            Block::Outline(items) => lines.extend(items.iter().map(|(level, text)| {
                let indent = level.saturating_sub(1).min(15) as u8;
                (text.clone(), wrap.clone().set_indent(indent))
            })),
            Block::Figure { caption, .. } => lines.push((caption.clone(), bold.clone())),
            Block::Table(_) | Block::PageBreak => {}
        }
    }
    for (r, (text, format)) in lines.iter().enumerate() {
        xl(ws.write_string_with_format(r as u32, 0, fit(text), format))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::report::docx::tests::{part, sample};

    fn xlsx_bytes(doc: &Doc) -> Vec<u8> {
        let mut out = Vec::new();
        write(doc, &mut out).unwrap();
        out
    }

    /// The sheets' names, in order.
    fn sheet_names(bytes: &[u8]) -> Vec<String> {
        let wb = part(bytes, "xl/workbook.xml");
        wb.split("<sheet name=\"")
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].to_string())
            .collect()
    }

    /// The XML of cell `r` in a sheet, e.g. `<c r="C2"><v>3</v></c>`.
    fn cell<'a>(sheet: &'a str, r: &str) -> &'a str {
        let at = sheet
            .find(&format!("<c r=\"{r}\""))
            .unwrap_or_else(|| panic!("no cell {r}"));
        let rest = &sheet[at..];
        let end = if rest[..rest.find('>').unwrap()].ends_with('/') {
            rest.find("/>").unwrap() + 2
        } else {
            rest.find("</c>").unwrap() + 4
        };
        &rest[..end]
    }

    #[test]
    fn each_table_is_its_own_sheet_with_a_frozen_header() {
        let doc = sample();
        let bytes = xlsx_bytes(&doc);
        assert_eq!(
            sheet_names(&bytes),
            [
                "Codings per transcript",
                "Transcripts where both themes o",
                "Figure 1- transcripts per theme"
            ]
        );
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        // Header frozen (with the number and theme columns), filter over the table.
        assert!(sheet.contains(r#"<pane xSplit="2" ySplit="1" topLeftCell="C2""#));
        assert!(sheet.contains(r#"<autoFilter ref="A1:U6"/>"#));
        // Numbers are numbers; text is shared strings.
        assert_eq!(cell(&sheet, "D2"), r#"<c r="D2"><v>2</v></c>"#);
        assert!(cell(&sheet, "B2").contains(r#"t="s""#));
        let strings = part(&bytes, "xl/sharedStrings.xml");
        assert!(strings.contains("<t>Coping with illness</t>"));
        assert!(strings.contains("<t>P17</t>"));
        assert!(strings.contains("<t>15/17</t>"));
    }

    #[test]
    fn themes_are_indented_and_notes_sit_under_the_table() {
        let bytes = xlsx_bytes(&sample());
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        let styles = part(&bytes, "xl/styles.xml");
        // Level 3 ("Morning medication", row 4) is indented two steps.
        let b4 = cell(&sheet, "B4");
        let style: usize = b4
            .split("s=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("a style on B4");
        let xfs = &styles[styles.find("<cellXfs").unwrap()..];
        let xf = xfs.split("<xf ").nth(style + 1).unwrap();
        assert!(xf.contains(r#"indent="2""#), "{xf}");
        // Five themes in rows 2-6, an empty row 7, the note in row 8, in italic.
        assert!(!sheet.contains(r#"<c r="A7""#));
        assert!(cell(&sheet, "A8").contains(r#"t="s""#));
        let strings = part(&bytes, "xl/sharedStrings.xml");
        assert!(strings.contains("Cells: codings. N = 17 transcripts."));
        assert!(styles.contains("<i/>"));
    }

    #[test]
    fn shaded_tables_get_a_colour_scale_from_white_to_deep_blue() {
        let bytes = xlsx_bytes(&sample());
        let sheet = part(&bytes, "xl/worksheets/sheet2.xml");
        assert!(sheet.contains(r#"<conditionalFormatting sqref="B2:D4">"#));
        assert!(sheet.contains("<colorScale>"));
        assert!(sheet.contains(r#"<cfvo type="num" val="0"/>"#));
        assert!(sheet.contains(r#"<cfvo type="num" val="12"/>"#));
        assert!(sheet.contains(r#"<color rgb="FF2166AC"/>"#));
        // White text from 60% of the largest count up.
        assert!(sheet.contains("<formula>7.2</formula>"));
        // An unshaded table has none.
        let plain = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(!plain.contains("colorScale"));
    }

    #[test]
    fn sheet_names_follow_excels_rules() {
        let mut taken = HashSet::new();
        let mut name = |s: &str| sheet_name(Some(s), "Table 1", &mut taken);
        assert_eq!(name("Codes: a/b [draft]?*"), "Codes- a-b (draft)");
        assert_eq!(name("codes- A-B (DRAFT)"), "codes- A-B (DRAFT) (2)");
        let long = "A caption far longer than thirty-one characters";
        assert_eq!(name(long), "A caption far longer than thirt");
        assert_eq!(name(long), "A caption far longer than t (2)");
        assert_eq!(name("'quoted'"), "quoted");
        assert_eq!(name("History"), "History (2)");
        assert_eq!(name(" ?* "), "Table 1");
        assert_eq!(name(""), "Table 1 (2)");
        for n in taken.iter() {
            assert!(n.chars().count() <= MAX_SHEET_NAME);
        }
    }

    #[test]
    fn a_document_without_tables_is_one_sheet_of_text() {
        let mut doc = Doc::new("Memo");
        doc.heading(1, "Why");
        doc.para("Because.");
        doc.blocks.push(Block::Outline(vec![(2, "deeper".into())]));
        let bytes = xlsx_bytes(&doc);
        assert_eq!(sheet_names(&bytes), ["Memo"]);
        let strings = part(&bytes, "xl/sharedStrings.xml");
        for s in ["Memo", "Why", "Because.", "deeper"] {
            assert!(strings.contains(&format!("<t>{s}</t>")), "{s}");
        }
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains(r#"<c r="A4""#));
    }

    #[test]
    fn untitled_tables_are_numbered_and_values_keep_their_types() {
        let mut doc = Doc::default();
        let mut t = Table::new(["a", "b", "c", "d"]);
        t.push(vec![json!(true), Value::Null, json!("✓"), json!(2.5)]);
        doc.table(t.clone());
        doc.table(t);
        let bytes = xlsx_bytes(&doc);
        assert_eq!(sheet_names(&bytes), ["Table 1", "Table 2"]);
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(cell(&sheet, "A2").contains(r#"t="b""#));
        assert!(!sheet.contains(r#"<c r="B2""#));
        assert!(cell(&sheet, "C2").contains(r#"t="s""#));
        assert!(cell(&sheet, "D2").contains("<v>2.5</v>"));
        assert!(sheet.contains(r#"<pane ySplit="1" topLeftCell="A2""#));
    }
}
