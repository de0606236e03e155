//! Template revisions (King's operations): add, rename, redefine, move, merge, split, delete,
//! restore, integrate and undo. Each runs inside the caller's transaction, is journaled
//! exactly, writes one change-log row, and never drops a coding: codings are re-pointed,
//! joined (the absorbed rows archived), or archived on an explicit uncode.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::version::{ensure_t0, latest_version};
use super::{add_path, insert_theme, NewTheme, Template};
use crate::error::{Error, Result};
use crate::journal::{self, Journal, Kind, LogEntry};
use crate::model::{Origin, Theme, ThemeFields, ThemeKind};
use crate::project::{now, setting};

/// Who revises, why, and what prompted it.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub coder: i64,
    pub rationale: Option<String>,
    /// "P03:12": the transcript and segment that prompted the revision.
    pub prompted_by: Option<String>,
}

/// What a revision did, for the researcher.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub revision: i64,
    pub messages: Vec<String>,
}

fn check_rationale(conn: &Connection, meta: &Meta) -> Result<()> {
    let required = setting(conn, "require-rationale")?.is_some_and(|v| v == "on");
    if required
        && meta
            .rationale
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        return Err(
            Error::usage("this project requires a rationale for every revision").with_hint(
                "add --why \"…\" (turn it off with \"tana config require-rationale off\")",
            ),
        );
    }
    Ok(())
}

/// `[{"id", "number", "path"}]` for the log, as the themes are now.
fn themes_json(template: &Template, ids: &[i64]) -> Value {
    Value::Array(
        ids.iter()
            .filter_map(|id| template.get(*id))
            .map(|t| json!({"id": t.id, "number": t.number, "path": t.path_string()}))
            .collect(),
    )
}

/// A theme as the change log records it: what revisions store as before and after.
pub(crate) fn theme_state(t: &Theme) -> Value {
    json!({
        "id": t.id,
        "number": t.number,
        "name": t.name,
        "path": t.path_string(),
        "parent_id": t.parent_id,
        "kind": t.kind.as_str(),
        "origin": t.origin.as_str(),
        "definition": t.fields.definition,
        "include": t.fields.include,
        "exclude": t.fields.exclude,
        "example": t.fields.example,
        "memo": t.fields.memo,
    })
}

/// Run `work` as one journaled revision and write its log row.
fn revision<F>(conn: &Connection, meta: &Meta, op: &str, work: F) -> Result<Outcome>
where
    F: FnOnce(&Journal) -> Result<(LogEntry, Vec<String>)>,
{
    check_rationale(conn, meta)?;
    // No revision may nest the template deeper than the cap (a project made deeper by an
    // older tana can still be revised, as long as it gets no deeper).
    let depth_before = super::depth(conn)?;
    let journal = Journal::begin(conn)?;
    let (mut entry, messages) = work(&journal)?;
    let depth_after = super::depth(conn)?;
    if depth_after > super::MAX_DEPTH && depth_after > depth_before {
        return Err(super::too_deep(&format!("this {op}")));
    }
    entry.op = op.to_string();
    entry.kind = Kind::Template;
    if entry.summary.is_none() {
        entry.summary = messages.first().cloned();
    }
    entry.rationale = meta.rationale.clone();
    entry.prompted_by = meta.prompted_by.clone();
    let id = journal.finish(conn, &entry, meta.coder)?;
    Ok(Outcome {
        revision: id.unwrap_or(0),
        messages,
    })
}

/// `revision` for the other revision modules (the outline editor).
pub(crate) fn revision_pub<F>(conn: &Connection, meta: &Meta, op: &str, work: F) -> Result<Outcome>
where
    F: FnOnce(&Journal) -> Result<(LogEntry, Vec<String>)>,
{
    revision(conn, meta, op, work)
}

/// Transcripts that have at least one coding: the ones coded "earlier".
fn coded_transcripts(conn: &Connection) -> Result<Vec<i64>> {
    let mut stmt =
        conn.prepare("SELECT DISTINCT transcript_id FROM coding ORDER BY transcript_id")?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// One entry for the re-review list.
struct NewReview<'a> {
    transcript: i64,
    span: Option<(i64, i64)>,
    theme: i64,
    coding: Option<i64>,
    kind: &'a str,
    reason: &'a str,
}

fn add_review(conn: &Connection, r: &NewReview, revision: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO review (transcript_id, start, end, theme_id, coding_id, kind, reason, revision_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        r.transcript,
        r.span.map(|s| s.0),
        r.span.map(|s| s.1),
        r.theme,
        r.coding,
        r.kind,
        r.reason,
        revision
    ])?;
    Ok(())
}

/// Flag every transcript coded so far for re-reading with a theme in mind.
fn flag_reread(conn: &Connection, theme: &Theme, reason: &str, revision: i64) -> Result<usize> {
    let transcripts = coded_transcripts(conn)?;
    for t in &transcripts {
        let entry = NewReview {
            transcript: *t,
            span: None,
            theme: theme.id,
            coding: None,
            kind: "reread",
            reason,
        };
        add_review(conn, &entry, revision)?;
    }
    Ok(transcripts.len())
}

