//! Write-up outputs: the codebook, quote tables and the audit appendix.

pub mod history;

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::model::Theme;
use crate::output::{opt, Table};
use crate::template::Template;
use crate::text::slice_chars;

/// Per theme: coded passages of the theme itself, and participants with the theme or a
/// sub-theme. Passages are the union of every coder's codings (or one coder's), so text two
/// coders both coded counts once.
pub fn theme_counts(
    conn: &Connection,
    template: &Template,
    coder: Option<i64>,
) -> Result<HashMap<i64, (usize, usize)>> {
    theme_counts_in(conn, template, coder, None)
}

/// [`theme_counts`] over some transcripts only (by id; None: all).
pub fn theme_counts_in(
    conn: &Connection,
    template: &Template,
    coder: Option<i64>,
    only: Option<&std::collections::HashSet<i64>>,
) -> Result<HashMap<i64, (usize, usize)>> {
    // In index order (coding_by_theme), so each (theme, transcript) run is sorted by start.
    let mut stmt = conn.prepare(
        "SELECT theme_id, transcript_id, start, end FROM coding
         WHERE ?1 IS NULL OR coder_id = ?1 ORDER BY theme_id, transcript_id, start, end",
    )?;
    let mut direct: HashMap<i64, usize> = HashMap::new();
    let mut present: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut rows = stmt.query([coder])?;
    let mut run: Option<(i64, i64, i64)> = None;
    while let Some(r) = rows.next()? {
        let (theme, transcript, start, end): (i64, i64, i64, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        if only.is_some_and(|o| !o.contains(&transcript)) {
            continue;
        }
        match &mut run {
            Some((th, tr, reach)) if *th == theme && *tr == transcript => {
                if start < *reach {
                    *reach = (*reach).max(end);
                    continue;
                }
                *reach = end;
            }
            _ => {
                run = Some((theme, transcript, end));
                present.entry(theme).or_default().push(transcript);
            }
        }
        *direct.entry(theme).or_default() += 1;
    }
    let mut out = HashMap::new();
    for t in &template.themes {
        let mut who: Vec<i64> = template
            .subtree(t.id)
            .iter()
            .flat_map(|s| present.get(&s.id).cloned().unwrap_or_default())
            .collect();
        who.sort_unstable();
        who.dedup();
        out.insert(t.id, (direct.get(&t.id).copied().unwrap_or(0), who.len()));
    }
    Ok(out)
}

/// The template's structure as a table: where each theme sits, its kind and origin.
pub fn template_table(template: &Template) -> Table {
    let mut table = Table::new(STRUCTURE);
    for t in &template.themes {
        table.push(structure_row(template, t));
    }
    table
}

const STRUCTURE: [&str; 9] = [
    "number",
    "name",
    "path",
    "parent",
    "level",
    "kind",
    "origin",
    "source",
    "definition",
];

fn structure_row(template: &Template, t: &Theme) -> Vec<Value> {
    let parent = t
        .parent_id
        .and_then(|p| template.get(p))
        .map(|p| Value::String(p.number.clone()))
        .unwrap_or(Value::Null);
    vec![
        t.number.clone().into(),
        t.name.clone().into(),
        t.path_string().into(),
        parent,
        t.level().into(),
        t.kind.as_str().into(),
        t.origin.as_str().into(),
        opt(&t.fields.source),
        opt(&t.fields.definition),
    ]
}

/// The codebook as a table: every codebook field of every theme.
pub fn codebook_table(
    conn: &Connection,
    template: &Template,
    coder: Option<i64>,
    only: Option<&std::collections::HashSet<i64>>,
) -> Result<Table> {
    let counts = theme_counts_in(conn, template, coder, only)?;
    let versions = crate::template::version::theme_versions(conn)?;
    let mut table = Table::new(STRUCTURE.into_iter().chain([
        "when_to_use",
        "when_not_to_use",
        "example",
        "created_in_version",
        "retired_in_version",
        "memo",
        "color",
        "codings",
        "participants",
        "memos",
        "links",
    ]));
    let links = crate::template::links(conn, template)?;
    for t in &template.themes {
        let (codings, participants) = counts.get(&t.id).copied().unwrap_or_default();
        let f = &t.fields;
        let mut row = structure_row(template, t);
        row.extend([
            opt(&f.include),
            opt(&f.exclude),
            opt(&f.example),
            opt(&versions.get(&t.id).map(|v| v.0.clone())),
            opt(&versions.get(&t.id).and_then(|v| v.1.clone())),
            opt(&f.memo),
            opt(&f.color),
            codings.into(),
            participants.into(),
            theme_memos(conn, template, t.id)?.join(" | ").into(),
            links
                .get(&t.id)
                .map(|l| crate::template::link_labels(template, l))
                .unwrap_or_default()
                .into(),
        ]);
        table.push(row);
    }
    Ok(table)
}

/// Memos written on a theme, as "text (coder, date)".
fn theme_memos(conn: &Connection, template: &Template, theme: i64) -> Result<Vec<String>> {
    Ok(
        crate::memo::list(conn, template, &crate::memo::Filter::Theme(theme))?
            .into_iter()
            .map(|m| format!("{} ({}, {})", m.text, m.coder, m.created_at))
            .collect(),
    )
}

/// Where a theme came from, in words: "a priori (Service Gap model)", "emergent".
pub fn origin_text(origin: crate::model::Origin, source: Option<&str>) -> String {
    match (origin, source) {
        (crate::model::Origin::APriori, Some(s)) => format!("a priori ({s})"),
        (crate::model::Origin::APriori, None) => "a priori".to_string(),
        _ => "emergent".to_string(),
    }
}

/// The codebook as a Markdown document, one section per theme.
pub fn codebook_markdown(
    conn: &Connection,
    template: &Template,
    total: usize,
    coder: Option<i64>,
    only: Option<&std::collections::HashSet<i64>>,
) -> Result<String> {
    let counts = theme_counts_in(conn, template, coder, only)?;
    let versions = crate::template::version::theme_versions(conn)?;
    let links = crate::template::links(conn, template)?;
    let mut out = String::from("# Codebook\n");
    for t in &template.themes {
        let hashes = "#".repeat((t.level() + 1).min(6));
        out.push_str(&format!("\n{hashes} {} {}\n\n", t.number, t.name));
        let (codings, participants) = counts.get(&t.id).copied().unwrap_or_default();
        let mut field = |label: &str, value: Option<&str>| {
            if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
                out.push_str(&format!("- **{label}:** {}\n", v.trim()));
            }
        };
        let parent = t.parent_id.and_then(|p| template.get(p)).map(|p| p.label());
        field("Parent", parent.as_deref());
        field("Level", Some(&t.level().to_string()));
        field("Kind", Some(t.kind.as_str()));
        let origin = origin_text(t.origin, t.fields.source.as_deref());
        field("Origin", Some(&origin));
        if let Some(l) = links.get(&t.id) {
            field("Links", Some(&crate::template::link_labels(template, l)));
        }
        let f = &t.fields;
        field("Definition", f.definition.as_deref());
        field("When to use", f.include.as_deref());
        field("When not to use", f.exclude.as_deref());
        field("Example", f.example.as_deref());
        let (created, retired) = versions.get(&t.id).cloned().unwrap_or_default();
        field("Created in version", Some(created.as_str()));
        field("Retired in version", retired.as_deref());
        field("Memo", f.memo.as_deref());
        for m in theme_memos(conn, template, t.id)? {
            field("Memo", Some(&m));
        }
        field(
            "Coded",
            Some(&format!(
                "{codings} coding(s); {participants} of {total} participants (with sub-themes)"
            )),
        );
    }
    Ok(out)
}

