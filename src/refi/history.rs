//! The template's history in a `.qdpx`: the revisions of the change log, the saved versions
//! and the retired themes, which REFI-QDA has no element for.
//!
//! `Project.xsd` (REFI-QDA 1.0) allows no foreign elements or attributes anywhere (it has no
//! `xsd:any` or `xsd:anyAttribute`), so the history cannot travel as a tana-namespaced
//! extension of a valid file. It travels instead as one project note, named [`NOTE_NAME`],
//! whose body is JSON (format [`FORMAT`]). Other programs show it as a note; tana's import
//! recognises it and restores the history with the ids it had, so `tana template history`,
//! `template log`, `diff`, `fate` and the versions read the same after a round trip.
//!
//! The history is restored only when the file's codebook is still the template the history
//! ends in (guids, names, tree, codebook fields): a file edited elsewhere since keeps its
//! codebook, and the import says that the history was left out.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::BufRead;

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use super::{describe, read_root, rgb, Xml, XmlIn};
use crate::error::Result;
use crate::model::{Origin, ThemeFields, ThemeKind};
use crate::project::coder_id;

/// The name of the note that carries the history.
pub const NOTE_NAME: &str = "tana: template history (revisions and versions; read by tana import)";

/// What the JSON says it is.
pub const FORMAT: &str = "tana-template-history";

/// The paragraph that starts a theme's memos in its code's Description (after the codebook
/// fields), so that programs that read memos from descriptions show them.
pub const THEME_MEMOS: &str = "Memos on this theme:";

/// One theme row, retired themes too.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ThemeRow {
    pub id: i64,
    pub guid: String,
    pub parent_id: Option<i64>,
    pub position: i64,
    pub name: String,
    pub kind: String,
    pub origin: String,
    pub source: Option<String>,
    pub definition: Option<String>,
    pub include: Option<String>,
    pub exclude: Option<String>,
    pub example: Option<String>,
    pub memo: Option<String>,
    pub color: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub deleted_in: Option<i64>,
}

/// One change-log entry (its journal of rows does not travel).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RevisionRow {
    pub id: i64,
    pub op: String,
    pub kind: String,
    pub summary: Option<String>,
    pub themes: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub rationale: Option<String>,
    pub prompted_by: Option<String>,
    pub coder: String,
    pub created_at: String,
    pub undoes: Option<i64>,
}

/// One saved version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VersionRow {
    pub id: i64,
    pub name: String,
    pub note: Option<String>,
    pub snapshot: String,
    pub created_at: String,
    pub created_by: String,
    pub revision_id: Option<i64>,
}

/// A template revision made in a coder's copy and brought back by `tana merge`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MergedRow {
    pub revision_id: i64,
    pub source: String,
    pub source_project: String,
    pub source_change: i64,
    pub op: String,
    pub kind: String,
    pub summary: Option<String>,
    pub themes: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub rationale: Option<String>,
    pub prompted_by: Option<String>,
    pub coder: String,
    pub created_at: String,
}

/// The whole history, as the note's JSON body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct History {
    pub format: String,
    pub version: u32,
    pub themes: Vec<ThemeRow>,
    pub revisions: Vec<RevisionRow>,
    pub versions: Vec<VersionRow>,
    #[serde(default)]
    pub merged: Vec<MergedRow>,
}

