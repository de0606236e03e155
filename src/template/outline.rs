//! The template as a nested Markdown list: parse, render, and import idempotently.
//!
//! One list item per theme; indentation makes the hierarchy. An item reads
//! `Name [a priori: SOURCE] [integrative]: definition`, every part after the name optional.

use std::collections::HashMap;

use rusqlite::Connection;

use super::{insert_theme_at, too_deep, NewTheme, Template, MAX_DEPTH};
use crate::error::{Error, Result};
use crate::model::{Origin, ThemeFields, ThemeKind};

/// One theme read from an outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineItem {
    /// 1-based line number in the file.
    pub line: usize,
    /// Names from the top level down to this theme.
    pub path: Vec<String>,
    pub kind: ThemeKind,
    pub origin: Origin,
    /// Codebook fields the file gives (an outline gives source and definition; a REFI-QDA
    /// codebook may give them all).
    pub fields: ThemeFields,
    /// The theme's REFI-QDA guid, when the file names one.
    pub guid: Option<String>,
    /// Whether the file says what kind and origin the theme has (an outline does, by its tags;
    /// a codebook from another program does not), so a difference is a conflict.
    pub states_kind_origin: bool,
}

/// Parse a nested Markdown list. Lines that are not list items (headings, prose) are skipped.
pub fn parse(text: &str, file: &str) -> Result<Vec<OutlineItem>> {
    let mut items: Vec<OutlineItem> = Vec::new();
    // Stack of (indent, path) of open items.
    let mut stack: Vec<(usize, Vec<String>)> = Vec::new();
    // Every path so far, lower-cased, with its line: duplicates are found in one lookup.
    let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
    let mut in_fence = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        if raw.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let expanded = raw.replace('\t', "    ");
        let indent = expanded.len() - expanded.trim_start().len();
        let rest = expanded.trim_start();
        let Some(body) = list_item_body(rest) else {
            continue;
        };
        let (name, kind, origin, source, definition) = parse_item(body).map_err(|m| {
            Error::user(format!("{file}, line {line_no}: {m}"))
                .with_hint("an item reads \"- Name [a priori: source] [integrative]: definition\"")
        })?;
        crate::text::check_name("theme name", &name).map_err(|e| {
            Error::user(format!("{file}, line {line_no}: {e}"))
                .with_hint("remove the control characters from the file")
        })?;
        while stack.last().is_some_and(|(ind, _)| *ind >= indent) {
            stack.pop();
        }
        if stack.len() >= MAX_DEPTH {
            return Err(too_deep(&format!("{file}, line {line_no}")));
        }
        let mut path = stack.last().map(|(_, p)| p.clone()).unwrap_or_default();
        path.push(name);
        if let Some(first) = seen.insert(lower_path(&path), line_no) {
            return Err(Error::user(format!(
                "{file}, line {line_no}: theme \"{}\" is listed twice at the same level (first on line {first})",
                path.join("/"),
            ))
            .with_hint("sibling themes need different names"));
        }
        stack.push((indent, path.clone()));
        items.push(OutlineItem {
            line: line_no,
            path,
            kind,
            origin,
            fields: ThemeFields {
                source,
                definition,
                ..ThemeFields::default()
            },
            guid: None,
            states_kind_origin: true,
        });
    }
    Ok(items)
}

fn lower_path(p: &[String]) -> Vec<String> {
    p.iter().map(|s| s.to_lowercase()).collect()
}

fn list_item_body(rest: &str) -> Option<&str> {
    for marker in ["- ", "* ", "+ "] {
        if let Some(b) = rest.strip_prefix(marker) {
            return Some(b);
        }
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let after = &rest[digits..];
        if let Some(b) = after
            .strip_prefix(". ")
            .or_else(|| after.strip_prefix(") "))
        {
            return Some(b);
        }
    }
    None
}

type Parsed = (String, ThemeKind, Origin, Option<String>, Option<String>);

