//! The command line: global flags, the command enum, dispatch, and `Ctx`, which opens the
//! project once and owns stdout and stderr.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::journal;
use crate::output::Format;
use crate::project;
use crate::text::escape_text;

mod agree;
mod attr;
mod autocode;
mod backup;
mod check;
mod code;
mod codebook;
mod coder;
mod completions;
mod config;
mod cooccur;
mod demo;
mod export;
mod freq;
mod import;
mod init;
mod log;
mod memo;
mod merge;
mod quotes;
mod report;
mod review;
mod search;
mod serve;
mod sheet;
mod show;
mod status;
mod template;
mod theme;
mod transcripts;

/// Template analysis of qualitative data: transcripts, a hierarchical coding template,
/// codings, and theme tables, in one SQLite project file.
#[derive(Debug, Parser)]
#[command(name = "tana", version, propagate_version = true, max_term_width = 100)]
#[command(
    after_help = "Quick start:\n  tana demo                 build and show the demo study\n  tana init study.tana      create a project\n  tana import interviews/*.txt\n  tana template import template.md\n  tana code P03 12 \"Awareness gap\"\n  tana freq"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// The project file (default: TANA_PROJECT, else the only *.tana file here)
    #[arg(long, global = true, value_name = "PATH")]
    pub project: Option<PathBuf>,
    /// Print no messages or progress on stderr (data still goes to stdout)
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Who is coding (default: TANA_CODER, else the coder a copy was made for, else the OS
    /// user name); in listings and reports, show only this coder's work
    #[arg(long, global = true, value_name = "NAME")]
    pub coder: Option<String>,
    /// Show and act on every coder's codings, even with blind coding on (for the lead)
    #[arg(long, global = true)]
    pub all_coders: bool,
    /// How long to wait for another tana writing to the project before giving up
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30.0)]
    pub wait: f64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    Import(import::ImportArgs),
    /// Set, import and list participant attributes (role, sector, ...)
    #[command(subcommand)]
    Attr(attr::AttrCommand),
    Transcripts(transcripts::TranscriptsArgs),
    Show(show::ShowArgs),
    /// Add themes and revise the template: rename, redefine, move, merge, split, delete, undo
    #[command(subcommand)]
    Theme(theme::ThemeCommand),
    Template(template::TemplateArgs),
    Code(code::CodeArgs),
    Uncode(code::UncodeArgs),
    Review(review::ReviewArgs),
    Sheet(sheet::SheetArgs),
    Search(search::SearchArgs),
    Serve(serve::ServeArgs),
    Autocode(autocode::AutocodeArgs),
    /// Write and list memos on transcripts, segments, themes and codings
    #[command(subcommand)]
    Memo(memo::MemoCommand),
    Journal(memo::JournalArgs),
    /// Register and list coders
    #[command(subcommand)]
    Coder(coder::CoderCommand),
    Status(status::StatusArgs),
    Freq(freq::FreqArgs),
    Cooccur(cooccur::CooccurArgs),
    Quotes(quotes::QuotesArgs),
    Report(report::ReportArgs),
    Agree(agree::AgreeArgs),
    Codebook(codebook::CodebookArgs),
    Export(export::ExportArgs),
    Config(config::ConfigArgs),
    Log(log::LogArgs),
    Backup(backup::BackupArgs),
    Merge(merge::MergeArgs),
    Check(check::CheckArgs),
    Undo(log::UndoArgs),
    Redo(log::RedoArgs),
    Demo(demo::DemoArgs),
    Completions(completions::CompletionsArgs),
    Man(completions::ManArgs),
}

/// What every command gets: flags, the project (opened on first use), and the output streams.
pub struct Ctx {
    pub global: GlobalArgs,
    conn: Option<Connection>,
    path: Option<PathBuf>,
    out: BufWriter<std::io::Stdout>,
}

impl Ctx {
    pub fn new(global: GlobalArgs) -> Ctx {
        Ctx {
            global,
            conn: None,
            path: None,
            out: BufWriter::new(std::io::stdout()),
        }
    }

    /// The project connection, found and opened on first use.
    pub fn conn(&mut self) -> Result<&mut Connection> {
        if self.conn.is_none() {
            let path = self.find_project()?;
            self.conn = Some(project::open_waiting(&path, self.wait()?)?);
            self.path = Some(path);
        }
        Ok(self.conn.as_mut().expect("opened above"))
    }

