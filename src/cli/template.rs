//! `tana template`: print, import and export the coding template.

use std::path::PathBuf;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::export::{template_table, theme_counts};
use crate::journal::Kind;
use crate::model::{Origin, ThemeKind};
use crate::output::{Format, Table};
use crate::project::coder_id;
use crate::report::Doc;
use crate::template::{outline, revise, version, Template};
use serde_json::Value;

/// Print the numbered template, with codings and participants per theme
///
/// "codings" counts codings made with the theme itself; "participants" counts transcripts
/// coded with the theme or any of its sub-themes. With --version, print a saved version.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, disable_version_flag = true)]
#[command(
    after_help = "Examples:\n  tana template\n  tana template --version T1\n  tana template import template.md\n  tana template save T1 --note \"after coding 3 transcripts\"\n  tana template diff T0 T1\n  tana template history --format md > appendix.md"
)]
pub struct TemplateArgs {
    #[command(subcommand)]
    pub command: Option<TemplateCommand>,
    /// Print this saved version instead of the current template
    #[arg(long, value_name = "NAME")]
    pub version: Option<String>,
    /// Codings and participants per coder, beside everyone's together
    #[arg(long, conflicts_with = "version")]
    pub by_coder: bool,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::OFFICE))]
    pub format: Format,
    #[command(flatten)]
    pub out: crate::cli::OutputArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum TemplateCommand {
    Import(ImportArgs),
    Export(ExportArgs),
    Save(SaveArgs),
    Log(LogArgs),
    Diff(DiffArgs),
    History(HistoryArgs),
    Fate(FateArgs),
    Edit(EditArgs),
}

/// Save the current template as a named version (T1, T2, ...)
///
/// A version snapshots the tree and every codebook field. T0 is saved automatically from the
/// a priori themes when the first emergent theme appears.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana template save T1 --note \"after coding P01-P03\"")]
pub struct SaveArgs {
    /// The version's name, e.g. T1
    pub name: String,
    /// What this version marks
    #[arg(long)]
    pub note: Option<String>,
}

/// Print the change log: every revision with its rationale
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana template log\n  tana template log --since T1 --format md"
)]
pub struct LogArgs {
    /// Only revisions after this version
    #[arg(long, value_name = "VERSION")]
    pub since: Option<String>,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

/// List what changed per theme between two versions (or a version and now)
///
/// Derived from the change log, so a rename plus a move of one theme is one row.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana template diff T1 T2\n  tana template diff T2")]
pub struct DiffArgs {
    pub from: String,
    /// The later version (default: the current template)
    pub to: Option<String>,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

/// What became of each a priori theme: kept, renamed, moved, merged, split, deleted
///
/// Read from the revision log: every a priori theme with its source, its fate, and each step
/// with the version it belongs to and its rationale, for the methods section.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana template fate\n  tana template fate --format md > fate.md"
)]
pub struct FateArgs {
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

fn fate(ctx: &mut Ctx, a: &FateArgs) -> Result<()> {
    let fates = crate::template::fate::fates(ctx.conn()?)?;
    if a.format == Format::Json {
        serde_json::to_writer_pretty(&mut *ctx.out(), &fates)?;
        writeln!(ctx.out())?;
        return Ok(());
    }
    if fates.is_empty() {
        ctx.info("the template has no a priori themes (mark them with [a priori: SOURCE] in an outline, or --a-priori)");
        return Ok(());
    }
    let mut t = Table::new(["now", "a priori theme", "source", "fate", "steps"]);
    for f in &fates {
        let steps: Vec<String> = f
            .steps
            .iter()
            .map(|s| match &s.rationale {
                Some(r) => format!("{} ({}; {r})", s.what, s.version),
                None => format!("{} ({})", s.what, s.version),
            })
            .collect();
        t.push(vec![
            f.number
                .clone()
                .map(Value::String)
                .unwrap_or_else(|| "—".into()),
            f.name.clone().into(),
            f.source.clone().map(Value::String).unwrap_or(Value::Null),
            f.fate.clone().into(),
            steps.join("; ").into(),
        ]);
    }
    t.write(ctx.out(), a.format)
}

/// Print the audit appendix: every version, its changes with rationale, and its template
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana template history > appendix.md\n  tana template history --format html > appendix.html"
)]
pub struct HistoryArgs {
    #[arg(long, value_enum, default_value = "md")]
    pub format: HistoryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HistoryFormat {
    Md,
    Html,
}

/// Edit the template as a numbered outline in $EDITOR (or from --file)
///
/// Renames, moves, reorders, additions and deletions in the outline become revisions,
/// shown for confirmation and applied together as one logged batch.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana template edit --why \"regrouped after P05\"\n  tana template edit --print > outline.md   # edit it, then:\n  tana template edit --file outline.md --yes"
)]
pub struct EditArgs {
    /// Read the edited outline from this file instead of opening an editor
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print the outline to edit and stop
    #[arg(long, conflicts_with = "file")]
    pub print: bool,
    /// Apply without asking
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// The rationale for the whole batch
    #[arg(long, value_name = "TEXT")]
    pub why: Option<String>,
}

