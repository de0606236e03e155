//! `tana theme`: add themes and revise the template (rename, redefine, move, merge, split,
//! delete, restore, integrate, undo). Every revision is logged with its rationale.

use crate::cli::Ctx;
use crate::coding::Doc;
use crate::error::{Error, Result};
use crate::model::{Origin, ThemeFields, ThemeKind};
use crate::project::coder_id;
use crate::template::revise::{self, Anchor, Destination, Meta, OnDelete, Outcome, Scope};
use crate::template::NewTheme;

#[derive(Debug, clap::Subcommand)]
pub enum ThemeCommand {
    Add(AddArgs),
    Rename(RenameArgs),
    Redefine(RedefineArgs),
    Move(MoveArgs),
    Merge(MergeArgs),
    Split(SplitArgs),
    Delete(DeleteArgs),
    Restore(RestoreArgs),
    Integrate(IntegrateArgs),
    Undo(UndoArgs),
}

/// Why a revision was made, and what prompted it
#[derive(Debug, Clone, clap::Args)]
pub struct Why {
    /// The rationale, recorded in the change log and the audit appendix
    #[arg(long, value_name = "TEXT")]
    pub why: Option<String>,
    /// The transcript segment that prompted the revision, e.g. P03:12
    #[arg(long, value_name = "TRANSCRIPT:SEGMENT")]
    pub prompted_by: Option<String>,
}

/// Add a theme to the template
///
/// Name it by path: "Parent/Child" adds Child under Parent. The parent part may also be a
/// theme number or a unique name. Missing parents are created only with --parents. The
/// addition is logged, and transcripts coded earlier are flagged for re-reading.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana theme add \"Awareness gap\" --a-priori --source \"Service Gap model\"\n  tana theme add \"Awareness gap/Training and onboarding\" --definition \"Formal learning about sustainability\"\n  tana theme add \"1/Peer learning\" --why \"P07 learns from colleagues, not courses\" --prompted-by P07:14\n  tana theme add \"Trust and credibility\" --integrative\n  tana theme add \"Barriers/Time/Deadlines\" --parents"
)]
pub struct AddArgs {
    /// The theme's path, e.g. "Awareness gap/Lack of training"
    pub path: String,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// The theme comes from the literature or the interview guide (a priori)
    #[arg(long)]
    pub a_priori: bool,
    /// Where an a priori theme comes from (implies --a-priori)
    #[arg(long, value_name = "TEXT")]
    pub source: Option<String>,
    /// The theme runs across the hierarchy (e.g. trust, time pressure)
    #[arg(long)]
    pub integrative: bool,
    /// A display colour, e.g. #1f77b4
    #[arg(long)]
    pub color: Option<String>,
    /// Create missing parent themes
    #[arg(long)]
    pub parents: bool,
    #[command(flatten)]
    pub why: Why,
}

/// The codebook fields a theme can be given or changed
#[derive(Debug, Clone, clap::Args)]
pub struct FieldArgs {
    /// What the theme means
    #[arg(long)]
    pub definition: Option<String>,
    /// When to use it
    #[arg(long, value_name = "TEXT")]
    pub include: Option<String>,
    /// When not to use it
    #[arg(long, value_name = "TEXT")]
    pub exclude: Option<String>,
    /// A typical example
    #[arg(long, value_name = "TEXT")]
    pub example: Option<String>,
    /// A memo about the theme
    #[arg(long, value_name = "TEXT")]
    pub memo: Option<String>,
}

impl FieldArgs {
    fn to_fields(&self) -> ThemeFields {
        ThemeFields {
            definition: self.definition.clone(),
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            example: self.example.clone(),
            memo: self.memo.clone(),
            ..ThemeFields::default()
        }
    }
}

/// Rename a theme
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana theme rename 1.3 \"Learning about sustainability\" --why \"covers informal learning too\""
)]
pub struct RenameArgs {
    pub theme: String,
    /// The new name
    pub name: String,
    #[command(flatten)]
    pub why: Why,
}

/// Change a theme's definition or other codebook fields (change its scope)
///
/// With --broaden, transcripts coded earlier are flagged for re-reading; with --narrow,
/// every coding of the theme is queued for confirmation (see "tana review").
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana theme redefine 2.1 --definition \"Customer demands, including tenders\" --broaden --why \"tenders fit here\"\n  tana theme redefine 4.2 --exclude \"Personal goals\" --narrow"
)]
pub struct RedefineArgs {
    pub theme: String,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// The scope grows: flag earlier transcripts for re-reading
    #[arg(long, conflicts_with = "narrow")]
    pub broaden: bool,
    /// The scope shrinks: queue the theme's codings for confirmation
    #[arg(long)]
    pub narrow: bool,
    #[command(flatten)]
    pub why: Why,
}

