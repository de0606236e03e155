//! The study report: one document with everything a template-analysis paper needs, from the
//! summary and the final template to the audit trail, built from the project in one pass.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::Connection;
use serde_json::Value;

use super::svg::{self, Label};
use super::{sections, Block, Doc};
use crate::analysis::freq::{by_attribute, freq, FreqOptions, FreqTable, Measure};
use crate::error::Result;
use crate::model::{Origin, Theme, ThemeKind};
use crate::output::{count, Table};
use crate::progress::Progress;
use crate::template::version::{log, versions, LogRow, Version};
use crate::template::{links, Template};

/// The report's sections, in the order they appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Section {
    /// Transcripts, words, coders, template versions
    Summary,
    /// The numbered template with definitions
    Template,
    /// Themes × participants as a heat map, with participants per theme
    Heatmap,
    /// Participants per theme by group (--by ATTR), as a bar chart
    Groups,
    /// Themes coded in the same segments, as a heat map
    Cooccur,
    /// Extracts per theme, spread over participants
    Quotes,
    /// What became of each a priori theme
    Fate,
    /// The template's evolution from T0 to now, as a flow picture
    Evolution,
    /// Every codebook field of every theme
    Codebook,
    /// Versions, changes and rationale; sources of a priori themes
    Audit,
}

impl Section {
    pub const ALL: [Section; 10] = [
        Section::Summary,
        Section::Template,
        Section::Heatmap,
        Section::Groups,
        Section::Cooccur,
        Section::Quotes,
        Section::Fate,
        Section::Evolution,
        Section::Codebook,
        Section::Audit,
    ];
}

/// What to put in the report.
#[derive(Debug, Clone)]
pub struct Options {
    pub title: String,
    pub sections: Vec<Section>,
    /// The attribute whose groups the bar chart compares (None: the attribute with the most
    /// values up to 8, if any).
    pub by: Option<String>,
    pub quotes_per_theme: usize,
    /// Theme levels in the charts (None: as deep as keeps them to about 40 rows).
    pub depth: Option<usize>,
    /// Only these transcripts (from `--where`), and how they were chosen.
    pub transcripts: Option<Vec<String>>,
    pub chosen: Option<String>,
    pub coder: Option<i64>,
    /// The project file's name, for the subtitle.
    pub project: String,
}

/// Build the report.
pub fn build(conn: &Connection, opts: &Options, progress: &mut Progress) -> Result<Doc> {
    progress.stage("counting", opts.sections.len() as u64 + 1);
    let template = Template::load(conn)?;
    let only_ids = match &opts.transcripts {
        Some(names) => Some(crate::analysis::filter::ids_of(conn, names)?),
        None => None,
    };
    let depth = opts.depth.unwrap_or_else(|| chart_depth(&template));
    let presence = freq(
        conn,
        &template,
        &FreqOptions {
            measure: Measure::Segments,
            depth: Some(depth),
            transcripts: opts.transcripts.clone(),
            coder: opts.coder,
            no_autocoded: false,
        },
    )?;
    let total = presence.transcripts.len();
    let counts = crate::export::theme_counts_in(conn, &template, opts.coder, only_ids.as_ref())?;
    let links = links(conn, &template)?;
    let mut doc = Doc::new(opts.title.clone());
    doc.subtitle = Some(format!(
        "Made by tana {} on {} from {}{}.",
        env!("CARGO_PKG_VERSION"),
        crate::project::now().get(..10).unwrap_or_default(),
        opts.project,
        opts.chosen
            .as_ref()
            .map(|c| format!("; transcripts where {c}"))
            .unwrap_or_default()
    ));
    let mut r = Builder {
        conn,
        opts,
        template: &template,
        doc: &mut doc,
        quoted: HashMap::new(),
    };
    for s in Section::ALL {
        if !opts.sections.contains(&s) {
            continue;
        }
        progress.inc(1);
        progress.set_message(format!("{s:?}").to_lowercase());
        let needs_themes = !matches!(
            s,
            Section::Summary | Section::Fate | Section::Evolution | Section::Audit
        );
        if needs_themes && template.is_empty() {
            if s == Section::Template {
                r.heading(1, "The coding template", "template");
                r.doc.para(
                    "The template has no themes yet: import a priori themes with \"tana template import\" or add them with \"tana theme add\".",
                );
            }
            continue;
        }
        match s {
            Section::Summary => r.summary(&presence)?,
            Section::Template => {
                r.heading(1, "The coding template", "template");
                r.doc
                    .table(sections::template(&template, &counts, total, &links));
            }
            Section::Heatmap => r.heatmap(&presence, depth),
            Section::Groups => r.groups(&presence)?,
            Section::Cooccur => r.cooccur(depth)?,
            Section::Quotes => r.quotes(only_ids.as_ref())?,
            Section::Fate => r.fate()?,
            Section::Evolution => r.evolution(depth)?,
            Section::Codebook => {
                r.doc.blocks.push(Block::PageBreak);
                r.heading(1, "Codebook", "codebook");
                r.doc.note(sections::codebook_note(&template, total));
                let t = sections::codebook(conn, &template, opts.coder, only_ids.as_ref(), total)?;
                r.doc.table(t);
            }
            Section::Audit => r.audit()?,
        }
    }
    progress.inc(1);
    progress.set_message("writing");
    Ok(doc)
}

