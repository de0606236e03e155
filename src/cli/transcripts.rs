//! `tana transcripts`: list transcripts with their size, coding progress and attributes.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::analysis::freq::count_words_in;
use crate::cli::Ctx;
use crate::error::Result;
use crate::model::{union_spans, Span};
use crate::output::{one_decimal, Format, Table};
use crate::text::word_starts;

/// List transcripts: speakers, segments, words, % coded and attributes
///
/// "% coded" is the share of the transcript's words inside at least one coding.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana transcripts\n  tana transcripts --format csv")]
pub struct TranscriptsArgs {
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

pub fn run(ctx: &mut Ctx, args: &TranscriptsArgs) -> Result<()> {
    let coder = ctx.report_coder()?;
    let table = build(ctx.conn()?, args.format, coder)?;
    if table.rows.is_empty() && args.format == Format::Table {
        ctx.info("no transcripts yet; add some with \"tana import FILE...\"");
        return Ok(());
    }
    table.write(ctx.out(), args.format)
}

fn build(conn: &rusqlite::Connection, format: Format, coder: Option<i64>) -> Result<Table> {
    let mut stmt = conn.prepare("SELECT DISTINCT key FROM attribute ORDER BY key")?;
    let keys: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut columns: Vec<String> = [
        "transcript",
        "speakers",
        "segments",
        "words",
        "codings",
        "coded",
        "reviewed",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    columns.extend(keys.iter().cloned());
    let mut table = Table::new(columns);

    let mut stmt = conn.prepare(
        "SELECT t.id, t.name, t.words,
                (SELECT count(*) FROM segment s WHERE s.transcript_id = t.id),
                (SELECT count(DISTINCT speaker) FROM segment s WHERE s.transcript_id = t.id),
                (SELECT count(*) FROM (SELECT DISTINCT c.theme_id, c.start, c.end FROM coding c
                 WHERE c.transcript_id = t.id AND (?1 IS NULL OR c.coder_id = ?1))),
                (SELECT ifnull(v.name, 'unversioned') FROM transcript_review r
                 LEFT JOIN template_version v ON v.id = r.version_id
                 WHERE r.transcript_id = t.id ORDER BY r.id DESC LIMIT 1)
         FROM transcript t ORDER BY t.id",
    )?;
    type Row = (i64, String, i64, i64, i64, i64, Option<String>);
    let rows: Vec<Row> = stmt
        .query_map([coder], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut attrs: BTreeMap<(i64, String), String> = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT transcript_id, key, value FROM attribute")?;
    for r in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
        let (id, k, v): (i64, String, String) = r?;
        attrs.insert((id, k), v);
    }
    let mut spans = conn.prepare(
        "SELECT start, end FROM coding WHERE transcript_id = ?1 AND (?2 IS NULL OR coder_id = ?2)",
    )?;
    let mut text = conn.prepare("SELECT text FROM transcript WHERE id = ?1")?;
    for (id, name, words, segments, speakers, codings, reviewed) in rows {
        let coded = if codings == 0 || words == 0 {
            0.0
        } else {
            let v: Vec<Span> = spans
                .query_map([Some(id), coder], |r| {
                    Ok(Span::new(
                        r.get::<_, i64>(0)? as usize,
                        r.get::<_, i64>(1)? as usize,
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let union = union_spans(v);
            let t: String = text.query_row([id], |r| r.get(0))?;
            let n = count_words_in(&word_starts(&t), &union);
            n as f64 * 100.0 / words as f64
        };
        let mut row: Vec<Value> = vec![
            name.into(),
            speakers.into(),
            segments.into(),
            words.into(),
            codings.into(),
            match format {
                Format::Table | Format::Md => format!("{:.0}%", coded).into(),
                _ => one_decimal(coded),
            },
            reviewed.map(Value::String).unwrap_or(Value::Null),
        ];
        for k in &keys {
            row.push(
                attrs
                    .get(&(id, k.clone()))
                    .map(|v| Value::String(v.clone()))
                    .unwrap_or(Value::Null),
            );
        }
        table.push(row);
    }
    Ok(table)
}