/// Move a theme (with its sub-themes) under another parent or to the top level
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana theme move 4.1 --under 3\n  tana theme move \"Trust\" --top --before 1\n  tana theme move 2.3 --under 2 --after 2.1"
)]
pub struct MoveArgs {
    pub theme: String,
    /// The new parent
    #[arg(
        long,
        value_name = "PARENT",
        required_unless_present = "top",
        conflicts_with = "top"
    )]
    pub under: Option<String>,
    /// Make it a top-level theme
    #[arg(long)]
    pub top: bool,
    /// Place it before this sibling
    #[arg(long, value_name = "SIBLING", conflicts_with = "after")]
    pub before: Option<String>,
    /// Place it after this sibling
    #[arg(long, value_name = "SIBLING")]
    pub after: Option<String>,
    #[command(flatten)]
    pub why: Why,
}

/// Merge themes into one: their codings are united and overlapping spans joined
///
/// C may be one of the merged themes, another existing theme, or a new name (created where
/// the first merged theme stands). Sub-themes of the merged themes move under C.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana theme merge 3.1.1 3.1.2 --into \"Top-down messaging\" --why \"the channel does not matter\"\n  tana theme merge \"Tools\" \"Data\" --into \"Tools and data\""
)]
pub struct MergeArgs {
    /// The themes to merge
    #[arg(required = true)]
    pub themes: Vec<String>,
    /// The theme they become
    #[arg(long, value_name = "THEME")]
    pub into: String,
    #[command(flatten)]
    pub why: Why,
}

/// Split a theme into new themes; its codings are queued for re-review
///
/// The new themes are created beside it. Every coding of the split theme goes on the review
/// list; distribute them with "tana review assign".
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana theme split 2.1 --into \"Tenders\" \"Audits and questionnaires\" --why \"two different pressures\"\n  tana review\n  tana review assign P03:6 \"Audits and questionnaires\""
)]
pub struct SplitArgs {
    pub theme: String,
    /// Names of the new themes
    #[arg(long, num_args = 2.., required = true, value_name = "NAME")]
    pub into: Vec<String>,
    #[command(flatten)]
    pub why: Why,
}

/// Delete a theme; its codings are reassigned or archived, never dropped
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana theme delete 1.4 --reassign-to 1.2 --why \"values explain why it matters\"\n  tana theme delete \"Tools and data\" --uncode\n  tana theme delete 3 --with-subthemes --uncode\n  tana theme restore \"Tools and data\""
)]
pub struct DeleteArgs {
    pub theme: String,
    /// Move its codings (and sub-themes) to this theme
    #[arg(long, value_name = "THEME", conflicts_with = "uncode")]
    pub reassign_to: Option<String>,
    /// Remove its codings (archived; "tana theme restore" brings them back)
    #[arg(long)]
    pub uncode: bool,
    /// Delete its sub-themes too
    #[arg(long)]
    pub with_subthemes: bool,
    #[command(flatten)]
    pub why: Why,
}

/// Bring back a deleted theme with the codings its deletion archived
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana theme restore \"Tools and data\"\n  tana theme restore '#24'"
)]
pub struct RestoreArgs {
    /// The deleted theme's name or #id
    pub theme: String,
    #[command(flatten)]
    pub why: Why,
}

/// Link an integrative theme to the themes it cuts across
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana theme integrate \"Trust and credibility\" --with 1.1 3.1 4.2"
)]
pub struct IntegrateArgs {
    /// The integrative theme
    pub theme: String,
    /// The themes it cuts across
    #[arg(long, num_args = 1.., required = true, value_name = "THEME")]
    pub with: Vec<String>,
    #[command(flatten)]
    pub why: Why,
}

/// Undo the last revision exactly, codings included; repeat to walk back through the log
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  tana theme undo\n  tana template log")]
pub struct UndoArgs {
    #[command(flatten)]
    pub why: Why,
}

