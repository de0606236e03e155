//! `tana freq`: the theme × transcript table, with roll-up to parent themes.

use std::io::Write;

use serde_json::Value;

use crate::analysis::freq::{by_attribute, freq, FreqOptions, FreqTable, Measure};
use crate::cli::{Ctx, OutputArgs, WhereArgs};
use crate::error::Result;
use crate::output::{one_decimal, Cell, Format, Looks, Stream, Table};
use crate::report::Doc;
use crate::template::Template;

/// Print the theme × transcript table: presence, segments, codings, words or coverage
///
/// Rows are themes in template order; a parent counts the union of its own and all its
/// sub-themes' codings, never a span twice. The last columns give the participants with the
/// theme (n of N) and their percentage. With --by, columns are groups of participants.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana freq\n  tana freq --where role=manager --depth 1\n  tana freq --measure segments --format csv > segments.csv\n  tana freq --by role\n  tana freq --transcripts P01,P02,P03"
)]
pub struct FreqArgs {
    /// What each cell counts
    #[arg(long, value_enum, default_value = "presence")]
    pub measure: Measure,
    /// Show themes down to this level (1 = top-level themes only)
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Count participants with each theme per group of this attribute (e.g. role)
    #[arg(long, value_name = "ATTR")]
    pub by: Option<String>,
    /// Only these transcripts (comma-separated or repeated)
    #[arg(long, value_name = "NAMES")]
    pub transcripts: Vec<String>,
    #[command(flatten)]
    pub filter: WhereArgs,
    /// Leave out codings made by autocode
    #[arg(long)]
    pub no_autocoded: bool,
    /// One group of columns per coder (cells count that coder's codings only)
    #[arg(long, conflicts_with = "by")]
    pub by_coder: bool,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::OFFICE))]
    pub format: Format,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub fn run(ctx: &mut Ctx, args: &FreqArgs) -> Result<()> {
    let format = args.out.format(args.format);
    let coder = ctx.report_coder()?;
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    let only = args.filter.transcripts(conn, &args.transcripts)?;
    let opts = FreqOptions {
        measure: if args.by.is_some() {
            Measure::Presence
        } else {
            args.measure
        },
        depth: args.depth,
        transcripts: only,
        coder,
        no_autocoded: args.no_autocoded,
    };
    let table = freq(conn, &template, &opts)?;
    if args.by_coder {
        return by_coder(ctx, &template, &opts, table, format, &args.out);
    }
    if let Some(attr) = &args.by {
        if args.measure != Measure::Presence {
            ctx.warn("--by counts participants with each theme; --measure is ignored");
        }
        let by = by_attribute(ctx.conn()?, &table, attr)?;
        let mut out = Table::new(
            ["number", "theme"]
                .iter()
                .map(|s| s.to_string())
                .chain(by.groups.iter().map(|(g, n)| format!("{g} (n={n})")))
                .chain(["participants".to_string(), "percent".to_string()]),
        );
        for (theme, counts, total) in &by.rows {
            let mut row: Vec<Value> = vec![theme.number.clone().into(), theme_cell(theme, format)];
            row.extend(counts.iter().map(|&c| Value::from(c)));
            row.extend(summary(*total, by.total, format));
            out.push_at_level(1, theme.level(), row);
        }
        out.notes.push(format!(
            "Cells count participants with the theme or any of its sub-themes in each group of \"{}\"; N = {}. {CAUTION}",
            by.attribute, by.total
        ));
        let title = format!("Participants with each theme by {}", by.attribute);
        return ctx.emit(&Doc::of_table(title, out), format, &args.out);
    }
    let note = format!(
        "Cells: {} — {}. N = {} transcripts. {CAUTION}",
        table.measure.as_str(),
        table.measure.explain(),
        table.transcripts.len()
    );
    if !format.is_document() {
        // Written as it is made: 20,000 themes × 2,000 transcripts is 40 million cells.
        return ctx.emit_with(&args.out, |out| {
            stream(&table, format, out)?;
            match format {
                Format::Table => writeln!(out, "{note}")?,
                Format::Md => writeln!(out, "\n{note}")?,
                _ => {}
            }
            Ok(())
        });
    }
    let mut out = to_table(&table, format);
    out.notes.push(note);
    let title = format!("Themes × transcripts ({})", table.measure.as_str());
    ctx.emit(&Doc::of_table(title, out), format, &args.out)
}