fn parse_item(body: &str) -> std::result::Result<Parsed, String> {
    let body = body.trim();
    // The name runs up to the first tag or ": ".
    let name_end = [
        body.find(" ["),
        body.find(": "),
        body.ends_with(':').then(|| body.len() - 1),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(body.len());
    let name = body[..name_end].trim().trim_matches('*').trim().to_string();
    if name.is_empty() {
        return Err("a list item has no theme name".to_string());
    }
    let mut rest = body[name_end..].trim_start();
    let mut kind = ThemeKind::Hierarchical;
    let mut origin = Origin::Emergent;
    let mut source = None;
    while let Some(tag_body) = rest.strip_prefix('[') {
        let close = tag_body
            .find(']')
            .ok_or_else(|| "a \"[\" tag is not closed with \"]\"".to_string())?;
        let tag = tag_body[..close].trim();
        let lower = tag.to_lowercase();
        if lower == "integrative" {
            kind = ThemeKind::Integrative;
        } else if lower.starts_with("a priori") || lower.starts_with("a-priori") {
            origin = Origin::APriori;
            let src = tag.get(8..).unwrap_or("").trim_start_matches(':').trim();
            if !src.is_empty() {
                source = Some(src.to_string());
            }
        } else {
            return Err(format!(
                "unknown tag \"[{tag}]\" (known: [a priori: SOURCE], [integrative])"
            ));
        }
        rest = tag_body[close + 1..].trim_start();
    }
    let definition = match rest.strip_prefix(':') {
        Some(d) if !d.trim().is_empty() => Some(d.trim().to_string()),
        Some(_) => None,
        None if rest.is_empty() => None,
        None => return Err(format!("unexpected text after the name: \"{rest}\"")),
    };
    Ok((name, kind, origin, source, definition))
}

/// Render the template as an outline that `parse` reads back to the same template.
pub fn render(template: &Template) -> String {
    let mut out = String::new();
    for t in &template.themes {
        out.push_str(&"  ".repeat(t.level() - 1));
        out.push_str("- ");
        out.push_str(&t.name);
        if t.origin == Origin::APriori {
            match &t.fields.source {
                Some(s) => out.push_str(&format!(" [a priori: {s}]")),
                None => out.push_str(" [a priori]"),
            }
        }
        if t.kind == ThemeKind::Integrative {
            out.push_str(" [integrative]");
        }
        if let Some(d) = &t.fields.definition {
            out.push_str(": ");
            out.push_str(&crate::text::fold_whitespace(d));
        }
        out.push('\n');
    }
    out
}

/// A difference between the outline and an existing theme, left as the project has it.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub line: usize,
    pub number: String,
    pub path: String,
    pub field: &'static str,
    pub project: String,
    pub outline: String,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub added: Vec<String>,
    /// The ids of the added themes, in the order of `added`.
    pub added_ids: Vec<i64>,
    pub unchanged: usize,
    pub conflicts: Vec<Conflict>,
}

/// Merge an outline into the template: add missing themes, keep existing ones, and report
/// every field where the outline disagrees with the project. Running it twice adds nothing.
pub fn import(conn: &Connection, items: &[OutlineItem], coder: i64) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    // The template is read once: themes by their lower-cased path, and the ids of the themes
    // this import adds, so each item costs a lookup, not a pass over the template.
    let template = Template::load(conn)?;
    let existing_by_path: HashMap<Vec<String>, &crate::model::Theme> = template
        .themes
        .iter()
        .map(|t| (lower_path(&t.path), t))
        .collect();
    let mut added: HashMap<Vec<String>, i64> = HashMap::new();
    for item in items {
        let lower = lower_path(&item.path);
        if added.contains_key(&lower) {
            continue;
        }
        if let Some(existing) = existing_by_path.get(&lower) {
            let mut differs = false;
            let mut check = |field: &'static str, project: String, outline: String| {
                if project != outline {
                    differs = true;
                    report.conflicts.push(Conflict {
                        line: item.line,
                        number: existing.number.clone(),
                        path: existing.path_string(),
                        field,
                        project,
                        outline,
                    });
                }
            };
            let (have, given) = (&existing.fields, &item.fields);
            for (field, have, given) in [
                ("definition", &have.definition, &given.definition),
                ("when to use", &have.include, &given.include),
                ("when not to use", &have.exclude, &given.exclude),
                ("example", &have.example, &given.example),
                ("memo", &have.memo, &given.memo),
                ("colour", &have.color, &given.color),
            ] {
                let Some(given) = given else { continue };
                let have = have.clone().unwrap_or_default();
                if crate::text::fold_whitespace(&have) != crate::text::fold_whitespace(given) {
                    check(field, have, given.clone());
                }
            }
            if item.states_kind_origin {
                check(
                    "kind",
                    existing.kind.as_str().into(),
                    item.kind.as_str().into(),
                );
                check(
                    "origin",
                    existing.origin.as_str().into(),
                    item.origin.as_str().into(),
                );
            }
            if !differs {
                report.unchanged += 1;
            }
            continue;
        }
        let parent = match lower.len() {
            1 => None,
            n => {
                let up = &lower[..n - 1];
                Some(match added.get(up) {
                    Some(id) => *id,
                    None => existing_by_path.get(up).map(|t| t.id).ok_or_else(|| {
                        Error::user(format!(
                            "line {}: the parent of \"{}\" is not in the outline",
                            item.line,
                            item.path.join("/")
                        ))
                    })?,
                })
            }
        };
        let new = NewTheme {
            kind: item.kind,
            origin: item.origin,
            fields: item.fields.clone(),
        };
        let id = insert_theme_at(
            conn,
            parent,
            lower.len() - 1,
            item.path.last().expect("path is never empty"),
            &new,
            coder,
        )?;
        if let Some(guid) = &item.guid {
            // Keep the file's guid unless another theme (perhaps a deleted one) has it.
            conn.execute(
                "UPDATE theme SET guid = ?1 WHERE id = ?2
                   AND NOT EXISTS (SELECT 1 FROM theme WHERE guid = ?1)",
                rusqlite::params![guid, id],
            )?;
        }
        report.added.push(item.path.join("/"));
        report.added_ids.push(id);
        added.insert(lower, id);
    }
    Ok(report)
}

