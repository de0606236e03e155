//! The tables a paper needs, built once for the report and for the commands that print them
//! as documents: the codebook and the template with definitions.

use std::collections::HashSet;

use rusqlite::Connection;
use serde_json::Value;

use crate::error::Result;
use crate::model::{Origin, ThemeKind};
use crate::output::Table;
use crate::template::{link_labels, links, Template};

/// "23 themes in 4 top-level themes; counts over 17 transcripts."
pub fn codebook_note(template: &Template, total: usize) -> String {
    let top = template.children(None).count();
    format!(
        "{} in {}; participants counted over {}.",
        crate::output::count(template.themes.len(), "theme", "themes"),
        crate::output::count(top, "top-level theme", "top-level themes"),
        crate::output::count(total, "transcript", "transcripts")
    )
}

/// The codebook as one table for an appendix: each theme with its definition, when to use it
/// and when not, an example, its origin, the themes an integrative theme links, and the
/// participants with it (sub-themes included).
pub fn codebook(
    conn: &Connection,
    template: &Template,
    coder: Option<i64>,
    only: Option<&HashSet<i64>>,
    total: usize,
) -> Result<Table> {
    let counts = crate::export::theme_counts_in(conn, template, coder, only)?;
    let links = links(conn, template)?;
    let mut columns = vec![
        "number",
        "theme",
        "definition",
        "when to use",
        "when not to use",
        "example",
        "origin",
    ];
    if !links.is_empty() {
        columns.push("links");
    }
    columns.push("participants");
    let mut t = Table::new(columns).with_caption("Codebook");
    let text = |s: &Option<String>| -> Value {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map_or(Value::from(""), Value::from)
    };
    for th in &template.themes {
        let f = &th.fields;
        let mut name = th.name.clone();
        if th.kind == ThemeKind::Integrative {
            name.push_str(" (integrative)");
        }
        let mut row: Vec<Value> = vec![
            th.number.clone().into(),
            name.into(),
            text(&f.definition),
            text(&f.include),
            text(&f.exclude),
            text(&f.example),
            crate::export::origin_text(th.origin, f.source.as_deref()).into(),
        ];
        if !links.is_empty() {
            row.push(
                links
                    .get(&th.id)
                    .map(|l| link_labels(template, l))
                    .unwrap_or_default()
                    .into(),
            );
        }
        let (_, participants) = counts.get(&th.id).copied().unwrap_or_default();
        row.push(format!("{participants}/{total}").into());
        t.push_at_level(1, th.level(), row);
    }
    t.notes.push(
        "Participants: transcripts coded with the theme or any of its sub-themes. Integrative themes cut across the themes they link."
            .to_string(),
    );
    Ok(drop_empty_columns(
        t,
        &["when to use", "when not to use", "example"],
    ))
}

/// Leave out the named columns where no row has a value (a codebook without examples).
fn drop_empty_columns(mut t: Table, optional: &[&str]) -> Table {
    let empty: Vec<usize> = (0..t.columns.len())
        .filter(|&c| {
            optional.contains(&t.columns[c].as_str())
                && t.rows.iter().all(|r| r[c] == "" || r[c].is_null())
        })
        .collect();
    for &c in empty.iter().rev() {
        t.columns.remove(c);
        for r in &mut t.rows {
            r.remove(c);
        }
        if let Some((col, _)) = &mut t.levels {
            if *col > c {
                *col -= 1;
            }
        }
    }
    t
}

/// The numbered template with definitions, for the body of a paper: a priori themes marked,
/// integrative themes with the themes they link, and the participants with each theme.
pub fn template(
    template: &Template,
    counts: &std::collections::HashMap<i64, (usize, usize)>,
    total: usize,
    links: &std::collections::BTreeMap<i64, Vec<i64>>,
) -> Table {
    let mut t = Table::new(["number", "theme", "definition", "participants"])
        .with_caption("The coding template");
    for th in &template.themes {
        let mut name = th.name.clone();
        if th.origin == Origin::APriori {
            name.push_str(" *");
        }
        let mut definition = th
            .fields
            .definition
            .as_deref()
            .map(str::trim)
            .unwrap_or("")
            .to_string();
        if th.kind == ThemeKind::Integrative {
            let linked = links
                .get(&th.id)
                .map(|l| format!("Integrative theme, linking {}.", link_labels(template, l)))
                .unwrap_or_else(|| "Integrative theme.".to_string());
            definition = if definition.is_empty() {
                linked
            } else {
                format!("{definition} {linked}")
            };
        }
        let (_, participants) = counts.get(&th.id).copied().unwrap_or_default();
        t.push_at_level(
            1,
            th.level(),
            vec![
                th.number.clone().into(),
                name.into(),
                definition.into(),
                format!("{participants}/{total}").into(),
            ],
        );
    }
    if template
        .themes
        .iter()
        .any(|th| th.origin == Origin::APriori)
    {
        t.notes.push("* a priori theme.".to_string());
    }
    t.notes.push(
        "Participants: transcripts coded with the theme or any of its sub-themes.".to_string(),
    );
    t
}
