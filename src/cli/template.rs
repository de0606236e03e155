//! `tana template`: print, import and export the coding template.

use std::path::PathBuf;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::export::{template_table, theme_counts};
use crate::model::{Origin, ThemeKind};
use crate::output::{Format, Table};
use crate::project::coder_id;
use crate::template::{outline, Template};

/// Print the numbered template, with codings and participants per theme
///
/// "codings" counts codings made with the theme itself; "participants" counts transcripts
/// coded with the theme or any of its sub-themes.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Examples:\n  tana template\n  tana template import template.md\n  tana template export --format md > template.md"
)]
pub struct TemplateArgs {
    #[command(subcommand)]
    pub command: Option<TemplateCommand>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Debug, clap::Subcommand)]
pub enum TemplateCommand {
    Import(ImportArgs),
    Export(ExportArgs),
}

/// Import themes from a nested Markdown list
///
/// Each list item is a theme; indentation makes the hierarchy. An item reads
/// "Name [a priori: SOURCE] [integrative]: definition". Themes that exist already are kept
/// as they are; differences are reported as conflicts. Importing the same file twice adds
/// nothing.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana template import template.md\n\n  template.md:\n    - Awareness gap [a priori: Service Gap model]: What employees know\n      - Knowing the targets\n    - Trust [integrative]: Belief that the organisation means it"
)]
pub struct ImportArgs {
    /// The outline file (Markdown)
    pub file: PathBuf,
}

/// Export the template as md (an outline that imports back), csv or json
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana template export --format md > template.md\n  tana template export --format csv"
)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
}

pub fn run(ctx: &mut Ctx, args: &TemplateArgs) -> Result<()> {
    match &args.command {
        None => list(ctx, args.format),
        Some(TemplateCommand::Import(a)) => import(ctx, a),
        Some(TemplateCommand::Export(a)) => export(ctx, a),
    }
}

fn list(ctx: &mut Ctx, format: Format) -> Result<()> {
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    let total: i64 = conn.query_row("SELECT count(*) FROM transcript", [], |r| r.get(0))?;
    let counts = theme_counts(conn, &template, None)?;
    if template.is_empty() {
        ctx.info("the template is empty; add themes with \"tana theme add\" or \"tana template import FILE\"");
        return Ok(());
    }
    let text = render_tree(&template, &counts, total as usize);
    if format == Format::Table {
        ctx.out().write_all(text.as_bytes())?;
        return Ok(());
    }
    let mut table = Table::new([
        "number",
        "theme",
        "path",
        "level",
        "kind",
        "origin",
        "codings",
        "participants",
    ]);
    for t in &template.themes {
        let (c, p) = counts.get(&t.id).copied().unwrap_or_default();
        table.push(vec![
            t.number.clone().into(),
            t.name.clone().into(),
            t.path_string().into(),
            t.level().into(),
            t.kind.as_str().into(),
            t.origin.as_str().into(),
            c.into(),
            p.into(),
        ]);
    }
    table.write(ctx.out(), format)
}

/// The numbered tree with counts, as plain text.
pub fn render_tree(
    template: &Template,
    counts: &std::collections::HashMap<i64, (usize, usize)>,
    total: usize,
) -> String {
    let labels: Vec<String> = template
        .themes
        .iter()
        .map(|t| {
            let mut l = format!("{}{} {}", "  ".repeat(t.level() - 1), t.number, t.name);
            if t.kind == ThemeKind::Integrative {
                l.push_str(" (integrative)");
            }
            if t.origin == Origin::APriori {
                l.push_str(" *");
            }
            l
        })
        .collect();
    let width = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = format!(
        "{:<width$}  {:>7}  {:>12}\n",
        "theme", "codings", "participants"
    );
    for (t, l) in template.themes.iter().zip(&labels) {
        let (c, p) = counts.get(&t.id).copied().unwrap_or_default();
        out.push_str(&format!(
            "{l:<width$}  {c:>7}  {:>12}\n",
            format!("{p}/{total}")
        ));
    }
    if template.themes.iter().any(|t| t.origin == Origin::APriori) {
        out.push_str("* a priori theme\n");
    }
    out
}

fn import(ctx: &mut Ctx, a: &ImportArgs) -> Result<()> {
    let bytes = std::fs::read(&a.file).map_err(|e| Error::io(&a.file, e))?;
    let text = crate::text::decode(&bytes)
        .map_err(|p| Error::user(format!("{}: {}", a.file.display(), p.describe())))?;
    let items = outline::parse(&text, &a.file.display().to_string())?;
    if items.is_empty() {
        return Err(
            Error::user(format!("{} has no list items", a.file.display())).with_hint(
                "write one theme per line as a Markdown list item: \"- Theme name: definition\"",
            ),
        );
    }
    let coder = ctx.coder_name();
    let conn = ctx.conn()?;
    let tx = conn.transaction()?;
    let coder = coder_id(&tx, &coder)?;
    let report = outline::import(&tx, &items, coder)?;
    tx.commit()?;
    ctx.info(format!(
        "imported {}: {} theme(s) added, {} unchanged, {} conflict(s)",
        a.file.display(),
        report.added.len(),
        report.unchanged,
        report.conflicts.len()
    ));
    for c in &report.conflicts {
        ctx.warn(format!(
            "{}, line {}: {} {} differs; kept the project's {}\n  project: {}\n  file:    {}",
            a.file.display(),
            c.line,
            c.number,
            c.path,
            c.field,
            crate::coding::shorten(&c.project, 100),
            crate::coding::shorten(&c.outline, 100)
        ));
    }
    Ok(())
}

fn export(ctx: &mut Ctx, a: &ExportArgs) -> Result<()> {
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    match a.format {
        Format::Md | Format::Table => {
            let text = outline::render(&template);
            ctx.out().write_all(text.as_bytes())?;
            Ok(())
        }
        f => {
            let table = template_table(&template);
            table.write(ctx.out(), f)
        }
    }
}
