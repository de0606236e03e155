//! Editing the template as text: the numbered outline with a stable `{#id}` tag per line is
//! turned back into renames, moves, reorders, inserts and deletes, applied as one revision.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection};
use serde_json::json;

use super::revise::{Meta, Outcome};
use super::{insert_theme, NewTheme, Template};
use crate::error::{Error, Result};
use crate::journal::LogEntry;

/// The outline a researcher edits.
pub fn render(template: &Template) -> String {
    let mut out = String::from(
        "# Edit the template, save, and close the editor.\n\
         # Rename a theme by changing its name; move it by changing its indentation (two spaces a\n\
         # level) or its place; add a theme with a new line without a {#id} tag; delete a theme by\n\
         # removing its line (refused while it has codings: reassign them first with\n\
         # \"tana theme delete --reassign-to\"). Keep every {#id} tag as it is. Numbers are ignored.\n\n",
    );
    out.push_str(&tagged_outline(template));
    out
}

/// The numbered template, one `- NUMBER NAME {#id}` line per theme, indented by level.
pub fn tagged_outline(template: &Template) -> String {
    let mut out = String::new();
    for t in &template.themes {
        out.push_str(&format!(
            "{}- {} {} {{#{}}}\n",
            "  ".repeat(t.level() - 1),
            t.number,
            t.name,
            t.id
        ));
    }
    out
}

/// One line of an edited outline.
#[derive(Debug, Clone)]
pub struct Item {
    pub line: usize,
    pub name: String,
    pub id: Option<i64>,
    /// Index of the parent item, if any.
    pub parent: Option<usize>,
}

/// Parse an edited outline.
pub fn parse(text: &str) -> Result<Vec<Item>> {
    let mut items: Vec<Item> = Vec::new();
    let mut stack: Vec<(usize, usize)> = Vec::new(); // (indent, item index)
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let expanded = raw.replace('\t', "    ");
        let trimmed = expanded.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some(body) = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
        else {
            return Err(
                Error::user(format!("line {line}: \"{}\" is not a list item", trimmed))
                    .with_hint("each theme is a line \"- NAME {#id}\"; comments start with #"),
            );
        };
        let indent = expanded.len() - trimmed.len();
        let mut body = body.trim().to_string();
        let mut id = None;
        if let Some(open) = body.rfind("{#") {
            if body.ends_with('}') {
                let n = &body[open + 2..body.len() - 1];
                id = Some(n.parse::<i64>().map_err(|_| {
                    Error::user(format!("line {line}: \"{{#{n}}}\" is not a theme id tag"))
                })?);
                body = body[..open].trim().to_string();
            }
        }
        // Drop a leading display number ("1.2 ").
        if let Some((first, rest)) = body.split_once(' ') {
            if first
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            {
                body = rest.trim().to_string();
            }
        }
        if body.is_empty() {
            return Err(Error::user(format!("line {line}: a theme has no name")));
        }
        while stack.last().is_some_and(|(ind, _)| *ind >= indent) {
            stack.pop();
        }
        if stack.len() >= super::MAX_DEPTH {
            return Err(super::too_deep(&format!("line {line}")));
        }
        let parent = stack.last().map(|(_, idx)| *idx);
        stack.push((indent, items.len()));
        items.push(Item {
            line,
            name: body,
            id,
            parent,
        });
    }
    Ok(items)
}

/// The operations an edited outline amounts to, for confirmation.
#[derive(Debug, Clone)]
pub struct Plan {
    pub items: Vec<Item>,
    pub changes: Vec<(Option<i64>, String)>,
    pub deleted: Vec<i64>,
}