/// The deepest level that keeps the charts to about 40 themes (at least the top level).
fn chart_depth(template: &Template) -> usize {
    let deepest = template.themes.iter().map(Theme::level).max().unwrap_or(1);
    (1..=deepest)
        .rev()
        .find(|d| template.themes.iter().filter(|t| t.level() <= *d).count() <= 40)
        .unwrap_or(1)
}

fn label(t: &Theme) -> Label {
    Label {
        text: t.label(),
        level: t.level(),
        colour: t.fields.color.clone(),
    }
}

const CAUTION: &str =
    "Frequency is not importance (King): read the counts beside the quotes and the template.";

struct Builder<'a> {
    conn: &'a Connection,
    opts: &'a Options,
    template: &'a Template,
    doc: &'a mut Doc,
    /// Extracts taken per transcript so far, so quotes spread over participants.
    quoted: HashMap<i64, usize>,
}

impl Builder<'_> {
    fn heading(&mut self, level: u8, text: &str, id: &str) {
        self.doc.blocks.push(Block::Heading {
            level,
            text: text.to_string(),
            id: Some(id.to_string()),
        });
    }

    fn summary(&mut self, presence: &FreqTable) -> Result<()> {
        let conn = self.conn;
        self.heading(1, "Study summary", "summary");
        let ids: Vec<i64> = presence.transcripts.iter().map(|t| t.id).collect();
        let scope = serde_json::to_string(&ids)?;
        let words: i64 = presence.transcripts.iter().map(|t| t.words).sum();
        let (segments, codings): (i64, i64) = conn.query_row(
            "SELECT (SELECT count(*) FROM segment WHERE transcript_id IN (SELECT value FROM json_each(?1))),
                    (SELECT count(*) FROM coding WHERE transcript_id IN (SELECT value FROM json_each(?1))
                        AND (?2 IS NULL OR coder_id = ?2))",
            rusqlite::params![scope, self.opts.coder],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut stmt = conn.prepare(
            "SELECT c.name, count(*) FROM coding x JOIN coder c ON c.id = x.coder_id
             WHERE x.transcript_id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR c.id = ?2)
             GROUP BY c.id ORDER BY c.name",
        )?;
        let coders: Vec<String> = stmt
            .query_map(rusqlite::params![scope, self.opts.coder], |r| {
                Ok(format!(
                    "{} ({})",
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let t = self.template;
        let apriori = t
            .themes
            .iter()
            .filter(|x| x.origin == Origin::APriori)
            .count();
        let integrative = t
            .themes
            .iter()
            .filter(|x| x.kind == ThemeKind::Integrative)
            .count();
        let levels = t.themes.iter().map(Theme::level).max().unwrap_or(0);
        let saved = versions(conn)?;
        let last = saved.last().map(|v| v.revision).unwrap_or(0);
        let since = log(conn, last, None)?
            .iter()
            .filter(|r| r.op != "undo" && r.op != "redo" && r.undone_by.is_none())
            .count();
        let mut version_text = if saved.is_empty() {
            "none saved".to_string()
        } else {
            saved
                .iter()
                .map(|v| v.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if since > 0 {
            version_text.push_str(&format!(
                "; {} since the last",
                count(since, "revision", "revisions")
            ));
        }
        let mut attrs = conn.prepare(
            "SELECT key, count(DISTINCT value) FROM attribute
             WHERE transcript_id IN (SELECT value FROM json_each(?1)) GROUP BY key ORDER BY key",
        )?;
        let attributes: Vec<String> = attrs
            .query_map([&scope], |r| {
                Ok(format!(
                    "{} ({})",
                    r.get::<_, String>(0)?,
                    count(r.get::<_, i64>(1)? as usize, "value", "values")
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut table = Table::new(["", "value"]);
        let mut row = |k: &str, v: String| table.push(vec![k.into(), v.into()]);
        row("Transcripts", presence.transcripts.len().to_string());
        row("Words", thousands(words));
        row("Segments", thousands(segments));
        row("Codings", thousands(codings));
        row(
            "Coders",
            if coders.is_empty() {
                "none yet".into()
            } else {
                coders.join(", ")
            },
        );
        row(
            "Themes",
            format!(
                "{} in {} ({} top-level); {} a priori, {} emergent{}",
                t.themes.len(),
                count(levels, "level", "levels"),
                t.children(None).count(),
                apriori,
                t.themes.len() - apriori,
                if integrative > 0 {
                    format!("; {integrative} integrative")
                } else {
                    String::new()
                }
            ),
        );
        row("Template versions", version_text);
        if !attributes.is_empty() {
            row("Participant attributes", attributes.join(", "));
        }
        self.doc.table(table);
        Ok(())
    }

    fn heatmap(&mut self, presence: &FreqTable, depth: usize) {
        let total = presence.transcripts.len();
        let ncols = total;
        self.heading(1, "Themes across participants", "heatmap");
        let wide = total > 40;
        let h = svg::HeatMap {
            rows: presence.rows.iter().map(|r| label(&r.theme)).collect(),
            columns: presence
                .transcripts
                .iter()
                .map(|t| t.name.clone())
                .collect(),
            values: presence
                .rows
                .iter()
                .map(|r| {
                    r.dense(ncols)
                        .into_iter()
                        .map(|v| (v > 0.0).then_some(v))
                        .collect()
                })
                .collect(),
            cell_text: presence
                .rows
                .iter()
                .map(|r| {
                    r.dense(ncols)
                        .into_iter()
                        .map(|v| {
                            if v > 0.0 {
                                format!("{v}")
                            } else {
                                String::new()
                            }
                        })
                        .collect()
                })
                .collect(),
            right: Some((
                "participants".to_string(),
                presence
                    .rows
                    .iter()
                    .map(|r| format!("{}/{total}", r.participants))
                    .collect(),
            )),
            column_noun: "participants".to_string(),
            title: "Coded segments per theme and participant".to_string(),
        };
        // Word cannot show the SVG: a shaded table of the same numbers, or for many
        // participants the participants per theme.
        let mut table = if wide {
            let mut t = Table::new(["number", "theme", "participants", "percent"]);
            for r in &presence.rows {
                t.push_at_level(
                    1,
                    r.theme.level(),
                    vec![
                        r.theme.number.clone().into(),
                        r.theme.name.clone().into(),
                        format!("{}/{total}", r.participants).into(),
                        format!("{:.0}%", presence.percent(r)).into(),
                    ],
                );
            }
            t
        } else {
            let mut t = Table::new(
                ["theme".to_string()]
                    .into_iter()
                    .chain(presence.transcripts.iter().map(|t| t.name.clone()))
                    .chain(["participants".to_string()]),
            );
            for r in &presence.rows {
                let mut row: Vec<Value> = vec![r.theme.label().into()];
                row.extend(r.dense(ncols).into_iter().map(|v| {
                    if v > 0.0 {
                        Value::from(v as u64)
                    } else {
                        Value::from("")
                    }
                }));
                row.push(format!("{}/{total}", r.participants).into());
                t.push_at_level(0, r.theme.level(), row);
            }
            t.shade = true;
            t
        };
        table.caption = Some("Coded segments per theme and participant".into());
        self.doc.blocks.push(Block::Figure {
            caption: format!(
                "Coded segments per theme (rows, down to level {depth}) and participant (columns). A theme counts its own and its sub-themes' codings; the right column gives the participants with the theme."
            ),
            svg: svg::heat_map(&h),
            table: Some(table),
        });
        self.doc.note(format!("N = {total} transcripts. {CAUTION}"));
    }

    fn groups(&mut self, presence: &FreqTable) -> Result<()> {
        let attr = match &self.opts.by {
            Some(a) => Some(a.clone()),
            None => default_group(self.conn)?,
        };
        self.heading(1, "Participants per theme by group", "groups");
        let Some(attr) = attr else {
            self.doc.note(
                "No participant attribute with 2 to 8 values: set attributes with \"tana attr import\" and choose one with --by.",
            );
            return Ok(());
        };
        // Five bars a theme: for a long template, the top two levels are enough.
        let shallow;
        let presence = if presence.rows.len() > 15 {
            shallow = FreqTable {
                rows: presence
                    .rows
                    .iter()
                    .filter(|r| r.theme.level() <= 2)
                    .cloned()
                    .collect(),
                ..presence.clone()
            };
            &shallow
        } else {
            presence
        };
        let by = by_attribute(self.conn, presence, &attr)?;
        let mut table = Table::new(
            ["theme".to_string()]
                .into_iter()
                .chain(by.groups.iter().map(|(g, n)| format!("{g} (n={n})")))
                .chain(["all".to_string()]),
        )
        .with_caption(format!("Participants with each theme by {attr}"));
        let mut values = Vec::new();
        let mut texts = Vec::new();
        for (theme, per, all) in &by.rows {
            let mut row: Vec<Value> = vec![theme.label().into()];
            let mut v = Vec::new();
            let mut tx = Vec::new();
            for ((_, n), c) in by.groups.iter().zip(per) {
                row.push(format!("{c}/{n}").into());
                v.push(if *n > 0 {
                    *c as f64 * 100.0 / *n as f64
                } else {
                    0.0
                });
                tx.push(format!("{c}/{n}"));
            }
            row.push(format!("{all}/{}", by.total).into());
            table.push_at_level(0, theme.level(), row);
            values.push(v);
            texts.push(tx);
        }
        let bars = svg::Bars {
            categories: by.rows.iter().map(|(t, _, _)| label(t)).collect(),
            groups: by
                .groups
                .iter()
                .map(|(g, n)| format!("{attr} = {g} (n={n})"))
                .collect(),
            values,
            max: 100.0,
            unit: "%".to_string(),
            value_text: texts,
            title: format!("Participants with each theme by {attr}"),
        };
        self.doc.blocks.push(Block::Figure {
            caption: format!(
                "Share of participants in each group of \"{attr}\" with the theme (or a sub-theme); bars are labelled with participants / group size."
            ),
            svg: svg::bar_chart(&bars),
            table: Some(table),
        });
        self.doc.note(format!(
            "Groups are small: a difference of one participant moves a bar by 100/n percent. {CAUTION}"
        ));
        Ok(())
    }

    fn cooccur(&mut self, depth: usize) -> Result<()> {
        use crate::analysis::cooccur::{cooccur, Options, Unit};
        self.heading(1, "Co-occurrence of themes", "cooccur");
        let (m, _) = cooccur(
            self.conn,
            self.template,
            &Options {
                unit: Unit::Segment,
                depth: Some(depth),
                transcripts: self.opts.transcripts.clone(),
                coder: self.opts.coder,
            },
            None,
        )?;
        let n = m.themes.len();
        let values: Vec<Vec<Option<f64>>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| (i != j).then(|| m.count(i, j) as f64))
                    .collect()
            })
            .collect();
        let cell_text = values
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| match v {
                        Some(x) if *x > 0.0 => format!("{x}"),
                        _ => String::new(),
                    })
                    .collect()
            })
            .collect();
        let h = svg::HeatMap {
            rows: m.themes.iter().map(label).collect(),
            columns: m.themes.iter().map(|t| t.number.clone()).collect(),
            values,
            cell_text,
            right: Some((
                "segments".to_string(),
                (0..n).map(|i| m.count(i, i).to_string()).collect(),
            )),
            column_noun: "themes".to_string(),
            title: "Segments coded with both themes".to_string(),
        };
        let mut table = Table::new(
            ["theme".to_string()]
                .into_iter()
                .chain(m.themes.iter().map(|t| t.number.clone())),
        )
        .with_caption("Segments coded with both themes");
        for (i, t) in m.themes.iter().enumerate() {
            let mut row: Vec<Value> = vec![t.label().into()];
            row.extend((0..n).map(|j| {
                if i == j {
                    Value::from("")
                } else {
                    Value::from(m.count(i, j))
                }
            }));
            table.push_at_level(0, t.level(), row);
        }
        table.shade = true;
        self.doc.blocks.push(Block::Figure {
            caption: format!(
                "Segments coded with both themes (a theme counts where it or a sub-theme is coded); the right column gives the segments coded with the theme. {} segments in {}.",
                thousands(m.units as i64),
                count(m.transcripts.len(), "transcript", "transcripts")
            ),
            svg: svg::heat_map(&h),
            table: Some(table),
        });
        self.doc.note("Parents and their own sub-themes meet wherever the sub-theme is coded: read those cells as nesting, not as co-occurrence.");
        Ok(())
    }

    fn quotes(&mut self, only: Option<&HashSet<i64>>) -> Result<()> {
        let n = self.opts.quotes_per_theme;
        if n == 0 {
            return Ok(());
        }
        self.heading(1, "Quotes", "quotes");
        self.doc.note(format!(
            "Up to {n} extracts per theme, each from a different participant where the data allow, chosen to spread over participants across the report."
        ));
        let mut any = false;
        for theme in &self.template.themes {
            let picked = self.pick_quotes(theme.id, n, only)?;
            if picked.is_empty() {
                continue;
            }
            any = true;
            let mut t = Table::new(["participant", "extract"]);
            for q in picked {
                t.push(vec![q.0.into(), format!("“{}”", q.1).into()]);
            }
            self.doc.blocks.push(Block::Heading {
                level: 2,
                text: theme.label(),
                id: None,
            });
            self.doc.table(t);
        }
        if !any {
            self.doc.para("No theme is coded yet.");
        }
        Ok(())
    }

    /// Up to `n` extracts of one theme (its own codings), one per participant, preferring
    /// participants quoted least so far and, within one, the passage nearest 250 characters.
    fn pick_quotes(
        &mut self,
        theme: i64,
        n: usize,
        only: Option<&HashSet<i64>>,
    ) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT transcript_id, start, end FROM coding
             WHERE theme_id = ?1 AND (?2 IS NULL OR coder_id = ?2)
             ORDER BY transcript_id, start, end",
        )?;
        // The union of the codings per transcript: one passage per stretch of text.
        let mut best: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        let mut run: Option<(i64, i64, i64)> = None;
        let consider = |best: &mut BTreeMap<i64, (i64, i64)>, (tr, s, e): (i64, i64, i64)| {
            let score = |(s, e): (i64, i64)| (e - s - 250).abs();
            let b = best.entry(tr).or_insert((s, e));
            if score((s, e)) < score(*b) {
                *b = (s, e);
            }
        };
        let rows = stmt.query_map(rusqlite::params![theme, self.opts.coder], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (tr, s, e) = row?;
            if only.is_some_and(|o| !o.contains(&tr)) {
                continue;
            }
            match &mut run {
                Some((rt, _, re)) if *rt == tr && s < *re => *re = (*re).max(e),
                _ => {
                    if let Some(done) = run.take() {
                        consider(&mut best, done);
                    }
                    run = Some((tr, s, e));
                }
            }
        }
        if let Some(done) = run {
            consider(&mut best, done);
        }
        let mut order: Vec<(usize, i64)> = best
            .keys()
            .map(|tr| (self.quoted.get(tr).copied().unwrap_or(0), *tr))
            .collect();
        order.sort_unstable();
        let mut text = self.conn.prepare_cached(
            "SELECT t.name, substr(t.text, ?2 + 1, ?3 - ?2),
                    (SELECT s.speaker FROM segment s WHERE s.transcript_id = t.id AND s.end > ?2
                     ORDER BY s.start LIMIT 1),
                    (SELECT s.number FROM segment s WHERE s.transcript_id = t.id AND s.end > ?2
                     ORDER BY s.start LIMIT 1)
             FROM transcript t WHERE t.id = ?1",
        )?;
        let mut out = Vec::new();
        for (_, tr) in order.into_iter().take(n) {
            let (s, e) = best[&tr];
            let (name, words, speaker, segment): (String, String, Option<String>, Option<i64>) =
                text.query_row(rusqlite::params![tr, s, e], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
            *self.quoted.entry(tr).or_default() += 1;
            let mut who = name;
            if let Some(seg) = segment {
                who.push_str(&format!(", segment {seg}"));
            }
            if let Some(sp) = speaker {
                who.push_str(&format!(" ({sp})"));
            }
            out.push((who, shorten(&crate::text::fold_whitespace(&words), 700)));
        }
        Ok(out)
    }

    fn fate(&mut self) -> Result<()> {
        self.heading(1, "What became of the a priori themes", "fate");
        let fates = crate::template::fate::fates(self.conn)?;
        if fates.is_empty() {
            self.doc
                .para("The template has no a priori themes: every theme emerged from the data.");
            return Ok(());
        }
        let mut t = Table::new(["a priori theme", "source", "fate", "now", "steps"])
            .with_caption("A priori themes and their fate");
        for f in &fates {
            let steps: Vec<String> = f
                .steps
                .iter()
                .map(|s| {
                    let mut line = format!("{}: {}", s.version, s.what);
                    if let Some(r) = &s.rationale {
                        line.push_str(&format!(" — {r}"));
                    }
                    line
                })
                .collect();
            t.push(vec![
                f.name.clone().into(),
                f.source.clone().unwrap_or_default().into(),
                f.fate.clone().into(),
                f.number.clone().unwrap_or_else(|| "—".into()).into(),
                steps.join("\n").into(),
            ]);
        }
        let kept = fates.iter().filter(|f| f.fate.starts_with("kept")).count();
        t.notes.push(format!(
            "{} of {} a priori themes are still in the template. Each step names the version it belongs to and the rationale recorded with it.",
            kept,
            fates.len()
        ));
        self.doc.table(t);
        Ok(())
    }

    fn evolution(&mut self, depth: usize) -> Result<()> {
        self.heading(1, "How the template evolved", "evolution");
        let saved = versions(self.conn)?;
        let (flow, steps) = evolution(self.conn, &saved, self.template, depth)?;
        if flow.versions.len() < 2 {
            self.doc.para(
                "Only one version of the template exists: save versions as the template changes (tana template save T1 --note …) to see its evolution.",
            );
        }
        let mut table = Table::new(["from", "to", "change"])
            .with_caption("Structural changes between versions");
        for (from, to, what) in &steps {
            table.push(vec![
                from.clone().into(),
                to.clone().into(),
                what.clone().into(),
            ]);
        }
        self.doc.blocks.push(Block::Figure {
            caption: format!(
                "The template from {} to {}: each column is a version, each box a theme (down to level {depth}); lines follow a theme from one version to the next, coloured by what happened to it.",
                flow.versions.first().cloned().unwrap_or_default(),
                flow.versions.last().cloned().unwrap_or_default()
            ),
            svg: svg::flow(&flow),
            table: Some(table),
        });
        Ok(())
    }

    fn audit(&mut self) -> Result<()> {
        use crate::export::history;
        self.doc.blocks.push(Block::PageBreak);
        self.heading(1, "Audit trail", "audit");
        self.doc.para("The sources of the a priori themes, then every version of the template with the changes that led to it and the rationale recorded with each change.");
        let mut sources = Table::new(["theme", "source", "entered in"])
            .with_caption("Sources of the a priori themes");
        for src in history::sources(self.conn)? {
            sources.push(vec![
                src.theme.into(),
                src.source.unwrap_or_else(|| "not recorded".into()).into(),
                src.entered_in.unwrap_or_else(|| "—".into()).into(),
            ]);
        }
        if !sources.rows.is_empty() {
            self.doc.table(sources);
        }
        for s in history::sections(self.conn)? {
            self.doc.blocks.push(Block::Heading {
                level: 2,
                text: s.title.clone(),
                id: None,
            });
            if !s.meta.is_empty() {
                self.doc.note(s.meta.clone());
            }
            if let Some(n) = &s.note {
                self.doc.para(n.clone());
            }
            let shown: Vec<&LogRow> = s.changes.iter().filter(|c| c.op != "save").collect();
            if shown.is_empty() {
                self.doc
                    .para("No changes to the template before this version.");
                continue;
            }
            let mut t = Table::new(["revision", "date", "coder", "change", "rationale"]);
            for c in shown {
                let mut what = crate::template::version::describe(c);
                if let Some(u) = c.undone_by {
                    what.push_str(&format!(" (undone by {u})"));
                }
                if let Some(p) = &c.prompted_by {
                    what.push_str(&format!("; prompted by {p}"));
                }
                t.push(vec![
                    match &c.merged_from {
                        Some(f) => format!("{} ({f})", c.id).into(),
                        None => c.id.into(),
                    },
                    c.created_at
                        .get(..10)
                        .unwrap_or(&c.created_at)
                        .to_string()
                        .into(),
                    c.coder.clone().into(),
                    what.into(),
                    c.rationale.clone().unwrap_or_default().into(),
                ]);
            }
            self.doc.table(t);
        }
        let journal = history::journal_lines(self.conn)?;
        if !journal.is_empty() {
            self.heading(2, "Reflexive journal", "journal");
            self.doc.blocks.push(Block::Outline(
                journal.into_iter().map(|j| (1, j)).collect(),
            ));
        }
        Ok(())
    }
}

/// The attribute to group by when none is named: of those with 2 to 8 values, the one with
/// the most (a role or a site rather than a yes/no).
fn default_group(conn: &Connection) -> Result<Option<String>> {
    let mut stmt = conn.prepare(
        "SELECT key FROM attribute GROUP BY key HAVING count(DISTINCT value) BETWEEN 2 AND 8
         ORDER BY count(DISTINCT value) DESC, key LIMIT 1",
    )?;
    let mut rows = stmt.query([])?;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}

/// 12,345
fn thousands(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// At most `max` characters, cut at a word with "…".
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    format!("{cut} …")
}

/// One structural change between two versions: (from, to, what).
pub type Step = (String, String, String);

/// The flow picture's columns (saved versions, then the current template when it differs
/// from the last), and a line per structural change between consecutive columns.
pub fn evolution(
    conn: &Connection,
    saved: &[Version],
    current: &Template,
    depth: usize,
) -> Result<(svg::Flow, Vec<Step>)> {
    use crate::template::version::to_template;
    let mut columns: Vec<(String, Template, i64)> = saved
        .iter()
        .map(|v| (v.name.clone(), to_template(&v.themes), v.revision))
        .collect();
    let last_rev = saved.last().map(|v| v.revision).unwrap_or(0);
    let changed_since = log(conn, last_rev, None)?
        .iter()
        .any(|r| r.op != "save" && r.undone_by.is_none() && r.op != "undo" && r.op != "redo");
    if columns.is_empty() || changed_since {
        let max_rev: i64 =
            conn.query_row("SELECT ifnull(max(id), 0) FROM revision", [], |r| r.get(0))?;
        columns.push(("now".to_string(), current.clone(), max_rev));
    }
    let mut nodes = Vec::new();
    // (column, theme id) → node, for themes down to `depth`.
    let mut node_of: HashMap<(usize, i64), usize> = HashMap::new();
    for (c, (_, t, _)) in columns.iter().enumerate() {
        for th in t.themes.iter().filter(|th| th.level() <= depth) {
            node_of.insert((c, th.id), nodes.len());
            nodes.push(svg::FlowNode {
                column: c,
                label: th.label(),
                level: th.level(),
                colour: th.fields.color.clone(),
                note: None,
            });
        }
    }
    // A theme deeper than `depth` is drawn as its ancestor at `depth`.
    let shown = |c: usize, id: i64| -> Option<usize> {
        let t = &columns[c].1;
        let th = t.get(id)?;
        let mut cur = th;
        while cur.level() > depth {
            cur = t.get(cur.parent_id?)?;
        }
        node_of.get(&(c, cur.id)).copied()
    };
    let mut links: Vec<svg::FlowLink> = Vec::new();
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut steps = Vec::new();
    for c in 1..columns.len() {
        let (prev_name, prev, prev_rev) = &columns[c - 1];
        let (name, next, rev) = &columns[c];
        let rows: Vec<LogRow> = log(conn, *prev_rev, Some(*rev))?
            .into_iter()
            .filter(|r| r.undone_by.is_none() && !matches!(r.op.as_str(), "undo" | "redo" | "save"))
            .collect();
        // Merges and splits first: they say where a theme's codings went.
        for r in &rows {
            let a = r.after.clone().unwrap_or(Value::Null);
            let ids: Vec<i64> = r
                .themes
                .as_array()
                .map(|v| v.iter().filter_map(|t| t["id"].as_i64()).collect())
                .unwrap_or_default();
            let mut pairs: Vec<(i64, i64, svg::LinkKind)> = Vec::new();
            match r.op.as_str() {
                "merge" => {
                    if let Some(into) = a["into"]["id"].as_i64() {
                        for id in ids.iter().filter(|i| **i != into) {
                            pairs.push((*id, into, svg::LinkKind::Merged));
                        }
                    }
                }
                "split" => {
                    if let (Some(&from), Some(parts)) = (ids.first(), a["into"].as_array()) {
                        for p in parts.iter().filter_map(|p| p["id"].as_i64()) {
                            pairs.push((from, p, svg::LinkKind::Split));
                        }
                    }
                }
                _ => {}
            }
            if matches!(
                r.op.as_str(),
                "merge" | "split" | "delete" | "rename" | "move"
            ) {
                steps.push((
                    prev_name.clone(),
                    name.clone(),
                    crate::template::version::describe(r),
                ));
            }
            for (from, to, kind) in pairs {
                if let (Some(f), Some(t)) = (shown(c - 1, from), shown(c, to)) {
                    if f != t && seen.insert((f, t)) {
                        links.push(svg::FlowLink {
                            from: f,
                            to: t,
                            kind,
                        });
                    }
                }
            }
        }
        // Then every theme in both versions.
        for th in prev.themes.iter().filter(|th| th.level() <= depth) {
            let Some(f) = node_of.get(&(c - 1, th.id)).copied() else {
                continue;
            };
            let Some(after) = next.get(th.id) else {
                continue;
            };
            let Some(t) = shown(c, th.id) else { continue };
            if !seen.insert((f, t)) {
                continue;
            }
            let kind = if after.name != th.name {
                svg::LinkKind::Renamed
            } else if after.parent_id != th.parent_id {
                svg::LinkKind::Moved
            } else if after.fields.definition != th.fields.definition
                || after.fields.include != th.fields.include
                || after.fields.exclude != th.fields.exclude
            {
                svg::LinkKind::Redefined
            } else {
                svg::LinkKind::Kept
            };
            links.push(svg::FlowLink {
                from: f,
                to: t,
                kind,
            });
        }
        // What left without a successor was deleted.
        for th in prev.themes.iter().filter(|th| th.level() <= depth) {
            if next.get(th.id).is_none() {
                if let Some(&f) = node_of.get(&(c - 1, th.id)) {
                    if !links.iter().any(|l| l.from == f) {
                        nodes[f].note = Some("deleted".to_string());
                    }
                }
            }
        }
    }
    let flow = svg::Flow {
        versions: columns.iter().map(|c| c.0.clone()).collect(),
        nodes,
        links,
        title: "How the template evolved".to_string(),
    };
    if steps.is_empty() && columns.len() > 1 {
        steps.push((
            columns[0].0.clone(),
            columns[columns.len() - 1].0.clone(),
            "no structural change (themes added or redefined only)".to_string(),
        ));
    }
    Ok((flow, steps))
}
