//! The coding template: the theme tree, its numbering, and how a theme is named on the
//! command line (number, path, unique name or `#id`).

use std::collections::{BTreeMap, HashMap};

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::model::{Origin, Theme, ThemeFields, ThemeKind};
use crate::project::now;
use crate::text::edit_distance;

pub mod edit;
pub mod fate;
pub mod outline;
pub mod review;
pub mod revise;
pub mod version;

/// The whole template, in display order (depth first, siblings by position).
#[derive(Debug, Clone, Default)]
pub struct Template {
    pub themes: Vec<Theme>,
    index: HashMap<i64, usize>,
    /// Themes by number ("1.2").
    by_number: HashMap<String, usize>,
    /// Themes by lowercased name, in display order: resolving a name or a path is a lookup,
    /// not a scan of 20,000 themes.
    by_name: HashMap<String, Vec<usize>>,
}

impl Template {
    /// Load every theme and derive numbers and paths.
    pub fn load(conn: &Connection) -> Result<Template> {
        let mut stmt = conn.prepare(
            "SELECT t.id, t.parent_id, t.position, t.name, t.kind, t.origin, t.source,
                    t.definition, t.include, t.exclude, t.example, t.memo, t.color
             FROM theme t
             WHERE t.deleted_in IS NULL
             ORDER BY t.position, t.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Theme {
                id: r.get(0)?,
                parent_id: r.get(1)?,
                position: r.get(2)?,
                name: r.get(3)?,
                kind: ThemeKind::parse(&r.get::<_, String>(4)?),
                origin: Origin::parse(&r.get::<_, String>(5)?),
                fields: ThemeFields {
                    source: r.get(6)?,
                    definition: r.get(7)?,
                    include: r.get(8)?,
                    exclude: r.get(9)?,
                    example: r.get(10)?,
                    memo: r.get(11)?,
                    color: r.get(12)?,
                },
                number: String::new(),
                path: Vec::new(),
            })
        })?;
        let all: Vec<Theme> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(Template::from_unordered(all))
    }

    /// Order themes depth first and number them.
    pub fn from_unordered(all: Vec<Theme>) -> Template {
        let mut children: HashMap<Option<i64>, Vec<Theme>> = HashMap::new();
        for t in all {
            children.entry(t.parent_id).or_default().push(t);
        }
        for v in children.values_mut() {
            v.sort_by_key(|t| (t.position, t.id));
        }
        // Depth first with an explicit stack (no recursion, however deep the tree): each
        // frame is the rest of one parent's children, with that parent's number and path.
        let mut themes = Vec::new();
        let top = children.remove(&None).unwrap_or_default();
        let mut stack: Vec<(std::vec::IntoIter<Theme>, usize, String, Vec<String>)> =
            vec![(top.into_iter(), 0, String::new(), Vec::new())];
        while let Some((kids, done, prefix, path)) = stack.last_mut() {
            let Some(mut t) = kids.next() else {
                stack.pop();
                continue;
            };
            *done += 1;
            t.number = if prefix.is_empty() {
                format!("{done}")
            } else {
                format!("{prefix}.{done}")
            };
            t.path = path.clone();
            t.path.push(t.name.clone());
            let frame = children
                .remove(&Some(t.id))
                .map(|kids| (kids.into_iter(), 0, t.number.clone(), t.path.clone()));
            themes.push(t);
            stack.extend(frame);
        }
        let index = themes.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        let by_number = themes
            .iter()
            .enumerate()
            .map(|(i, t)| (t.number.clone(), i))
            .collect();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, t) in themes.iter().enumerate() {
            by_name.entry(t.name.to_lowercase()).or_default().push(i);
        }
        Template {
            themes,
            index,
            by_number,
            by_name,
        }
    }

    pub fn get(&self, id: i64) -> Option<&Theme> {
        self.index.get(&id).map(|&i| &self.themes[i])
    }

    pub fn is_empty(&self) -> bool {
        self.themes.is_empty()
    }

    /// Direct children of a theme (or the top level for `None`), in order.
    pub fn children(&self, parent: Option<i64>) -> impl Iterator<Item = &Theme> {
        // Themes are in display order, so a theme's children lie within its subtree, right
        // after it: read that stretch only, not the whole template (rolling up 20,000 themes
        // asks for every theme's children).
        let (after, depth) = match parent {
            None => (&self.themes[..], 0),
            Some(id) => match self.index.get(&id) {
                Some(&i) => (&self.themes[i + 1..], self.themes[i].path.len()),
                None => (&self.themes[..0], 0),
            },
        };
        after
            .iter()
            .take_while(move |t| t.path.len() > depth)
            .filter(move |t| t.parent_id == parent)
    }

    /// The theme and all its descendants, in display order.
    pub fn subtree(&self, id: i64) -> Vec<&Theme> {
        let Some(&i) = self.index.get(&id) else {
            return Vec::new();
        };
        let root = &self.themes[i];
        let depth = root.path.len();
        let mut out = vec![root];
        for t in &self.themes[i + 1..] {
            if t.path.len() <= depth {
                break;
            }
            out.push(t);
        }
        out
    }

    /// For every theme, the ids of the themes whose codings roll up into it (itself included).
    pub fn rollup_sets(&self) -> HashMap<i64, Vec<i64>> {
        self.themes
            .iter()
            .map(|t| (t.id, self.subtree(t.id).iter().map(|s| s.id).collect()))
            .collect()
    }

    /// Find a theme by path (case-insensitive), walking from the top level.
    pub fn by_path(&self, parts: &[&str]) -> Option<&Theme> {
        let mut parent: Option<i64> = None;
        let mut found = None;
        for part in parts {
            let t = self
                .named(&part.trim().to_lowercase())
                .find(|t| t.parent_id == parent)?;
            parent = Some(t.id);
            found = Some(t);
        }
        found
    }

    /// The themes with this lowercased name, in display order.
    fn named(&self, lower: &str) -> impl Iterator<Item = &Theme> {
        self.by_name
            .get(lower)
            .into_iter()
            .flatten()
            .map(|&i| &self.themes[i])
    }

    /// Resolve a theme reference: `1.2`, `Parent/Child`, a unique name, or `#id`.
    pub fn resolve(&self, reference: &str) -> Result<&Theme> {
        let r = reference.trim();
        if r.is_empty() {
            return Err(Error::user("empty theme name"));
        }
        if let Some(id) = r.strip_prefix('#') {
            if let Ok(id) = id.parse::<i64>() {
                return self.get(id).ok_or_else(|| {
                    Error::user(format!("no theme has id #{id}"))
                        .with_hint("run \"tana template\" to list themes")
                });
            }
        }
        if is_number(r) {
            return self
                .by_number
                .get(r)
                .map(|&i| &self.themes[i])
                .ok_or_else(|| {
                    Error::user(format!("no theme is numbered {r}"))
                        .with_hint("run \"tana template\" to list themes and their numbers")
                });
        }
        let mut lower = r.to_lowercase();
        if r.contains('/') {
            let parts: Vec<&str> = r.split('/').collect();
            if let Some(t) = self.by_path(&parts) {
                return Ok(t);
            }
            // A name brought in with "/" keeps a look-alike slash; match it as typed.
            let fitted = lower.replace('/', &SLASH_STANDIN.to_string());
            if self.by_name.contains_key(&fitted) {
                lower = fitted;
            }
        }
        let named: Vec<&Theme> = self.named(&lower).collect();
        match named.len() {
            1 => Ok(named[0]),
            0 => Err(self.unknown(r)),
            _ => Err(Error::user(format!(
                "theme name \"{r}\" is ambiguous: {}",
                named
                    .iter()
                    .map(|t| format!("{} ({})", t.number, t.path_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .with_hint("name it by number or by path, e.g. \"Parent/Child\"")),
        }
    }

    fn unknown(&self, r: &str) -> Error {
        let lower = r.to_lowercase();
        let last = lower
            .rsplit('/')
            .next()
            .unwrap_or(&lower)
            .trim()
            .to_string();
        let mut scored: Vec<(usize, &Theme)> = self
            .themes
            .iter()
            .filter_map(|t| {
                let name = t.name.to_lowercase();
                let d = edit_distance(&name, &last);
                let close = d <= (last.chars().count() / 3).max(2);
                let contains = last.chars().count() >= 3 && name.contains(&last);
                (close || contains).then_some((d, t))
            })
            .collect();
        scored.sort_by_key(|(d, t)| (*d, t.number.clone()));
        let mut msg = format!("no theme matches \"{r}\"");
        if !scored.is_empty() {
            let names: Vec<String> = scored
                .iter()
                .take(3)
                .map(|(_, t)| format!("\"{}\"", t.label()))
                .collect();
            msg.push_str(&format!(" (did you mean {}?)", names.join(" or ")));
        }
        Error::user(msg)
            .with_hint("run \"tana template\" to list themes, or create it with \"tana theme add\"")
    }
}

fn is_number(s: &str) -> bool {
    s.split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The deepest a template may nest. A real template has fewer than ten levels; the cap keeps a
/// file with thousands of nested codes from taking minutes, or the whole stack.
pub const MAX_DEPTH: usize = 100;

/// The error for a theme nested deeper than [`MAX_DEPTH`]; `place` says where ("FILE, line
/// 12: code \"X\"").
/// Integrative themes and the live themes each one cuts across, in template order.
pub fn links(conn: &Connection, template: &Template) -> Result<BTreeMap<i64, Vec<i64>>> {
    let mut stmt = conn.prepare("SELECT integrative_id, theme_id FROM theme_link ORDER BY 1, 2")?;
    let mut out: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (from, to) = row?;
        if template.get(from).is_some() && template.get(to).is_some() {
            out.entry(from).or_default().push(to);
        }
    }
    for v in out.values_mut() {
        v.sort_by_key(|id| template.index.get(id).copied().unwrap_or(usize::MAX));
    }
    Ok(out)
}

/// "2.1 Name, 3 Other": the themes an integrative theme links, for a cell or a line.
pub fn link_labels(template: &Template, ids: &[i64]) -> String {
    ids.iter()
        .filter_map(|id| template.get(*id))
        .map(Theme::label)
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn too_deep(place: &str) -> Error {
    Error::user(format!(
        "{place}: themes nested deeper than {MAX_DEPTH} levels; tana supports templates up to {MAX_DEPTH} levels"
    ))
    .with_hint("a template rarely needs more than ten levels; flatten the deepest branch")
}

/// The level of a theme (1 for the top level), counted up its parents and never past
/// `MAX_DEPTH + 1`.
pub fn level_of(conn: &Connection, id: i64) -> Result<usize> {
    let level: i64 = conn
        .prepare_cached(
            "WITH RECURSIVE up(id, level) AS (
             SELECT ?1, 1
             UNION ALL
             SELECT t.parent_id, up.level + 1 FROM theme t JOIN up ON t.id = up.id
             WHERE t.parent_id IS NOT NULL AND up.level <= ?2
         )
         SELECT max(level) FROM up",
        )?
        .query_row(rusqlite::params![id, MAX_DEPTH as i64], |r| r.get(0))?;
    Ok(level as usize)
}

/// The deepest level of the live template (never counted past `MAX_DEPTH + 1`).
pub fn depth(conn: &Connection) -> Result<usize> {
    let depth: Option<i64> = conn.query_row(
        "WITH RECURSIVE down(id, level) AS (
             SELECT id, 1 FROM theme WHERE parent_id IS NULL AND deleted_in IS NULL
             UNION ALL
             SELECT t.id, down.level + 1 FROM theme t JOIN down ON t.parent_id = down.id
             WHERE t.deleted_in IS NULL AND down.level <= ?1
         )
         SELECT max(level) FROM down",
        [MAX_DEPTH as i64],
        |r| r.get(0),
    )?;
    Ok(depth.unwrap_or(0) as usize)
}

/// Options for creating a theme.
#[derive(Debug, Clone)]
pub struct NewTheme {
    pub kind: ThemeKind,
    pub origin: Origin,
    pub fields: ThemeFields,
}

impl Default for NewTheme {
    fn default() -> Self {
        NewTheme {
            kind: ThemeKind::Hierarchical,
            origin: Origin::Emergent,
            fields: ThemeFields::default(),
        }
    }
}

/// Insert one theme under `parent` (at the end of its siblings). Returns its id.
pub fn insert_theme(
    conn: &Connection,
    parent: Option<i64>,
    name: &str,
    new: &NewTheme,
    coder: i64,
) -> Result<i64> {
    let parent_level = match parent {
        Some(p) => level_of(conn, p)?,
        None => 0,
    };
    insert_theme_at(conn, parent, parent_level, name, new, coder)
}

/// `insert_theme` for a caller that knows the parent's level (0 for the top level).
pub fn insert_theme_at(
    conn: &Connection,
    parent: Option<i64>,
    parent_level: usize,
    name: &str,
    new: &NewTheme,
    coder: i64,
) -> Result<i64> {
    let name = name.trim();
    validate_name(name)?;
    if parent.is_some() && parent_level >= MAX_DEPTH {
        return Err(too_deep(&format!("theme \"{name}\"")));
    }
    let clash: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM theme WHERE ifnull(parent_id, 0) = ifnull(?1, 0) AND lower(name) = lower(?2)
               AND deleted_in IS NULL",
        )?
        .query_row((parent, name), |r| r.get(0))
        .ok();
    if clash.is_some() {
        return Err(Error::user(format!(
            "a theme named \"{name}\" already exists at that level"
        ))
        .with_hint("sibling themes need different names"));
    }
    let position: i64 = conn
        .prepare_cached(
            "SELECT ifnull(max(position), 0) + 1 FROM theme
             WHERE ifnull(parent_id, 0) = ifnull(?1, 0) AND deleted_in IS NULL",
        )?
        .query_row([parent], |r| r.get(0))?;
    let f = &new.fields;
    conn.prepare_cached(
        "INSERT INTO theme (parent_id, position, name, kind, origin, source, definition, include,
                            exclude, example, memo, color, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(rusqlite::params![
        parent,
        position,
        name,
        new.kind.as_str(),
        new.origin.as_str(),
        f.source,
        f.definition,
        f.include,
        f.exclude,
        f.example,
        f.memo,
        f.color,
        now(),
        coder
    ])?;
    Ok(conn.last_insert_rowid())
}

/// What stands for "/" in a theme name brought in from elsewhere: "/" separates parent and
/// child in tana's paths, so a name keeps the look-alike division slash.
pub const SLASH_STANDIN: char = '∕';

pub(crate) fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::user("a theme name cannot be empty"));
    }
    crate::text::check_name("theme name", name)?;
    if name.contains('/') {
        return Err(Error::user(format!(
            "theme name \"{name}\" contains \"/\", which separates parent and child"
        ))
        .with_hint("write \"Parent/Child\" to add Child under Parent"));
    }
    if name.starts_with('#') || is_number(name) {
        return Err(Error::user(format!(
            "theme name \"{name}\" would be read as a number or id"
        ))
        .with_hint("give the theme a name in words"));
    }
    Ok(())
}