/// Import themes from a nested Markdown list, a codebook CSV or a REFI-QDA codebook (.qdc)
///
/// Each list item is a theme; indentation makes the hierarchy. An item reads
/// "Name [a priori: SOURCE] [integrative]: definition". Themes that exist already are kept
/// as they are; differences are reported as conflicts. Importing the same file twice adds
/// nothing.
///
/// A REFI-QDA codebook (.qdc, from NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette...) becomes
/// a new template, or is merged by name into the current one. Themes keep the file's guids,
/// and codebook fields written by tana's own export come back field by field; what tana
/// cannot keep (code sets, non-codable codes, clashing names) is listed.
///
/// A codebook CSV (as Taguette, QualCoder or a spreadsheet writes it) has one row per theme:
/// a "path" column (Parent/Child) or a "name" column (also: tag, code, theme), and any of
/// description or definition, when to use, when not to use, example, memo, color, source,
/// origin (a priori or emergent) and kind (integrative). Other columns are named and skipped.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana template import template.md\n  tana template import codebook.qdc\n  tana template import tags.csv\n\n  template.md:\n    - Awareness gap [a priori: Service Gap model]: What employees know\n      - Knowing the targets\n    - Trust [integrative]: Belief that the organisation means it"
)]
pub struct ImportArgs {
    /// The outline file (Markdown) or REFI-QDA codebook (.qdc)
    pub file: PathBuf,
}

