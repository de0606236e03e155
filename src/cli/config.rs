//! `tana config`: project settings.

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::journal::Kind;
use crate::project::setting;

/// Show or change a project setting
///
/// Settings: require-rationale (on|off): every template revision must give --why.
/// blind (on|off): show, sheet, quotes, search and the tables show each coder only their own
/// codings (the lead sees everyone's with --all-coders).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana config\n  tana config require-rationale on\n  tana config blind on"
)]
pub struct ConfigArgs {
    /// The setting
    pub key: Option<String>,
    /// Its new value
    pub value: Option<String>,
}

const KEYS: &[(&str, &[&str], &str)] = &[
    (
        "blind",
        &["on", "off"],
        "each coder sees only their own codings (--all-coders shows everyone's)",
    ),
    (
        "require-rationale",
        &["on", "off"],
        "every template revision must give --why",
    ),
];

pub fn run(ctx: &mut Ctx, args: &ConfigArgs) -> Result<()> {
    let conn = ctx.conn()?;
    let Some(key) = &args.key else {
        let mut text = String::new();
        for (k, _, what) in KEYS {
            let v = setting(conn, k)?.unwrap_or_else(|| "off".into());
            text.push_str(&format!("{k} = {v}    # {what}\n"));
        }
        ctx.out().write_all(text.as_bytes())?;
        return Ok(());
    };
    let Some((k, allowed, _)) = KEYS.iter().find(|(k, _, _)| k == key) else {
        return Err(
            Error::usage(format!("unknown setting \"{key}\"")).with_hint(format!(
                "settings: {}",
                KEYS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
            )),
        );
    };
    match &args.value {
        None => {
            let v = setting(conn, k)?.unwrap_or_else(|| "off".into());
            writeln!(ctx.out(), "{v}")?;
        }
        Some(v) => {
            if !allowed.contains(&v.as_str()) {
                return Err(Error::usage(format!(
                    "{k} must be {}",
                    allowed.join(" or ")
                )));
            }
            let (k, v) = (*k, v.clone());
            if setting(ctx.conn()?, k)?.unwrap_or_else(|| "off".into()) == v {
                ctx.info(format!("{k} = {v} (unchanged)"));
                return Ok(());
            }
            ctx.change("config", Kind::Project, |conn, _| {
                conn.execute(
                    "INSERT INTO setting (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value
                     WHERE value IS NOT excluded.value",
                    (k, &v),
                )?;
                Ok(((), format!("config {k} {v}")))
            })?;
            ctx.info(format!("{k} = {v}"));
        }
    }
    Ok(())
}