/// What `add_path` did.
#[derive(Debug, Clone)]
pub struct Added {
    pub id: i64,
    /// Parents created on the way (with `--parents`), as paths.
    pub created_parents: Vec<String>,
}

/// Add a theme named by a path ("Parent/Child"). The parent part may be any theme reference.
/// Missing parents are created only with `parents`.
pub fn add_path(
    conn: &Connection,
    path: &str,
    new: &NewTheme,
    parents: bool,
    coder: i64,
) -> Result<Added> {
    let template = Template::load(conn)?;
    let path = path.trim().trim_matches('/');
    let (parent_ref, name) = match path.rsplit_once('/') {
        Some((p, n)) => (Some(p), n.trim()),
        None => (None, path),
    };
    let mut created_parents = Vec::new();
    let parent = match parent_ref {
        None => None,
        Some(p) => match template.resolve(p) {
            Ok(t) => Some(t.id),
            Err(_) if parents => {
                let mut parent = None;
                let mut walked: Vec<&str> = Vec::new();
                for part in p.split('/').map(str::trim) {
                    walked.push(part);
                    let existing = Template::load(conn)?.by_path(&walked).map(|t| t.id);
                    parent = Some(match existing {
                        Some(id) => id,
                        None => {
                            created_parents.push(walked.join("/"));
                            insert_theme(conn, parent, part, &NewTheme::default(), coder)?
                        }
                    });
                }
                parent
            }
            Err(_) => return Err(Error::user(format!("parent theme \"{p}\" does not exist"))
                .with_hint(
                "add --parents to create missing parents, or run \"tana template\" to list themes",
            )),
        },
    };
    let id = insert_theme(conn, parent, name, new, coder)?;
    Ok(Added {
        id,
        created_parents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{coder_id, migrate};

    fn project() -> (Connection, i64) {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let c = coder_id(&conn, "ana").unwrap();
        (conn, c)
    }

    #[test]
    fn numbers_follow_tree_order() {
        let (conn, c) = project();
        let n = NewTheme::default();
        add_path(&conn, "Awareness", &n, false, c).unwrap();
        add_path(&conn, "Design", &n, false, c).unwrap();
        add_path(&conn, "Awareness/Targets", &n, false, c).unwrap();
        add_path(&conn, "Awareness/Targets/Vague", &n, false, c).unwrap();
        let t = Template::load(&conn).unwrap();
        let labels: Vec<String> = t.themes.iter().map(|t| t.label()).collect();
        assert_eq!(
            labels,
            vec!["1 Awareness", "1.1 Targets", "1.1.1 Vague", "2 Design"]
        );
        assert_eq!(t.resolve("1.1.1").unwrap().name, "Vague");
        assert_eq!(t.resolve("awareness/targets").unwrap().number, "1.1");
        assert_eq!(t.resolve("vague").unwrap().number, "1.1.1");
        let err = t.resolve("Vagu").unwrap_err().to_string();
        assert!(err.contains("did you mean \"1.1.1 Vague\""), "{err}");
    }

    #[test]
    fn missing_parent_needs_parents_flag() {
        let (conn, c) = project();
        let n = NewTheme::default();
        assert!(add_path(&conn, "A/B", &n, false, c).is_err());
        let added = add_path(&conn, "A/B/C", &n, true, c).unwrap();
        assert_eq!(added.created_parents, vec!["A", "A/B"]);
        assert!(add_path(&conn, "a/b/c", &n, false, c).is_err());
    }
}