/// Queue every coding of a theme for review (confirm after narrowing, assign after a split).
fn queue_codings(
    conn: &Connection,
    theme: i64,
    kind: &str,
    reason: &str,
    revision: i64,
) -> Result<usize> {
    let mut stmt = conn.prepare(
        "SELECT id, transcript_id, start, end FROM coding WHERE theme_id = ?1
         ORDER BY transcript_id, start",
    )?;
    let rows: Vec<(i64, i64, i64, i64)> = stmt
        .query_map([theme], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, t, s, e) in &rows {
        let entry = NewReview {
            transcript: *t,
            span: Some((*s, *e)),
            theme,
            coding: Some(*id),
            kind,
            reason,
        };
        add_review(conn, &entry, revision)?;
    }
    Ok(rows.len())
}

/// Join overlapping codings of one theme by one coder (after codings were re-pointed to it).
/// The earliest row of each group grows to the union; the others are archived. Two coders'
/// codings stay apart. Returns how many joined.
fn join_overlaps(conn: &Connection, theme: i64, reason: &str, revision: i64) -> Result<usize> {
    let mut stmt = conn.prepare(
        "SELECT id, transcript_id, start, end, memo, coder_id FROM coding WHERE theme_id = ?1
         ORDER BY transcript_id, coder_id, start, id",
    )?;
    type Row = (i64, i64, i64, i64, Option<String>, i64);
    let rows: Vec<Row> = stmt
        .query_map([theme], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    /// Overlapping codings of one transcript and coder: the row that stays, its span, the rows
    /// it absorbs.
    struct Group {
        keep: i64,
        transcript: i64,
        coder: i64,
        start: i64,
        end: i64,
        memo: Option<String>,
        absorbed: Vec<i64>,
    }
    let mut groups: Vec<Group> = Vec::new();
    for (id, t, s, e, memo, coder) in rows {
        match groups.last_mut() {
            Some(g) if g.transcript == t && g.coder == coder && s < g.end => {
                g.end = g.end.max(e);
                g.absorbed.push(id);
                if let Some(m) = memo {
                    g.memo = Some(match g.memo.take() {
                        Some(old) if old.split('\n').any(|x| x == m) => old,
                        Some(old) => format!("{old}\n{m}"),
                        None => m,
                    });
                }
            }
            _ => groups.push(Group {
                keep: id,
                transcript: t,
                coder,
                start: s,
                end: e,
                memo,
                absorbed: Vec::new(),
            }),
        }
    }
    // Set-based: archive and delete the absorbed rows, then grow the rows that stay.
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS join_absorbed (id INTEGER PRIMARY KEY);
         CREATE TEMP TABLE IF NOT EXISTS join_keep (id INTEGER PRIMARY KEY, start INTEGER, end INTEGER, memo TEXT);
         DELETE FROM temp.join_absorbed; DELETE FROM temp.join_keep;",
    )?;
    let mut joined = 0;
    {
        let mut absorbed =
            conn.prepare_cached("INSERT INTO temp.join_absorbed (id) VALUES (?1)")?;
        let mut keep = conn.prepare_cached("INSERT INTO temp.join_keep VALUES (?1, ?2, ?3, ?4)")?;
        for g in groups.iter().filter(|g| !g.absorbed.is_empty()) {
            for id in &g.absorbed {
                absorbed.execute([id])?;
            }
            keep.execute(params![g.keep, g.start, g.end, g.memo])?;
            joined += g.absorbed.len();
        }
    }
    if joined > 0 {
        conn.execute(
            "INSERT INTO coding_archive (coding_id, transcript_id, theme_id, start, end, memo, coder_id,
                                         created_at, version_id, reason, revision_id, archived_at)
             SELECT id, transcript_id, theme_id, start, end, memo, coder_id, created_at, version_id,
                    ?1, ?2, ?3
             FROM coding WHERE id IN (SELECT id FROM temp.join_absorbed) ORDER BY id",
            params![reason, revision, now()],
        )?;
        conn.execute(
            "DELETE FROM coding WHERE id IN (SELECT id FROM temp.join_absorbed)",
            [],
        )?;
        conn.execute(
            "UPDATE coding SET start = k.start, end = k.end, memo = k.memo
             FROM temp.join_keep k WHERE coding.id = k.id",
            [],
        )?;
    }
    Ok(joined)
}

fn count_codings(conn: &Connection, themes: &[i64]) -> Result<i64> {
    let mut n = 0;
    for t in themes {
        n += conn.query_row(
            "SELECT count(*) FROM coding WHERE theme_id = ?1",
            [t],
            |r| r.get::<_, i64>(0),
        )?;
    }
    Ok(n)
}

/// Renumber the positions of a parent's live children in the given order.
fn set_order(conn: &Connection, order: &[i64]) -> Result<()> {
    for (i, id) in order.iter().enumerate() {
        conn.execute(
            "UPDATE theme SET position = ?2 WHERE id = ?1 AND position <> ?2",
            params![id, (i + 1) as i64],
        )?;
    }
    Ok(())
}