    /// The project file (`--project`, `TANA_PROJECT`, or the only `*.tana` here), not opened.
    pub fn find_project(&self) -> Result<PathBuf> {
        let env = std::env::var_os("TANA_PROJECT")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let cwd = std::env::current_dir().map_err(|e| Error::io(&PathBuf::from("."), e))?;
        project::discover(self.global.project.as_deref(), env.as_deref(), &cwd)
    }

    /// `--wait` as a duration.
    pub fn wait(&self) -> Result<std::time::Duration> {
        let w = self.global.wait;
        if !w.is_finite() || !(0.0..=86_400.0).contains(&w) {
            return Err(
                Error::usage(format!("--wait {w} is not a number of seconds"))
                    .with_hint("give a number from 0 to 86400, e.g. --wait 60"),
            );
        }
        Ok(std::time::Duration::from_secs_f64(w))
    }

    /// Start a change to the project: the write lock is taken now, and the change commits
    /// only if it logged something (see [`project::Write`]).
    pub fn write(&mut self) -> Result<project::Write<'_>> {
        self.conn()?;
        let path = self.path.as_deref().expect("opened above");
        project::Write::begin(self.conn.as_ref().expect("opened above"), path)
    }

    /// Make one change to the project as the current coder: take the write lock, journal what
    /// `work` does (it returns a value and the change's one-line summary), and commit it as
    /// one entry of the change log. Returns the value and the change's id, None when `work`
    /// changed nothing (then nothing at all is written).
    pub fn change<T>(
        &mut self,
        op: &str,
        kind: journal::Kind,
        work: impl FnOnce(&Connection, i64) -> Result<(T, String)>,
    ) -> Result<(T, Option<i64>)> {
        let name = self.coder_name();
        let w = self.write()?;
        let coder = project::coder_id(&w, &name)?;
        let (value, id) = journal::record(&w, coder, |_| {
            let (value, summary) = work(&w, coder)?;
            Ok((value, journal::LogEntry::new(op, kind, summary)))
        })?;
        w.commit()?;
        Ok((value, id))
    }

    /// Close the project, reporting what SQLite could not finish.
    fn close(&mut self) -> Result<()> {
        match (self.conn.take(), &self.path) {
            (Some(conn), Some(path)) => project::close(conn, path),
            _ => Ok(()),
        }
    }

    /// The project file, once opened.
    pub fn project_path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    /// Use an already open connection (for `init` and `demo`).
    pub fn set_conn(&mut self, conn: Connection, path: PathBuf) {
        self.conn = Some(conn);
        self.path = Some(path);
    }

    /// The coder's name: `--coder`, `TANA_CODER`, the coder a copy was made for (`tana backup
    /// --for`), the OS user, or "unknown".
    pub fn coder_name(&mut self) -> String {
        if let Some(name) = self.named_coder() {
            return name;
        }
        let copy_for = self
            .conn()
            .ok()
            .and_then(|c| project::setting(c, "copy_for").ok().flatten())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        copy_for.unwrap_or_else(|| self.system_coder())
    }

    /// `--coder` or `TANA_CODER`, when given.
    fn named_coder(&self) -> Option<String> {
        self.global
            .coder
            .clone()
            .or_else(|| std::env::var("TANA_CODER").ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// The coder's name without looking in a project: `--coder`, `TANA_CODER`, the OS user,
    /// or "unknown" (for commands that create a project).
    pub fn system_coder(&self) -> String {
        self.named_coder()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown".to_string())
    }

    /// The coder whose work a report or view shows: `--coder` given on the command line
    /// (not TANA_CODER, which only says who is writing), which must exist; else, with blind
    /// coding on and no `--all-coders`, the coder at work; else everyone (None).
    pub fn report_coder(&mut self) -> Result<Option<i64>> {
        if let Some(c) = self.flag_coder()? {
            return Ok(Some(c));
        }
        if self.global.all_coders || !self.blind()? {
            return Ok(None);
        }
        let me = self.coder_name();
        let id: Option<i64> = self
            .conn()?
            .query_row("SELECT id FROM coder WHERE name = ?1", [&me], |r| r.get(0))
            .optional()?;
        self.info(format!(
            "blind coding is on: showing only {me}'s codings (--all-coders shows everyone's)"
        ));
        // A coder with no work yet sees none (ids start at 1).
        Ok(Some(id.unwrap_or(0)))
    }

    /// Whether blind coding is on (`tana config blind on`).
    pub fn blind(&mut self) -> Result<bool> {
        Ok(project::setting(self.conn()?, "blind")?.is_some_and(|v| v == "on"))
    }

    /// The coder named with `--coder` on the command line, which must exist.
    pub fn flag_coder(&mut self) -> Result<Option<i64>> {
        let Some(name) = self.global.coder.clone() else {
            return Ok(None);
        };
        let conn = self.conn()?;
        let id: Option<i64> = conn
            .query_row("SELECT id FROM coder WHERE name = ?1", [&name], |r| {
                r.get(0)
            })
            .ok();
        id.map(Some).ok_or_else(|| {
            Error::user(format!(
                "no coder named \"{name}\" has worked in this project"
            ))
            .with_hint("\"tana coder list\" lists the coders")
        })
    }

    /// A message for the researcher on stderr, unless `-q`. Control characters in it (from a
    /// name stored by an older tana, say) are escaped.
    /// A progress bar for long work, drawn on stderr only when it helps (see `progress`).
    pub fn progress(&self, what: &str, len: u64) -> crate::progress::Progress {
        crate::progress::Progress::new(self.global.quiet, what, len)
    }

    pub fn info(&self, msg: impl std::fmt::Display) {
        if !self.global.quiet {
            let _ = writeln!(std::io::stderr(), "{}", escape_text(&msg.to_string()));
        }
    }

    /// A warning on stderr, unless `-q`.
    pub fn warn(&self, msg: impl std::fmt::Display) {
        if !self.global.quiet {
            let _ = writeln!(
                std::io::stderr(),
                "warning: {}",
                escape_text(&msg.to_string())
            );
        }
    }

    /// stdout, buffered.
    pub fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// The project and stdout together, for a command that writes as it reads.
    pub fn conn_and_out(&mut self) -> Result<(&Connection, &mut dyn Write)> {
        self.conn()?;
        match &self.conn {
            Some(conn) => Ok((conn, &mut self.out)),
            None => Err(Error::user("no project is open")),
        }
    }

    /// Write a document in `format`: to `-o FILE` (whole or not at all), else to stdout. A
    /// Word or Excel file is never written to a terminal.
    /// Write text data with `write`: to `-o FILE` (whole or not at all) or to stdout.
    pub fn emit_with(
        &mut self,
        to: &OutputArgs,
        write: impl FnOnce(&mut dyn std::io::Write) -> Result<()>,
    ) -> Result<()> {
        match &to.output {
            Some(path) => {
                if path.is_file() && !to.force {
                    return Err(Error::user(format!("{} already exists", path.display()))
                        .with_hint("add --force to replace it, or choose another name"));
                }
                crate::output::write_atomically(path, |w| write(w))?;
                self.info(format!("wrote {}", path.display()));
                Ok(())
            }
            None => write(&mut self.out),
        }
    }

    pub fn emit(
        &mut self,
        doc: &crate::report::Doc,
        format: Format,
        to: &OutputArgs,
    ) -> Result<()> {
        match &to.output {
            Some(_) => self.emit_with(to, |w| crate::report::write(doc, w, format)),
            None => {
                use std::io::IsTerminal;
                if format.is_binary() && std::io::stdout().is_terminal() {
                    return Err(Error::usage(format!(
                        "--format {} writes a file, not text for the terminal",
                        format.as_str()
                    ))
                    .with_hint(format!(
                        "add -o FILE.{0}, or redirect: > FILE.{0}",
                        format.as_str()
                    )));
                }
                crate::report::write(doc, &mut self.out, format)
            }
        }
    }
}

/// `--where ATTR=VALUE`: transcripts chosen by their participants' attributes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WhereArgs {
    /// Only transcripts whose attribute matches (ATTR=V, ATTR=V1,V2, ATTR!=V; repeatable)
    #[arg(long = "where", value_name = "ATTR=VALUE")]
    pub conditions: Vec<String>,
}

