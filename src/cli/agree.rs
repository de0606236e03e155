//! `tana agree`: agreement between coders per theme, the units they disagree on, and a
//! consensus coder started from the units they agree on.

use serde_json::Value;

use crate::analysis::agree::{
    agree, named_transcripts, shared_transcripts, AgreeOptions, Agreement, Bootstrap, Coder,
    Coefficients, Interval, Unit, MAX_CODERS,
};
use crate::cli::{split_list, Ctx, WhereArgs};
use crate::coding::{self, shorten, Added, Stamp};
use crate::error::{Error, Result};
use crate::journal::Kind;
use crate::model::Theme;
use crate::output::{count, Format, Table};
use crate::template::Template;

/// Compare coders per theme: percent agreement, Cohen's kappa, Krippendorff's alpha
///
/// Compares two coders (or more, with --coders) over the transcripts every one of them has
/// coded, or --transcripts. Each theme is a yes/no question asked of every unit (segment by
/// default): did this coder code the theme, or one of its sub-themes, in the unit? A coding
/// covers a unit when its text overlaps the unit's text.
///
/// Per theme: the counts behind each number (units, both, each coder only, neither), percent
/// agreement, Cohen's kappa (chance from each coder's own marginals) and Krippendorff's alpha
/// (nominal, binary). Two overall rows follow: pooled over every unit × theme pair, and the
/// mean of the themes' values. A theme neither coder used, or one a coder used on every
/// unit, is reported as such: its kappa is "undefined", never a number made up.
///
/// With three or more coders, kappa is the mean of the pairwise Cohen's kappas and alpha is
/// Krippendorff's alpha over all coders; "agreement" is the share of units where all agree.
///
/// --disagreements lists each unit where the coders differ, with its text and who coded it.
/// --consensus NAME codes, as coder NAME, every unit where all coders coded a theme (the
/// union of their codings of that theme within the unit), in one change that "tana undo"
/// reverts, and prints what is left to decide. Deciding is ordinary coding as that coder.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana agree ana bea\n  tana agree ana bea --unit sentence --ci\n  tana agree ana bea --disagreements --format md > to-discuss.md\n  tana agree --coders ana,bea,cem --depth 1\n  tana agree ana bea --consensus team\n  tana --coder team code P03 12 1.2"
)]
pub struct AgreeArgs {
    /// The coders to compare
    #[arg(value_name = "CODER")]
    pub names: Vec<String>,
    /// Coders to compare, comma-separated or repeated (for three or more)
    #[arg(long, value_name = "NAMES")]
    pub coders: Vec<String>,
    /// Only these transcripts (default: those every compared coder has coded)
    #[arg(long, value_name = "NAMES")]
    pub transcripts: Vec<String>,
    /// Only transcripts whose participants match (among those compared)
    #[command(flatten)]
    pub filter: WhereArgs,
    /// What one unit of comparison is
    #[arg(long, value_enum, default_value = "segment")]
    pub unit: Unit,
    /// Show themes down to this level (1 = top-level themes only)
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Only this theme and its sub-themes (repeat for several)
    #[arg(long, value_name = "THEME")]
    pub theme: Vec<String>,
    /// Add 95% bootstrap intervals for kappa and alpha (transcripts resampled)
    #[arg(long)]
    pub ci: bool,
    /// Bootstrap replicates
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub reps: usize,
    /// Bootstrap seed: the same seed gives the same intervals
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// List each unit where the coders differ instead of the coefficients
    #[arg(long)]
    pub disagreements: bool,
    /// Code as this coder every unit where all compared coders agree a theme applies
    #[arg(long, value_name = "CODER", conflicts_with_all = ["disagreements", "ci"])]
    pub consensus: Option<String>,
    #[arg(long, default_value = "table", value_parser = Format::parser(Format::TEXT))]
    pub format: Format,
}