fn check_sibling_name(
    template: &Template,
    parent: Option<i64>,
    name: &str,
    except: i64,
) -> Result<()> {
    if let Some(t) = template
        .children(parent)
        .find(|t| t.id != except && t.name.to_lowercase() == name.to_lowercase())
    {
        return Err(Error::user(format!(
            "a theme named \"{}\" already exists there ({})",
            t.name,
            t.label()
        ))
        .with_hint("sibling themes need different names; rename one first"));
    }
    Ok(())
}

/// Insert: `theme add`, logged, flagging earlier-coded transcripts for re-reading.
pub fn add(
    conn: &Connection,
    path: &str,
    new: &NewTheme,
    parents: bool,
    meta: &Meta,
) -> Result<Outcome> {
    if new.origin == Origin::Emergent {
        ensure_t0(conn, meta.coder, None)?;
    }
    revision(conn, meta, "add", |j| {
        let added = add_path(conn, path, new, parents, meta.coder)?;
        let template = Template::load(conn)?;
        let t = template.get(added.id).expect("just added").clone();
        let mut messages: Vec<String> = added
            .created_parents
            .iter()
            .filter_map(|p| template.resolve(p).ok())
            .map(|p| format!("added parent {}", p.label()))
            .collect();
        messages.push(format!("added {} ({})", t.label(), t.path_string()));
        let n = flag_reread(
            conn,
            &t,
            &format!("new theme {}: re-read for it", t.label()),
            j.id,
        )?;
        if n > 0 {
            messages.push(format!(
                "{n} transcript(s) coded earlier flagged for re-reading (tana review)"
            ));
        }
        let mut ids: Vec<i64> = added
            .created_parents
            .iter()
            .filter_map(|p| template.resolve(p).ok().map(|t| t.id))
            .collect();
        ids.push(t.id);
        Ok((
            LogEntry {
                themes: themes_json(&template, &ids),
                after: Some(theme_state(&t)),
                ..Default::default()
            },
            messages,
        ))
    })
}

/// Import an outline as one logged revision (themes that exist are left as they are).
pub fn import_outline(
    conn: &Connection,
    items: &[super::outline::OutlineItem],
    meta: &Meta,
) -> Result<(Outcome, super::outline::ImportReport)> {
    let mut report = None;
    let outcome = revision(conn, meta, "add", |j| {
        let r = super::outline::import(conn, items, meta.coder)?;
        let template = Template::load(conn)?;
        let ids: Vec<i64> = r.added_ids.clone();
        let mut messages = Vec::new();
        let mut flagged = 0;
        let coded = coded_transcripts(conn)?;
        if !coded.is_empty() {
            for id in &ids {
                let t = template.get(*id).expect("added theme exists");
                flagged += flag_reread(
                    conn,
                    t,
                    &format!("new theme {}: re-read for it", t.label()),
                    j.id,
                )?;
            }
        }
        if flagged > 0 {
            messages.push(format!(
                "{flagged} re-read entries for transcripts coded earlier (tana review)"
            ));
        }
        report = Some(r);
        Ok((
            LogEntry {
                themes: themes_json(&template, &ids),
                after: Some(json!({"imported": ids.len()})),
                ..Default::default()
            },
            messages,
        ))
    })?;
    let report = report.expect("set by the revision");
    if report.added.is_empty() {
        return Ok((outcome, report));
    }
    let emergent: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM theme WHERE deleted_in IS NULL AND origin = ?1)",
        [Origin::Emergent.as_str()],
        |r| r.get(0),
    )?;
    if emergent {
        // T0 is the a priori themes as they were before this import added emergent ones.
        ensure_t0(conn, meta.coder, Some(outcome.revision - 1))?;
    }
    Ok((outcome, report))
}

/// Rename a theme.
pub fn rename(conn: &Connection, theme: &str, new_name: &str, meta: &Meta) -> Result<Outcome> {
    let template = Template::load(conn)?;
    let t = template.resolve(theme)?.clone();
    let new_name = new_name.trim();
    super::validate_name(new_name)?;
    if new_name == t.name {
        return Err(Error::user(format!(
            "{} is already called \"{new_name}\"",
            t.label()
        )));
    }
    check_sibling_name(&template, t.parent_id, new_name, t.id)?;
    revision(conn, meta, "rename", |_| {
        conn.execute(
            "UPDATE theme SET name = ?2 WHERE id = ?1",
            params![t.id, new_name],
        )?;
        let after = Template::load(conn)?;
        let now_t = after.get(t.id).expect("renamed theme exists");
        Ok((
            LogEntry {
                themes: themes_json(&template, &[t.id]),
                before: Some(theme_state(&t)),
                after: Some(theme_state(now_t)),
                ..Default::default()
            },
            vec![format!("renamed {} to \"{new_name}\"", t.label())],
        ))
    })
}

/// Whether a redefinition broadens or narrows the theme's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Broaden,
    Narrow,
}

