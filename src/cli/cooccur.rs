//! `tana cooccur`: the theme × theme co-occurrence matrix.

use serde_json::Value;

use crate::analysis::cooccur::{cooccur, Measure, Options, Unit};
use crate::cli::{Ctx, OutputArgs, WhereArgs};
use crate::error::Result;
use crate::output::{Format, Table};
use crate::report::Doc;
use crate::template::Template;

/// Print the theme × theme co-occurrence matrix
///
/// A cell counts the units (segments by default) coded with both themes; a parent counts as
/// coded wherever it or a sub-theme is, as in "tana freq". The diagonal counts the units coded
/// with the theme. --measure jaccard (or c, ATLAS.ti's c-coefficient) divides by the units
/// coded with either theme. --pair A B lists the passages where two themes meet.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana cooccur --depth 1\n  tana cooccur --unit sentence --measure jaccard --format csv\n  tana cooccur --pair 1.1 4.2\n  tana cooccur --where role=manager --depth 2"
)]
pub struct CooccurArgs {
    /// The unit two themes must share
    #[arg(long, value_enum, default_value = "segment")]
    pub unit: Unit,
    /// What each cell shows
    #[arg(long, value_enum, default_value = "count")]
    pub measure: Measure,
    /// Themes down to this level (1 = top-level themes only)
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// List the passages where these two themes meet
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    pub pair: Vec<String>,
    #[command(flatten)]
    pub filter: WhereArgs,
    /// Only these transcripts (comma-separated or repeated)
    #[arg(long, value_name = "NAMES")]
    pub transcripts: Vec<String>,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::OFFICE))]
    pub format: Format,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub fn run(ctx: &mut Ctx, args: &CooccurArgs) -> Result<()> {
    let format = args.out.format(args.format);
    let coder = ctx.report_coder()?;
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    let only = args.filter.transcripts(conn, &args.transcripts)?;
    let pair = match args.pair.as_slice() {
        [a, b] => Some((template.resolve(a)?.clone(), template.resolve(b)?.clone())),
        _ => None,
    };
    let opts = Options {
        unit: args.unit,
        depth: if pair.is_some() { None } else { args.depth },
        transcripts: only,
        coder,
    };
    let (m, meetings) = cooccur(
        conn,
        &template,
        &opts,
        pair.as_ref().map(|(a, b)| (a.id, b.id)),
    )?;
    let filter_note = match args.filter.describe()? {
        Some(d) => format!(" Transcripts where {d}."),
        None => String::new(),
    };
    if let Some((a, b)) = pair {
        let unit_col = match args.unit {
            Unit::Transcript => "unit",
            u => u.as_str(),
        };
        let mut t = Table::new(["transcript", unit_col, "start", "end", "text"]);
        for x in &meetings {
            t.push(vec![
                x.transcript.clone().into(),
                x.unit.clone().into(),
                x.start.into(),
                x.end.into(),
                x.text.clone().into(),
            ]);
        }
        let title = format!("Where {} meets {}", a.label(), b.label());
        ctx.emit(&Doc::of_table(title, t), format, &args.out)?;
        ctx.info(format!(
            "{} {}(s) coded with both {} and {} (sub-themes included).{filter_note}",
            meetings.len(),
            args.unit.as_str(),
            a.label(),
            b.label()
        ));
        return Ok(());
    }
    let text = matches!(format, Format::Table | Format::Md);
    let mut t = Table::new(
        ["number", "theme"]
            .iter()
            .map(|s| s.to_string())
            .chain(m.themes.iter().map(|x| x.number.clone())),
    );
    for (i, th) in m.themes.iter().enumerate() {
        let mut row: Vec<Value> = vec![
            th.number.clone().into(),
            if format == Format::Table {
                format!("{}{}", "  ".repeat(th.level() - 1), th.name).into()
            } else {
                th.name.clone().into()
            },
        ];
        for j in 0..m.themes.len() {
            row.push(match (args.measure, m.value(i, j, args.measure)) {
                (Measure::Count, Some(v)) => Value::from(v as u64),
                (_, Some(v)) if text => format!("{v:.2}").into(),
                (_, Some(v)) => three_decimals(v),
                (_, None) => {
                    if text {
                        "".into()
                    } else {
                        Value::Null
                    }
                }
            });
        }
        t.push_at_level(1, th.level(), row);
    }
    t.shade = format.is_document();
    {
        let what = match args.measure {
            Measure::Count => format!(
                "{}s coded with both themes (the diagonal: with the theme)",
                args.unit.as_str()
            ),
            Measure::Jaccard | Measure::C => format!(
                "{}s with both themes / {}s with either (Jaccard; ATLAS.ti's c-coefficient over these units)",
                args.unit.as_str(),
                args.unit.as_str()
            ),
        };
        let size = match args.unit {
            Unit::Transcript => format!("{} transcripts.", m.transcripts.len()),
            u => format!(
                "{} {}s in {} transcripts.",
                m.units,
                u.as_str(),
                m.transcripts.len()
            ),
        };
        t.notes.push(format!(
            "Cells: {what}. A theme counts where it or a sub-theme is coded. {size}{filter_note}"
        ));
    }
    let title = format!(
        "Theme co-occurrence ({}s, {})",
        args.unit.as_str(),
        args.measure.as_str()
    );
    ctx.emit(&Doc::of_table(title, t), format, &args.out)
}

/// A coefficient to three decimals, as a JSON number.
fn three_decimals(v: f64) -> Value {
    serde_json::Number::from_f64((v * 1000.0).round() / 1000.0)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}
