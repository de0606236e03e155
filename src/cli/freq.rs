//! `tana freq`: the theme × transcript table, with roll-up to parent themes.

use serde_json::Value;

use crate::analysis::freq::{by_attribute, freq, FreqOptions, FreqTable, Measure};
use crate::cli::{Ctx, OutputArgs, WhereArgs};
use crate::error::Result;
use crate::output::{one_decimal, Format, Table};
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
    let mut out = to_table(&table, format);
    out.notes.push(format!(
        "Cells: {} — {}. N = {} transcripts. {CAUTION}",
        table.measure.as_str(),
        table.measure.explain(),
        table.transcripts.len()
    ));
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
            for &v in &r.cells {
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
        for &v in &row.cells {
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