/// Change codebook fields; broadening flags earlier transcripts, narrowing queues codings.
pub fn redefine(
    conn: &Connection,
    theme: &str,
    fields: &ThemeFields,
    scope: Option<Scope>,
    meta: &Meta,
) -> Result<Outcome> {
    let template = Template::load(conn)?;
    let t = template.resolve(theme)?.clone();
    let f = fields;
    if [&f.definition, &f.include, &f.exclude, &f.example, &f.memo]
        .iter()
        .all(|x| x.is_none())
    {
        return Err(Error::usage("nothing to redefine")
            .with_hint("give --definition, --include, --exclude, --example or --memo"));
    }
    revision(conn, meta, "redefine", |j| {
        let set = |col: &str, v: &Option<String>| -> Result<()> {
            if let Some(v) = v {
                let v = v.trim();
                conn.execute(
                    &format!("UPDATE theme SET {col} = ?2 WHERE id = ?1"),
                    params![t.id, (!v.is_empty()).then_some(v)],
                )?;
            }
            Ok(())
        };
        set("definition", &f.definition)?;
        set("include", &f.include)?;
        set("exclude", &f.exclude)?;
        set("example", &f.example)?;
        set("memo", &f.memo)?;
        let after = Template::load(conn)?;
        let now_t = after.get(t.id).expect("theme exists").clone();
        let mut messages = vec![format!("redefined {}", t.label())];
        match scope {
            Some(Scope::Broaden) => {
                let n = flag_reread(
                    conn,
                    &now_t,
                    &format!("{} broadened: re-read for it", t.label()),
                    j.id,
                )?;
                messages.push(format!(
                    "broadened: {n} transcript(s) coded earlier flagged for re-reading"
                ));
            }
            Some(Scope::Narrow) => {
                let n = queue_codings(
                    conn,
                    t.id,
                    "confirm",
                    &format!("{} narrowed: confirm this coding still fits", t.label()),
                    j.id,
                )?;
                messages.push(format!("narrowed: {n} coding(s) queued for confirmation"));
            }
            None => {}
        }
        let mut after_state = theme_state(&now_t);
        after_state["scope"] = json!(match scope {
            Some(Scope::Broaden) => "broadened",
            Some(Scope::Narrow) => "narrowed",
            None => "unchanged",
        });
        Ok((
            LogEntry {
                themes: themes_json(&template, &[t.id]),
                before: Some(theme_state(&t)),
                after: Some(after_state),
                ..Default::default()
            },
            messages,
        ))
    })
}

/// Where a theme moves to.
#[derive(Debug, Clone)]
pub enum Destination {
    Under(String),
    Top,
}

/// Where among its new siblings.
#[derive(Debug, Clone)]
pub enum Anchor {
    Before(String),
    After(String),
    End,
}

/// Move a theme (and its subtree) under another parent or to the top level.
pub fn move_theme(
    conn: &Connection,
    theme: &str,
    dest: &Destination,
    anchor: &Anchor,
    meta: &Meta,
) -> Result<Outcome> {
    let template = Template::load(conn)?;
    let t = template.resolve(theme)?.clone();
    let parent = match dest {
        Destination::Top => None,
        Destination::Under(p) => {
            let p = template.resolve(p)?;
            if template.subtree(t.id).iter().any(|s| s.id == p.id) {
                return Err(Error::user(format!(
                    "cannot move {} under {}: that is inside its own subtree",
                    t.label(),
                    p.label()
                ))
                .with_hint("move the sub-theme out first, or choose another parent"));
            }
            let height = template
                .subtree(t.id)
                .iter()
                .map(|s| s.level() + 1 - t.level())
                .max()
                .unwrap_or(1);
            if p.level() + height > super::MAX_DEPTH {
                return Err(super::too_deep(&format!(
                    "moving {} under {}",
                    t.label(),
                    p.label()
                )));
            }
            Some(p.id)
        }
    };
    check_sibling_name(&template, parent, &t.name, t.id)?;
    let mut order: Vec<i64> = template
        .children(parent)
        .map(|c| c.id)
        .filter(|id| *id != t.id)
        .collect();
    let at = match anchor {
        Anchor::End => order.len(),
        Anchor::Before(s) | Anchor::After(s) => {
            let s = template.resolve(s)?;
            let i = order.iter().position(|id| *id == s.id).ok_or_else(|| {
                Error::user(format!(
                    "{} is not among the new siblings of {}",
                    s.label(),
                    t.label()
                ))
                .with_hint("--before and --after name a theme under the new parent")
            })?;
            if matches!(anchor, Anchor::After(_)) {
                i + 1
            } else {
                i
            }
        }
    };
    order.insert(at, t.id);
    revision(conn, meta, "move", |_| {
        conn.execute(
            "UPDATE theme SET parent_id = ?2 WHERE id = ?1 AND parent_id IS NOT ?2",
            params![t.id, parent],
        )?;
        set_order(conn, &order)?;
        let old_siblings: Vec<i64> = template
            .children(t.parent_id)
            .map(|c| c.id)
            .filter(|id| *id != t.id)
            .collect();
        if t.parent_id != parent {
            set_order(conn, &old_siblings)?;
        }
        let after = Template::load(conn)?;
        let now_t = after.get(t.id).expect("moved theme exists");
        if now_t.number == t.number && now_t.parent_id == t.parent_id {
            return Err(Error::user(format!("{} is already there", t.label())));
        }
        let moved = after.subtree(t.id).len();
        Ok((
            LogEntry {
                themes: themes_json(&template, &[t.id]),
                before: Some(theme_state(&t)),
                after: Some(theme_state(now_t)),
                ..Default::default()
            },
            vec![format!(
                "moved {} to {}{}",
                t.label(),
                now_t.number,
                if moved > 1 {
                    format!(" with {} sub-theme(s)", moved - 1)
                } else {
                    String::new()
                }
            )],
        ))
    })
}

