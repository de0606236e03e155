//! A document as a Word file (.docx), built with docx-rs: real heading styles (so a table of
//! contents works), real tables with a repeating header row, heat-map shading and indented
//! theme names. A4, 2 cm margins; tables too wide for a portrait page get a landscape section.

use std::io::{Cursor, Write};

use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, HeightRule, LineSpacing, LineSpacingType,
    PageMargin, PageOrientationType, PageSize, Paragraph, Run, RunFonts, Section, Shading, Style,
    StyleType, Table as WTable, TableBorder, TableBorderPosition, TableBorders, TableCell,
    TableCellBorder, TableCellBorderPosition, TableCellBorders, TableCellMargins, TableLayoutType,
    TableRow, TextDirectionType, VAlignType, WidthType,
};
use quick_xml::events::{BytesEnd, BytesStart, Event};
use serde_json::Value;

use super::html::column_kinds;
use super::{Block, Doc};
use crate::error::{Error, Result};
use crate::output::{cell_text, Table};

const FONT: &str = "Calibri";
const INK: &str = "1D2329";
const MUTED: &str = "5B6670";
const RULE: &str = "C9D0D6";
const BAND: &str = "F3F5F7";
/// A4 in twentieths of a point, portrait.
const A4: (u32, u32) = (11906, 16838);
/// 2 cm.
const MARGIN: i32 = 1134;
/// Text sizes in half-points.
const BODY: usize = 22;
const SMALL: usize = 18;
/// Left and right padding of a table cell, in twips.
const CELL_PAD: usize = 57;
/// How far each template level below the first indents a theme name, in twips.
const LEVEL_INDENT: usize = 220;

/// Write `doc` as a Word document.
pub fn write(doc: &Doc, out: &mut dyn Write) -> Result<()> {
    let mut xml = build(doc).build();
    xml.document = repeat_header_rows(&xml.document)?;
    let mut buf = Cursor::new(Vec::new());
    xml.pack(&mut buf)
        .map_err(|e| Error::user(format!("cannot write the Word document: {e}")))?;
    out.write_all(buf.get_ref())?;
    Ok(())
}

/// A piece of the body: docx-rs keeps paragraphs and tables apart.
enum Item {
    Para(Box<Paragraph>),
    Table(Box<WTable>),
}

fn para(p: Paragraph) -> Item {
    Item::Para(Box::new(p))
}

/// Blocks laid out on pages of one orientation.
struct Group {
    landscape: bool,
    items: Vec<Item>,
}

/// The document: styles, page set-up, and the body in sections of one orientation each.
fn build(doc: &Doc) -> Docx {
    let mut groups = layout(doc);
    let mut title = Vec::new();
    if !doc.title.is_empty() {
        title.push(para(
            Paragraph::new()
                .style("Title")
                .add_run(Run::new().add_text(clean(&doc.title))),
        ));
    }
    if let Some(s) = &doc.subtitle {
        title.push(para(Paragraph::new().add_run(run(s).color(MUTED))));
    }
    if let Some(first) = groups.first_mut() {
        title.append(&mut first.items);
        first.items = title;
    } else {
        groups.push(Group {
            landscape: false,
            items: title,
        });
    }
    let mut docx = styles(Docx::new());
    let last = groups.pop().unwrap_or(Group {
        landscape: false,
        items: Vec::new(),
    });
    for g in groups {
        let mut section = Section::new()
            .page_size(page_size(g.landscape))
            .page_margin(margins());
        for item in g.items {
            section = match item {
                Item::Para(p) => section.add_paragraph(*p),
                Item::Table(t) => section.add_table(*t),
            };
        }
        docx = docx.add_section(section);
    }
    let (w, h) = page_dims(last.landscape);
    docx = docx.page_size(w, h).page_margin(margins());
    if last.landscape {
        docx = docx.page_orient(PageOrientationType::Landscape);
    }
    for item in last.items {
        docx = match item {
            Item::Para(p) => docx.add_paragraph(*p),
            Item::Table(t) => docx.add_table(*t),
        };
    }
    docx
}