impl WhereArgs {
    pub fn parse(&self) -> Result<Vec<crate::analysis::filter::Where>> {
        self.conditions
            .iter()
            .map(|c| crate::analysis::filter::Where::parse(c))
            .collect()
    }

    /// The transcripts both `named` (when not empty) and the conditions allow; None: all.
    pub fn transcripts(&self, conn: &Connection, named: &[String]) -> Result<Option<Vec<String>>> {
        let named = split_list(named);
        Ok(crate::analysis::filter::combine(
            (!named.is_empty()).then_some(named),
            crate::analysis::filter::transcripts_where(conn, &self.parse()?)?,
        ))
    }

    /// "role=manager and site!=Leeds", or None without conditions.
    pub fn describe(&self) -> Result<Option<String>> {
        let conds = self.parse()?;
        Ok((!conds.is_empty()).then(|| {
            conds
                .iter()
                .map(crate::analysis::filter::Where::describe)
                .collect::<Vec<_>>()
                .join(" and ")
        }))
    }
}

/// `-o FILE`: where a command that can write documents writes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OutputArgs {
    /// Write to FILE instead of stdout; its extension (.html, .docx, .xlsx, .csv, .md, .json)
    /// sets the format unless --format is given
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it exists
    #[arg(long, requires = "output")]
    pub force: bool,
}