pub fn run(ctx: &mut Ctx, args: &AgreeArgs) -> Result<()> {
    let mut names = args.names.clone();
    names.extend(split_list(&args.coders));
    if names.len() < 2 {
        return Err(Error::usage("name at least two coders to compare")
            .with_hint("e.g. tana agree ana bea, or tana agree --coders ana,bea,cem"));
    }
    if names.len() > MAX_CODERS {
        return Err(Error::usage(format!(
            "tana agree compares at most {MAX_CODERS} coders at once"
        )));
    }
    if let Some(dup) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        return Err(Error::usage(format!("coder \"{}\" is named twice", dup.1)));
    }
    if args.depth == Some(0) {
        return Err(Error::usage("--depth must be 1 or more"));
    }
    if args.ci && args.reps == 0 {
        return Err(Error::usage("--reps must be 1 or more"));
    }
    if let Some(team) = &args.consensus {
        if names.contains(team) {
            return Err(Error::usage(format!(
                "the consensus coder must be someone other than the coders compared; \"{team}\" is one of them"
            ))
            .with_hint("e.g. --consensus team"));
        }
    }
    let conn = ctx.conn()?;
    let mut coders = Vec::new();
    for name in &names {
        let id: Option<i64> = conn
            .query_row("SELECT id FROM coder WHERE name = ?1", [name], |r| r.get(0))
            .ok();
        let Some(id) = id else {
            return Err(Error::user(format!(
                "no coder named \"{name}\" has worked in this project"
            ))
            .with_hint("\"tana coder list\" lists the coders"));
        };
        coders.push(Coder {
            id,
            name: name.clone(),
        });
    }
    let only = split_list(&args.transcripts);
    let mut transcripts = if only.is_empty() {
        shared_transcripts(conn, &coders)?
    } else {
        named_transcripts(conn, &only)?
    };
    let chosen = args.filter.describe()?;
    if let Some(keep) = args.filter.transcripts(conn, &[])? {
        transcripts.retain(|t| keep.contains(&t.name));
    }
    let who = join_names(&names);
    if transcripts.is_empty() {
        if let Some(d) = chosen {
            return Err(Error::user(format!(
                "{who} have not coded any transcript in common where {d}"
            )));
        }
        return Err(Error::user(format!(
            "{who} have not coded any transcript in common"
        ))
        .with_hint(
            "each coder needs at least one coding in a transcript to compare it; or name transcripts with --transcripts",
        ));
    }
    let template = Template::load(conn)?;
    let themes = pick_themes(&template, &args.theme, args.depth)?;
    if themes.is_empty() {
        return Err(Error::user("the template has no themes to compare")
            .with_hint("add themes with \"tana template import\" or \"tana theme add\""));
    }
    let listed: Vec<&str> = transcripts.iter().map(|t| t.name.as_str()).collect();
    ctx.info(format!(
        "comparing {who} by {} in {} {}: {}",
        args.unit.as_str(),
        count(transcripts.len(), "transcript", "transcripts"),
        match (only.is_empty(), names.len()) {
            (false, _) => "named with --transcripts".to_string(),
            (true, 2) => "both coded".to_string(),
            (true, _) => "all of them coded".to_string(),
        } + &chosen.map(|d| format!(" where {d}")).unwrap_or_default(),
        if listed.len() > 12 {
            format!("{}, …", listed[..12].join(", "))
        } else {
            listed.join(", ")
        }
    ));
    let opts = AgreeOptions {
        coders,
        transcripts,
        unit: args.unit,
        themes,
        rollup: args.consensus.is_none(),
        bootstrap: args.ci.then_some(Bootstrap {
            reps: args.reps,
            seed: args.seed,
        }),
        // Consensus names a real unit to decide in its hint.
        disagreements: args.disagreements || args.consensus.is_some(),
        agreed: args.consensus.is_some(),
    };
    if let Some(team) = &args.consensus {
        return consensus(ctx, &template, opts, team, &names, args.format);
    }
    let result = agree(ctx.conn()?, &template, &opts)?;
    if args.disagreements {
        let n = result.disagreements.len();
        disagreements_table(&result, args.format).write(ctx.out(), args.format)?;
        ctx.info(format!(
            "{} where {who} differ",
            count(
                n,
                &format!("{} × theme", args.unit.as_str()),
                &format!("{} × theme pairs", args.unit.as_str())
            )
        ));
        return Ok(());
    }
    stats_table(&result, args.format).write(ctx.out(), args.format)?;
    if matches!(args.format, Format::Table | Format::Md) {
        let sep = if args.format == Format::Md { "\n" } else { "" };
        writeln!(ctx.out(), "{sep}{}", footer(&result, &opts))?;
    }
    Ok(())
}