/// Export the template as md (an outline that imports back), csv or json
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana template export --format md > template.md\n  tana template export --format csv"
)]
pub struct ExportArgs {
    #[arg(long, default_value = "md", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

pub fn run(ctx: &mut Ctx, args: &TemplateArgs) -> Result<()> {
    let format = args.out.format(args.format);
    match &args.command {
        None => match &args.version {
            Some(v) => show_version(ctx, v, format, &args.out),
            None if args.by_coder => list_by_coder(ctx, format, &args.out),
            None => list(ctx, format, &args.out),
        },
        Some(TemplateCommand::Import(a)) => import(ctx, a),
        Some(TemplateCommand::Export(a)) => export(ctx, a),
        Some(TemplateCommand::Save(a)) => save(ctx, a),
        Some(TemplateCommand::Log(a)) => log(ctx, a),
        Some(TemplateCommand::Diff(a)) => diff(ctx, a),
        Some(TemplateCommand::History(a)) => history(ctx, a),
        Some(TemplateCommand::Fate(a)) => fate(ctx, a),
        Some(TemplateCommand::Edit(a)) => edit(ctx, a),
    }
}

fn show_version(
    ctx: &mut Ctx,
    name: &str,
    format: Format,
    to: &crate::cli::OutputArgs,
) -> Result<()> {
    let v = version::version(ctx.conn()?, name)?;
    let t = version::to_template(&v.themes);
    if format == Format::Table && to.output.is_none() {
        let mut text = format!(
            "{} ({}{})\n",
            v.name,
            v.created_at,
            v.note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        );
        for (level, label) in t.themes.iter().map(|x| (x.level(), x.label())) {
            text.push_str(&format!("{}{label}\n", "  ".repeat(level - 1)));
        }
        ctx.out()
            .write_all(crate::text::escape_text(&text).as_bytes())?;
        return Ok(());
    }
    let title = format!("Template {}", v.name);
    ctx.emit(&Doc::of_table(title, template_table(&t)), format, to)
}

fn save(ctx: &mut Ctx, a: &SaveArgs) -> Result<()> {
    let (n, _) = ctx.change("save", Kind::Project, |conn, coder| {
        version::save(conn, &a.name, a.note.as_deref(), coder)?;
        let n = Template::load(conn)?.themes.len();
        Ok((n, format!("template save {} ({n} themes)", a.name.trim())))
    })?;
    ctx.info(format!(
        "saved the template ({n} themes) as version {}",
        a.name.trim()
    ));
    Ok(())
}

fn log(ctx: &mut Ctx, a: &LogArgs) -> Result<()> {
    let conn = ctx.conn()?;
    let after = match &a.since {
        Some(v) => version::version(conn, v)?.revision,
        None => 0,
    };
    let rows = version::log(conn, after, None)?;
    if a.format == Format::Json {
        serde_json::to_writer_pretty(&mut *ctx.out(), &rows)?;
        writeln!(ctx.out())?;
        return Ok(());
    }
    let mut t = Table::new([
        "revision",
        "when",
        "coder",
        "op",
        "change",
        "rationale",
        "prompted by",
        "undone by",
    ]);
    for r in &rows {
        t.push(vec![
            match &r.merged_from {
                // A revision made in a coder's copy: the merge that brought it, and where from.
                Some(from) => format!("{} (merged: {from})", r.id).into(),
                None => r.id.into(),
            },
            r.created_at.clone().into(),
            r.coder.clone().into(),
            r.op.clone().into(),
            version::describe(r).into(),
            r.rationale
                .clone()
                .map(Value::String)
                .unwrap_or(Value::Null),
            r.prompted_by
                .clone()
                .map(Value::String)
                .unwrap_or(Value::Null),
            r.undone_by.map(Value::from).unwrap_or(Value::Null),
        ]);
    }
    if rows.is_empty() && a.format == Format::Table {
        ctx.info("no revisions yet");
        return Ok(());
    }
    t.write(ctx.out(), a.format)
}

fn diff(ctx: &mut Ctx, a: &DiffArgs) -> Result<()> {
    let conn = ctx.conn()?;
    let from = version::version(conn, &a.from)?;
    let to = match &a.to {
        Some(v) => Some(version::version(conn, v)?),
        None => None,
    };
    let rows = version::diff(conn, &from, to.as_ref())?;
    let to_name = to.as_ref().map_or("now".to_string(), |v| v.name.clone());
    let mut t = Table::new([from.name.clone(), to_name, "changes".to_string()]);
    for r in &rows {
        t.push(vec![
            r.before
                .clone()
                .map(Value::String)
                .unwrap_or(Value::String("—".into())),
            r.after
                .clone()
                .map(Value::String)
                .unwrap_or(Value::String("—".into())),
            r.changes.join("; ").into(),
        ]);
    }
    if rows.is_empty() && a.format == Format::Table {
        ctx.info("no changes");
        return Ok(());
    }
    t.write(ctx.out(), a.format)
}

fn history(ctx: &mut Ctx, a: &HistoryArgs) -> Result<()> {
    let conn = ctx.conn()?;
    let sections = crate::export::history::sections(conn)?;
    let journal = crate::export::history::journal_lines(conn)?;
    let sources = crate::export::history::sources(conn)?;
    let text = match a.format {
        HistoryFormat::Md => crate::export::history::markdown(&sections, &sources, &journal),
        HistoryFormat::Html => crate::export::history::html(&sections, &sources, &journal),
    };
    ctx.out()
        .write_all(crate::text::escape_text(&text).as_bytes())?;
    Ok(())
}

fn edit(ctx: &mut Ctx, a: &EditArgs) -> Result<()> {
    let coder = ctx.coder_name();
    let quiet = ctx.global.quiet;
    let template = Template::load(ctx.conn()?)?;
    let original = crate::template::edit::render(&template);
    if a.print {
        ctx.out().write_all(original.as_bytes())?;
        return Ok(());
    }
    let text = match &a.file {
        Some(f) => {
            let bytes = std::fs::read(f).map_err(|e| Error::io(f, e))?;
            crate::text::decode(&bytes)
                .map_err(|p| Error::user(format!("{}: {}", f.display(), p.describe())))?
        }
        None => open_editor(&original)?,
    };
    let items = crate::template::edit::parse(&text)?;
    // Plan and ask without holding the write lock; then plan again under it.
    let plan = crate::template::edit::plan(ctx.conn()?, &template, items.clone())?;
    if plan.changes.is_empty() {
        ctx.info("no changes to the template");
        return Ok(());
    }
    if !quiet {
        eprintln!("the edited outline makes {} change(s):", plan.changes.len());
        for (_, c) in &plan.changes {
            eprintln!("  {}", crate::text::escape_text(&c.to_string()));
        }
    }
    if !a.yes && !confirm()? {
        return Err(
            Error::user("nothing was changed").with_hint("add --yes to apply without asking")
        );
    }
    let w = ctx.write()?;
    let template = Template::load(&w)?;
    let again = crate::template::edit::plan(&w, &template, items)?;
    if again.changes != plan.changes {
        return Err(Error::user(
            "the template changed while you were deciding; nothing was changed",
        )
        .with_hint("run \"tana template edit\" again"));
    }
    let meta = revise::Meta {
        coder: coder_id(&w, &coder)?,
        rationale: a.why.clone(),
        prompted_by: None,
    };
    let outcome = crate::template::edit::apply(&w, &template, &again, &meta)?;
    w.commit()?;
    for m in &outcome.messages {
        ctx.info(m);
    }
    ctx.info(format!("logged as revision {}", outcome.revision));
    Ok(())
}

/// Ask on the terminal; without one, the answer is no.
fn confirm() -> Result<bool> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("apply these changes? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

fn open_editor(original: &str) -> Result<String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .map_err(|_| {
            Error::user("no editor: neither VISUAL nor EDITOR is set")
                .with_hint("set EDITOR, or use --print > outline.md and --file outline.md")
        })?;
    let dir = std::env::temp_dir().join(format!("tana-edit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = dir.join("template.md");
    std::fs::write(&path, original).map_err(|e| Error::io(&path, e))?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()
        .map_err(|e| Error::user(format!("cannot start the editor \"{editor}\": {e}")))?;
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e));
    let _ = std::fs::remove_dir_all(&dir);
    if !status.success() {
        return Err(Error::user(format!(
            "the editor \"{editor}\" failed; nothing was changed"
        )));
    }
    text
}

fn list(ctx: &mut Ctx, format: Format, to: &crate::cli::OutputArgs) -> Result<()> {
    let coder = ctx.report_coder()?;
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    let total: i64 = conn.query_row("SELECT count(*) FROM transcript", [], |r| r.get(0))?;
    let counts = theme_counts(conn, &template, coder)?;
    if template.is_empty() {
        ctx.info("the template is empty; add themes with \"tana theme add\" or \"tana template import FILE\"");
        return Ok(());
    }
    let links = crate::template::links(conn, &template)?;
    if format == Format::Table && to.output.is_none() {
        let text = render_tree(&template, &counts, total as usize, &links);
        ctx.out()
            .write_all(crate::text::escape_text(&text).as_bytes())?;
        return Ok(());
    }
    if matches!(format, Format::Html | Format::Docx) {
        let mut doc = Doc::new("Coding template");
        doc.table(crate::report::sections::template(
            &template,
            &counts,
            total as usize,
            &links,
        ));
        return ctx.emit(&doc, format, to);
    }
    let mut table = Table::new([
        "number",
        "theme",
        "path",
        "level",
        "kind",
        "origin",
        "links",
        "codings",
        "participants",
    ])
    .with_caption("Template");
    for t in &template.themes {
        let (c, p) = counts.get(&t.id).copied().unwrap_or_default();
        table.push_at_level(
            1,
            t.level(),
            vec![
                t.number.clone().into(),
                t.name.clone().into(),
                t.path_string().into(),
                t.level().into(),
                t.kind.as_str().into(),
                t.origin.as_str().into(),
                link_numbers(&template, links.get(&t.id)).into(),
                c.into(),
                p.into(),
            ],
        );
    }
    ctx.emit(&Doc::of_table("Template", table), format, to)
}

/// "2.1; 3": the numbers of the themes an integrative theme links.
fn link_numbers(template: &Template, ids: Option<&Vec<i64>>) -> String {
    ids.map(|ids| {
        ids.iter()
            .filter_map(|id| template.get(*id))
            .map(|t| t.number.clone())
            .collect::<Vec<_>>()
            .join("; ")
    })
    .unwrap_or_default()
}

/// `template --by-coder`: the tree with codings and participants per coder, then everyone's
/// together (text two coders coded counts once there).
fn list_by_coder(ctx: &mut Ctx, format: Format, to: &crate::cli::OutputArgs) -> Result<()> {
    let coder = ctx.report_coder()?;
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    let total: i64 = conn.query_row("SELECT count(*) FROM transcript", [], |r| r.get(0))?;
    let coders = crate::cli::freq::coders_with_codings(conn, coder)?;
    let mut per = Vec::new();
    for (id, _) in &coders {
        per.push(theme_counts(conn, &template, Some(*id))?);
    }
    let all = theme_counts(conn, &template, coder)?;
    let mut headers = vec!["number".to_string(), "theme".to_string()];
    for (_, name) in &coders {
        headers.push(format!("{name}: codings"));
        headers.push(format!("{name}: participants"));
    }
    headers.extend(["codings".to_string(), "participants".to_string()]);
    let mut table = Table::new(headers);
    let text = format.for_reading();
    for t in &template.themes {
        let mut row: Vec<serde_json::Value> = vec![
            t.number.clone().into(),
            if format == Format::Table {
                format!("{}{}", "  ".repeat(t.level() - 1), t.name).into()
            } else {
                t.name.clone().into()
            },
        ];
        for counts in per.iter().chain(std::iter::once(&all)) {
            let (c, p) = counts.get(&t.id).copied().unwrap_or_default();
            row.push(c.into());
            row.push(if text {
                format!("{p}/{total}").into()
            } else {
                p.into()
            });
        }
        table.push_at_level(1, t.level(), row);
    }
    ctx.emit(&Doc::of_table("Template by coder", table), format, to)
}

/// The numbered tree with counts, as plain text.
pub fn render_tree(
    template: &Template,
    counts: &std::collections::HashMap<i64, (usize, usize)>,
    total: usize,
    links: &std::collections::BTreeMap<i64, Vec<i64>>,
) -> String {
    let labels: Vec<String> = template
        .themes
        .iter()
        .map(|t| {
            let mut l = format!("{}{} {}", "  ".repeat(t.level() - 1), t.number, t.name);
            if t.kind == ThemeKind::Integrative {
                match links.get(&t.id) {
                    Some(ids) => l.push_str(&format!(
                        " (integrative: {})",
                        link_numbers(template, Some(ids))
                    )),
                    None => l.push_str(" (integrative)"),
                }
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
    let file = a.file.display().to_string();
    let is_qdc = a
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("qdc"))
        || bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&bytes)
            .trim_ascii_start()
            .starts_with(b"<");
    let is_csv = a
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let (mut items, notes) = if is_qdc {
        let read = crate::refi::codebook::read_qdc(&bytes, &file)?;
        (read.items, read.notes)
    } else if is_csv {
        outline::parse_csv(&a.file)?
    } else {
        let text = crate::text::decode(&bytes)
            .map_err(|p| Error::user(format!("{file}: {}", p.describe())))?;
        (outline::parse(&text, &file)?, Vec::new())
    };
    let renamed = outline::fit_slashes(&mut items, &file);
    if is_qdc && items.is_empty() {
        return Err(Error::user(format!("{file} has no codes")));
    }
    if is_csv && items.is_empty() {
        return Err(Error::user(format!("{file} has no rows with a theme name")));
    }
    if items.is_empty() {
        return Err(
            Error::user(format!("{} has no list items", a.file.display())).with_hint(
                "write one theme per line as a Markdown list item: \"- Theme name: definition\"",
            ),
        );
    }
    let coder = ctx.coder_name();
    let w = ctx.write()?;
    let meta = revise::Meta {
        coder: coder_id(&w, &coder)?,
        rationale: Some(format!("imported from {}", a.file.display())),
        prompted_by: None,
    };
    let (outcome, report) = revise::import_outline(&w, &items, &meta)?;
    if report.added.is_empty() {
        // Nothing added: no revision worth keeping in the log.
        drop(w);
    } else {
        w.commit()?;
    }
    for m in &outcome.messages {
        ctx.info(m);
    }
    for n in &notes {
        ctx.warn(format!("{file}: {n}"));
    }
    for n in &renamed {
        ctx.warn(n);
    }
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
            ctx.out()
                .write_all(crate::text::escape_text(&text).as_bytes())?;
            Ok(())
        }
        f => {
            let table = template_table(&template);
            table.write(ctx.out(), f)
        }
    }
}
