//! `tana status`: where the study stands, for the start of a working day.

use std::fmt::Write as _;

use std::collections::HashSet;

use crate::cli::{Ctx, WhereArgs};
use crate::error::Result;
use crate::export::theme_counts_in;
use crate::template::Template;

/// Show the state of the study: coding progress, unused themes, open reviews, coders
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana status\n  tana status --by-coder\n  tana status --where role=manager"
)]
pub struct StatusArgs {
    /// Each coder's progress: transcripts coded, themes used and not used
    #[arg(long)]
    pub by_coder: bool,
    /// Only transcripts whose participants match (progress, themes used, reviews)
    #[command(flatten)]
    pub filter: WhereArgs,
}

/// The transcripts a status covers: all, or those `--where` chose.
struct Scope {
    ids: Option<HashSet<i64>>,
    /// The ids as a JSON array, for `json_each` in SQL (NULL: all).
    json: Option<String>,
    describe: Option<String>,
}

impl Scope {
    fn has(&self, id: i64) -> bool {
        self.ids.as_ref().is_none_or(|s| s.contains(&id))
    }
}

pub fn run(ctx: &mut Ctx, args: &StatusArgs) -> Result<()> {
    let conn = ctx.conn()?;
    let scope = match args.filter.transcripts(conn, &[])? {
        Some(names) => {
            let ids = crate::analysis::filter::ids_of(conn, &names)?;
            let mut sorted: Vec<i64> = ids.iter().copied().collect();
            sorted.sort_unstable();
            Scope {
                json: Some(serde_json::to_string(&sorted)?),
                ids: Some(ids),
                describe: args.filter.describe()?,
            }
        }
        None => Scope {
            ids: None,
            json: None,
            describe: None,
        },
    };
    let mut text = report(conn, &scope)?;
    if args.by_coder {
        text.push_str(&by_coder(conn, &scope)?);
    }
    ctx.out()
        .write_all(crate::text::escape_text(&text).as_bytes())?;
    Ok(())
}