/// "ana and bea", "ana, bea and cem".
fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The theme rows: the template in order, cut by --theme (subtrees) and --depth.
fn pick_themes(template: &Template, refs: &[String], depth: Option<usize>) -> Result<Vec<Theme>> {
    let mut ids: Option<std::collections::HashSet<i64>> = None;
    for r in refs {
        let theme = template.resolve(r)?;
        ids.get_or_insert_with(Default::default)
            .extend(template.subtree(theme.id).iter().map(|t| t.id));
    }
    Ok(template
        .themes
        .iter()
        .filter(|t| ids.as_ref().is_none_or(|s| s.contains(&t.id)))
        .filter(|t| depth.is_none_or(|d| t.level() <= d))
        .cloned()
        .collect())
}

fn text_format(format: Format) -> bool {
    matches!(format, Format::Table | Format::Md)
}

fn percent(v: Option<f64>, format: Format) -> Value {
    match (v, text_format(format)) {
        (Some(x), true) => format!("{:.1}%", x * 100.0).into(),
        (Some(x), false) => round(x * 100.0, 4),
        (None, true) => "—".into(),
        (None, false) => Value::Null,
    }
}

fn coef(v: Option<f64>, format: Format) -> Value {
    match (v, text_format(format)) {
        (Some(x), true) => format!("{x:.3}").into(),
        (Some(x), false) => round(x, 6),
        (None, true) => "undefined".into(),
        (None, false) => Value::Null,
    }
}

