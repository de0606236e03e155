//! `tana attr`: participant attributes (role, sector, organisation size, ...).

use std::path::PathBuf;

use serde_json::Value;

use crate::cli::Ctx;
use crate::coding::unknown_transcript;
use crate::error::Result;
use crate::import::attributes::{import_csv, parse_pair, set};
use crate::journal::Kind;
use crate::output::{Format, Table};

#[derive(Debug, clap::Subcommand)]
pub enum AttrCommand {
    Set(SetArgs),
    Import(ImportArgs),
    List(ListArgs),
}

/// Set attributes of one transcript
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana attr set P03 role=\"front-line sales\" sector=manufacturing"
)]
pub struct SetArgs {
    /// The transcript
    pub transcript: String,
    /// KEY=VALUE pairs
    #[arg(required = true, value_name = "KEY=VALUE")]
    pub pairs: Vec<String>,
}

/// Import attributes from a CSV (first column: transcript name)
///
/// The header names the attributes. Every row is checked before anything is written.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana attr import participants.csv\n\n  participants.csv:\n    transcript,role,sector\n    P01,sustainability lead,manufacturing"
)]
pub struct ImportArgs {
    pub file: PathBuf,
}

/// List attributes of every transcript
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana attr list\n  tana attr list --format csv > participants.csv"
)]
pub struct ListArgs {
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

pub fn run(ctx: &mut Ctx, cmd: &AttrCommand) -> Result<()> {
    match cmd {
        AttrCommand::Set(a) => {
            let pairs = a
                .pairs
                .iter()
                .map(|p| parse_pair(p))
                .collect::<Result<Vec<_>>>()?;
            let (_, change) = ctx.change("attr", Kind::Project, |conn, _| {
                let id: Option<i64> = conn
                    .query_row(
                        "SELECT id FROM transcript WHERE name = ?1",
                        [&a.transcript],
                        |r| r.get(0),
                    )
                    .ok();
                let Some(id) = id else {
                    return Err(unknown_transcript(conn, &a.transcript)?);
                };
                for (k, v) in &pairs {
                    set(conn, id, k, v)?;
                }
                let what: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                Ok(((), format!("attr set {} {}", a.transcript, what.join(" "))))
            })?;
            ctx.info(match change {
                Some(_) => format!("set {} attribute(s) on {}", pairs.len(), a.transcript),
                None => format!(
                    "{} already has {}; nothing changed",
                    a.transcript,
                    if pairs.len() == 1 {
                        "that value"
                    } else {
                        "those values"
                    }
                ),
            });
            Ok(())
        }
        AttrCommand::Import(a) => {
            let (report, change) = ctx.change("attr-import", Kind::Project, |conn, _| {
                let report = import_csv(conn, &a.file)?;
                let summary = format!(
                    "attr import {}: {} value(s) on {} transcript(s)",
                    a.file.display(),
                    report.values,
                    report.transcripts
                );
                Ok((report, summary))
            })?;
            if change.is_none() {
                ctx.info(format!(
                    "{}: every value was set already; nothing changed",
                    a.file.display()
                ));
                return Ok(());
            }
            ctx.info(format!(
                "set {} value(s) of {} attribute(s) ({}) on {} transcript(s)",
                report.values,
                report.columns.len(),
                report.columns.join(", "),
                report.transcripts
            ));
            Ok(())
        }
        AttrCommand::List(a) => {
            let conn = ctx.conn()?;
            let table = attribute_table(conn)?;
            table.write(ctx.out(), a.format)
        }
    }
}

/// Transcripts × attributes, keys in alphabetical order.
pub fn attribute_table(conn: &rusqlite::Connection) -> Result<Table> {
    let mut stmt = conn.prepare("SELECT DISTINCT key FROM attribute ORDER BY key")?;
    let keys: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut table = Table::new(std::iter::once("transcript".to_string()).chain(keys.clone()));
    let mut stmt = conn.prepare("SELECT id, name FROM transcript ORDER BY id")?;
    let transcripts: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut get =
        conn.prepare("SELECT value FROM attribute WHERE transcript_id = ?1 AND key = ?2")?;
    for (id, name) in transcripts {
        let mut row = vec![Value::String(name)];
        for k in &keys {
            let v: Option<String> = get.query_row((id, k), |r| r.get(0)).ok();
            row.push(v.map(Value::String).unwrap_or(Value::Null));
        }
        table.push(row);
    }
    Ok(table)
}
