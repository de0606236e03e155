//! `tana theme`: create themes (revision operations join this group).

use crate::cli::Ctx;
use crate::error::Result;
use crate::model::{Origin, ThemeFields, ThemeKind};
use crate::project::coder_id;
use crate::template::{add_path, NewTheme, Template};

#[derive(Debug, clap::Subcommand)]
pub enum ThemeCommand {
    Add(AddArgs),
}

/// Add a theme to the template
///
/// Name it by path: "Parent/Child" adds Child under Parent. The parent part may also be a
/// theme number or a unique name. Missing parents are created only with --parents.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana theme add \"Awareness gap\" --a-priori --source \"Service Gap model\"\n  tana theme add \"Awareness gap/Training and onboarding\" --definition \"Formal learning about sustainability\"\n  tana theme add \"1/Peer learning\"\n  tana theme add \"Trust and credibility\" --integrative\n  tana theme add \"Barriers/Time/Deadlines\" --parents"
)]
pub struct AddArgs {
    /// The theme's path, e.g. "Awareness gap/Lack of training"
    pub path: String,
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
}

pub fn run(ctx: &mut Ctx, cmd: &ThemeCommand) -> Result<()> {
    match cmd {
        ThemeCommand::Add(a) => add(ctx, a),
    }
}

fn add(ctx: &mut Ctx, a: &AddArgs) -> Result<()> {
    if let Some(c) = &a.color {
        validate_color(c)?;
    }
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
            definition: a.definition.clone(),
            include: a.include.clone(),
            exclude: a.exclude.clone(),
            example: a.example.clone(),
            memo: a.memo.clone(),
            color: a.color.clone(),
            source: a.source.clone(),
        },
    };
    let coder = ctx.coder_name();
    let conn = ctx.conn()?;
    let tx = conn.transaction()?;
    let coder = coder_id(&tx, &coder)?;
    let added = add_path(&tx, &a.path, &new, a.parents, coder)?;
    let template = Template::load(&tx)?;
    tx.commit()?;
    for p in &added.created_parents {
        if let Ok(t) = template.resolve(p) {
            ctx.info(format!("added parent {}", t.label()));
        }
    }
    if let Some(t) = template.get(added.id) {
        ctx.info(format!("added {} ({})", t.label(), t.path_string()));
    }
    Ok(())
}

fn validate_color(c: &str) -> Result<()> {
    let hex = c.strip_prefix('#').unwrap_or(c);
    if (hex.len() == 6 || hex.len() == 3) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(
            crate::Error::usage(format!("colour \"{c}\" is not a hex colour"))
                .with_hint("write it like #1f77b4"),
        )
    }
}