/// The blocks rendered and grouped by orientation: a table too wide for a portrait page goes
/// on landscape pages with the text that leads up to it. A page break where a new section
/// starts a page anyway, or at the end, is dropped.
fn layout(doc: &Doc) -> Vec<Group> {
    let mut landscape: Vec<bool> = doc
        .blocks
        .iter()
        .map(|b| match b {
            Block::Table(t) | Block::Figure { table: Some(t), .. } => needs_landscape(t),
            _ => false,
        })
        .collect();
    // The text that leads up to a wide table goes with it: the paragraphs just above it and
    // the headings above those.
    for i in (0..doc.blocks.len()).rev() {
        let leads_in = match doc.blocks[i] {
            Block::Heading { .. } => true,
            Block::Para(_) => !matches!(doc.blocks.get(i + 1), Some(Block::Heading { .. })),
            _ => false,
        };
        if leads_in && landscape.get(i + 1) == Some(&true) {
            landscape[i] = true;
        }
    }
    let mut groups: Vec<Group> = Vec::new();
    for (i, b) in doc.blocks.iter().enumerate() {
        let l = landscape[i];
        if matches!(b, Block::PageBreak) && landscape.get(i + 1).is_none_or(|&next| next != l) {
            continue;
        }
        match groups.last_mut() {
            Some(g) if g.landscape == l => g.items.extend(block(b)),
            _ => groups.push(Group {
                landscape: l,
                items: block(b),
            }),
        }
    }
    groups
}

fn page_dims(landscape: bool) -> (u32, u32) {
    if landscape {
        (A4.1, A4.0)
    } else {
        A4
    }
}

fn page_size(landscape: bool) -> PageSize {
    let (w, h) = page_dims(landscape);
    let size = PageSize::new().size(w, h);
    if landscape {
        size.orient(PageOrientationType::Landscape)
    } else {
        size
    }
}

fn margins() -> PageMargin {
    PageMargin::new()
        .top(MARGIN)
        .bottom(MARGIN)
        .left(MARGIN)
        .right(MARGIN)
        .header(567)
        .footer(567)
}

/// The width between the margins, in twips.
fn text_width(landscape: bool) -> usize {
    page_dims(landscape).0 as usize - 2 * MARGIN as usize
}

/// Default font and size, and the paragraph styles: Title and Heading 1 to 3 with outline
/// levels, named as Word and LibreOffice name their own.
fn styles(docx: Docx) -> Docx {
    let fonts = RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT);
    let mut docx = docx
        .default_fonts(fonts)
        .default_size(BODY)
        .default_line_spacing(spacing(0, 120).line(264).line_rule(LineSpacingType::Auto))
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .size(40)
                .bold()
                .color(INK)
                .line_spacing(spacing(0, 80)),
        );
    for (level, size, before) in [(1usize, 32usize, 360u32), (2, 26, 280), (3, 23, 220)] {
        docx = docx.add_style(
            Style::new(format!("Heading{level}"), StyleType::Paragraph)
                .name(format!("Heading {level}"))
                .size(size)
                .bold()
                .color(INK)
                .outline_lvl(level - 1)
                .line_spacing(spacing(before, 100)),
        );
    }
    docx
}

fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new().before(before).after(after)
}

/// A block as paragraphs and tables.
fn block(b: &Block) -> Vec<Item> {
    match b {
        Block::Heading { level, text, .. } => {
            let style = format!("Heading{}", (*level).clamp(1, 3));
            vec![para(
                Paragraph::new()
                    .style(&style)
                    .keep_next(true)
                    .add_run(Run::new().add_text(clean(text))),
            )]
        }
        Block::Para(t) => vec![para(text_para(t))],
        Block::Note(t) => vec![para(note(t))],
        Block::Outline(items) => items
            .iter()
            .map(|(level, text)| {
                let indent = (level.saturating_sub(1) * 360) as i32;
                para(
                    text_para(text)
                        .indent(Some(indent), None, None, None)
                        .line_spacing(spacing(0, 40)),
                )
            })
            .collect(),
        Block::Table(t) => table(t, t.caption.as_deref()),
        Block::Figure {
            caption, table: t, ..
        } => match t {
            Some(t) => {
                let own = t.caption.as_deref().filter(|c| *c != caption);
                let mut items = vec![para(caption_para(caption))];
                items.extend(table(t, own));
                items
            }
            None => vec![para(caption_para(caption))],
        },
        Block::PageBreak => vec![para(
            Paragraph::new().add_run(Run::new().add_break(BreakType::Page)),
        )],
    }
}

