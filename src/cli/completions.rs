//! `tana completions` and `tana man`: shell integration, generated from the command
//! definitions so they never drift from the commands.

use clap::CommandFactory;

use crate::cli::{Cli, Ctx};
use crate::error::Result;

/// Print a shell completion script
///
/// Load it once in your shell's start-up file, or save it where your shell looks for
/// completions.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana completions bash > ~/.local/share/bash-completion/completions/tana\n  tana completions zsh > ~/.zfunc/_tana        # with fpath+=~/.zfunc in ~/.zshrc\n  tana completions fish > ~/.config/fish/completions/tana.fish\n  tana completions powershell >> $PROFILE"
)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(ctx: &mut Ctx, args: &CompletionsArgs) -> Result<()> {
    let mut cmd = Cli::command();
    // Into a buffer first: clap_complete panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "tana", &mut script);
    ctx.out().write_all(&script)?;
    Ok(())
}

/// Print the manual page (roff), for `man`
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana man > ~/.local/share/man/man1/tana.1 && man tana\n  tana man | man -l -"
)]
pub struct ManArgs {}

pub fn run_man(ctx: &mut Ctx, _args: &ManArgs) -> Result<()> {
    ctx.out().write_all(&man_page()?)?;
    Ok(())
}

/// The manual page: the overview, the global options and the list of commands (each
/// command's details are in `tana COMMAND --help` and docs/commands.md).
pub fn man_page() -> Result<Vec<u8>> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    Ok(out)
}