/// The history of the project's template, or `None` when it has none (no template revision
/// and no saved version).
pub fn collect(conn: &Connection) -> Result<Option<History>> {
    let versions: Vec<VersionRow> = {
        let mut stmt = conn.prepare(
            "SELECT v.id, v.name, v.note, v.snapshot, v.created_at, c.name, v.revision_id
             FROM template_version v JOIN coder c ON c.id = v.created_by ORDER BY v.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(VersionRow {
                id: r.get(0)?,
                name: r.get(1)?,
                note: r.get(2)?,
                snapshot: r.get(3)?,
                created_at: r.get(4)?,
                created_by: r.get(5)?,
                revision_id: r.get(6)?,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let merged: Vec<MergedRow> = {
        let mut stmt = conn.prepare(
            "SELECT revision_id, source, source_project, source_change, op, kind, summary, themes,
                    before, after, rationale, prompted_by, coder, created_at
             FROM merged_change WHERE kind = 'template' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(MergedRow {
                revision_id: r.get(0)?,
                source: r.get(1)?,
                source_project: r.get(2)?,
                source_change: r.get(3)?,
                op: r.get(4)?,
                kind: r.get(5)?,
                summary: r.get(6)?,
                themes: r.get(7)?,
                before: r.get(8)?,
                after: r.get(9)?,
                rationale: r.get(10)?,
                prompted_by: r.get(11)?,
                coder: r.get(12)?,
                created_at: r.get(13)?,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    // The revisions kept: every template revision, every change a theme, a version or a
    // merged revision names, and the undos of those (and what those undo), so that every
    // reference in the history points into it.
    let mut keep: BTreeSet<i64> = BTreeSet::new();
    {
        let mut stmt = conn.prepare(
            "SELECT id FROM revision WHERE kind = 'template'
             UNION SELECT deleted_in FROM theme WHERE deleted_in IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        for id in rows {
            keep.insert(id?);
        }
    }
    keep.extend(versions.iter().filter_map(|v| v.revision_id));
    keep.extend(merged.iter().map(|m| m.revision_id));
    if keep.is_empty() && versions.is_empty() {
        return Ok(None);
    }
    let undos: Vec<(i64, i64)> = {
        let mut stmt = conn.prepare("SELECT id, undoes FROM revision WHERE undoes IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    loop {
        let before = keep.len();
        for (id, undoes) in &undos {
            if keep.contains(undoes) {
                keep.insert(*id);
            }
            if keep.contains(id) {
                keep.insert(*undoes);
            }
        }
        if keep.len() == before {
            break;
        }
    }
    let mut revisions = Vec::with_capacity(keep.len());
    {
        let mut stmt = conn.prepare(
            "SELECT r.id, r.op, r.kind, r.summary, r.themes, r.before, r.after, r.rationale,
                    r.prompted_by, c.name, r.created_at, r.undoes
             FROM revision r JOIN coder c ON c.id = r.coder_id WHERE r.id = ?1",
        )?;
        for id in &keep {
            let row = stmt.query_row([id], |r| {
                Ok(RevisionRow {
                    id: r.get(0)?,
                    op: r.get(1)?,
                    kind: r.get(2)?,
                    summary: r.get(3)?,
                    themes: r.get(4)?,
                    before: r.get(5)?,
                    after: r.get(6)?,
                    rationale: r.get(7)?,
                    prompted_by: r.get(8)?,
                    coder: r.get(9)?,
                    created_at: r.get(10)?,
                    undoes: r.get(11)?,
                })
            });
            match row {
                Ok(row) => revisions.push(row),
                // A dangling reference (a damaged project): leave it out.
                Err(rusqlite::Error::QueryReturnedNoRows) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let themes: Vec<ThemeRow> = {
        let mut stmt = conn.prepare(
            "SELECT t.id, t.guid, t.parent_id, t.position, t.name, t.kind, t.origin, t.source,
                    t.definition, t.include, t.exclude, t.example, t.memo, t.color, t.created_at,
                    c.name, t.deleted_in
             FROM theme t JOIN coder c ON c.id = t.created_by ORDER BY t.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ThemeRow {
                id: r.get(0)?,
                guid: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                parent_id: r.get(2)?,
                position: r.get(3)?,
                name: r.get(4)?,
                kind: r.get(5)?,
                origin: r.get(6)?,
                source: r.get(7)?,
                definition: r.get(8)?,
                include: r.get(9)?,
                exclude: r.get(10)?,
                example: r.get(11)?,
                memo: r.get(12)?,
                color: r.get(13)?,
                created_at: r.get(14)?,
                created_by: r.get(15)?,
                deleted_in: r.get(16)?,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    Ok(Some(History {
        format: FORMAT.to_string(),
        version: 1,
        themes,
        revisions,
        versions,
        merged,
    }))
}

/// A code as the file's codebook has it: what the history must agree with.
#[derive(Debug, Clone, PartialEq)]
pub struct FileCode {
    pub guid: String,
    pub name: String,
    pub parent: Option<String>,
    /// The Description, without the theme memos tana appends to it.
    pub description: String,
    pub color: Option<String>,
}

/// What a first, quick pass over a project written by tana finds: its codebook, and the
/// history note (its guid and body), if any.
#[derive(Debug, Default)]
pub struct Prescan {
    pub codes: Vec<FileCode>,
    pub note: Option<(String, String)>,
}

/// A Description without the theme memos block tana appends after the codebook fields.
pub fn without_theme_memos(description: &str) -> &str {
    if description.starts_with(THEME_MEMOS) {
        return "";
    }
    match description.find(&format!("\n\n{THEME_MEMOS}")) {
        Some(i) => &description[..i],
        None => description,
    }
}

/// Read the codebook and the history note of a project file written by tana; `None` for a
/// file from any other program (or one nested too deep to be worth it: the import proper
/// says what is wrong with it).
pub fn prescan<R: BufRead>(x: &mut XmlIn<R>) -> Result<Option<Prescan>> {
    let root = read_root(x, "project")?;
    if !root.attr("origin").is_some_and(|o| o.starts_with("tana")) {
        return Ok(None);
    }
    let mut out = Prescan::default();
    loop {
        let e = match x.read()? {
            Xml::Start(e) => e,
            Xml::End(_) | Xml::Eof => break,
            Xml::Text(_) => continue,
        };
        match e.name.as_str() {
            "CodeBook" => {
                // Codes nest; an explicit stack of the open ones, no recursion.
                let mut open: Vec<usize> = Vec::new();
                loop {
                    match x.read()? {
                        Xml::Start(c) if c.name == "Code" => {
                            if open.len() > crate::template::MAX_DEPTH {
                                return Ok(None);
                            }
                            let parent = open.last().map(|&i| out.codes[i].guid.clone());
                            out.codes.push(FileCode {
                                guid: c
                                    .attr("guid")
                                    .and_then(super::normalize_guid)
                                    .unwrap_or_default(),
                                name: c.attr("name").unwrap_or("").trim().to_string(),
                                parent,
                                description: String::new(),
                                color: c.attr("color").and_then(rgb),
                            });
                            if c.empty {
                                x.skip(&c)?;
                            } else {
                                open.push(out.codes.len() - 1);
                            }
                        }
                        Xml::Start(c) if c.name == "Description" && !open.is_empty() => {
                            let text = x.text_of(&c)?.replace("\r\n", "\n");
                            if let Some(&i) = open.last() {
                                out.codes[i].description = without_theme_memos(&text).to_string();
                            }
                        }
                        // <Codes> holds the top-level codes: read on into it.
                        Xml::Start(c) if c.name == "Codes" => {}
                        Xml::Start(c) => x.skip(&c)?,
                        Xml::End(n) if n == "Code" => {
                            open.pop();
                        }
                        Xml::End(n) if n == "Codes" => {}
                        Xml::End(_) => break,
                        Xml::Eof => return Ok(None),
                        Xml::Text(_) => {}
                    }
                }
            }
            "Notes" => loop {
                match x.read()? {
                    Xml::Start(n) if n.name == "Note" && n.attr("name") == Some(NOTE_NAME) => {
                        let guid = n.attr("guid").and_then(super::normalize_guid);
                        let mut body = None;
                        if !n.empty {
                            loop {
                                match x.read()? {
                                    Xml::Start(c) if c.name == "PlainTextContent" => {
                                        body = Some(x.text_of(&c)?)
                                    }
                                    Xml::Start(c) => x.skip(&c)?,
                                    Xml::End(_) => break,
                                    Xml::Eof => return Ok(None),
                                    Xml::Text(_) => {}
                                }
                            }
                        } else {
                            x.skip(&n)?;
                        }
                        if let (Some(g), Some(b)) = (guid, body) {
                            out.note = Some((g, b));
                        }
                    }
                    Xml::Start(n) => x.skip(&n)?,
                    Xml::End(_) => break,
                    Xml::Eof => return Ok(None),
                    Xml::Text(_) => {}
                }
            },
            _ => x.skip(&e)?,
        }
    }
    Ok(Some(out))
}

impl History {
    /// Parse a note body; an error says why it is not a history tana can restore.
    pub fn parse(body: &str) -> std::result::Result<History, String> {
        let h: History = serde_json::from_str(body.trim())
            .map_err(|e| format!("its note is not readable ({e})"))?;
        if h.format != FORMAT {
            return Err(format!("its note is not a {FORMAT}"));
        }
        if h.version != 1 {
            return Err(format!(
                "it is version {} of the format, and this tana reads version 1",
                h.version
            ));
        }
        Ok(h)
    }

    /// The themes the history ends with (not retired).
    fn current(&self) -> impl Iterator<Item = &ThemeRow> {
        self.themes.iter().filter(|t| t.deleted_in.is_none())
    }

    /// Check that the history holds together and ends in the file's codebook; the error says
    /// what differs.
    pub fn check(&self, codes: &[FileCode]) -> std::result::Result<(), String> {
        let revisions: HashSet<i64> = self.revisions.iter().map(|r| r.id).collect();
        if revisions.len() != self.revisions.len() {
            return Err("it names a revision twice".into());
        }
        let ids: HashMap<i64, &ThemeRow> = self.themes.iter().map(|t| (t.id, t)).collect();
        if ids.len() != self.themes.len() {
            return Err("it names a theme twice".into());
        }
        let mut guids = HashSet::new();
        for t in &self.themes {
            if super::normalize_guid(&t.guid).as_deref() != Some(t.guid.as_str())
                || !guids.insert(t.guid.as_str())
            {
                return Err(format!("theme \"{}\" has no guid of its own", t.name));
            }
            if t.parent_id.is_some_and(|p| !ids.contains_key(&p)) {
                return Err(format!(
                    "theme \"{}\" has a parent it does not list",
                    t.name
                ));
            }
            if t.deleted_in.is_some_and(|r| !revisions.contains(&r)) {
                return Err(format!(
                    "theme \"{}\" was retired by a revision it does not list",
                    t.name
                ));
            }
        }
        for r in &self.revisions {
            if r.undoes
                .is_some_and(|u| u >= r.id || !revisions.contains(&u))
            {
                return Err(format!("revision {} undoes one it does not list", r.id));
            }
        }
        let mut names = HashSet::new();
        for v in &self.versions {
            if !names.insert(v.name.as_str()) {
                return Err(format!("version {} is listed twice", v.name));
            }
            if v.revision_id.is_some_and(|r| !revisions.contains(&r)) {
                return Err(format!(
                    "version {} closes a revision it does not list",
                    v.name
                ));
            }
            if serde_json::from_str::<Vec<crate::template::version::SnapTheme>>(&v.snapshot)
                .is_err()
            {
                return Err(format!("version {} has no readable snapshot", v.name));
            }
        }
        if let Some(m) = self
            .merged
            .iter()
            .find(|m| !revisions.contains(&m.revision_id))
        {
            return Err(format!("merged revision {} is not listed", m.revision_id));
        }
        // The template it ends in is the file's codebook: same codes, tree, order and fields.
        let current: Vec<&ThemeRow> = self.current().collect();
        if current.len() != codes.len() {
            return Err(format!(
                "its template has {} themes and the file's codebook {}",
                current.len(),
                codes.len()
            ));
        }
        let by_guid: HashMap<&str, &ThemeRow> =
            current.iter().map(|t| (t.guid.as_str(), *t)).collect();
        let guid_of = |id: Option<i64>| id.and_then(|i| ids.get(&i)).map(|t| t.guid.clone());
        // Siblings in the order the codebook lists them, per parent.
        let mut order: HashMap<Option<String>, Vec<&str>> = HashMap::new();
        for c in codes {
            let Some(t) = by_guid.get(c.guid.as_str()) else {
                return Err(format!(
                    "the file's code \"{}\" is not in its template",
                    c.name
                ));
            };
            let fields = ThemeFields {
                definition: t.definition.clone(),
                include: t.include.clone(),
                exclude: t.exclude.clone(),
                example: t.example.clone(),
                memo: t.memo.clone(),
                color: t.color.clone(),
                source: t.source.clone(),
            };
            let description =
                describe(&fields, ThemeKind::parse(&t.kind), Origin::parse(&t.origin));
            if t.name != c.name
                || guid_of(t.parent_id) != c.parent
                || description.trim() != c.description.trim()
                || t.color.as_deref().and_then(rgb) != c.color
            {
                return Err(format!(
                    "the file's code \"{}\" differs from the theme in its template",
                    c.name
                ));
            }
            order.entry(c.parent.clone()).or_default().push(&c.guid);
        }
        for (parent, in_file) in &order {
            let mut siblings: Vec<&ThemeRow> = current
                .iter()
                .filter(|t| guid_of(t.parent_id) == *parent)
                .copied()
                .collect();
            siblings.sort_by_key(|t| (t.position, t.id));
            let in_history: Vec<&str> = siblings.iter().map(|t| t.guid.as_str()).collect();
            if &in_history != in_file {
                return Err("the file's codebook orders its codes differently".into());
            }
        }
        Ok(())
    }

    /// Write the change-log entries, with their ids. Runs before the import's own change is
    /// begun, so that change's id follows them.
    pub fn restore_revisions(&self, tx: &Connection) -> Result<()> {
        let mut coders = Coders::default();
        let mut insert = tx.prepare(
            "INSERT INTO revision (id, op, themes, before, after, rationale, prompted_by,
                                   coder_id, created_at, undoes, kind, summary)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        let mut rows: Vec<&RevisionRow> = self.revisions.iter().collect();
        rows.sort_by_key(|r| r.id);
        for r in rows {
            let kind = match r.kind.as_str() {
                "coding" | "project" => r.kind.as_str(),
                _ => "template",
            };
            insert.execute(params![
                r.id,
                r.op,
                r.themes,
                r.before,
                r.after,
                r.rationale,
                r.prompted_by,
                coders.id(tx, &r.coder)?,
                r.created_at,
                r.undoes,
                kind,
                r.summary
            ])?;
        }
        Ok(())
    }

    /// Write the themes (retired ones too), the versions and the merged revisions, with their
    /// ids, as part of the import's change. Returns each theme's id by guid.
    pub fn restore_template(&self, tx: &Connection) -> Result<HashMap<String, i64>> {
        let mut coders = Coders::default();
        // A theme may sit under one made after it (a move): check references at the end.
        tx.pragma_update(None, "defer_foreign_keys", "ON")?;
        let mut insert = tx.prepare(
            "INSERT INTO theme (id, parent_id, position, name, kind, origin, source, definition,
                                include, exclude, example, memo, color, created_at, created_by,
                                deleted_in, guid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?;
        let mut ids = HashMap::new();
        for t in &self.themes {
            insert.execute(params![
                t.id,
                t.parent_id,
                t.position,
                t.name,
                ThemeKind::parse(&t.kind).as_str(),
                Origin::parse(&t.origin).as_str(),
                t.source,
                t.definition,
                t.include,
                t.exclude,
                t.example,
                t.memo,
                t.color,
                t.created_at,
                coders.id(tx, &t.created_by)?,
                t.deleted_in,
                t.guid
            ])?;
            ids.insert(t.guid.clone(), t.id);
        }
        let mut insert = tx.prepare(
            "INSERT INTO template_version (id, name, note, snapshot, created_at, created_by, revision_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for v in &self.versions {
            insert.execute(params![
                v.id,
                v.name,
                v.note,
                v.snapshot,
                v.created_at,
                coders.id(tx, &v.created_by)?,
                v.revision_id
            ])?;
        }
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO merged_change (revision_id, source, source_project, source_change,
                 op, kind, summary, themes, before, after, rationale, prompted_by, coder, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        for m in &self.merged {
            insert.execute(params![
                m.revision_id,
                m.source,
                m.source_project,
                m.source_change,
                m.op,
                m.kind,
                m.summary,
                m.themes,
                m.before,
                m.after,
                m.rationale,
                m.prompted_by,
                m.coder,
                m.created_at
            ])?;
        }
        Ok(ids)
    }

    /// "3 versions (T0, T1, T2) and 37 revisions"
    pub fn describe(&self) -> String {
        let names: Vec<&str> = self.versions.iter().map(|v| v.name.as_str()).collect();
        let versions = match names.len() {
            0 => "no saved version".to_string(),
            1 => format!("1 version ({})", names[0]),
            n if n <= 6 => format!("{n} versions ({})", names.join(", ")),
            n => format!("{n} versions ({}, …)", names[..5].join(", ")),
        };
        let revisions = self
            .revisions
            .iter()
            .filter(|r| r.kind == "template")
            .count();
        format!(
            "{versions} and {revisions} revision{}",
            if revisions == 1 { "" } else { "s" }
        )
    }
}

/// Coder ids by name, made when missing.
#[derive(Default)]
struct Coders(HashMap<String, i64>);

impl Coders {
    fn id(&mut self, tx: &Connection, name: &str) -> Result<i64> {
        if let Some(id) = self.0.get(name) {
            return Ok(*id);
        }
        let name = if name.trim().is_empty() {
            "unknown"
        } else {
            name
        };
        let id = coder_id(tx, name)?;
        self.0.insert(name.to_string(), id);
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{outline, revise, version, Template};

    fn project(dir: &std::path::Path, name: &str) -> Connection {
        crate::project::create(&dir.join(name)).unwrap()
    }

    /// A project whose template grew by revisions, with a saved version and a retired theme.
    fn revised(dir: &std::path::Path) -> Connection {
        let conn = project(dir, "a.tana");
        let me = coder_id(&conn, "ana").unwrap();
        let meta = revise::Meta {
            coder: me,
            rationale: Some("pilot".into()),
            prompted_by: None,
        };
        conn.execute_batch("BEGIN").unwrap();
        let items = outline::parse(
            "- Awareness [a priori: Service Gap model]: What people know.\n  - Targets\n  - Training\n- Trust [integrative]\n",
            "t.md",
        )
        .unwrap();
        revise::import_outline(&conn, &items, &meta).unwrap();
        revise::rename(&conn, "Training", "Training and onboarding", &meta).unwrap();
        version::save(&conn, "T1", Some("after the pilot"), me).unwrap();
        let new = crate::template::NewTheme {
            kind: ThemeKind::Hierarchical,
            origin: Origin::Emergent,
            fields: ThemeFields::default(),
        };
        revise::add(&conn, "Awareness/Slogans", &new, false, &meta).unwrap();
        revise::merge(&conn, &["Slogans".into()], "Targets", &meta).unwrap();
        conn.execute_batch("COMMIT").unwrap();
        conn
    }

    fn codes_of(conn: &Connection) -> Vec<FileCode> {
        let template = Template::load(conn).unwrap();
        let guids = super::super::codebook::theme_guids(conn).unwrap();
        template
            .themes
            .iter()
            .map(|t| FileCode {
                guid: guids[&t.id].clone(),
                name: t.name.clone(),
                parent: t.parent_id.map(|p| guids[&p].clone()),
                description: describe(&t.fields, t.kind, t.origin),
                color: t.fields.color.as_deref().and_then(rgb),
            })
            .collect()
    }

    #[test]
    fn history_restored_in_a_new_project_reads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let a = revised(dir.path());
        let h = collect(&a).unwrap().expect("a history");
        assert!(
            h.themes.iter().any(|t| t.deleted_in.is_some()),
            "the merged theme is kept"
        );
        assert_eq!(
            h.versions
                .iter()
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>(),
            ["T0", "T1"]
        );
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(History::parse(&json).unwrap(), h);
        h.check(&codes_of(&a)).unwrap();
        let b = project(dir.path(), "b.tana");
        b.execute_batch("BEGIN").unwrap();
        h.restore_revisions(&b).unwrap();
        let ids = h.restore_template(&b).unwrap();
        b.execute_batch("COMMIT").unwrap();
        assert_eq!(ids.len(), h.themes.len());
        assert_eq!(collect(&b).unwrap().unwrap(), h);
        let log = |c: &Connection| format!("{:?}", version::log(c, 0, None).unwrap());
        assert_eq!(log(&a), log(&b));
        let t1 = |c: &Connection| format!("{:?}", version::version(c, "T1").unwrap().themes);
        assert_eq!(t1(&a), t1(&b));
    }

    #[test]
    fn a_history_that_does_not_end_in_the_files_codebook_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = revised(dir.path());
        let h = collect(&a).unwrap().unwrap();
        let codes = codes_of(&a);
        let mut renamed = codes.clone();
        renamed[1].name = "Goals".into();
        assert!(h.check(&renamed).unwrap_err().contains("\"Goals\" differs"));
        let mut redefined = codes.clone();
        redefined[0].description = "Something else.".into();
        assert!(h.check(&redefined).unwrap_err().contains("differs"));
        let mut reordered = codes.clone();
        reordered.swap(1, 2);
        assert!(h.check(&reordered).unwrap_err().contains("orders"));
        let fewer = &codes[..codes.len() - 1];
        assert!(h
            .check(fewer)
            .unwrap_err()
            .contains("themes and the file's codebook"));
        let mut broken = h.clone();
        broken.revisions.retain(|r| r.op != "merge");
        assert!(broken
            .check(&codes)
            .unwrap_err()
            .contains("retired by a revision"));
        assert!(History::parse("{\"format\":\"other\"}").is_err());
    }

    #[test]
    fn theme_memos_are_cut_from_a_description() {
        assert_eq!(
            without_theme_memos("What people know.\n\nMemos on this theme:\n\nSplit it?"),
            "What people know."
        );
        assert_eq!(without_theme_memos("Memos on this theme:\n\nSplit it?"), "");
        assert_eq!(
            without_theme_memos("Plain definition."),
            "Plain definition."
        );
    }

    #[test]
    fn a_project_without_revisions_or_versions_has_no_history() {
        let dir = tempfile::tempdir().unwrap();
        let conn = project(dir.path(), "a.tana");
        assert_eq!(collect(&conn).unwrap(), None);
    }
}