/// A paragraph of text; line breaks in it stay line breaks.
fn text_para(text: &str) -> Paragraph {
    Paragraph::new().add_run(run(text))
}

fn run(text: &str) -> Run {
    let text = clean(text);
    let mut r = Run::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            r = r.add_break(BreakType::TextWrapping);
        }
        r = r.add_text(line);
    }
    r
}

fn note(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text).size(SMALL).color(MUTED))
        .line_spacing(spacing(40, 80))
}

fn caption_para(text: &str) -> Paragraph {
    Paragraph::new()
        .keep_next(true)
        .line_spacing(spacing(160, 60))
        .add_run(run(text).bold())
}

/// Text without the characters XML cannot hold (an old name may carry ESC).
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n')
                || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}' && c != '\u{7F}')
        })
        .collect()
}

/// A table with its caption above and its notes below.
fn table(t: &Table, caption: Option<&str>) -> Vec<Item> {
    let mut items = Vec::new();
    if let Some(c) = caption {
        items.push(para(caption_para(c)));
    }
    // Word has no table without cells.
    if !t.columns.is_empty() {
        items.push(Item::Table(Box::new(word_table(t))));
    }
    items.extend(t.notes.iter().map(|n| para(note(n))));
    items
}

/// What a column holds, for alignment: numbers right (`'n'`), ticks centred (`'c'`), text.
/// Table text size in half-points: 9 pt, 8 pt past eight columns, 7 pt past thirty.
fn font_size(t: &Table) -> usize {
    match t.columns.len() {
        0..=8 => 18,
        9..=30 => 16,
        _ => 14,
    }
}

/// Twips per character at a size in half-points (an average for a proportional font).
fn char_width(size: usize) -> usize {
    size * 5
}

/// How a table is laid out: on which page, how wide each column is (twips), which headers
/// stand upright, and how tall the header row must be for them.
struct Plan {
    landscape: bool,
    widths: Vec<usize>,
    upright: Vec<bool>,
    header_height: Option<usize>,
}

/// How wide each column would like to be, in twips. Numbers and ticks never wrap, nor do
/// the words of their headers; text wraps down to 14 characters or its longest word.
struct Measure {
    /// The cells' width, headers aside.
    body: Vec<usize>,
    /// The width with headers and cells unwrapped (headers wrap at spaces).
    natural: Vec<usize>,
    /// The width when text wraps and headers wrap at spaces.
    wrapped: Vec<usize>,
    /// The longest header, in twips.
    longest_header: Vec<usize>,
}

fn measure(t: &Table) -> Measure {
    let cw = char_width(font_size(t));
    let kinds = column_kinds(t);
    let level_col = t.levels.as_ref().map(|(c, _)| *c);
    let pad = 2 * CELL_PAD;
    let head = |chars: usize| chars * cw * 11 / 10 + pad;
    let mut m = Measure {
        body: Vec::new(),
        natural: Vec::new(),
        wrapped: Vec::new(),
        longest_header: Vec::new(),
    };
    for (c, name) in t.columns.iter().enumerate() {
        let word = name
            .split_whitespace()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0);
        let cells = t.rows.iter().enumerate().map(|(i, r)| {
            let n = r.get(c).map(|v| cell_text(v).chars().count()).unwrap_or(0);
            let indent = match level_col {
                Some(l) if l == c => t.level(i).saturating_sub(1) * LEVEL_INDENT,
                _ => 0,
            };
            n.min(60) * cw + indent
        });
        // Half a character to spare: the widths are estimates.
        let body = cells.fold(2 * cw, usize::max) + cw / 2 + pad;
        let natural = head(word).max(body);
        m.wrapped.push(if kinds[c] == 't' {
            natural.min((14 * cw + pad).max(longest_word(t, c) + cw / 2 + pad))
        } else {
            natural
        });
        m.body.push(body);
        m.natural.push(natural);
        m.longest_header.push(head(name.chars().count()));
    }
    m
}

