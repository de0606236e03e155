//! `tana codebook`: every codebook field of every theme.

use crate::cli::Ctx;
use crate::error::Result;
use crate::export::{codebook_markdown, codebook_table};
use crate::output::Format;
use crate::template::Template;

/// Print the codebook: every codebook field of every theme
///
/// Fields: number, name, parent, level, kind, origin and source, definition, when to use,
/// when not to use, example, versions created and retired, memo, colour, and how often the
/// theme is coded.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana codebook > codebook.md\n  tana codebook --format csv > codebook.csv"
)]
pub struct CodebookArgs {
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
}

pub fn run(ctx: &mut Ctx, args: &CodebookArgs) -> Result<()> {
    let coder = ctx.report_coder()?;
    let conn = ctx.conn()?;
    let template = Template::load(conn)?;
    match args.format {
        Format::Md => {
            let total: i64 = conn.query_row("SELECT count(*) FROM transcript", [], |r| r.get(0))?;
            let text = codebook_markdown(conn, &template, total as usize, coder)?;
            ctx.out().write_all(text.as_bytes())?;
            Ok(())
        }
        f => {
            let table = codebook_table(conn, &template, coder)?;
            table.write(ctx.out(), f)
        }
    }
}
