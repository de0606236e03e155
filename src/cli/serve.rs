//! `tana serve`: the coding workbench in the browser.

use crate::cli::Ctx;
use crate::error::{Error, Result};

/// Serve the project as a local web page: read, highlight and code transcripts
///
/// Opens the coding workbench at http://127.0.0.1:PORT/: the transcripts, each with its
/// codings as highlights and margin stripes, a theme picker on any selection, the template
/// with its revisions, the theme × participant heat map, search, quotes, the review list and
/// the codebook. Every change goes through the same library calls as the commands, lands in
/// the same change log (Undo is "tana undo"), and records the coder named on the page.
/// Several browsers and the commands can work on the project at once. Stop with Ctrl-C.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana serve\n  tana serve --port 8080 --open\n  tana serve --read-only\n  tana serve --host 0.0.0.0 --token \"$(uuidgen)\"   # reachable by others: needs a token"
)]
pub struct ServeArgs {
    /// The port (0 picks a free one)
    #[arg(long, default_value_t = 7411)]
    pub port: u16,
    /// The address to listen on; anything but loopback needs --token
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// The access token every request must carry (at least 16 characters)
    #[arg(long, value_name = "SECRET", env = "TANA_SERVE_TOKEN")]
    pub token: Option<String>,
    /// Serve for viewing only: every change is refused
    #[arg(long)]
    pub read_only: bool,
    /// Open the page in the default browser
    #[arg(long)]
    pub open: bool,
}

pub fn run(ctx: &mut Ctx, args: &ServeArgs) -> Result<()> {
    let path = ctx.find_project()?;
    let opts = crate::web::ServeOptions {
        host: args.host,
        port: args.port,
        read_only: args.read_only,
        access_token: args.token.clone(),
        wait: ctx.wait()?,
    };
    let quiet = ctx.global.quiet;
    let open = args.open;
    let shown = path.display().to_string();
    crate::web::serve(path, opts, |url| {
        if !quiet {
            eprintln!("serving {shown} at {url}");
            eprintln!("stop with Ctrl-C; the commands keep working on the project meanwhile");
        }
        if open {
            let _ = std::process::Command::new("xdg-open")
                .arg(url)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .map_err(|e| Error::user(format!("cannot open a browser: {e}")));
        }
    })
}