impl OutputArgs {
    /// The format to write: `--format` as given, or the extension of `-o FILE` when --format
    /// was left at its default (table).
    pub fn format(&self, given: Format) -> Format {
        match &self.output {
            Some(p) if given == Format::Table => Format::from_path(p).unwrap_or(Format::Table),
            _ => given,
        }
    }
}

/// Parse, run, print errors; returns the exit code.
pub fn main() -> i32 {
    run_from(std::env::args_os())
}

/// `main` for a given command line (the first item is the program's name): the same parsing,
/// the same code paths, in this process. Tests use it to run many commands quickly.
pub fn run_from<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let mut ctx = Ctx::new(cli.global.clone());
    let result = run(&mut ctx, &cli.command)
        .and_then(|()| ctx.out.flush().map_err(Error::from))
        .and_then(|()| ctx.close());
    // A SQLite error anywhere that says the file is damaged or busy is put in the
    // researcher's words, naming the file.
    let result = match (&ctx.path, result) {
        (Some(path), Err(e)) => Err(project::classify_error(path, e)),
        (_, r) => r,
    };
    match result {
        Ok(()) => 0,
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => {
            let _ = ctx.out.flush();
            // A closed stderr is no reason to panic.
            let mut err = std::io::stderr();
            let _ = writeln!(err, "error: {}", escape_text(&e.to_string()));
            if let Some(h) = e.hint() {
                let _ = writeln!(err, "hint: {}", escape_text(h));
            }
            e.exit_code()
        }
    }
}

pub(crate) fn run(ctx: &mut Ctx, command: &Command) -> Result<()> {
    match command {
        Command::Init(a) => init::run(ctx, a),
        Command::Import(a) => import::run(ctx, a),
        Command::Attr(a) => attr::run(ctx, a),
        Command::Transcripts(a) => transcripts::run(ctx, a),
        Command::Show(a) => show::run(ctx, a),
        Command::Theme(a) => theme::run(ctx, a),
        Command::Template(a) => template::run(ctx, a),
        Command::Code(a) => code::run_code(ctx, a),
        Command::Uncode(a) => code::run_uncode(ctx, a),
        Command::Review(a) => review::run(ctx, a),
        Command::Sheet(a) => sheet::run(ctx, a),
        Command::Search(a) => search::run(ctx, a),
        Command::Serve(a) => serve::run(ctx, a),
        Command::Autocode(a) => autocode::run(ctx, a),
        Command::Memo(a) => memo::run_memo(ctx, a),
        Command::Journal(a) => memo::run_journal(ctx, a),
        Command::Coder(a) => coder::run(ctx, a),
        Command::Status(a) => status::run(ctx, a),
        Command::Freq(a) => freq::run(ctx, a),
        Command::Cooccur(a) => cooccur::run(ctx, a),
        Command::Quotes(a) => quotes::run(ctx, a),
        Command::Report(a) => report::run(ctx, a),
        Command::Agree(a) => agree::run(ctx, a),
        Command::Codebook(a) => codebook::run(ctx, a),
        Command::Export(a) => export::run(ctx, a),
        Command::Config(a) => config::run(ctx, a),
        Command::Log(a) => log::run_log(ctx, a),
        Command::Backup(a) => backup::run(ctx, a),
        Command::Merge(a) => merge::run(ctx, a),
        Command::Check(a) => check::run(ctx, a),
        Command::Undo(a) => log::run_undo(ctx, a),
        Command::Redo(a) => log::run_redo(ctx, a),
        Command::Demo(a) => demo::run(ctx, a),
        Command::Completions(a) => completions::run(ctx, a),
        Command::Man(a) => completions::run_man(ctx, a),
    }
}

/// Split `a,b,c` and repeated values into one list.
pub fn split_list(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}