/// Merge themes into one: the union of their codings, overlaps joined, sub-themes moved.
pub fn merge(conn: &Connection, themes: &[String], into: &str, meta: &Meta) -> Result<Outcome> {
    let template = Template::load(conn)?;
    let mut sources: Vec<Theme> = Vec::new();
    for r in themes {
        let t = template.resolve(r)?.clone();
        if !sources.iter().any(|s| s.id == t.id) {
            sources.push(t);
        }
    }
    let target = match template.resolve(into) {
        Ok(t) => Some(t.clone()),
        Err(_) if !into.contains('/') && !into.trim().starts_with('#') => None,
        Err(e) => return Err(e),
    };
    if let Some(c) = &target {
        for s in &sources {
            if s.id != c.id && template.subtree(s.id).iter().any(|x| x.id == c.id) {
                return Err(Error::user(format!(
                    "cannot merge {} into its own sub-theme {}",
                    s.label(),
                    c.label()
                )));
            }
        }
    }
    let sources: Vec<Theme> = sources
        .into_iter()
        .filter(|s| target.as_ref().is_none_or(|c| c.id != s.id))
        .collect();
    if sources.is_empty() {
        return Err(Error::usage(
            "name at least one theme to merge besides the target",
        ));
    }
    revision(conn, meta, "merge", |j| {
        let mut messages = Vec::new();
        // The target: an existing theme, or a new one where the first source stands.
        let c = match &target {
            Some(c) => c.clone(),
            None => {
                // Where the highest of the merged themes stands (never inside one of them).
                let first = sources
                    .iter()
                    .min_by_key(|s| s.level())
                    .expect("at least one source");
                let name = into.trim();
                super::validate_name(name)?;
                check_sibling_name(&template, first.parent_id, name, -1)?;
                let new = NewTheme {
                    kind: first.kind,
                    origin: Origin::Emergent,
                    fields: ThemeFields::default(),
                };
                let id = insert_theme(conn, first.parent_id, name, &new, meta.coder)?;
                let mut order: Vec<i64> =
                    template.children(first.parent_id).map(|x| x.id).collect();
                let at = order
                    .iter()
                    .position(|x| *x == first.id)
                    .unwrap_or(order.len());
                order.insert(at, id);
                set_order(conn, &order)?;
                let now = Template::load(conn)?;
                let c = now.get(id).expect("new target exists").clone();
                messages.push(format!("added {} as the merged theme", c.label()));
                c
            }
        };
        let source_ids: Vec<i64> = sources.iter().map(|s| s.id).collect();
        let moved_codings = count_codings(conn, &source_ids)?;
        for s in &sources {
            conn.execute(
                "UPDATE coding SET theme_id = ?2 WHERE theme_id = ?1",
                params![s.id, c.id],
            )?;
            // Sub-themes move under the merged theme.
            // Sub-themes move under the merged theme (merged sub-themes go with their merge).
            let kids: Vec<&Theme> = template
                .children(Some(s.id))
                .filter(|k| k.id != c.id && !source_ids.contains(&k.id))
                .collect();
            for k in kids {
                let current = Template::load(conn)?;
                check_sibling_name(&current, Some(c.id), &k.name, k.id)?;
                let pos: i64 = conn.query_row(
                    "SELECT ifnull(max(position), 0) + 1 FROM theme WHERE parent_id = ?1 AND deleted_in IS NULL",
                    [c.id],
                    |r| r.get(0),
                )?;
                conn.execute(
                    "UPDATE theme SET parent_id = ?2, position = ?3 WHERE id = ?1",
                    params![k.id, c.id, pos],
                )?;
            }
            conn.execute(
                "UPDATE theme SET deleted_in = ?2 WHERE id = ?1",
                params![s.id, j.id],
            )?;
            conn.execute(
                "INSERT OR IGNORE INTO theme_link (integrative_id, theme_id)
                 SELECT integrative_id, ?2 FROM theme_link WHERE theme_id = ?1",
                params![s.id, c.id],
            )?;
        }
        let joined = join_overlaps(
            conn,
            c.id,
            &format!(
                "joined with an overlapping coding when merged into {}",
                c.label()
            ),
            j.id,
        )?;
        let after = Template::load(conn)?;
        let now_c = after.get(c.id).expect("target exists");
        messages.push(format!(
            "merged {} into {}: {moved_codings} coding(s) moved{}",
            sources
                .iter()
                .map(|s| s.label())
                .collect::<Vec<_>>()
                .join(", "),
            now_c.label(),
            if joined > 0 {
                format!(", {joined} joined with overlapping codings (archived, restorable)")
            } else {
                String::new()
            }
        ));
        let mut ids = source_ids.clone();
        ids.push(c.id);
        Ok((
            LogEntry {
                themes: themes_json(&template, &ids).as_array().cloned().map(|mut v| {
                    if target.is_none() {
                        v.push(json!({"id": now_c.id, "number": now_c.number, "path": now_c.path_string()}));
                    }
                    Value::Array(v)
                }).unwrap_or(Value::Null),
                before: Some(json!({"themes": sources.iter().map(theme_state).collect::<Vec<_>>(), "codings": moved_codings})),
                after: Some(json!({"into": theme_state(now_c), "joined": joined})),
                ..Default::default()
            },
            messages,
        ))
    })
}