fn report(conn: &rusqlite::Connection, scope: &Scope) -> Result<String> {
    let template = Template::load(conn)?;
    let mut out = String::new();
    if let Some(name) = crate::project::setting(conn, "copy_for")? {
        let made = crate::project::setting(conn, "copy_made_at")?.unwrap_or_default();
        writeln!(
            out,
            "this is {name}'s copy, made {made}: work here is {name}'s; hand the file back for \"tana merge\""
        )
        .ok();
    }
    if crate::project::setting(conn, "blind")?.is_some_and(|v| v == "on") {
        writeln!(
            out,
            "blind coding is on: each coder sees only their own codings (--all-coders shows everyone's)"
        )
        .ok();
    }

    let mut stmt = conn.prepare(
        "SELECT t.id, t.name, (SELECT count(*) FROM (SELECT DISTINCT theme_id, start, end FROM coding c
                                               WHERE c.transcript_id = t.id))
         FROM transcript t ORDER BY t.id",
    )?;
    let rows: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|(id, _, _)| scope.has(*id))
        .map(|(_, name, n)| (name, n))
        .collect();
    if let Some(d) = &scope.describe {
        writeln!(out, "only transcripts where {d}").ok();
    }
    let coded: Vec<&(String, i64)> = rows.iter().filter(|r| r.1 > 0).collect();
    let uncoded: Vec<&str> = rows
        .iter()
        .filter(|r| r.1 == 0)
        .map(|r| r.0.as_str())
        .collect();
    writeln!(
        out,
        "transcripts: {} ({} coded, {} not yet coded)",
        rows.len(),
        coded.len(),
        uncoded.len()
    )
    .ok();
    if !coded.is_empty() {
        let list: Vec<String> = coded.iter().map(|(n, c)| format!("{n} {c}")).collect();
        writeln!(out, "  codings per transcript: {}", list.join(", ")).ok();
    }
    if !uncoded.is_empty() {
        writeln!(out, "  not yet coded: {}", uncoded.join(", ")).ok();
    }

    let counts = theme_counts_in(conn, &template, None, scope.ids.as_ref())?;
    let unused: Vec<String> = template
        .themes
        .iter()
        .filter(|t| counts.get(&t.id).is_none_or(|c| c.1 == 0))
        .map(|t| t.label())
        .collect();
    let version = crate::template::version::latest_version(conn)?.map(|v| v.1);
    writeln!(
        out,
        "template: {} themes{}; {} never used{}",
        template.themes.len(),
        version
            .map(|v| format!(", last saved as {v}"))
            .unwrap_or_default(),
        unused.len(),
        if unused.is_empty() {
            String::new()
        } else {
            format!(": {}", unused.join(", "))
        }
    )
    .ok();
    let revisions_since: i64 = conn.query_row(
        "SELECT count(*) FROM revision WHERE kind = 'template' AND id > ifnull((SELECT revision_id FROM template_version ORDER BY id DESC LIMIT 1), 0)",
        [],
        |r| r.get(0),
    )?;
    if revisions_since > 0 {
        writeln!(
            out,
            "  {revisions_since} revision(s) since the last saved version (tana template log)"
        )
        .ok();
    }

    let mut stmt = conn.prepare(
        "SELECT kind, count(*), count(DISTINCT transcript_id) FROM review WHERE closed_at IS NULL
           AND (?1 IS NULL OR transcript_id IN (SELECT value FROM json_each(?1)))
         GROUP BY kind ORDER BY kind",
    )?;
    let open: Vec<(String, i64, i64)> = stmt
        .query_map([&scope.json], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if open.is_empty() {
        writeln!(out, "review: nothing open").ok();
    } else {
        let parts: Vec<String> = open
            .iter()
            .map(|(k, n, t)| {
                let what = match k.as_str() {
                    "reread" => "to re-read",
                    "confirm" => "codings to confirm",
                    _ => "codings to assign",
                };
                format!("{n} {what} in {t} transcript(s)")
            })
            .collect();
        writeln!(out, "review: {} (tana review)", parts.join("; ")).ok();
    }

    let mut stmt = conn.prepare(
        "SELECT c.name, (SELECT count(*) FROM coding x WHERE x.coder_id = c.id
                    AND (?1 IS NULL OR x.transcript_id IN (SELECT value FROM json_each(?1)))),
                (SELECT max(at) FROM (
                    SELECT max(created_at) AS at FROM coding WHERE coder_id = c.id
                    UNION ALL SELECT max(created_at) FROM memo WHERE coder_id = c.id
                    UNION ALL SELECT max(created_at) FROM revision WHERE coder_id = c.id
                    UNION ALL SELECT max(created_at) FROM journal_entry WHERE coder_id = c.id))
         FROM coder c ORDER BY c.name",
    )?;
    let coders: Vec<(String, i64, Option<String>)> = stmt
        .query_map([&scope.json], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    writeln!(out, "coders:").ok();
    for (name, n, last) in coders {
        writeln!(
            out,
            "  {name}: {n} codings, last active {}",
            last.unwrap_or_else(|| "never".into())
        )
        .ok();
    }
    let memos: i64 = conn.query_row("SELECT count(*) FROM memo", [], |r| r.get(0))?;
    let journal: i64 = conn.query_row("SELECT count(*) FROM journal_entry", [], |r| r.get(0))?;
    writeln!(out, "memos: {memos}; journal entries: {journal}").ok();
    Ok(out)
}

/// `--by-coder`: per coder, the transcripts they coded and the themes they used.
fn by_coder(conn: &rusqlite::Connection, scope: &Scope) -> Result<String> {
    let template = Template::load(conn)?;
    let mut out = String::from("by coder:\n");
    for (id, name) in crate::cli::freq::coders_with_codings(conn, None)? {
        let mut stmt = conn.prepare(
            "SELECT t.name FROM transcript t
             WHERE EXISTS (SELECT 1 FROM coding c WHERE c.transcript_id = t.id AND c.coder_id = ?1)
               AND (?2 IS NULL OR t.id IN (SELECT value FROM json_each(?2)))
             ORDER BY t.id",
        )?;
        let transcripts: Vec<String> = stmt
            .query_map(rusqlite::params![id, scope.json], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let counts = theme_counts_in(conn, &template, Some(id), scope.ids.as_ref())?;
        let passages: usize = counts.values().map(|c| c.0).sum();
        let unused: Vec<String> = template
            .themes
            .iter()
            .filter(|t| counts.get(&t.id).is_none_or(|c| c.1 == 0))
            .map(|t| t.number.clone())
            .collect();
        writeln!(
            out,
            "  {name}: {passages} codings in {} transcript(s) ({}); {} of {} themes used{}",
            transcripts.len(),
            transcripts.join(", "),
            template.themes.len() - unused.len(),
            template.themes.len(),
            if unused.is_empty() {
                String::new()
            } else {
                format!("; not used: {}", unused.join(", "))
            }
        )
        .ok();
    }
    Ok(out)
}