fn round(x: f64, places: i32) -> Value {
    let f = 10f64.powi(places);
    serde_json::Number::from_f64((x * f).round() / f + 0.0)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn ci_cells(ci: Option<Interval>, format: Format) -> Vec<Value> {
    match (ci, text_format(format)) {
        (Some((lo, hi)), true) => vec![format!("{lo:.3} to {hi:.3}").into()],
        (None, true) => vec!["".into()],
        (Some((lo, hi)), false) => vec![round(lo, 6), round(hi, 6)],
        (None, false) => vec![Value::Null, Value::Null],
    }
}

/// The per-theme table with its two overall rows.
fn stats_table(a: &Agreement, format: Format) -> Table {
    let k = a.coders.len();
    let ci = a.rows.first().is_some_and(|r| r.kappa_ci.is_some())
        || a.overall.pooled_kappa_ci.is_some()
        || a.rows.iter().any(|r| r.alpha_ci.is_some());
    let mut columns: Vec<String> = vec!["number".into(), "theme".into(), "units".into()];
    if k == 2 {
        columns.extend([
            "both".to_string(),
            format!("only {}", a.coders[0].name),
            format!("only {}", a.coders[1].name),
            "neither".to_string(),
        ]);
    } else {
        columns.extend(["all".to_string(), "some".to_string(), "none".to_string()]);
    }
    columns.extend([
        "agreement".to_string(),
        "kappa".to_string(),
        "alpha".to_string(),
    ]);
    if ci {
        if text_format(format) {
            columns.extend(["kappa 95% CI".to_string(), "alpha 95% CI".to_string()]);
        } else {
            columns.extend(
                [
                    "kappa_ci_low",
                    "kappa_ci_high",
                    "alpha_ci_low",
                    "alpha_ci_high",
                ]
                .map(String::from),
            );
        }
    }
    columns.push("note".into());
    let mut t = Table::new(columns);
    let counts = |hist: &[u64]| -> Vec<Value> {
        let n: u64 = hist.iter().sum();
        let full = hist.len() - 1;
        if k == 2 {
            vec![
                n.into(),
                hist[3].into(),
                hist[1].into(),
                hist[2].into(),
                hist[0].into(),
            ]
        } else {
            let some = n - hist[full] - hist[0];
            vec![n.into(), hist[full].into(), some.into(), hist[0].into()]
        }
    };
    let coefs = |c: &Coefficients| -> Vec<Value> {
        vec![
            percent(c.agreement, format),
            coef(c.kappa, format),
            coef(c.alpha, format),
        ]
    };
    for row in &a.rows {
        let mut cells: Vec<Value> = vec![
            row.theme.number.clone().into(),
            match format {
                Format::Table => {
                    format!("{}{}", "  ".repeat(row.theme.level() - 1), row.theme.name).into()
                }
                _ => row.theme.name.clone().into(),
            },
        ];
        cells.extend(counts(&row.hist));
        cells.extend(coefs(&row.coef));
        if ci {
            cells.extend(ci_cells(row.kappa_ci, format));
            cells.extend(ci_cells(row.alpha_ci, format));
        }
        cells.push(row.note.clone().map_or(
            if text_format(format) {
                "".into()
            } else {
                Value::Null
            },
            Value::from,
        ));
        t.push(cells);
    }
    let o = &a.overall;
    let blank = || {
        if text_format(format) {
            Value::from("")
        } else {
            Value::Null
        }
    };
    let used = format!("{} used", count(o.themes, "theme", "themes"));
    let mut pooled: Vec<Value> = vec!["".into(), "overall (pooled)".into()];
    pooled.extend(counts(&o.hist));
    pooled.extend(coefs(&o.pooled));
    if ci {
        pooled.extend(ci_cells(o.pooled_kappa_ci, format));
        pooled.extend(ci_cells(o.pooled_alpha_ci, format));
    }
    pooled.push(used.clone().into());
    t.push(pooled);
    let mut mean: Vec<Value> = vec!["".into(), "overall (mean of themes)".into()];
    mean.extend((0..if k == 2 { 5 } else { 4 }).map(|_| blank()));
    mean.extend(coefs(&o.mean));
    if ci {
        let n = if text_format(format) { 2 } else { 4 };
        mean.extend((0..n).map(|_| blank()));
    }
    mean.push(used.into());
    t.push(mean);
    t
}

/// The footer: what a unit is, what each number means, how the overall rows are made.
fn footer(a: &Agreement, opts: &AgreeOptions) -> String {
    let k = a.coders.len();
    let names: Vec<String> = a.coders.iter().map(|c| c.name.clone()).collect();
    let per_theme = a.units;
    let mut lines = vec![format!(
        "Units: {} — {} ({} {} in {}; coders {}).",
        a.unit.plural(),
        a.unit.rule(),
        per_theme,
        a.unit.plural(),
        count(a.transcripts.len(), "transcript", "transcripts"),
        join_names(&names)
    )];
    lines.push(if k == 2 {
        "Agreement: share of units where both coders agree (both coded the theme, or neither did). Kappa: Cohen's kappa, chance agreement from each coder's own marginals. Alpha: Krippendorff's alpha, nominal, binary per theme.".to_string()
    } else {
        "Agreement: share of units where all coders agree. Kappa: the mean of the pairwise Cohen's kappas (chance from each coder's own marginals). Alpha: Krippendorff's alpha over all coders, nominal, binary per theme.".to_string()
    });
    lines.push(format!(
        "Overall: pooled = one 2 × 2 table over every unit × theme pair of the {} used by any coder (alpha pooled the same way); mean = the mean over those themes of the values that are defined. Themes no coder used are left out of both. Parent rows include their sub-themes, so they weigh in more than once.",
        count(a.overall.themes, "theme", "themes")
    ));
    if let Some(b) = opts.bootstrap {
        lines.push(format!(
            "95% intervals: percentile bootstrap over transcripts (units stay with their transcript), {} replicates, seed {}; replicates where a coefficient is undefined are left out. With few transcripts the intervals are rough.",
            b.reps, b.seed
        ));
    }
    lines.push(
        "Kappa and alpha fall when a theme is rare or very common even if the coders mostly agree (prevalence): read them beside the counts.".to_string(),
    );
    lines.join("\n")
}

/// One row per unit × theme where the coders differ.
fn disagreements_table(a: &Agreement, format: Format) -> Table {
    let mut columns: Vec<String> = vec!["transcript".into()];
    if a.unit != Unit::Transcript {
        columns.push(a.unit.as_str().into());
    }
    columns.extend([
        "number".to_string(),
        "theme".to_string(),
        "text".to_string(),
    ]);
    columns.extend(a.coders.iter().map(|c| c.name.clone()));
    let mut t = Table::new(columns);
    for d in &a.disagreements {
        let row = &a.rows[d.row];
        let mut cells: Vec<Value> = vec![a.transcripts[d.transcript].name.clone().into()];
        if a.unit != Unit::Transcript {
            cells.push(d.unit.clone().into());
        }
        cells.push(row.theme.number.clone().into());
        cells.push(row.theme.name.clone().into());
        cells.push(match format {
            Format::Table => shorten(&d.text, 60).into(),
            Format::Md => shorten(&d.text, 200).into(),
            _ => d.text.clone().into(),
        });
        for c in 0..a.coders.len() {
            let yes = d.mask & (1 << c) != 0;
            cells.push(match format {
                Format::Json => yes.into(),
                f if f.for_reading() => if yes { "✓" } else { "" }.into(),
                _ => u8::from(yes).into(),
            });
        }
        t.push(cells);
    }
    t
}

/// Start the consensus coder from the units all coders agreed on, then print what is left.
fn consensus(
    ctx: &mut Ctx,
    template: &Template,
    opts: AgreeOptions,
    team: &str,
    names: &[String],
    format: Format,
) -> Result<()> {
    let format_summary = |added: usize, joined: usize| {
        format!(
            "agree {} --consensus {team}: {} where they agree{}",
            names.join(" "),
            count(added, "new coding", "new codings"),
            if joined > 0 {
                format!(", {joined} joined with {team}'s codings")
            } else {
                String::new()
            }
        )
    };
    let ((added, joined, result), id) = ctx.change("agree", Kind::Coding, |conn, _| {
        let result = agree(conn, template, &opts)?;
        let team_id = crate::project::coder_id(conn, team)?;
        let stamp = Stamp::new(conn, team_id)?;
        let (mut added, mut joined) = (0, 0);
        for a in &result.agreed {
            match coding::add(conn, a.transcript, a.theme, a.span, None, &stamp)? {
                Added::New(_) => added += 1,
                Added::Joined(_) => joined += 1,
                Added::AlreadyCoded => {}
            }
        }
        Ok(((added, joined, result), format_summary(added, joined)))
    })?;
    match id {
        Some(id) => ctx.info(format!(
            "{team}: {} where {} agree (change {id}; \"tana undo\" reverts it)",
            count(added + joined, "coding", "codings"),
            join_names(names)
        )),
        None => ctx.info(format!(
            "{team}: nothing new; every unit where {} agree is coded already",
            join_names(names)
        )),
    }
    // What is left: units where the coders differ on a theme's own codings.
    let mut left = Table::new(["number", "theme", "to decide"]);
    let mut total = 0u64;
    for row in &result.rows {
        let full = row.hist.len() - 1;
        let n: u64 = row.hist[1..full].iter().sum();
        if n > 0 {
            total += n;
            left.push(vec![
                row.theme.number.clone().into(),
                row.theme.name.clone().into(),
                n.into(),
            ]);
        }
    }
    left.write(ctx.out(), format)?;
    let example = match result.disagreements.first() {
        Some(d) if total > 0 => {
            let row = &result.rows[d.row];
            let at = if result.unit == Unit::Segment || result.unit == Unit::Sentence {
                format!(" {}", d.unit)
            } else {
                format!(" --span {}:{}", d.span.start, d.span.end)
            };
            format!(
                "; decide by coding as {team}, e.g. tana --coder {team} code {}{at} {}",
                result.transcripts[d.transcript].name, row.theme.number
            )
        }
        _ => String::new(),
    };
    ctx.info(format!(
        "left to decide: {total} {} × theme pairs where the coders differ on a theme's own codings (sub-themes not rolled up); list them with \"tana agree {} --disagreements\"{example}",
        result.unit.as_str(),
        names.join(" ")
    ));
    Ok(())
}