/// Split a theme into new themes; all its codings are queued for assignment.
pub fn split(conn: &Connection, theme: &str, into: &[String], meta: &Meta) -> Result<Outcome> {
    let template = Template::load(conn)?;
    let t = template.resolve(theme)?.clone();
    if into.len() < 2 {
        return Err(Error::usage("a split needs at least two new themes")
            .with_hint("e.g. tana theme split 2.1 --into \"Tenders\" \"Audits\""));
    }
    // A part may keep the theme's own name: the theme itself stays as that part.
    let keeps = |n: &str| n.trim().to_lowercase() == t.name.to_lowercase();
    let mut seen = BTreeSet::new();
    for n in into {
        super::validate_name(n.trim())?;
        if !seen.insert(n.trim().to_lowercase()) {
            return Err(Error::usage(format!("\"{}\" is named twice", n.trim())));
        }
        if !keeps(n) {
            check_sibling_name(&template, t.parent_id, n.trim(), -1)?;
        }
    }
    revision(conn, meta, "split", |j| {
        let mut order: Vec<i64> = template.children(t.parent_id).map(|x| x.id).collect();
        let at = order
            .iter()
            .position(|x| *x == t.id)
            .map_or(order.len(), |i| i + 1);
        let mut new_ids = Vec::new();
        let mut part_ids = Vec::new();
        for n in into {
            if keeps(n) {
                part_ids.push(t.id);
                continue;
            }
            let new = NewTheme {
                kind: t.kind,
                origin: Origin::Emergent,
                fields: ThemeFields::default(),
            };
            let id = insert_theme(conn, t.parent_id, n.trim(), &new, meta.coder)?;
            order.insert(at + new_ids.len(), id);
            new_ids.push(id);
            part_ids.push(id);
        }
        set_order(conn, &order)?;
        let after = Template::load(conn)?;
        let labels: Vec<String> = part_ids
            .iter()
            .filter_map(|id| after.get(*id))
            .map(|x| x.label())
            .collect();
        let n = queue_codings(
            conn,
            t.id,
            "assign",
            &format!(
                "{} split into {}: assign this coding",
                t.label(),
                labels.join(", ")
            ),
            j.id,
        )?;
        let mut ids = vec![t.id];
        ids.extend(&new_ids);
        Ok((
            LogEntry {
                themes: themes_json(&after, &ids),
                before: Some(theme_state(&t)),
                after: Some(
                    json!({"into": part_ids.iter().filter_map(|id| after.get(*id)).map(theme_state).collect::<Vec<_>>(), "queued": n}),
                ),
                ..Default::default()
            },
            {
                let mut m = vec![
                    format!("split {} into {}", t.label(), labels.join(", ")),
                    format!(
                        "{n} coding(s) queued for assignment: tana review, then tana review assign"
                    ),
                ];
                if !part_ids.contains(&t.id) {
                    m.push(format!(
                        "{} stays until its codings are assigned; then delete it with \"tana theme delete\"",
                        t.label()
                    ));
                }
                m
            },
        ))
    })
}

/// What happens to a deleted theme's codings.
#[derive(Debug, Clone)]
pub enum OnDelete {
    ReassignTo(String),
    Uncode,
    /// Only allowed when there are no codings.
    Nothing,
}

