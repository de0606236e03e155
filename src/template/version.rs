//! Template versions (T0, T1, …): snapshots of the tree and codebook fields, the diff between
//! two versions derived from the change log, and the audit appendix.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Template;
use crate::error::{Error, Result};
use crate::model::{Origin, Theme, ThemeFields, ThemeKind};
use crate::project::now;

/// One theme as a version saw it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SnapTheme {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub position: i64,
    pub number: String,
    pub name: String,
    pub path: String,
    pub kind: String,
    pub origin: String,
    pub source: Option<String>,
    pub definition: Option<String>,
    pub include: Option<String>,
    pub exclude: Option<String>,
    pub example: Option<String>,
    pub memo: Option<String>,
}

/// A saved version.
#[derive(Debug, Clone)]
pub struct Version {
    pub id: i64,
    pub name: String,
    pub note: Option<String>,
    pub created_at: String,
    pub coder: String,
    /// The last revision before the version was saved.
    pub revision: i64,
    pub themes: Vec<SnapTheme>,
}

pub fn snapshot(template: &Template) -> Vec<SnapTheme> {
    template
        .themes
        .iter()
        .map(|t| SnapTheme {
            id: t.id,
            parent_id: t.parent_id,
            position: t.position,
            number: t.number.clone(),
            name: t.name.clone(),
            path: t.path_string(),
            kind: t.kind.as_str().into(),
            origin: t.origin.as_str().into(),
            source: t.fields.source.clone(),
            definition: t.fields.definition.clone(),
            include: t.fields.include.clone(),
            exclude: t.fields.exclude.clone(),
            example: t.fields.example.clone(),
            memo: t.fields.memo.clone(),
        })
        .collect()
}

/// For every theme any version has seen: the first version that has it and the first later
/// version that no longer does. Derived from the snapshots, never stored.
pub fn theme_versions(
    conn: &Connection,
) -> Result<std::collections::HashMap<i64, (String, Option<String>)>> {
    let mut out: std::collections::HashMap<i64, (String, Option<String>)> =
        std::collections::HashMap::new();
    for v in versions(conn)? {
        let here: std::collections::HashSet<i64> = v.themes.iter().map(|t| t.id).collect();
        for id in &here {
            out.entry(*id).or_insert((v.name.clone(), None));
        }
        for (id, entry) in out.iter_mut() {
            if entry.1.is_none() && !here.contains(id) {
                entry.1 = Some(v.name.clone());
            }
        }
    }
    Ok(out)
}

/// Rebuild a template (numbers and paths) from snapshot themes.
pub fn to_template(themes: &[SnapTheme]) -> Template {
    Template::from_unordered(
        themes
            .iter()
            .map(|s| Theme {
                id: s.id,
                parent_id: s.parent_id,
                position: s.position,
                name: s.name.clone(),
                kind: ThemeKind::parse(&s.kind),
                origin: Origin::parse(&s.origin),
                fields: ThemeFields {
                    definition: s.definition.clone(),
                    include: s.include.clone(),
                    exclude: s.exclude.clone(),
                    example: s.example.clone(),
                    memo: s.memo.clone(),
                    color: None,
                    source: s.source.clone(),
                },
                number: String::new(),
                path: Vec::new(),
            })
            .collect(),
    )
}

fn last_revision(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT ifnull(max(id), 0) FROM revision", [], |r| r.get(0))?)
}