/// One coded extract.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    pub transcript: String,
    pub segment: Option<i64>,
    pub speaker: Option<String>,
    pub theme: String,
    pub theme_name: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub memo: Option<String>,
}

/// Coded extracts of a theme (and its sub-themes if asked), in transcript and text order.
pub fn quotes(
    conn: &Connection,
    template: &Template,
    theme: &Theme,
    with_subthemes: bool,
    per_participant: Option<usize>,
    coder: Option<i64>,
    no_autocoded: bool,
) -> Result<Vec<Quote>> {
    let ids: Vec<i64> = if with_subthemes {
        template.subtree(theme.id).iter().map(|t| t.id).collect()
    } else {
        vec![theme.id]
    };
    let placeholders = vec!["?"; ids.len()].join(",");
    let sql = format!(
        "SELECT c.transcript_id, t.name, c.theme_id, c.start, c.end, c.memo
         FROM coding c JOIN transcript t ON t.id = c.transcript_id
         WHERE c.theme_id IN ({placeholders}) AND (?{n} IS NULL OR c.coder_id = ?{n})
           AND (NOT ?{m} OR c.autocode_batch IS NULL)
         ORDER BY c.transcript_id, c.start, c.end, c.theme_id",
        n = ids.len() + 1,
        m = ids.len() + 2
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut params: Vec<rusqlite::types::Value> = ids.iter().map(|&i| i.into()).collect();
    params.push(coder.map_or(rusqlite::types::Value::Null, Into::into));
    params.push(i64::from(no_autocoded).into());
    // One passage per stretch of text: codings of one theme that overlap (two coders' codings
    // of the same words) become one extract, so double coding never quotes a passage twice.
    type Raw = (i64, String, i64, usize, usize, Option<String>);
    let mut raw: Vec<Raw> = stmt
        .query_map(rusqlite::params_from_iter(params), |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, i64>(3)? as usize,
                r.get::<_, i64>(4)? as usize,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    raw.sort_by_key(|a| (a.0, a.2, a.3, a.4));
    let mut passages: Vec<Raw> = Vec::with_capacity(raw.len());
    for r in raw {
        match passages.last_mut() {
            Some(p) if p.0 == r.0 && p.2 == r.2 && r.3 < p.4 => {
                p.4 = p.4.max(r.4);
                if let Some(m) = r.5 {
                    p.5 = Some(match p.5.take() {
                        Some(old) if old.split('\n').any(|x| x == m) => old,
                        Some(old) => format!("{old}\n{m}"),
                        None => m,
                    });
                }
            }
            _ => passages.push(r),
        }
    }
    passages.sort_by_key(|a| (a.0, a.3, a.4, a.2));
    let mut out = Vec::new();
    let mut per: HashMap<i64, usize> = HashMap::new();
    let mut seg_stmt = conn.prepare_cached(
        "SELECT number, speaker FROM segment WHERE transcript_id = ?1 AND end > ?2
         ORDER BY start LIMIT 1",
    )?;
    let mut text_stmt = conn.prepare_cached("SELECT text FROM transcript WHERE id = ?1")?;
    let mut text: Option<(i64, String)> = None;
    for (transcript_id, transcript_name, theme_id, start, end, memo) in passages {
        let n = per.entry(transcript_id).or_default();
        if per_participant.is_some_and(|max| *n >= max) {
            continue;
        }
        *n += 1;
        // Rows come grouped by transcript: load each text once.
        if text.as_ref().is_none_or(|(id, _)| *id != transcript_id) {
            let t: String = text_stmt.query_row([transcript_id], |t| t.get(0))?;
            text = Some((transcript_id, t));
        }
        let text = &text.as_ref().expect("loaded above").1;
        let seg: Option<(i64, Option<String>)> = seg_stmt
            .query_row((transcript_id, start as i64), |s| {
                Ok((s.get(0)?, s.get(1)?))
            })
            .ok();
        let t = template.get(theme_id);
        out.push(Quote {
            transcript: transcript_name,
            segment: seg.as_ref().map(|s| s.0),
            speaker: seg.and_then(|s| s.1),
            theme: t.map(|t| t.number.clone()).unwrap_or_default(),
            theme_name: t.map(|t| t.name.clone()).unwrap_or_default(),
            start,
            end,
            text: slice_chars(text, start, end).to_string(),
            memo,
        });
    }
    Ok(out)
}
