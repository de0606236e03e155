//! `tana coder`: the people who code, and what each has done.

use serde_json::Value;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::output::{Format, Table};
use crate::project::now;

#[derive(Debug, clap::Subcommand)]
pub enum CoderCommand {
    Add(AddArgs),
    List(ListArgs),
}

/// Register a coder (coders are also added the first time they code)
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana coder add bea\n  tana --coder bea code P03 12 1.2")]
pub struct AddArgs {
    pub name: String,
}

/// List coders with their codings, memos and last activity
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana coder list\n  tana coder list --format csv")]
pub struct ListArgs {
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

pub fn run(ctx: &mut Ctx, cmd: &CoderCommand) -> Result<()> {
    match cmd {
        CoderCommand::Add(a) => {
            let name = a.name.trim();
            if name.is_empty() {
                return Err(Error::usage("a coder needs a name"));
            }
            crate::text::check_name("coder name", name)?;
            let conn = ctx.conn()?;
            let n = conn.execute(
                "INSERT OR IGNORE INTO coder (name, created_at) VALUES (?1, ?2)",
                (name, now()),
            )?;
            if n == 0 {
                return Err(Error::user(format!("coder {name} already exists")));
            }
            ctx.info(format!("added coder {name}"));
            Ok(())
        }
        CoderCommand::List(a) => {
            let t = coder_table(ctx.conn()?)?;
            t.write(ctx.out(), a.format)
        }
    }
}

fn coder_table(conn: &rusqlite::Connection) -> Result<Table> {
    let mut stmt = conn.prepare(
        "SELECT c.name,
                (SELECT count(*) FROM coding x WHERE x.coder_id = c.id),
                (SELECT count(DISTINCT transcript_id) FROM coding x WHERE x.coder_id = c.id),
                (SELECT count(*) FROM memo m WHERE m.coder_id = c.id),
                (SELECT count(*) FROM revision r WHERE r.coder_id = c.id AND r.kind = 'template'),
                (SELECT max(at) FROM (
                    SELECT max(created_at) AS at FROM coding WHERE coder_id = c.id
                    UNION ALL SELECT max(created_at) FROM memo WHERE coder_id = c.id
                    UNION ALL SELECT max(created_at) FROM revision WHERE coder_id = c.id
                    UNION ALL SELECT max(created_at) FROM journal_entry WHERE coder_id = c.id
                    UNION ALL SELECT max(imported_at) FROM transcript WHERE imported_by = c.id))
         FROM coder c ORDER BY c.name",
    )?;
    let mut t = Table::new([
        "coder",
        "codings",
        "transcripts",
        "memos",
        "revisions",
        "last activity",
    ]);
    let rows = stmt.query_map([], |r| {
        Ok(vec![
            Value::from(r.get::<_, String>(0)?),
            Value::from(r.get::<_, i64>(1)?),
            Value::from(r.get::<_, i64>(2)?),
            Value::from(r.get::<_, i64>(3)?),
            Value::from(r.get::<_, i64>(4)?),
            r.get::<_, Option<String>>(5)?
                .map(Value::from)
                .unwrap_or(Value::Null),
        ])
    })?;
    for row in rows {
        t.push(row?);
    }
    Ok(t)
}
