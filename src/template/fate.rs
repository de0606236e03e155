//! What became of each a priori theme: kept, renamed, moved, merged, split, deleted or
//! redefined, read from the revision log, with the version and the rationale of each step.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

use super::version::{log, versions, LogRow};
use super::Template;
use crate::error::Result;

/// One a priori theme and its fate.
#[derive(Debug, Clone, Serialize)]
pub struct Fate {
    /// Its number now, or None when it is no longer in the template.
    pub number: Option<String>,
    /// Its name when it entered the template.
    pub name: String,
    pub source: Option<String>,
    /// In a word or two: kept, renamed to "…", merged into "…", split into …, deleted, …
    pub fate: String,
    /// Every step: what, in which version, and why.
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub what: String,
    pub version: String,
    pub rationale: Option<String>,
}

/// The fate of every a priori theme, in the order they entered the template.
pub fn fates(conn: &Connection) -> Result<Vec<Fate>> {
    let template = Template::load(conn)?;
    let saved = versions(conn)?;
    // A revision belongs to the first version saved after it.
    let version_of = |rev: i64| -> String {
        saved
            .iter()
            .find(|v| v.revision >= rev)
            .map(|v| v.name.clone())
            .unwrap_or_else(|| "since the last version".into())
    };
    let rows: Vec<LogRow> = log(conn, 0, None)?
        .into_iter()
        .filter(|r| r.op != "undo" && r.op != "redo" && r.undone_by.is_none())
        .collect();
    let mut stmt = conn.prepare(
        "SELECT id, name, source, deleted_in FROM theme WHERE origin = 'a-priori' ORDER BY id",
    )?;
    let themes: Vec<(i64, String, Option<String>, Option<i64>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut steps: BTreeMap<i64, Vec<(String, Step, &'static str)>> = BTreeMap::new();
    for r in &rows {
        let ids: Vec<i64> = r
            .themes
            .as_array()
            .map(|a| a.iter().filter_map(|t| t["id"].as_i64()).collect())
            .unwrap_or_default();
        let a = r.after.clone().unwrap_or(Value::Null);
        let b = r.before.clone().unwrap_or(Value::Null);
        let mut push = |id: i64, what: String, kind: &'static str| {
            steps.entry(id).or_default().push((
                what.clone(),
                Step {
                    what,
                    version: version_of(r.id),
                    rationale: r.rationale.clone(),
                },
                kind,
            ));
        };
        let Some(&first) = ids.first() else { continue };
        match r.op.as_str() {
            "rename" => push(
                first,
                format!(
                    "renamed \"{}\" → \"{}\"",
                    b["name"].as_str().unwrap_or("?"),
                    a["name"].as_str().unwrap_or("?")
                ),
                "renamed",
            ),
            "redefine" => push(first, "redefined".into(), "redefined"),
            "move" => push(
                first,
                format!(
                    "moved {} → {}",
                    b["number"].as_str().unwrap_or("?"),
                    a["number"].as_str().unwrap_or("?")
                ),
                "moved",
            ),
            "merge" => {
                let into = a["into"]["id"].as_i64().unwrap_or(0);
                let path = a["into"]["path"].as_str().unwrap_or("?").to_string();
                for id in ids.iter().filter(|i| **i != into) {
                    push(*id, format!("merged into \"{path}\""), "merged");
                }
                push(into, "absorbed a merge".into(), "received");
            }
            "split" => {
                let names: Vec<String> = a["into"]
                    .as_array()
                    .map(|v| {
                        v.iter()
                            .filter_map(|t| t["name"].as_str().map(|n| format!("\"{n}\"")))
                            .collect()
                    })
                    .unwrap_or_default();
                push(first, format!("split into {}", names.join(", ")), "split");
            }
            "delete" => {
                let how = match a["reassigned_to"]["path"].as_str() {
                    Some(p) => format!(" (codings to \"{p}\")"),
                    None => String::new(),
                };
                for id in &ids {
                    push(*id, format!("deleted{how}"), "deleted");
                }
            }
            "restore" => push(first, "restored".into(), "restored"),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (id, name, source, deleted_in) in themes {
        let list = steps.remove(&id).unwrap_or_default();
        // The name it entered with: the "before" of its first rename, else its name.
        let original = list
            .iter()
            .find(|(_, _, k)| *k == "renamed")
            .and_then(|(w, _, _)| w.split('"').nth(1).map(str::to_string))
            .unwrap_or_else(|| name.clone());
        let number = template.get(id).map(|t| t.number.clone());
        let last_structural = list
            .iter()
            .rev()
            .find(|(_, _, k)| matches!(*k, "merged" | "split" | "deleted" | "restored"));
        let fate = match (deleted_in, last_structural) {
            (Some(_), Some((w, _, _))) => w.clone(),
            (Some(_), None) => "deleted".into(),
            (None, Some((w, _, "split"))) => w.clone(),
            (None, _) => {
                let kinds: Vec<&str> = list
                    .iter()
                    .map(|(_, _, k)| *k)
                    .filter(|k| matches!(*k, "renamed" | "moved" | "redefined"))
                    .collect();
                if kinds.is_empty() {
                    "kept".into()
                } else {
                    let mut k = kinds.clone();
                    k.dedup();
                    let mut s = k.join(", ");
                    if k.contains(&"renamed") {
                        s = s.replace("renamed", &format!("renamed to \"{name}\""));
                    }
                    format!("kept, {s}")
                }
            }
        };
        out.push(Fate {
            number,
            name: original,
            source,
            fate,
            steps: list.into_iter().map(|(_, s, _)| s).collect(),
        });
    }
    Ok(out)
}
