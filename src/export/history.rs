//! The audit appendix: every template version with its note, the numbered template at that
//! version, and the changes between consecutive versions with their rationale.

use rusqlite::Connection;

use crate::error::Result;
use crate::template::version::{describe, log, to_template, versions, LogRow};
use crate::template::Template;

/// One section of the appendix: a version (or the current, unsaved template).
pub struct Section {
    pub title: String,
    pub meta: String,
    pub note: Option<String>,
    /// The changes that led here from the previous section.
    pub changes: Vec<LogRow>,
    /// (level, "1.2 Name", kind/origin marks)
    pub outline: Vec<(usize, String)>,
}

fn outline(template: &Template) -> Vec<(usize, String)> {
    template
        .themes
        .iter()
        .map(|t| {
            let mut label = format!("{} {}", t.number, t.name);
            if t.kind == crate::model::ThemeKind::Integrative {
                label.push_str(" (integrative)");
            }
            if t.origin == crate::model::Origin::APriori {
                label.push_str(" *");
            }
            (t.level(), label)
        })
        .collect()
}

/// The appendix's sections, oldest first.
pub fn sections(conn: &Connection) -> Result<Vec<Section>> {
    let mut out = Vec::new();
    let mut prev = 0;
    for v in versions(conn)? {
        out.push(Section {
            title: v.name.clone(),
            meta: format!("saved {} by {}", v.created_at, v.coder),
            note: v.note.clone(),
            changes: log(conn, prev, Some(v.revision))?,
            outline: outline(&to_template(&v.themes)),
        });
        prev = v.revision;
    }
    let rest = log(conn, prev, None)?;
    if !rest.is_empty() || out.is_empty() {
        out.push(Section {
            title: "Current template (not saved as a version)".to_string(),
            meta: String::new(),
            note: None,
            changes: rest,
            outline: outline(&Template::load(conn)?),
        });
    }
    Ok(out)
}

fn change_line(r: &LogRow) -> String {
    let mut line = format!(
        "{} (revision {}, {}, {})",
        describe(r),
        r.id,
        r.coder,
        r.created_at
    );
    if let Some(w) = &r.rationale {
        line.push_str(&format!(". Rationale: {w}"));
    }
    if let Some(p) = &r.prompted_by {
        line.push_str(&format!(". Prompted by {p}"));
    }
    if let Some(u) = r.undone_by {
        line.push_str(&format!(". Undone by revision {u}"));
    }
    line
}

/// Journal entries for the appendix, as "date (coder) [tags]: text".
pub fn journal_lines(conn: &Connection) -> Result<Vec<String>> {
    Ok(crate::memo::journal(conn, None)?
        .into_iter()
        .map(|j| {
            let tags = if j.tags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", j.tags)
            };
            format!("{} ({}){tags}: {}", j.created_at, j.coder, j.text)
        })
        .collect())
}

/// One a priori theme: its label now (or its name, when it has left the template), its
/// source, and the version it entered in.
pub struct Source {
    pub theme: String,
    pub source: Option<String>,
    pub entered_in: Option<String>,
}

/// Every a priori theme with its source, in the order they entered the template.
pub fn sources(conn: &Connection) -> Result<Vec<Source>> {
    let template = Template::load(conn)?;
    let created = crate::template::version::theme_versions(conn)?;
    let mut stmt =
        conn.prepare("SELECT id, name, source FROM theme WHERE origin = 'a-priori' ORDER BY id")?;
    let rows: Vec<(i64, String, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .map(|(id, name, source)| Source {
            theme: template
                .get(id)
                .map(|t| t.label())
                .unwrap_or_else(|| format!("{name} (no longer in the template)")),
            source,
            entered_in: created.get(&id).map(|v| v.0.clone()),
        })
        .collect())
}

fn source_line(s: &Source) -> String {
    format!(
        "{}: {}{}",
        s.theme,
        s.source.as_deref().unwrap_or("source not recorded"),
        s.entered_in
            .as_ref()
            .map(|v| format!(" (in {v})"))
            .unwrap_or_default()
    )
}

/// The appendix as Markdown.
pub fn markdown(sections: &[Section], sources: &[Source], journal: &[String]) -> String {
    let mut out = String::from("# Template history\n\nThe sequence of template versions, the changes between them with their rationale, and the numbered template at each version. `*` marks a priori themes.\n");
    if !sources.is_empty() {
        out.push_str("\n## Sources of the a priori themes\n\n");
        for s in sources {
            out.push_str(&format!("- {}\n", source_line(s)));
        }
    }
    for s in sections {
        out.push_str(&format!("\n## {}\n\n", s.title));
        if !s.meta.is_empty() {
            out.push_str(&format!("_{}_\n\n", s.meta));
        }
        if let Some(n) = &s.note {
            out.push_str(&format!("{n}\n\n"));
        }
        if !s.changes.is_empty() {
            out.push_str("Changes:\n\n");
            for c in &s.changes {
                out.push_str(&format!("- {}\n", change_line(c)));
            }
            out.push('\n');
        }
        out.push_str("Template:\n\n");
        for (level, label) in &s.outline {
            out.push_str(&format!("{}- {label}\n", "  ".repeat(level - 1)));
        }
    }
    if !journal.is_empty() {
        out.push_str("\n## Reflexive journal\n\n");
        for j in journal {
            out.push_str(&format!("- {j}\n"));
        }
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The appendix as a self-contained HTML page.
pub fn html(sections: &[Section], sources: &[Source], journal: &[String]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Template history</title>\n<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}ul.t{list-style:none}ul.t ul{list-style:none}.meta{color:#555}</style>\n</head>\n<body>\n<h1>Template history</h1>\n<p>The sequence of template versions, the changes between them with their rationale, and the numbered template at each version. * marks a priori themes.</p>\n",
    );
    if !sources.is_empty() {
        out.push_str("<h2>Sources of the a priori themes</h2>\n<ul>\n");
        for s in sources {
            out.push_str(&format!("<li>{}</li>\n", esc(&source_line(s))));
        }
        out.push_str("</ul>\n");
    }
    for s in sections {
        out.push_str(&format!("<h2>{}</h2>\n", esc(&s.title)));
        if !s.meta.is_empty() {
            out.push_str(&format!("<p class=\"meta\">{}</p>\n", esc(&s.meta)));
        }
        if let Some(n) = &s.note {
            out.push_str(&format!("<p>{}</p>\n", esc(n)));
        }
        if !s.changes.is_empty() {
            out.push_str("<h3>Changes</h3>\n<ul>\n");
            for c in &s.changes {
                out.push_str(&format!("<li>{}</li>\n", esc(&change_line(c))));
            }
            out.push_str("</ul>\n");
        }
        out.push_str("<h3>Template</h3>\n");
        let mut depth = 0;
        for (level, label) in &s.outline {
            while depth < *level {
                out.push_str(if depth == 0 {
                    "<ul class=\"t\">\n"
                } else {
                    "<ul>\n"
                });
                depth += 1;
            }
            while depth > *level {
                out.push_str("</ul>\n");
                depth -= 1;
            }
            out.push_str(&format!("<li>{}</li>\n", esc(label)));
        }
        while depth > 0 {
            out.push_str("</ul>\n");
            depth -= 1;
        }
    }
    if !journal.is_empty() {
        out.push_str("<h2>Reflexive journal</h2>\n<ul>\n");
        for j in journal {
            out.push_str(&format!("<li>{}</li>\n", esc(j)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}