/// `--by-coder`: the transcript columns and participants once per coder who coded, then the
/// participants of all coders together.
fn by_coder(
    ctx: &mut Ctx,
    template: &Template,
    opts: &FreqOptions,
    all: FreqTable,
    format: Format,
    to: &OutputArgs,
) -> Result<()> {
    let conn = ctx.conn()?;
    let coders = coders_with_codings(conn, opts.coder)?;
    let mut tables = Vec::new();
    for (id, name) in &coders {
        let t = freq(
            conn,
            template,
            &FreqOptions {
                coder: Some(*id),
                ..opts.clone()
            },
        )?;
        tables.push((name.clone(), t));
    }
    let mut headers = vec!["number".to_string(), "theme".to_string()];
    for (name, _) in &tables {
        headers.extend(
            all.transcripts
                .iter()
                .map(|t| format!("{name}: {}", t.name)),
        );
        headers.push(format!("{name}: participants"));
    }
    headers.extend(["participants".to_string(), "percent".to_string()]);
    let mut out = Table::new(headers);
    let text_format = format.for_reading();
    for (i, row) in all.rows.iter().enumerate() {
        let mut cells: Vec<Value> = vec![
            row.theme.number.clone().into(),
            theme_cell(&row.theme, format),
        ];
        for (_, t) in &tables {
            let r = &t.rows[i];
            for v in r.dense(t.transcripts.len()) {
                cells.push(match t.measure {
                    Measure::Presence if text_format => if v > 0.0 { "✓" } else { "" }.into(),
                    Measure::Coverage => one_decimal(v),
                    _ => Value::from(v as u64),
                });
            }
            cells.push(if text_format {
                format!("{}/{}", r.participants, t.transcripts.len()).into()
            } else {
                r.participants.into()
            });
        }
        cells.extend(summary(row.participants, all.transcripts.len(), format));
        out.push_at_level(1, row.theme.level(), cells);
    }
    out.notes.push(format!(
        "Cells: {} — {}, per coder. The last columns count the union of all coders' codings (text two coders coded counts once). N = {} transcripts. {CAUTION}",
        all.measure.as_str(),
        all.measure.explain(),
        all.transcripts.len()
    ));
    let title = format!("Themes × transcripts by coder ({})", all.measure.as_str());
    ctx.emit(&Doc::of_table(title, out), format, to)
}

/// Coders with at least one coding (only `only`, when given), by name.
pub fn coders_with_codings(
    conn: &rusqlite::Connection,
    only: Option<i64>,
) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare(
        "SELECT c.id, c.name FROM coder c
         WHERE EXISTS (SELECT 1 FROM coding x WHERE x.coder_id = c.id)
           AND (?1 IS NULL OR c.id = ?1)
         ORDER BY c.name",
    )?;
    let rows = stmt
        .query_map([only], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

const CAUTION: &str = "Frequency is not importance (King): read counts beside the quotes.";

fn theme_cell(theme: &crate::model::Theme, format: Format) -> Value {
    match format {
        Format::Table => format!("{}{}", "  ".repeat(theme.level() - 1), theme.name).into(),
        _ => theme.name.clone().into(),
    }
}

fn summary(n: usize, total: usize, format: Format) -> [Value; 2] {
    let pct = if total == 0 {
        0.0
    } else {
        n as f64 * 100.0 / total as f64
    };
    if format.for_reading() {
        [format!("{n}/{total}").into(), format!("{pct:.0}%").into()]
    } else {
        [n.into(), one_decimal(pct)]
    }
}

/// A transcript column's cell for value `v`, as [`to_table`] shows it.
fn value_cell(measure: Measure, text_format: bool, v: f64) -> Cell<'static> {
    match measure {
        Measure::Presence if text_format => Cell::Text(if v > 0.0 { "✓" } else { "" }),
        Measure::Coverage => Cell::Dec((v * 10.0).round() / 10.0),
        _ => Cell::Int(v as u64),
    }
}

/// The participants and percent cells, as [`summary`] shows them.
fn summary_cells(n: usize, total: usize, format: Format) -> [Cell<'static>; 2] {
    let pct = if total == 0 {
        0.0
    } else {
        n as f64 * 100.0 / total as f64
    };
    if format.for_reading() {
        [
            Cell::Owned(format!("{n}/{total}")),
            Cell::Owned(format!("{pct:.0}%")),
        ]
    } else {
        [Cell::Int(n as u64), Cell::Dec((pct * 10.0).round() / 10.0)]
    }
}

fn theme_text(theme: &crate::model::Theme, format: Format) -> Cell<'_> {
    match format {
        Format::Table => Cell::Owned(format!("{}{}", "  ".repeat(theme.level() - 1), theme.name)),
        _ => Cell::Text(&theme.name),
    }
}