fn insert_version(
    conn: &Connection,
    name: &str,
    note: Option<&str>,
    themes: &[SnapTheme],
    coder: i64,
    revision: Option<i64>,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO template_version (name, note, snapshot, created_at, created_by, revision_id)
         VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, 0))",
        params![
            name,
            note,
            serde_json::to_string(themes)?,
            now(),
            coder,
            match revision {
                Some(r) => r,
                None => last_revision(conn)?,
            }
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Save the current template as a named version.
pub fn save(conn: &Connection, name: &str, note: Option<&str>, coder: i64) -> Result<i64> {
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(
            Error::usage(format!("version name \"{name}\" must be one word"))
                .with_hint("e.g. T1, T2, final"),
        );
    }
    crate::text::check_name("version name", name)?;
    if version_id(conn, name)?.is_some() {
        return Err(Error::user(format!("version {name} already exists"))
            .with_hint("versions are never overwritten; choose the next name (e.g. T3)"));
    }
    let template = Template::load(conn)?;
    if template.is_empty() {
        return Err(Error::user(
            "the template is empty; there is nothing to save",
        ));
    }
    insert_version(conn, name, note, &snapshot(&template), coder, None)
}

/// Create T0 from the a priori themes, the first time a non-a-priori theme appears. `upto`
/// is the last revision T0 closes (default: the latest).
pub fn ensure_t0(conn: &Connection, coder: i64, upto: Option<i64>) -> Result<Option<i64>> {
    if version_id(conn, "T0")?.is_some() {
        return Ok(None);
    }
    let template = Template::load(conn)?;
    let apriori: Vec<Theme> = template
        .themes
        .iter()
        .filter(|t| t.origin == Origin::APriori)
        .cloned()
        .collect();
    if apriori.is_empty() || apriori.len() < template.themes.len() && version_count(conn)? > 0 {
        return Ok(None);
    }
    // Keep a priori themes whose ancestors are a priori too.
    let ids: std::collections::HashSet<i64> = apriori.iter().map(|t| t.id).collect();
    let kept: Vec<Theme> = apriori
        .into_iter()
        .filter(|t| t.parent_id.is_none_or(|p| ids.contains(&p)))
        .collect();
    let t0 = Template::from_unordered(kept);
    let id = insert_version(
        conn,
        "T0",
        Some("a priori themes (saved automatically when the first emergent theme appeared)"),
        &snapshot(&t0),
        coder,
        upto,
    )?;
    Ok(Some(id))
}

fn version_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM template_version", [], |r| r.get(0))?)
}

pub fn version_id(conn: &Connection, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM template_version WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?)
}

