//! `tana show`: a transcript's numbered segments with speakers and the themes coded on each.

use std::collections::BTreeSet;

use crate::cli::Ctx;
use crate::coding::{codings_of, Doc};
use crate::error::{Error, Result};
use crate::model::Span;
use crate::segment::sentences;
use crate::template::Template;
use crate::text::slice_chars;

/// Show a transcript's segments with speaker and the theme numbers coded on each
///
/// Theme numbers in brackets after a segment are coded on all or part of it; a part is
/// marked with "~". Use the segment numbers with "tana code".
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana show P03\n  tana show P03 --segments 10-20\n  tana show P03 --segments 12 --sentences"
)]
pub struct ShowArgs {
    /// The transcript
    pub transcript: String,
    /// Only these segments: N or N-M
    #[arg(long, value_name = "RANGE")]
    pub segments: Option<String>,
    /// Number the sentences of each segment (for codes like 12.3)
    #[arg(long)]
    pub sentences: bool,
}

pub fn run(ctx: &mut Ctx, args: &ShowArgs) -> Result<()> {
    let only = ctx.report_coder()?;
    let me = ctx.coder_name();
    let conn = ctx.conn()?;
    let doc = Doc::load(conn, &args.transcript)?;
    let template = Template::load(conn)?;
    let mut codings = codings_of(conn, doc.id)?;
    if let Some(c) = only {
        codings.retain(|x| x.2 == c);
    }
    // With several coders on this transcript, other coders' codings are marked "@name".
    let names: std::collections::HashMap<i64, String> = crate::project::coder_names(conn)?;
    let several = codings.iter().any(|x| x.2 != codings[0].2);
    let (from, to) = match &args.segments {
        None => (1, i64::MAX),
        Some(r) => parse_range(r)?,
    };
    if from > doc.segments.len() as i64 {
        return Err(Error::user(format!(
            "{} has only {} segments",
            doc.name,
            doc.segments.len()
        )));
    }
    let mut text = String::new();
    for s in doc
        .segments
        .iter()
        .filter(|s| s.number >= from && s.number <= to)
    {
        let seg = Span::new(s.start, s.end);
        let mut themes: BTreeSet<(Vec<u32>, String)> = BTreeSet::new();
        for (theme, span, coder, _) in &codings {
            if span.overlaps(&seg)
                || (seg.is_empty() && span.start <= seg.start && seg.start < span.end)
            {
                if let Some(t) = template.get(*theme) {
                    let partial = span.start > seg.start || span.end < seg.end;
                    let key: Vec<u32> =
                        t.number.split('.').filter_map(|n| n.parse().ok()).collect();
                    let who = match names.get(coder) {
                        Some(n) if several && *n != me => format!("@{n}"),
                        _ => String::new(),
                    };
                    themes.insert((
                        key,
                        format!("{}{}{who}", t.number, if partial { "~" } else { "" }),
                    ));
                }
            }
        }
        let speaker = s
            .speaker
            .as_deref()
            .map(|sp| format!("{sp}: "))
            .unwrap_or_default();
        let time = s
            .time
            .as_deref()
            .map(|t| format!("[{t}] "))
            .unwrap_or_default();
        let codes = if themes.is_empty() {
            String::new()
        } else {
            format!(
                "  [{}]",
                themes
                    .into_iter()
                    .map(|(_, l)| l)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let body = slice_chars(&doc.text, s.start, s.end);
        if args.sentences {
            text.push_str(&format!("{:>4}  {time}{speaker}{codes}\n", s.number));
            for (i, (a, b)) in sentences(body).into_iter().enumerate() {
                text.push_str(&format!(
                    "{:>8}  {}\n",
                    format!("{}.{}", s.number, i + 1),
                    slice_chars(body, a, b).replace('\n', " ")
                ));
            }
        } else {
            let indented = body.replace('\n', "\n      ");
            text.push_str(&format!(
                "{:>4}  {time}{speaker}{indented}{codes}\n",
                s.number
            ));
        }
    }
    ctx.out()
        .write_all(crate::text::escape_text(&text).as_bytes())?;
    Ok(())
}

fn parse_range(r: &str) -> Result<(i64, i64)> {
    let bad = || {
        Error::usage(format!("--segments \"{r}\" is not N or N-M"))
            .with_hint("e.g. --segments 10-20")
    };
    let num = |s: &str| s.trim().parse::<i64>().ok().filter(|n| *n >= 1);
    match r.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (num(a).ok_or_else(bad)?, num(b).ok_or_else(bad)?);
            if b < a {
                return Err(bad());
            }
            Ok((a, b))
        }
        None => {
            let n = num(r).ok_or_else(bad)?;
            Ok((n, n))
        }
    }
}
