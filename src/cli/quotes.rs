//! `tana quotes`: coded extracts of a theme, for writing up.

use serde_json::Value;

use crate::cli::{Ctx, OutputArgs, WhereArgs};
use crate::error::Result;
use crate::export::quotes;
use crate::output::{opt, Format, Table};
use crate::report::Doc;
use crate::template::Template;

/// Print the coded extracts of a theme, tagged with participant and segment
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana quotes 1.1\n  tana quotes \"Trust and credibility\" --per-participant 1\n  tana quotes 3 --with-subthemes --format csv > quotes.csv"
)]
pub struct QuotesArgs {
    /// The theme
    pub theme: String,
    /// At most N extracts per participant
    #[arg(long, value_name = "N")]
    pub per_participant: Option<usize>,
    /// Include the extracts of all sub-themes
    #[arg(long)]
    pub with_subthemes: bool,
    /// Leave out codings made by autocode
    #[arg(long)]
    pub no_autocoded: bool,
    #[command(flatten)]
    pub filter: WhereArgs,
    #[arg(long, default_value = "md", value_parser = Format::parser(Format::OFFICE))]
    pub format: Format,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub fn run(ctx: &mut Ctx, args: &QuotesArgs) -> Result<()> {
    // -o FILE.docx asks for Word; quotes print as Markdown by default.
    let format = match (&args.out.output, args.format) {
        (Some(p), Format::Md) => Format::from_path(p).unwrap_or(Format::Md),
        (_, f) => f,
    };
    let coder = ctx.report_coder()?;
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    let theme = template.resolve(&args.theme)?.clone();
    let only = args.filter.transcripts(conn, &[])?;
    let mut list = quotes(
        conn,
        &template,
        &theme,
        args.with_subthemes,
        args.per_participant,
        coder,
        args.no_autocoded,
    )?;
    if let Some(only) = &only {
        list.retain(|q| only.contains(&q.transcript));
    }
    if list.is_empty() {
        match args.filter.describe()? {
            Some(d) => ctx.info(format!(
                "no codings of {} in transcripts where {d}",
                theme.label()
            )),
            None => ctx.info(format!("no codings of {} yet", theme.label())),
        }
    }
    match format {
        Format::Md if args.out.output.is_none() => {
            let mut text = format!("## {} {}\n\n", theme.number, theme.name);
            for q in &list {
                let quote = crate::text::fold_whitespace(&q.text);
                let seg = q
                    .segment
                    .map(|s| format!(", segment {s}"))
                    .unwrap_or_default();
                let sub = if q.theme != theme.number {
                    format!(" ({} {})", q.theme, q.theme_name)
                } else {
                    String::new()
                };
                text.push_str(&format!("> {quote}\n>\n> — {}{seg}{sub}\n\n", q.transcript));
            }
            ctx.out()
                .write_all(crate::text::escape_text(&text).as_bytes())?;
            Ok(())
        }
        Format::Html | Format::Docx => {
            let mut doc = Doc::new(format!("{} {}", theme.number, theme.name));
            if let Some(d) = &theme.fields.definition {
                doc.para(d.clone());
            }
            doc.table(quote_table(&list, &theme));
            ctx.emit(&doc, format, &args.out)
        }
        f => {
            let mut t = Table::new([
                "transcript",
                "segment",
                "speaker",
                "theme",
                "theme_name",
                "start",
                "end",
                "text",
                "memo",
            ]);
            for q in &list {
                t.push(vec![
                    q.transcript.clone().into(),
                    q.segment.map(Value::from).unwrap_or(Value::Null),
                    opt(&q.speaker),
                    q.theme.clone().into(),
                    q.theme_name.clone().into(),
                    q.start.into(),
                    q.end.into(),
                    q.text.clone().into(),
                    opt(&q.memo),
                ]);
            }
            let title = format!("Quotes: {} {}", theme.number, theme.name);
            ctx.emit(&Doc::of_table(title, t), f, &args.out)
        }
    }
}

/// Extracts as a table for a paper: who said it (participant, segment, speaker) and the words,
/// with the sub-theme when it is not the theme itself.
pub fn quote_table(list: &[crate::export::Quote], theme: &crate::model::Theme) -> Table {
    let subs = list.iter().any(|q| q.theme != theme.number);
    let mut columns = vec!["participant", "extract"];
    if subs {
        columns.push("theme");
    }
    let mut t = Table::new(columns);
    for q in list {
        let mut who = q.transcript.clone();
        if let Some(s) = q.segment {
            who.push_str(&format!(", segment {s}"));
        }
        if let Some(sp) = &q.speaker {
            who.push_str(&format!(" ({sp})"));
        }
        let mut row: Vec<Value> = vec![
            who.into(),
            format!("“{}”", crate::text::fold_whitespace(&q.text)).into(),
        ];
        if subs {
            row.push(format!("{} {}", q.theme, q.theme_name).into());
        }
        t.push(row);
    }
    let people = list
        .iter()
        .map(|q| q.transcript.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    t.notes.push(format!(
        "{} from {}.",
        crate::output::count(list.len(), "extract", "extracts"),
        crate::output::count(people, "participant", "participants")
    ));
    t
}