/// The longest word in a text column, with its theme's indent, in twips.
fn longest_word(t: &Table, c: usize) -> usize {
    let cw = char_width(font_size(t));
    let level_col = t.levels.as_ref().map(|(l, _)| *l);
    t.rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let word = r
                .get(c)
                .map(cell_text)
                .unwrap_or_default()
                .split_whitespace()
                .map(|w| w.chars().count().min(30))
                .max()
                .unwrap_or(0);
            let indent = match level_col {
                Some(l) if l == c => t.level(i).saturating_sub(1) * LEVEL_INDENT,
                _ => 0,
            };
            word * cw + indent
        })
        .max()
        .unwrap_or(0)
}

/// Lay a table out, in this order of preference: on a portrait page (text wrapping if need
/// be); on a portrait page with the headers of number columns upright (read from the bottom
/// up); on a landscape page; on a landscape page with upright headers, the columns shrunk
/// alike if even that is too narrow.
fn plan(t: &Table) -> Plan {
    let m = measure(t);
    let n = t.columns.len();
    let kinds = column_kinds(t);
    let turnable: Vec<bool> = (0..n)
        .map(|c| kinds[c] != 't' && m.natural[c] > m.body[c])
        .collect();
    let upright_min: Vec<usize> = (0..n)
        .map(|c| if turnable[c] { m.body[c] } else { m.wrapped[c] })
        .collect();
    let upright_max: Vec<usize> = (0..n)
        .map(|c| if turnable[c] { m.body[c] } else { m.natural[c] })
        .collect();
    let flat = |landscape| Plan {
        landscape,
        widths: share(&m.wrapped, &m.natural, text_width(landscape)),
        upright: vec![false; n],
        header_height: None,
    };
    let upright = |landscape| Plan {
        landscape,
        widths: share(&upright_min, &upright_max, text_width(landscape)),
        upright: turnable.clone(),
        header_height: (0..n)
            .filter(|&c| turnable[c])
            .map(|c| m.longest_header[c].min(2000))
            .max(),
    };
    let fits = |widths: &[usize], landscape| widths.iter().sum::<usize>() <= text_width(landscape);
    if fits(&m.wrapped, false) {
        flat(false)
    } else if fits(&upright_min, false) {
        upright(false)
    } else if fits(&m.wrapped, true) {
        flat(true)
    } else {
        upright(true)
    }
}

/// Widths between `min` and `max` that fill at most `avail`: what is left above the
/// minimums goes to each column in proportion to what it would take; if the minimums
/// alone are too wide, they shrink alike.
fn share(min: &[usize], max: &[usize], avail: usize) -> Vec<usize> {
    let fixed: usize = min.iter().sum();
    if fixed >= avail {
        return min.iter().map(|w| w * avail / fixed.max(1)).collect();
    }
    let want: usize = max.iter().zip(min).map(|(a, b)| a.saturating_sub(*b)).sum();
    let spare = (avail - fixed).min(want);
    max.iter()
        .zip(min)
        .map(|(a, b)| b + a.saturating_sub(*b) * spare / want.max(1))
        .collect()
}

/// Whether a table needs a landscape page to show its columns.
fn needs_landscape(t: &Table) -> bool {
    plan(t).landscape
}