/// The most recently saved version (id, name).
pub fn latest_version(conn: &Connection) -> Result<Option<(i64, String)>> {
    Ok(conn
        .query_row(
            "SELECT id, name FROM template_version ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// All versions, oldest first.
pub fn versions(conn: &Connection) -> Result<Vec<Version>> {
    let mut stmt = conn.prepare(
        "SELECT v.id, v.name, v.note, v.created_at, c.name, ifnull(v.revision_id, 0), v.snapshot
         FROM template_version v JOIN coder c ON c.id = v.created_by ORDER BY v.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, note, created_at, coder, revision, snap) = row?;
        out.push(Version {
            id,
            name,
            note,
            created_at,
            coder,
            revision,
            themes: serde_json::from_str(&snap)?,
        });
    }
    Ok(out)
}

/// A version by name, with the names that exist in the error.
pub fn version(conn: &Connection, name: &str) -> Result<Version> {
    let all = versions(conn)?;
    let names: Vec<String> = all.iter().map(|v| v.name.clone()).collect();
    all.into_iter().find(|v| v.name == name).ok_or_else(|| {
        Error::user(format!("no template version named {name}")).with_hint(if names.is_empty() {
            "save one with \"tana template save T1 --note …\"".to_string()
        } else {
            format!("versions: {}", names.join(", "))
        })
    })
}

/// One row of the change log.
#[derive(Debug, Clone, Serialize)]
pub struct LogRow {
    pub id: i64,
    pub op: String,
    pub themes: Value,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub rationale: Option<String>,
    pub prompted_by: Option<String>,
    pub coder: String,
    pub created_at: String,
    pub undoes: Option<i64>,
    /// Set when a later undo reverted this revision.
    pub undone_by: Option<i64>,
    /// For a revision made in a coder's copy and brought back by `tana merge` (then `id` is
    /// the merge's change): the copy and the revision's number there, e.g. "bea.tana 6".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<String>,
}

/// Change-log rows with `after < id <= upto` (all when `upto` is None).
pub fn log(conn: &Connection, after: i64, upto: Option<i64>) -> Result<Vec<LogRow>> {
    let mut stmt = conn.prepare(
        "SELECT r.id, r.op, r.themes, r.before, r.after, r.rationale, r.prompted_by, c.name,
                r.created_at, r.undoes, (SELECT min(u.id) FROM revision u WHERE u.undoes = r.id)
         FROM revision r JOIN coder c ON c.id = r.coder_id
         WHERE r.kind = 'template' AND r.id > ?1 AND (?2 IS NULL OR r.id <= ?2) ORDER BY r.id",
    )?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str::<Value>(&s).ok());
    let rows = stmt.query_map(params![after, upto], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, String>(8)?,
            r.get::<_, Option<i64>>(9)?,
            r.get::<_, Option<i64>>(10)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (
            id,
            op,
            themes,
            before,
            after,
            rationale,
            prompted_by,
            coder,
            created_at,
            undoes,
            undone_by,
        ) = row?;
        out.push(LogRow {
            id,
            op,
            themes: serde_json::from_str(&themes).unwrap_or(Value::Null),
            before: parse(before),
            after: parse(after),
            rationale,
            prompted_by,
            coder,
            created_at,
            undoes,
            undone_by,
            merged_from: None,
        });
    }
    // Revisions made in coders' copies, after the merge that brought them back.
    let mut stmt = conn.prepare(
        "SELECT m.revision_id, m.op, m.themes, m.before, m.after, m.rationale, m.prompted_by,
                m.coder, m.created_at, m.source, m.source_change,
                (SELECT min(u.id) FROM revision u WHERE u.undoes = m.revision_id)
         FROM merged_change m
         WHERE m.kind = 'template' AND m.revision_id > ?1 AND (?2 IS NULL OR m.revision_id <= ?2)
         ORDER BY m.revision_id, m.id",
    )?;
    let merged = stmt.query_map(params![after, upto], |r| {
        Ok(LogRow {
            id: r.get(0)?,
            op: r.get(1)?,
            themes: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or(Value::Null),
            before: parse(r.get(3)?),
            after: parse(r.get(4)?),
            rationale: r.get(5)?,
            prompted_by: r.get(6)?,
            coder: r.get(7)?,
            created_at: r.get(8)?,
            undoes: None,
            undone_by: r.get(11)?,
            merged_from: Some(format!(
                "{} {}",
                r.get::<_, String>(9)?,
                r.get::<_, i64>(10)?
            )),
        })
    })?;
    for row in merged {
        out.push(row?);
    }
    // Stable: a merge's revisions follow the changes before it, in the copy's order.
    out.sort_by_key(|r| r.id);
    Ok(out)
}

/// A one-line description of a log row.
pub fn describe(row: &LogRow) -> String {
    let paths = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|t| {
                        format!(
                            "{} {}",
                            t["number"].as_str().unwrap_or("?"),
                            t["path"].as_str().unwrap_or("?")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let themes = paths(&row.themes);
    let first = themes.first().cloned().unwrap_or_default();
    let a = row.after.clone().unwrap_or(Value::Null);
    let b = row.before.clone().unwrap_or(Value::Null);
    match row.op.as_str() {
        "add" if themes.len() > 4 => format!(
            "added {} themes ({}, …)",
            themes.len(),
            themes[..3].join(", ")
        ),
        "add" => format!("added {}", themes.join(", ")),
        "rename" => format!(
            "renamed {first} to \"{}\"",
            a["name"].as_str().unwrap_or("?")
        ),
        "redefine" => format!(
            "redefined {first} ({})",
            a["scope"].as_str().unwrap_or("scope unchanged")
        ),
        "move" => format!("moved {first} to {}", a["number"].as_str().unwrap_or("?")),
        "merge" => {
            let n = themes.len();
            let into = a["into"]["path"].as_str().unwrap_or("?");
            format!(
                "merged {} into {} {into} ({} coding(s))",
                themes[..n.saturating_sub(1)].join(", "),
                a["into"]["number"].as_str().unwrap_or("?"),
                b["codings"]
            )
        }
        "split" => {
            let parts = paths(&a["into"]);
            format!("split {first} into {}", parts.join(", "))
        }
        "delete" => {
            let how = if let Some(x) = a["reassigned_to"].as_object() {
                format!(
                    "codings reassigned to {} {}",
                    x["number"].as_str().unwrap_or("?"),
                    x["path"].as_str().unwrap_or("?")
                )
            } else if a["uncoded"] == Value::Bool(true) {
                "codings uncoded and archived".to_string()
            } else {
                "no codings".to_string()
            };
            format!("deleted {} ({how})", themes.join(", "))
        }
        "restore" => format!("restored {first}"),
        "integrate" => format!(
            "linked integrative theme {first} to {}",
            themes[1..].join(", ")
        ),
        "edit" => format!(
            "edited the outline: {}",
            a["summary"].as_str().unwrap_or("")
        ),
        "undo" => format!("undid revision {}", row.undoes.unwrap_or(0)),
        other => format!("{other} {}", themes.join(", ")),
    }
}

/// Per-theme changes between two points of the log.
#[derive(Debug, Clone, Serialize)]
pub struct DiffRow {
    pub theme_id: i64,
    pub before: Option<String>,
    pub after: Option<String>,
    pub changes: Vec<String>,
}

/// Changes between version `from` and version `to` (or the current template), per theme,
/// derived from the log: a rename and a move of one theme are one row.
pub fn diff(conn: &Connection, from: &Version, to: Option<&Version>) -> Result<Vec<DiffRow>> {
    let upto = to.map(|v| v.revision);
    if let Some(t) = to {
        if t.id < from.id {
            return Err(
                Error::usage(format!("{} is older than {}", t.name, from.name)).with_hint(format!(
                    "write: tana template diff {} {}",
                    t.name, from.name
                )),
            );
        }
    }
    let rows = log(conn, from.revision, upto)?;
    let old = to_template(&from.themes);
    let new = match to {
        Some(v) => to_template(&v.themes),
        None => Template::load(conn)?,
    };
    let mut per: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    // The last number and path the log saw for each theme, for themes in neither version.
    let mut seen: BTreeMap<i64, String> = BTreeMap::new();
    // Undone revisions and the undos themselves cancel out.
    for r in rows
        .iter()
        .filter(|r| r.op != "undo" && r.undone_by.is_none_or(|u| upto.is_some_and(|x| u > x)))
    {
        let ids: Vec<i64> = r
            .themes
            .as_array()
            .map(|a| a.iter().filter_map(|t| t["id"].as_i64()).collect())
            .unwrap_or_default();
        for t in r.themes.as_array().into_iter().flatten() {
            if let (Some(id), Some(n), Some(p)) =
                (t["id"].as_i64(), t["number"].as_str(), t["path"].as_str())
            {
                seen.insert(id, format!("({n} {p})"));
            }
        }
        let why = r
            .rationale
            .as_deref()
            .map(|w| format!(" — {w}"))
            .unwrap_or_default();
        let a = r.after.clone().unwrap_or(Value::Null);
        let b = r.before.clone().unwrap_or(Value::Null);
        match r.op.as_str() {
            "add" => {
                for id in ids.iter().filter(|id| old.get(**id).is_none()) {
                    per.entry(*id).or_default().push(format!("added{why}"));
                }
            }
            "rename" => per.entry(ids[0]).or_default().push(format!(
                "renamed \"{}\" → \"{}\"{why}",
                b["name"].as_str().unwrap_or("?"),
                a["name"].as_str().unwrap_or("?")
            )),
            "redefine" => per.entry(ids[0]).or_default().push(format!(
                "redefined ({}){why}",
                a["scope"].as_str().unwrap_or("")
            )),
            "move" => per.entry(ids[0]).or_default().push(format!(
                "moved {} → {}{why}",
                b["number"].as_str().unwrap_or("?"),
                a["number"].as_str().unwrap_or("?")
            )),
            "merge" => {
                let into = a["into"]["id"].as_i64().unwrap_or(0);
                let into_path = a["into"]["path"].as_str().unwrap_or("?").to_string();
                for id in ids.iter().filter(|i| **i != into) {
                    per.entry(*id)
                        .or_default()
                        .push(format!("merged into \"{into_path}\"{why}"));
                }
                let merged: Vec<String> = r
                    .themes
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter(|t| t["id"].as_i64() != Some(into))
                            .filter_map(|t| t["path"].as_str().map(|p| format!("\"{p}\"")))
                            .collect()
                    })
                    .unwrap_or_default();
                per.entry(into)
                    .or_default()
                    .push(format!("received merge of {}{why}", merged.join(", ")));
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
                per.entry(ids[0])
                    .or_default()
                    .push(format!("split into {}{why}", names.join(", ")));
                for id in ids[1..].iter().filter(|id| **id != ids[0]) {
                    per.entry(*id).or_default().push(format!(
                        "added by splitting \"{}\"{why}",
                        b["name"].as_str().unwrap_or("?")
                    ));
                }
            }
            "delete" => {
                let how = match a["reassigned_to"]["path"].as_str() {
                    Some(p) => format!(", codings reassigned to \"{p}\""),
                    None if a["uncoded"] == Value::Bool(true) => {
                        ", codings uncoded (archived)".to_string()
                    }
                    None => String::new(),
                };
                for id in &ids {
                    per.entry(*id)
                        .or_default()
                        .push(format!("deleted{how}{why}"));
                }
                if let Some(to) = a["reassigned_to"]["id"].as_i64() {
                    let gone: Vec<String> = r
                        .themes
                        .as_array()
                        .map(|v| {
                            v.iter()
                                .filter_map(|t| t["path"].as_str().map(|p| format!("\"{p}\"")))
                                .collect()
                        })
                        .unwrap_or_default();
                    per.entry(to).or_default().push(format!(
                        "received the codings of deleted {}{why}",
                        gone.join(", ")
                    ));
                }
            }
            "restore" => per
                .entry(ids[0])
                .or_default()
                .push(format!("restored{why}")),
            "integrate" => per.entry(ids[0]).or_default().push(format!(
                "linked to {}{why}",
                a["linked"]
                    .as_array()
                    .map(|v| v
                        .iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            )),
            "edit" => {
                if let Some(ops) = a["ops"].as_array() {
                    for o in ops {
                        if let Some(id) = o["id"].as_i64() {
                            per.entry(id).or_default().push(format!(
                                "{} (outline edit){why}",
                                o["change"].as_str().unwrap_or("")
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let label = |t: &Template, id: i64| t.get(id).map(|x| format!("{} {}", x.number, x.name));
    let mut out: Vec<DiffRow> = per
        .into_iter()
        .map(|(id, changes)| {
            let (before, after) = (label(&old, id), label(&new, id));
            // A theme that came and went between the versions: name it as the log saw it.
            let before =
                before.or_else(|| after.is_none().then(|| seen.get(&id).cloned()).flatten());
            DiffRow {
                theme_id: id,
                before,
                after,
                changes,
            }
        })
        .collect();
    // In template order: by the new number, then (for deleted themes) the old one.
    let key = |d: &DiffRow| -> (u8, Vec<u32>) {
        let num = |s: &Option<String>| -> Option<Vec<u32>> {
            s.as_ref().map(|x| {
                x.split(' ')
                    .next()
                    .unwrap_or("")
                    .split('.')
                    .filter_map(|n| n.parse().ok())
                    .collect()
            })
        };
        match (num(&d.after), num(&d.before)) {
            (Some(a), _) => (0, a),
            (None, Some(b)) => (1, b),
            _ => (2, Vec::new()),
        }
    };
    out.sort_by_key(key);
    Ok(out)
}