pub fn run(ctx: &mut Ctx, cmd: &ThemeCommand) -> Result<()> {
    let why = match cmd {
        ThemeCommand::Add(a) => &a.why,
        ThemeCommand::Rename(a) => &a.why,
        ThemeCommand::Redefine(a) => &a.why,
        ThemeCommand::Move(a) => &a.why,
        ThemeCommand::Merge(a) => &a.why,
        ThemeCommand::Split(a) => &a.why,
        ThemeCommand::Delete(a) => &a.why,
        ThemeCommand::Restore(a) => &a.why,
        ThemeCommand::Integrate(a) => &a.why,
        ThemeCommand::Undo(a) => &a.why,
    }
    .clone();
    if let ThemeCommand::Add(a) = cmd {
        if let Some(c) = &a.color {
            validate_color(c)?;
        }
    }
    let coder = ctx.coder_name();
    let w = ctx.write()?;
    let tx = &*w;
    let meta = Meta {
        coder: coder_id(tx, &coder)?,
        rationale: why.why.clone(),
        prompted_by: match &why.prompted_by {
            Some(p) => Some(check_prompted_by(tx, p)?),
            None => None,
        },
    };
    let outcome: Outcome = match cmd {
        ThemeCommand::Add(a) => {
            let new = NewTheme {
                kind: if a.integrative {
                    ThemeKind::Integrative
                } else {
                    ThemeKind::Hierarchical
                },
                origin: if a.a_priori || a.source.is_some() {
                    Origin::APriori
                } else {
                    Origin::Emergent
                },
                fields: ThemeFields {
                    color: a.color.clone(),
                    source: a.source.clone(),
                    ..a.fields.to_fields()
                },
            };
            revise::add(tx, &a.path, &new, a.parents, &meta)?
        }
        ThemeCommand::Rename(a) => revise::rename(tx, &a.theme, &a.name, &meta)?,
        ThemeCommand::Redefine(a) => {
            let fields = a.fields.to_fields();
            let scope = match (a.broaden, a.narrow) {
                (true, _) => Some(Scope::Broaden),
                (_, true) => Some(Scope::Narrow),
                _ => None,
            };
            revise::redefine(tx, &a.theme, &fields, scope, &meta)?
        }
        ThemeCommand::Move(a) => {
            let dest = match &a.under {
                Some(p) => Destination::Under(p.clone()),
                None => Destination::Top,
            };
            let anchor = match (&a.before, &a.after) {
                (Some(b), _) => Anchor::Before(b.clone()),
                (_, Some(x)) => Anchor::After(x.clone()),
                _ => Anchor::End,
            };
            revise::move_theme(tx, &a.theme, &dest, &anchor, &meta)?
        }
        ThemeCommand::Merge(a) => revise::merge(tx, &a.themes, &a.into, &meta)?,
        ThemeCommand::Split(a) => revise::split(tx, &a.theme, &a.into, &meta)?,
        ThemeCommand::Delete(a) => {
            let how = match (&a.reassign_to, a.uncode) {
                (Some(t), _) => OnDelete::ReassignTo(t.clone()),
                (_, true) => OnDelete::Uncode,
                _ => OnDelete::Nothing,
            };
            revise::delete(tx, &a.theme, &how, a.with_subthemes, &meta)?
        }
        ThemeCommand::Restore(a) => revise::restore(tx, &a.theme, &meta)?,
        ThemeCommand::Integrate(a) => revise::integrate(tx, &a.theme, &a.with, &meta)?,
        ThemeCommand::Undo(_) => revise::undo(tx, &meta)?,
    };
    if !w.commit()? {
        ctx.info("nothing changed");
        return Ok(());
    }
    for m in &outcome.messages {
        ctx.info(m);
    }
    ctx.info(format!("logged as revision {}", outcome.revision));
    Ok(())
}

/// Check `P03:12` names a transcript and segment; return it normalised.
fn check_prompted_by(conn: &rusqlite::Connection, p: &str) -> Result<String> {
    let (name, seg) = p.split_once(':').ok_or_else(|| {
        Error::usage(format!("--prompted-by \"{p}\" is not TRANSCRIPT:SEGMENT"))
            .with_hint("e.g. --prompted-by P03:12")
    })?;
    let doc = Doc::load(conn, name)?;
    let n: i64 = seg.trim().parse().map_err(|_| {
        Error::usage(format!(
            "--prompted-by \"{p}\": \"{seg}\" is not a segment number"
        ))
    })?;
    doc.segment(n)?;
    Ok(format!("{}:{n}", doc.name))
}

fn validate_color(c: &str) -> Result<()> {
    let hex = c.strip_prefix('#').unwrap_or(c);
    if (hex.len() == 6 || hex.len() == 3) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::usage(format!("colour \"{c}\" is not a hex colour"))
            .with_hint("write it like #1f77b4"))
    }
}
