//! `tana quotes`: coded extracts of a theme, for writing up.

use serde_json::Value;

use crate::cli::Ctx;
use crate::error::Result;
use crate::export::quotes;
use crate::output::{opt, Format, Table};
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
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
}

pub fn run(ctx: &mut Ctx, args: &QuotesArgs) -> Result<()> {
    let coder = ctx.report_coder()?;
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    let theme = template.resolve(&args.theme)?.clone();
    let list = quotes(
        conn,
        &template,
        &theme,
        args.with_subthemes,
        args.per_participant,
        coder,
        args.no_autocoded,
    )?;
    if list.is_empty() {
        ctx.info(format!("no codings of {} yet", theme.label()));
    }
    match args.format {
        Format::Md => {
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
            t.write(ctx.out(), f)
        }
    }
}