/// Write the table in a text format row by row, from the sparse rows: the same bytes as
/// [`to_table`] then [`Table::write`], without a cell per theme and transcript in memory.
pub fn stream(table: &FreqTable, format: Format, out: &mut dyn Write) -> Result<()> {
    let n = table.transcripts.len();
    let columns: Vec<String> = ["number", "theme"]
        .iter()
        .map(|s| s.to_string())
        .chain(table.transcripts.iter().map(|t| t.name.clone()))
        .chain(["participants".to_string(), "percent".to_string()])
        .collect();
    let text_format = format.for_reading();
    let value = |v: f64| value_cell(table.measure, text_format, v);
    let mut looks = Looks::new(&columns);
    if matches!(format, Format::Table | Format::Md) {
        // Every distinct cell once: the rows' own cells, each coded cell, and a column's
        // zero where some theme is not coded in it.
        let mut coded = vec![0usize; n];
        for row in &table.rows {
            looks.observe(0, &Cell::Text(&row.theme.number));
            looks.observe(1, &theme_text(&row.theme, format));
            for &(c, v) in &row.cells {
                looks.observe(2 + c, &value(v));
                coded[c] += 1;
            }
            let [p, q] = summary_cells(row.participants, n, format);
            looks.observe(2 + n, &p);
            looks.observe(3 + n, &q);
        }
        for (c, &k) in coded.iter().enumerate() {
            if k < table.rows.len() {
                looks.observe(2 + c, &value(0.0));
            }
        }
    }
    let mut s = Stream::new(out, format, &columns, looks)?;
    let zero = value(0.0);
    let mut cells: Vec<Cell> = Vec::with_capacity(n + 4);
    for row in &table.rows {
        cells.clear();
        cells.push(Cell::Text(&row.theme.number));
        cells.push(theme_text(&row.theme, format));
        let mut coded = row.cells.iter().peekable();
        for c in 0..n {
            match coded.next_if(|&&(col, _)| col == c) {
                Some(&(_, v)) => cells.push(value(v)),
                None => cells.push(zero.clone()),
            }
        }
        cells.extend(summary_cells(row.participants, n, format));
        s.row(&cells)?;
    }
    s.finish()
}

/// Build the output table from the computed frequencies.
pub fn to_table(table: &FreqTable, format: Format) -> Table {
    let mut out = Table::new(
        ["number", "theme"]
            .iter()
            .map(|s| s.to_string())
            .chain(table.transcripts.iter().map(|t| t.name.clone()))
            .chain(["participants".to_string(), "percent".to_string()]),
    );
    let text_format = format.for_reading();
    for row in &table.rows {
        let mut cells: Vec<Value> = vec![
            row.theme.number.clone().into(),
            theme_cell(&row.theme, format),
        ];
        for v in row.dense(table.transcripts.len()) {
            cells.push(match table.measure {
                Measure::Presence if text_format => if v > 0.0 { "✓" } else { "" }.into(),
                Measure::Coverage => one_decimal(v),
                _ => Value::from(v as u64),
            });
        }
        cells.extend(summary(row.participants, table.transcripts.len(), format));
        out.push_at_level(1, row.theme.level(), cells);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::freq::{FreqRow, TranscriptInfo};
    use crate::model::{Origin, Theme, ThemeKind};
    use proptest::prelude::*;

    fn theme(i: usize, name: &str, level: usize) -> Theme {
        Theme {
            id: i as i64,
            parent_id: None,
            position: i as i64,
            name: name.to_string(),
            kind: ThemeKind::Hierarchical,
            origin: Origin::Emergent,
            fields: Default::default(),
            number: format!("{}.{i}", level),
            path: vec![name.to_string(); level],
        }
    }

    fn written(table: &FreqTable, format: Format) -> (String, String) {
        let mut dense = Vec::new();
        to_table(table, format).write(&mut dense, format).unwrap();
        let mut streamed = Vec::new();
        stream(table, format, &mut streamed).unwrap();
        (
            String::from_utf8(dense).unwrap(),
            String::from_utf8(streamed).unwrap(),
        )
    }

    proptest! {
        /// The row-by-row writer gives the bytes the in-memory table gives, in every text
        /// format: names with commas, quotes, pipes, wide characters; sparse and empty rows.
        #[test]
        fn streamed_freq_is_the_table_byte_for_byte(
            names in proptest::collection::vec("[a-zé|,\" 🌱漢]{1,8}", 0..6),
            transcripts in proptest::collection::vec("[A-Z0-9,|]{1,5}", 0..5),
            values in proptest::collection::vec(0u32..1500, 0..30),
            measure in prop_oneof![
                Just(Measure::Presence), Just(Measure::Segments), Just(Measure::Codings),
                Just(Measure::Words), Just(Measure::Coverage)
            ],
        ) {
            let n = transcripts.len();
            let mut values = values.into_iter().cycle();
            let rows: Vec<FreqRow> = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let cells: Vec<(usize, f64)> = (0..n)
                        .filter_map(|c| {
                            let v = values.next().unwrap_or(0);
                            let v = match measure {
                                Measure::Presence => f64::from(v % 2),
                                Measure::Coverage => f64::from(v) / 13.0,
                                _ => f64::from(v % 7) * f64::from(v),
                            };
                            (v > 0.0).then_some((c, v))
                        })
                        .collect();
                    FreqRow {
                        theme: theme(i, name, 1 + i % 3),
                        participants: cells.len(),
                        cells,
                    }
                })
                .collect();
            let table = FreqTable {
                measure,
                transcripts: transcripts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| TranscriptInfo { id: i as i64, name: format!("{t}{i}"), words: 100 })
                    .collect(),
                rows,
            };
            for format in [Format::Table, Format::Csv, Format::Json, Format::Md] {
                let (dense, streamed) = written(&table, format);
                prop_assert_eq!(dense, streamed, "{:?}", format);
            }
        }
    }
}