/// Theme names that contain "/", which separates parent and child in tana's paths, take
/// the look-alike division slash "∕" instead (as REFI-QDA imports do). Returns a note per
/// name changed, so the change is never silent.
pub fn fit_slashes(items: &mut [OutlineItem], file: &str) -> Vec<String> {
    let mut notes = Vec::new();
    for item in items.iter_mut() {
        if item.path.last().is_some_and(|n| n.contains('/')) {
            let name = item.path.last().cloned().unwrap_or_default();
            notes.push(format!(
                "{file}, line {}: theme \"{name}\" is named \"{}\" (\"/\" separates parent and child in tana)",
                item.line,
                name.replace('/', &super::SLASH_STANDIN.to_string())
            ));
        }
        for part in item.path.iter_mut() {
            if part.contains('/') {
                *part = part.replace('/', &super::SLASH_STANDIN.to_string());
            }
        }
    }
    notes
}

/// Read a codebook from a CSV, as Taguette, QualCoder and spreadsheets write them: one row per
/// theme, named by a `path` column ("Parent/Child") or a `name`, `tag`, `code` or `theme`
/// column, with any of the codebook fields as further columns (`description` or
/// `definition`, `when to use`, `when not to use`, `example`, `memo`, `color`, `source`,
/// `origin`, `kind`). Parents a path names but no row gives are added. Returns the items and
/// a note on the columns that were not read.
pub fn parse_csv(path: &std::path::Path) -> Result<(Vec<OutlineItem>, Vec<String>)> {
    let input = crate::import::csv_input::CsvInput::open(path)?;
    let file = input.shown.clone();
    let key = |h: &str| h.trim().to_lowercase().replace(['_', '-'], " ");
    let headers: Vec<String> = input.headers.iter().map(|h| key(h)).collect();
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let by_path = find(&["path"]);
    let name_col = by_path.or_else(|| find(&["name", "tag", "code", "theme", "code name"]));
    let Some(name_col) = name_col else {
        return Err(Error::user(format!(
            "{file}, line 1: a codebook CSV needs a column naming the themes (it has: {})",
            input.headers.join(", ")
        ))
        .with_hint("name it \"path\" (Parent/Child) or \"name\" (also read: tag, code, theme)"));
    };
    let fields: [(&[&str], &str); 9] = [
        (&["description", "definition"], "definition"),
        (&["when to use", "include"], "include"),
        (&["when not to use", "exclude"], "exclude"),
        (&["example"], "example"),
        (&["memo"], "memo"),
        (&["color", "colour"], "color"),
        (&["source"], "source"),
        (&["origin"], "origin"),
        (&["kind"], "kind"),
    ];
    let cols: Vec<(usize, &str)> = fields
        .iter()
        .filter_map(|(names, field)| find(names).map(|c| (c, *field)))
        .collect();
    let unread: Vec<&str> = input
        .headers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != name_col && !cols.iter().any(|(c, _)| c == i))
        .map(|(_, h)| h.as_str())
        .collect();
    let mut items: Vec<OutlineItem> = Vec::new();
    let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
    for (line, rec) in input.records() {
        let rec = rec.map_err(|m| Error::user(format!("{file}, line {line}: {m}")))?;
        let get = |c: usize| rec.get(c).map(str::trim).filter(|s| !s.is_empty());
        let Some(raw) = get(name_col) else { continue };
        let path: Vec<String> = if by_path.is_some() {
            raw.split('/').map(|p| p.trim().to_string()).collect()
        } else {
            vec![raw.to_string()]
        };
        for name in &path {
            crate::text::check_name("theme name", name).map_err(|e| {
                Error::user(format!("{file}, line {line}: {e}"))
                    .with_hint("a path is names joined by \"/\", e.g. Awareness gap/Training")
            })?;
        }
        if path.len() > MAX_DEPTH {
            return Err(too_deep(&format!("{file}, line {line}")));
        }
        let lower: Vec<String> = path.iter().map(|p| p.to_lowercase()).collect();
        if let Some(first) = seen.get(&lower) {
            return Err(Error::user(format!(
                "{file}, line {line}: \"{}\" is already on line {first}",
                path.join("/")
            ))
            .with_hint("give each theme one row"));
        }
        // Parents the file names only in a path.
        for k in 1..path.len() {
            if !seen.contains_key(&lower[..k]) {
                seen.insert(lower[..k].to_vec(), line);
                items.push(OutlineItem {
                    line,
                    path: path[..k].to_vec(),
                    kind: ThemeKind::Hierarchical,
                    origin: Origin::Emergent,
                    fields: ThemeFields::default(),
                    guid: None,
                    states_kind_origin: false,
                });
            }
        }
        seen.insert(lower, line);
        let mut item = OutlineItem {
            line,
            path,
            kind: ThemeKind::Hierarchical,
            origin: Origin::Emergent,
            fields: ThemeFields::default(),
            guid: None,
            states_kind_origin: false,
        };
        for (c, field) in &cols {
            let Some(v) = get(*c) else { continue };
            let v = v.to_string();
            match *field {
                "definition" => item.fields.definition = Some(v),
                "include" => item.fields.include = Some(v),
                "exclude" => item.fields.exclude = Some(v),
                "example" => item.fields.example = Some(v),
                "memo" => item.fields.memo = Some(v),
                "color" => item.fields.color = Some(v),
                "source" => {
                    item.fields.source = Some(v);
                    item.origin = Origin::APriori;
                }
                "origin" => {
                    if key(&v).starts_with("a priori") {
                        item.origin = Origin::APriori;
                    }
                }
                _ => {
                    if key(&v) == "integrative" {
                        item.kind = ThemeKind::Integrative;
                    }
                }
            }
        }
        items.push(item);
    }
    let notes = if unread.is_empty() {
        Vec::new()
    } else {
        vec![format!("columns not read: {}", unread.join(", "))]
    };
    Ok((items, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_items_with_tags_and_definitions() {
        let text = "# T\n\nprose: here\n- Awareness [a priori: Service Gap model]: What they know.\n  - Targets\n    * Vague: Slogans.\n- Trust [integrative]\n";
        let items = parse(text, "t.md").unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].origin, Origin::APriori);
        assert_eq!(items[0].fields.source.as_deref(), Some("Service Gap model"));
        assert_eq!(
            items[0].fields.definition.as_deref(),
            Some("What they know.")
        );
        assert_eq!(items[2].path, vec!["Awareness", "Targets", "Vague"]);
        assert_eq!(items[3].kind, ThemeKind::Integrative);
        assert_eq!(items[3].path, vec!["Trust"]);
    }

    #[test]
    fn rejects_duplicates_and_unknown_tags_with_line_numbers() {
        let err = parse("- A\n- B\n- a\n", "t.md").unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("line 1"), "{err}");
        let err = parse("- A [weird]\n", "t.md").unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("[weird]"), "{err}");
    }
}