/// Delete a theme: its codings are reassigned or archived, never dropped.
pub fn delete(
    conn: &Connection,
    theme: &str,
    how: &OnDelete,
    with_subthemes: bool,
    meta: &Meta,
) -> Result<Outcome> {
    let template = Template::load(conn)?;
    let t = template.resolve(theme)?.clone();
    let subtree: Vec<Theme> = template.subtree(t.id).into_iter().cloned().collect();
    let kids: Vec<&Theme> = template.children(Some(t.id)).collect();
    let target = match how {
        OnDelete::ReassignTo(r) => {
            let x = template.resolve(r)?.clone();
            if subtree.iter().any(|s| s.id == x.id) {
                return Err(Error::user(format!(
                    "cannot reassign to {}: it would be deleted too",
                    x.label()
                )));
            }
            Some(x)
        }
        _ => None,
    };
    if !kids.is_empty() && !with_subthemes && target.is_none() {
        return Err(Error::user(format!(
            "{} has {} sub-theme(s)",
            t.label(),
            subtree.len() - 1
        ))
        .with_hint("add --with-subthemes to delete them too, or --reassign-to THEME to move them and the codings there"));
    }
    let doomed: Vec<i64> = if with_subthemes {
        subtree.iter().map(|s| s.id).collect()
    } else {
        vec![t.id]
    };
    let n = count_codings(conn, &doomed)?;
    if n > 0 && matches!(how, OnDelete::Nothing) {
        return Err(Error::user(format!(
            "{} has {n} coding(s){}",
            t.label(),
            if with_subthemes { " in its subtree" } else { "" }
        ))
        .with_hint("add --reassign-to THEME to move them, or --uncode to archive them (restorable with \"tana theme restore\")"));
    }
    revision(conn, meta, "delete", |j| {
        let mut messages = Vec::new();
        match (&target, how) {
            (Some(x), _) => {
                for d in &doomed {
                    conn.execute(
                        "UPDATE coding SET theme_id = ?2 WHERE theme_id = ?1",
                        params![d, x.id],
                    )?;
                }
                if !with_subthemes {
                    for k in &kids {
                        let pos: i64 = conn.query_row(
                            "SELECT ifnull(max(position), 0) + 1 FROM theme WHERE parent_id = ?1 AND deleted_in IS NULL",
                            [x.id],
                            |r| r.get(0),
                        )?;
                        check_sibling_name(&Template::load(conn)?, Some(x.id), &k.name, k.id)?;
                        conn.execute(
                            "UPDATE theme SET parent_id = ?2, position = ?3 WHERE id = ?1",
                            params![k.id, x.id, pos],
                        )?;
                    }
                }
                let joined = join_overlaps(
                    conn,
                    x.id,
                    &format!(
                        "joined with an overlapping coding when {} was deleted",
                        t.label()
                    ),
                    j.id,
                )?;
                messages.push(format!(
                    "deleted {}: {n} coding(s) reassigned to {}{}",
                    t.label(),
                    x.label(),
                    if joined > 0 {
                        format!(" ({joined} joined with overlapping codings, archived)")
                    } else {
                        String::new()
                    }
                ));
                if !kids.is_empty() && !with_subthemes {
                    messages.push(format!(
                        "{} sub-theme(s) moved under {}",
                        kids.len(),
                        x.label()
                    ));
                }
            }
            (None, _) => {
                let mut stmt = conn.prepare("SELECT id FROM coding WHERE theme_id = ?1")?;
                for d in &doomed {
                    let ids: Vec<i64> = stmt
                        .query_map([d], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    for id in ids {
                        journal::archive_coding(
                            conn,
                            id,
                            &format!("uncoded when {} was deleted", t.label()),
                        )?;
                    }
                }
                messages.push(if n > 0 {
                    format!("deleted {}: {n} coding(s) uncoded and archived (tana theme restore brings them back)", t.label())
                } else {
                    format!("deleted {}", t.label())
                });
            }
        }
        for d in &doomed {
            conn.execute(
                "UPDATE theme SET deleted_in = ?2 WHERE id = ?1",
                params![d, j.id],
            )?;
        }
        let siblings: Vec<i64> = template
            .children(t.parent_id)
            .map(|x| x.id)
            .filter(|x| *x != t.id)
            .collect();
        set_order(conn, &siblings)?;
        Ok((
            LogEntry {
                themes: themes_json(&template, &doomed),
                before: Some(
                    json!({"themes": subtree.iter().filter(|s| doomed.contains(&s.id)).map(theme_state).collect::<Vec<_>>(), "codings": n}),
                ),
                after: Some(json!({
                    "reassigned_to": target.as_ref().map(|x| json!({"id": x.id, "number": x.number, "path": x.path_string()})),
                    "uncoded": target.is_none() && n > 0,
                })),
                ..Default::default()
            },
            messages,
        ))
    })
}

/// Bring back a deleted theme (by `#id` or name) with the codings its deletion archived.
pub fn restore(conn: &Connection, theme: &str, meta: &Meta) -> Result<Outcome> {
    let r = theme.trim();
    let found: Vec<(i64, String, Option<i64>, i64)> = {
        let mut stmt = conn.prepare(
            "SELECT id, name, parent_id, deleted_in FROM theme WHERE deleted_in IS NOT NULL
             AND (('#' || id) = ?1 OR lower(name) = lower(?1)) ORDER BY deleted_in DESC, id",
        )?;
        let rows = stmt
            .query_map([r], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows
    };
    let Some((id, name, parent, deleted_in)) = found.first().cloned() else {
        return Err(Error::user(format!("no deleted theme matches \"{r}\""))
            .with_hint("name it by its old name or #id; \"tana template log\" lists deletions"));
    };
    let template = Template::load(conn)?;
    if let Some(p) = parent {
        if template.get(p).is_none() {
            return Err(Error::user(format!(
                "the parent of \"{name}\" is deleted too; restore the parent first"
            )));
        }
    }
    check_sibling_name(&template, parent, &name, id)?;
    revision(conn, meta, "restore", |_| {
        // The theme, and the sub-themes deleted with it.
        let subtree = "WITH RECURSIVE sub(id) AS (
                           SELECT ?2 UNION SELECT t.id FROM theme t JOIN sub ON t.parent_id = sub.id
                           WHERE t.deleted_in = ?1)";
        conn.execute(
            &format!(
                "{subtree} UPDATE theme SET deleted_in = NULL WHERE id IN sub AND deleted_in = ?1"
            ),
            params![deleted_in, id],
        )?;
        // Back where it stood among its siblings.
        let old_position: i64 =
            conn.query_row("SELECT position FROM theme WHERE id = ?1", [id], |x| {
                x.get(0)
            })?;
        let mut order: Vec<i64> = template.children(parent).map(|c| c.id).collect();
        order.insert(((old_position - 1).max(0) as usize).min(order.len()), id);
        set_order(conn, &order)?;
        let mut stmt = conn.prepare(
            "SELECT id, coding_id, transcript_id, theme_id, start, end, memo, coder_id, created_at, version_id
             FROM coding_archive WHERE revision_id = ?1 AND reason LIKE 'uncoded%'
               AND theme_id IN (SELECT id FROM theme WHERE deleted_in IS NULL)
             ORDER BY id",
        )?;
        type Arch = (
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            Option<String>,
            i64,
            String,
            Option<i64>,
        );
        let rows: Vec<Arch> = stmt
            .query_map([deleted_in], |x| {
                Ok((
                    x.get(0)?,
                    x.get(1)?,
                    x.get(2)?,
                    x.get(3)?,
                    x.get(4)?,
                    x.get(5)?,
                    x.get(6)?,
                    x.get(7)?,
                    x.get(8)?,
                    x.get(9)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (aid, cid, tr, th, s, e, memo, coder, at, v) in &rows {
            conn.execute(
                "INSERT INTO coding (id, transcript_id, theme_id, start, end, memo, coder_id, created_at, version_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![cid, tr, th, s, e, memo, coder, at, v],
            )?;
            conn.execute("DELETE FROM coding_archive WHERE id = ?1", [aid])?;
        }
        let after = Template::load(conn)?;
        let t = after.get(id).expect("restored theme exists");
        Ok((
            LogEntry {
                themes: themes_json(&after, &[id]),
                after: Some(json!({"theme": theme_state(t), "codings": rows.len()})),
                ..Default::default()
            },
            vec![format!(
                "restored {} with {} coding(s)",
                t.label(),
                rows.len()
            )],
        ))
    })
}

/// Link an integrative theme to the themes it cuts across.
pub fn integrate(conn: &Connection, theme: &str, with: &[String], meta: &Meta) -> Result<Outcome> {
    let template = Template::load(conn)?;
    let t = template.resolve(theme)?.clone();
    if t.kind != ThemeKind::Integrative {
        return Err(
            Error::user(format!("{} is not an integrative theme", t.label())).with_hint(
                "integrative themes are added with \"tana theme add NAME --integrative\"",
            ),
        );
    }
    let mut others = Vec::new();
    for w in with {
        let o = template.resolve(w)?.clone();
        if o.id == t.id {
            return Err(Error::usage("a theme cannot be linked to itself"));
        }
        others.push(o);
    }
    revision(conn, meta, "integrate", |_| {
        let mut added = 0;
        for o in &others {
            added += conn.execute(
                "INSERT OR IGNORE INTO theme_link (integrative_id, theme_id) VALUES (?1, ?2)",
                params![t.id, o.id],
            )?;
        }
        let mut ids = vec![t.id];
        ids.extend(others.iter().map(|o| o.id));
        Ok((
            LogEntry {
                themes: themes_json(&template, &ids),
                after: Some(
                    json!({"linked": others.iter().map(|o| o.path_string()).collect::<Vec<_>>()}),
                ),
                ..Default::default()
            },
            vec![format!(
                "linked {} to {} ({added} new link(s))",
                t.label(),
                others
                    .iter()
                    .map(|o| o.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
        ))
    })
}

/// Revert the last template revision that has not been undone, exactly (`theme undo`: the
/// change log's undo, walking back template revisions only).
pub fn undo(conn: &Connection, meta: &Meta) -> Result<Outcome> {
    let done = journal::undo(
        conn,
        None,
        Some(Kind::Template),
        meta.coder,
        meta.rationale.clone(),
    )?;
    Ok(Outcome {
        revision: done.id,
        messages: vec![format!(
            "undid revision {} ({}): {} change(s) reverted",
            done.target, done.what, done.rows
        )],
    })
}

/// The revision id of the latest change-log row (0 if none).
pub fn last_revision(conn: &Connection) -> Result<i64> {
    Ok(conn
        .query_row("SELECT max(id) FROM revision", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten()
        .unwrap_or(0))
}

/// The version in force (for messages).
pub fn current_version_name(conn: &Connection) -> Result<Option<String>> {
    Ok(latest_version(conn)?.map(|v| v.1))
}