fn word_table(t: &Table) -> WTable {
    let plan = plan(t);
    let widths = plan.widths;
    let size = font_size(t);
    let kinds = column_kinds(t);
    let mut header = TableRow::new(
        t.columns
            .iter()
            .enumerate()
            .map(|(c, name)| header_cell(name, widths[c], size, kinds[c], plan.upright[c]))
            .collect(),
    )
    .cant_split();
    if let Some(h) = plan.header_height {
        header = header.row_height(h as f32).height_rule(HeightRule::AtLeast);
    }
    let mut rows = vec![header];
    let max = shade_max(t);
    for (i, row) in t.rows.iter().enumerate() {
        // A short row is filled out with empty cells, to keep the columns in line.
        let cells = (0..t.columns.len())
            .map(|c| {
                let v = row.get(c).unwrap_or(&Value::Null);
                let look = CellLook {
                    width: widths[c],
                    size,
                    kind: kinds[c],
                    band: i % 2 == 1,
                    indent: match &t.levels {
                        Some((col, _)) if *col == c => t.level(i).saturating_sub(1) * LEVEL_INDENT,
                        _ => 0,
                    },
                    shade: (t.shade && v.is_number())
                        .then(|| crate::report::html::shade(v.as_f64().unwrap_or(0.0), max)),
                };
                body_cell(v, &look)
            })
            .collect();
        rows.push(TableRow::new(cells).cant_split());
    }
    let rule = |p| {
        TableBorder::new(p)
            .border_type(BorderType::Single)
            .size(4)
            .color(RULE)
    };
    WTable::new(rows)
        .set_grid(widths.clone())
        .width(widths.iter().sum(), WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .margins(TableCellMargins::new().margin(20, CELL_PAD, 20, CELL_PAD))
        .set_borders(
            TableBorders::with_empty()
                .set(rule(TableBorderPosition::InsideH))
                .set(rule(TableBorderPosition::Bottom)),
        )
}

/// The largest number in a shaded table (the deep end of the heat map).
fn shade_max(t: &Table) -> f64 {
    if !t.shade {
        return 0.0;
    }
    t.rows
        .iter()
        .flat_map(|r| r.iter().filter_map(Value::as_f64))
        .fold(0.0, f64::max)
}

/// A header cell: bold, over a dark rule, aligned as its column; upright (read from the
/// bottom up) when the column is too narrow for it.
fn header_cell(text: &str, width: usize, size: usize, kind: char, upright: bool) -> TableCell {
    let mut p = cell_para();
    let mut cell = TableCell::new().width(width, WidthType::Dxa);
    if upright {
        cell = cell
            .text_direction(TextDirectionType::BtLr)
            .vertical_align(VAlignType::Center);
    } else {
        cell = cell.vertical_align(VAlignType::Bottom);
        match kind {
            'n' => p = p.align(AlignmentType::Right),
            'c' => p = p.align(AlignmentType::Center),
            _ => {}
        }
    }
    cell.set_borders(
        TableCellBorders::with_empty().set(
            TableCellBorder::new(TableCellBorderPosition::Bottom)
                .border_type(BorderType::Single)
                .size(12)
                .color(INK),
        ),
    )
    .add_paragraph(p.add_run(run(text).bold().size(size)))
}

/// How a body cell looks: its width, text size, column kind ('n', 'c' or 't'), banding,
/// indent (twips) and heat-map colours.
struct CellLook {
    width: usize,
    size: usize,
    kind: char,
    band: bool,
    indent: usize,
    shade: Option<(String, &'static str)>,
}

fn body_cell(v: &Value, look: &CellLook) -> TableCell {
    let mut r = run(&cell_text(v)).size(look.size);
    let mut p = cell_para();
    if look.indent > 0 {
        p = p.indent(Some(look.indent as i32), None, None, None);
    }
    let align = match look.kind {
        'n' => Some(AlignmentType::Right),
        'c' => Some(AlignmentType::Center),
        _ if look.shade.is_some() => Some(AlignmentType::Right),
        _ => None,
    };
    if let Some(a) = align {
        p = p.align(a);
    }
    let mut cell = TableCell::new().width(look.width, WidthType::Dxa);
    if let Some((bg, fg)) = &look.shade {
        r = r.color(hex(fg));
        cell = cell.shading(Shading::new().fill(hex(bg)));
    } else if look.band {
        cell = cell.shading(Shading::new().fill(BAND));
    }
    cell.add_paragraph(p.add_run(r))
}

/// A paragraph inside a table cell: no space around it.
fn cell_para() -> Paragraph {
    Paragraph::new().line_spacing(spacing(0, 0).line(240).line_rule(LineSpacingType::Auto))
}

/// "#2166ac" or "#fff" as Word writes colours: "2166AC", "FFFFFF".
fn hex(css: &str) -> String {
    let h = css.trim_start_matches('#');
    if h.len() == 3 {
        h.chars()
            .flat_map(|c| [c, c])
            .collect::<String>()
            .to_uppercase()
    } else {
        h.to_uppercase()
    }
}

/// Mark the first row of every table as a header row that repeats on each page
/// (`<w:tblHeader/>`), which docx-rs cannot set.
fn repeat_header_rows(document: &[u8]) -> Result<Vec<u8>> {
    let err =
        |e: &dyn std::fmt::Display| Error::user(format!("cannot write the Word document: {e}"));
    let mut reader = quick_xml::Reader::from_reader(document);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(document.len() + 256));
    let mut buf = Vec::new();
    let mut pending = false;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| err(&e))?;
        match event {
            Event::Eof => break,
            Event::Start(ref s) if s.name().as_ref() == b"w:tbl" => pending = true,
            Event::Empty(ref s) if pending && s.name().as_ref() == b"w:trPr" => {
                pending = false;
                let name = String::from_utf8_lossy(s.name().as_ref()).into_owned();
                writer
                    .write_event(Event::Start(s.to_owned()))
                    .map_err(|e| err(&e))?;
                writer
                    .write_event(Event::Empty(BytesStart::new("w:tblHeader")))
                    .map_err(|e| err(&e))?;
                writer
                    .write_event(Event::End(BytesEnd::new(name)))
                    .map_err(|e| err(&e))?;
                buf.clear();
                continue;
            }
            Event::End(ref e) if pending && e.name().as_ref() == b"w:trPr" => {
                pending = false;
                writer
                    .write_event(Event::Empty(BytesStart::new("w:tblHeader")))
                    .map_err(|e| err(&e))?;
            }
            _ => {}
        }
        writer.write_event(event).map_err(|e| err(&e))?;
        buf.clear();
    }
    Ok(writer.into_inner())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Read;

    use serde_json::json;

    use super::*;

    /// A report as tana writes one: headings, text, an outline, a frequency table of 17
    /// transcripts with indented themes, a shaded matrix, and a figure with its numbers.
    pub(crate) fn sample() -> Doc {
        let mut doc = Doc::new("Study of care at home");
        doc.subtitle = Some("Project demo — 17 transcripts".into());
        doc.heading(1, "Themes");
        doc.para("How often each theme was coded, per transcript.");
        let names: Vec<String> = (1..=17).map(|i| format!("P{i:02}")).collect();
        let mut freq = Table::new(
            ["number", "theme"]
                .into_iter()
                .map(String::from)
                .chain(names.iter().cloned())
                .chain(["participants".into(), "percent".into()]),
        )
        .with_caption("Codings per transcript");
        let themes = [
            (1, "1", "Coping with illness"),
            (2, "1.1", "Routines"),
            (3, "1.1.1", "Morning medication"),
            (2, "1.2", "Asking for help"),
            (1, "2", "Relationships with carers"),
        ];
        for (k, (level, number, name)) in themes.iter().enumerate() {
            let mut row = vec![json!(number), json!(name)];
            row.extend((0..17).map(|i| json!((i * (k + 2)) % 7)));
            row.extend([json!("15/17"), json!("88%")]);
            freq.push_at_level(1, *level, row);
        }
        freq.notes
            .push("Cells: codings. N = 17 transcripts.".into());
        doc.table(freq);
        doc.heading(2, "Co-occurrence");
        let mut m = Table::new(["theme", "Routines", "Help", "Carers"]);
        m.caption = Some("Transcripts where both themes occur".into());
        m.shade = true;
        m.push(vec![json!("Routines"), json!(12), json!(5), Value::Null]);
        m.push(vec![json!("Help"), json!(5), json!(9), json!(2)]);
        m.push(vec![json!("Carers"), Value::Null, json!(2), json!(3)]);
        doc.table(m);
        doc.note("Shading: darker cells count more transcripts.");
        doc.blocks.push(Block::PageBreak);
        doc.heading(1, "Template");
        doc.blocks.push(Block::Outline(vec![
            (1, "1 Coping with illness".into()),
            (2, "1.1 Routines".into()),
            (3, "1.1.1 Morning medication".into()),
        ]));
        let mut fig = Table::new(["theme", "transcripts"]);
        fig.push(vec![json!("Routines"), json!(15)]);
        doc.blocks.push(Block::Figure {
            caption: "Figure 1: transcripts per theme".into(),
            svg: "<svg></svg>".into(),
            table: Some(fig),
        });
        doc
    }

    /// A table over several pages, with long transcript and theme names.
    fn long(transcripts: usize) -> Doc {
        let names: Vec<String> = (1..=transcripts)
            .map(|i| format!("interview_{i:02}_site_b"))
            .collect();
        let mut t = Table::new(
            ["number", "theme"]
                .into_iter()
                .map(String::from)
                .chain(names)
                .chain(["participants".into(), "percent".into()]),
        )
        .with_caption("Codings per transcript, every theme");
        for k in 0..60 {
            let level = 1 + k % 3;
            let mut row = vec![
                json!(format!("{}.{}", k / 3 + 1, k % 3)),
                json!(format!("A theme with a rather long name, number {k}")),
            ];
            row.extend((0..transcripts).map(|i| json!((i * (k + 2)) % 13)));
            row.extend([json!("15/17"), json!("88%")]);
            t.push_at_level(1, level, row);
        }
        Doc::of_table("Frequencies", t)
    }

    fn docx_bytes(doc: &Doc) -> Vec<u8> {
        let mut out = Vec::new();
        write(doc, &mut out).unwrap();
        out
    }

    /// The text of one part of a zip (a .docx or .xlsx).
    pub(crate) fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    /// Every element of a part, to check it is well-formed XML.
    fn well_formed(xml: &str) {
        let mut reader = quick_xml::Reader::from_str(xml);
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed XML: {e}"),
            }
        }
    }

    #[test]
    fn word_tables_have_their_header_and_numbers() {
        let doc = sample();
        let bytes = docx_bytes(&doc);
        let xml = part(&bytes, "word/document.xml");
        well_formed(&xml);
        assert_eq!(xml.matches("<w:tbl>").count(), doc.tables().count());
        // Each table's first row repeats on every page, and only that row.
        assert_eq!(xml.matches("<w:tblHeader").count(), doc.tables().count());
        let header = xml.find("<w:tblHeader").unwrap();
        assert!(xml[header..].find(">participants<").is_some());
        assert!(xml.contains(">P17<"), "a transcript's column");
        assert!(xml.contains(">Morning medication<"));
        assert!(xml.contains(">15/17<") && xml.contains(">88%<"));
        // Numbers sit to the right; the caption and notes are there.
        assert!(xml.contains(r#"<w:jc w:val="right""#));
        assert!(xml.contains(">Codings per transcript<"));
        assert!(xml.contains(">Cells: codings. N = 17 transcripts.<"));
        // The figure's numbers come as a table; its SVG does not.
        assert!(xml.contains(">Figure 1: transcripts per theme<"));
        assert!(!xml.contains("<svg"));
    }

    #[test]
    fn headings_use_word_heading_styles_with_outline_levels() {
        let bytes = docx_bytes(&sample());
        let xml = part(&bytes, "word/document.xml");
        assert!(xml.contains(r#"<w:pStyle w:val="Heading1" />"#));
        assert!(xml.contains(r#"<w:pStyle w:val="Heading2" />"#));
        assert!(xml.contains(r#"<w:pStyle w:val="Title" />"#));
        // The subtitle's text is grey.
        let sub = xml.find(">Project demo — 17 transcripts<").unwrap();
        let run = &xml[xml[..sub].rfind("<w:r>").unwrap()..sub];
        assert!(
            run.contains(&format!(r#"<w:color w:val="{MUTED}" />"#)),
            "{run}"
        );
        let styles = part(&bytes, "word/styles.xml");
        well_formed(&styles);
        for level in 1..=3 {
            let at = styles
                .find(&format!(r#"w:styleId="Heading{level}""#))
                .unwrap_or_else(|| panic!("no Heading{level} style"));
            let style = &styles[at..at + styles[at..].find("</w:style>").unwrap()];
            assert!(style.contains(&format!(r#"<w:name w:val="Heading {level}" />"#)));
            assert!(style.contains(&format!(r#"<w:outlineLvl w:val="{}" />"#, level - 1)));
        }
    }

    #[test]
    fn many_transcripts_turn_the_headers_upright_then_the_page() {
        // 17 long transcript names: portrait A4, the number columns' headers upright, 8 pt.
        let xml = part(&docx_bytes(&long(17)), "word/document.xml");
        assert!(!xml.contains("landscape"));
        let upright = xml.matches(r#"<w:textDirection w:val="btLr" />"#).count();
        assert_eq!(
            upright, 19,
            "transcripts, participants, percent; not the theme or its number"
        );
        assert!(
            xml.contains(r#"<w:sz w:val="16" />"#),
            "8 pt in a wide table"
        );
        // 40 transcripts: a landscape section, then portrait again for what follows.
        let mut doc = long(40);
        doc.blocks.push(Block::Para("After the table.".into()));
        let xml = part(&docx_bytes(&doc), "word/document.xml");
        assert_eq!(xml.matches(r#"w:orient="landscape""#).count(), 1);
        assert!(xml.contains(r#"<w:pgSz w:w="16838" w:h="11906" w:orient="landscape" />"#));
        assert!(xml.contains(r#"<w:pgSz w:w="11906" w:h="16838" />"#));
        // The sample's short names stand upright too; a narrow table is left as it is.
        let mut t = Table::new(["theme", "n"]);
        t.push(vec![json!("Routines"), json!(3)]);
        let xml = part(&docx_bytes(&Doc::of_table("One", t)), "word/document.xml");
        assert!(!xml.contains("landscape") && !xml.contains("btLr"));
        assert!(
            xml.contains(r#"<w:sz w:val="18" />"#),
            "9 pt in a narrow table"
        );
    }

    #[test]
    fn columns_fit_between_the_margins() {
        for doc in [sample(), long(17), long(40), long(90)] {
            for t in doc.tables() {
                let p = plan(t);
                let total: usize = p.widths.iter().sum();
                assert!(total <= text_width(p.landscape), "{total} twips");
                assert!(p.widths.iter().all(|&w| w >= 2 * CELL_PAD));
            }
        }
    }

    #[test]
    fn shaded_cells_run_from_white_to_deep_blue_and_themes_are_indented() {
        let xml = part(&docx_bytes(&sample()), "word/document.xml");
        // The largest count (12) is deep blue with white text; 2 is pale.
        assert!(xml.contains(r#"w:fill="2166AC""#));
        assert!(xml.contains(r#"<w:color w:val="FFFFFF" />"#));
        let (pale, _) = crate::report::html::shade(2.0, 12.0);
        assert!(xml.contains(&format!(r#"w:fill="{}""#, hex(&pale))));
        // Level 3 is indented two steps, level 2 one.
        assert!(xml.contains(&format!(r#"w:left="{}""#, 2 * LEVEL_INDENT)));
        assert!(xml.contains(&format!(r#"w:left="{LEVEL_INDENT}""#)));
    }

    #[test]
    fn control_characters_do_not_break_the_document() {
        let mut t = Table::new(["theme"]);
        t.push(vec![json!("old\u{1b}[1mname")]);
        let mut doc = Doc::of_table("T\u{7}itle", t);
        doc.para("two\nlines & <more>");
        doc.table(Table::new(Vec::<String>::new()).with_caption("No columns"));
        let xml = part(&docx_bytes(&doc), "word/document.xml");
        well_formed(&xml);
        assert!(xml.contains(">old[1mname<"));
        assert!(xml.contains(">Title<"));
        assert!(xml.contains(r#"<w:br w:type="textWrapping" />"#));
        assert!(xml.contains(">lines &amp; &lt;more&gt;<"));
        assert!(xml.contains(">No columns<"));
        assert_eq!(xml.matches("<w:tbl>").count(), 1);
    }

    #[test]
    fn an_empty_document_is_still_a_document() {
        let bytes = docx_bytes(&Doc::default());
        well_formed(&part(&bytes, "word/document.xml"));
    }

    /// Writes the sample to $TANA_SAMPLE_DOCX, to look at: `TANA_SAMPLE_DOCX=/tmp/s.docx
    /// cargo test --lib report::docx -- --ignored`, then `scripts/render_docx.sh`.
    #[test]
    #[ignore]
    fn write_the_sample_to_look_at() {
        if let Ok(path) = std::env::var("TANA_SAMPLE_DOCX") {
            std::fs::write(&path, docx_bytes(&sample())).unwrap();
            std::fs::write(format!("{path}.long.docx"), docx_bytes(&long(17))).unwrap();
            std::fs::write(format!("{path}.wide.docx"), docx_bytes(&long(40))).unwrap();
        }
        if let Ok(path) = std::env::var("TANA_SAMPLE_XLSX") {
            let mut out = Vec::new();
            crate::report::xlsx::write(&sample(), &mut out).unwrap();
            std::fs::write(&path, out).unwrap();
        }
    }
}