/// Compare the edited outline with the template.
pub fn plan(conn: &Connection, template: &Template, items: Vec<Item>) -> Result<Plan> {
    let mut seen = HashSet::new();
    for it in &items {
        if let Some(id) = it.id {
            if template.get(id).is_none() {
                return Err(
                    Error::user(format!("line {}: no theme has id #{id}", it.line))
                        .with_hint("keep the {#id} tags as \"tana template edit\" wrote them"),
                );
            }
            if !seen.insert(id) {
                return Err(Error::user(format!(
                    "line {}: theme #{id} is listed twice",
                    it.line
                )));
            }
        }
    }
    // Sibling names must stay unique.
    let mut names: HashMap<(Option<usize>, String), usize> = HashMap::new();
    for it in &items {
        super::validate_name(&it.name)
            .map_err(|e| Error::user(format!("line {}: {e}", it.line)))?;
        if let Some(first) = names.insert((it.parent, it.name.to_lowercase()), it.line) {
            return Err(Error::user(format!(
                "line {}: \"{}\" is already a sibling on line {first}",
                it.line, it.name
            )));
        }
    }
    let parent_id = |it: &Item| it.parent.and_then(|p| items[p].id);
    let mut changes = Vec::new();
    for it in &items {
        match it.id {
            None => changes.push((
                None,
                format!(
                    "add \"{}\"{}",
                    it.name,
                    it.parent
                        .map(|p| format!(" under \"{}\"", items[p].name))
                        .unwrap_or_default()
                ),
            )),
            Some(id) => {
                let t = template.get(id).expect("checked above");
                if t.name != it.name {
                    changes.push((
                        Some(id),
                        format!("rename {} \"{}\" to \"{}\"", t.number, t.name, it.name),
                    ));
                }
                let new_parent = parent_id(it);
                let moved_parent =
                    it.parent.is_some() && new_parent.is_none() || new_parent != t.parent_id;
                let siblings: Vec<i64> = items
                    .iter()
                    .filter(|o| o.parent == it.parent)
                    .filter_map(|o| o.id)
                    .collect();
                let old_siblings: Vec<i64> = template
                    .children(t.parent_id)
                    .map(|c| c.id)
                    .filter(|c| siblings.contains(c))
                    .collect();
                if moved_parent {
                    let to = it
                        .parent
                        .map(|p| format!("under \"{}\"", items[p].name))
                        .unwrap_or("to the top level".into());
                    changes.push((Some(id), format!("move {} \"{}\" {to}", t.number, t.name)));
                } else if siblings != old_siblings
                    && siblings.iter().position(|x| *x == id)
                        != old_siblings.iter().position(|x| *x == id)
                {
                    changes.push((Some(id), format!("reorder {} \"{}\"", t.number, t.name)));
                }
            }
        }
    }
    let deleted: Vec<i64> = template
        .themes
        .iter()
        .map(|t| t.id)
        .filter(|id| !seen.contains(id))
        .collect();
    let mut blocked = Vec::new();
    for id in &deleted {
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM coding WHERE theme_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let t = template.get(*id).expect("listed from the template");
        if n > 0 {
            blocked.push(format!("{} ({n} coding(s))", t.label()));
        } else {
            changes.push((Some(*id), format!("delete {} \"{}\"", t.number, t.name)));
        }
    }
    if !blocked.is_empty() {
        return Err(Error::user(format!(
            "the edited outline deletes themes that have codings: {}",
            blocked.join(", ")
        ))
        .with_hint("deal with their codings first: tana theme delete THEME --reassign-to OTHER (or --uncode), then edit again"));
    }
    Ok(Plan {
        items,
        changes,
        deleted,
    })
}

/// Apply a plan as one revision.
pub fn apply(conn: &Connection, template: &Template, plan: &Plan, meta: &Meta) -> Result<Outcome> {
    super::revise::revision_pub(conn, meta, "edit", |j| {
        // Deleted themes first, so their names free up.
        for id in &plan.deleted {
            conn.execute(
                "UPDATE theme SET deleted_in = ?2 WHERE id = ?1",
                params![id, j.id],
            )?;
        }
        // Temporary names for everything listed, so renames and moves never collide midway.
        for it in &plan.items {
            if let Some(id) = it.id {
                conn.execute(
                    "UPDATE theme SET name = ?2 WHERE id = ?1",
                    params![id, format!("\u{1}{id}")],
                )?;
            }
        }
        let mut ids: Vec<i64> = Vec::with_capacity(plan.items.len());
        let mut position: HashMap<Option<usize>, i64> = HashMap::new();
        for it in &plan.items {
            let parent = it.parent.map(|p| ids[p]);
            let pos = position.entry(it.parent).or_insert(0);
            *pos += 1;
            let id = match it.id {
                Some(id) => {
                    conn.execute(
                        "UPDATE theme SET name = ?2, parent_id = ?3, position = ?4 WHERE id = ?1",
                        params![id, it.name, parent, *pos],
                    )?;
                    id
                }
                None => {
                    let id =
                        insert_theme(conn, parent, &it.name, &NewTheme::default(), meta.coder)?;
                    conn.execute(
                        "UPDATE theme SET position = ?2 WHERE id = ?1",
                        params![id, *pos],
                    )?;
                    id
                }
            };
            ids.push(id);
        }
        let after = Template::load(conn)?;
        let mut ops = Vec::new();
        let mut involved = Vec::new();
        for (i, (id, change)) in plan.changes.iter().enumerate() {
            let id = id.or_else(|| {
                // An added theme: the i-th item without an id among the adds.
                let adds: Vec<usize> = plan
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(_, it)| it.id.is_none())
                    .map(|(k, _)| k)
                    .collect();
                let nth = plan.changes[..i]
                    .iter()
                    .filter(|(x, _)| x.is_none())
                    .count();
                adds.get(nth).map(|k| ids[*k])
            });
            if let Some(id) = id {
                involved.push(id);
            }
            ops.push(json!({"id": id, "change": change}));
        }
        involved.sort_unstable();
        involved.dedup();
        let themes = serde_json::Value::Array(
            involved
                .iter()
                .map(|id| {
                    let t = after.get(*id).or_else(|| template.get(*id));
                    json!({"id": id, "number": t.map(|t| t.number.clone()), "path": t.map(|t| t.path_string())})
                })
                .collect(),
        );
        let count = |word: &str| {
            plan.changes
                .iter()
                .filter(|(_, c)| c.starts_with(word))
                .count()
        };
        let summary = format!(
            "{} renamed, {} moved, {} reordered, {} added, {} deleted",
            count("rename"),
            count("move"),
            count("reorder"),
            count("add"),
            count("delete")
        );
        Ok((
            LogEntry {
                themes,
                after: Some(json!({"summary": summary, "ops": ops})),
                ..Default::default()
            },
            vec![format!("applied the edited outline: {summary}")],
        ))
    })
}
