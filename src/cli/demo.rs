//! `tana demo`: build the demo study through the ordinary commands and show its tables.

use std::path::{Path, PathBuf};

use clap::Parser;

use crate::cli::{self, Ctx};
use crate::demo::{transcripts, FILES};
use crate::error::{Error, Result};
use crate::output::Format;
use crate::project;

/// Build the demo study and print its template and presence table
///
/// Writes the demo's files (17 interview transcripts, participants.csv, the a priori
/// template template-t0.md, the revisions that made it the final template.md in
/// history.txt, and codings.csv) into DIR and builds DIR/demo.tana from them with the same
/// steps a researcher runs: init, import, attr import, template import, theme add / rename /
/// merge / split …, template save, code --from. Running it
/// again rebuilds the demo project from scratch.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana demo\n  tana demo /tmp/tana-demo\n  cd tana-demo && tana freq --by role"
)]
pub struct DemoArgs {
    /// Where to build the demo
    #[arg(default_value = "tana-demo")]
    pub dir: PathBuf,
}

pub fn run(ctx: &mut Ctx, args: &DemoArgs) -> Result<()> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir.join("transcripts")).map_err(|e| Error::io(dir, e))?;
    for (rel, contents) in FILES {
        write_fixture(&dir.join(rel), contents)?;
    }
    let path = dir.join("demo.tana");
    if path.exists() {
        let conn = project::open(&path)?;
        if project::setting(&conn, "demo")?.as_deref() != Some("1") {
            return Err(Error::user(format!(
                "{} exists and is not a demo project; not touching it",
                path.display()
            ))
            .with_hint("choose another folder: tana demo DIR"));
        }
        drop(conn);
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", path.display()));
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
            }
        }
        ctx.info(format!("rebuilding the demo project {}", path.display()));
    }
    let conn = project::create(&path)?;
    conn.execute("INSERT INTO setting (key, value) VALUES ('demo', '1')", [])?;
    let mut inner = Ctx::new(cli::GlobalArgs {
        project: Some(path.clone()),
        quiet: true,
        coder: Some(
            ctx.global
                .coder
                .clone()
                .unwrap_or_else(|| "demo".to_string()),
        ),
        wait: ctx.global.wait,
        all_coders: true,
    });
    inner.set_conn(conn, path.clone());
    let files: Vec<PathBuf> = transcripts().map(|(rel, _)| dir.join(rel)).collect();
    cli::import::run(
        &mut inner,
        &cli::import::ImportArgs {
            files,
            name: None,
            name_regex: None,
            attrs: Vec::new(),
            replace: false,
            speaker_pattern: None,
            paragraphs: false,
            columns: Vec::new(),
            survey: false,
            id: None,
            text: Vec::new(),
            question: None,
            attr_columns: Vec::new(),
            output: None,
            max_size: None,
            taguette_project: None,
            flat_tags: false,
        },
    )?;
    cli::attr::run(
        &mut inner,
        &cli::attr::AttrCommand::Import(cli::attr::ImportArgs {
            file: dir.join("participants.csv"),
        }),
    )?;
    // The template as it grew: T0 from the literature, then the revisions of history.txt,
    // each with its rationale; the result is template.md, which then adds nothing.
    for file in ["template-t0.md", "template.md"] {
        if file == "template.md" {
            for args in crate::demo::history() {
                let line = args.join(" ");
                let parsed =
                    cli::Cli::try_parse_from(std::iter::once("tana".to_string()).chain(args))
                        .map_err(|e| Error::user(format!("demo history: {line}: {e}")))?;
                cli::run(&mut inner, &parsed.command)?;
            }
        }
        cli::template::run(
            &mut inner,
            &cli::template::TemplateArgs {
                command: Some(cli::template::TemplateCommand::Import(
                    cli::template::ImportArgs {
                        file: dir.join(file),
                    },
                )),
                version: None,
                by_coder: false,
                format: Format::Table,
                out: Default::default(),
            },
        )?;
    }
    cli::code::run_code(
        &mut inner,
        &cli::code::CodeArgs {
            transcript: None,
            rest: Vec::new(),
            at: cli::code::Addressing {
                quote: None,
                ignore_case: false,
                occurrence: None,
                span: None,
            },
            memo: None,
            create: false,
            ambiguous: None,
            from: Some(dir.join("codings.csv")),
        },
    )?;
    let (transcripts, codings): (i64, i64) = inner.conn()?.query_row(
        "SELECT (SELECT count(*) FROM transcript), (SELECT count(*) FROM coding)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    ctx.info(format!(
        "built {}: {transcripts} transcripts, {codings} codings\n",
        path.display()
    ));
    // The template, then the presence table, on stdout.
    let mut show = Ctx::new(cli::GlobalArgs {
        project: Some(path.clone()),
        quiet: ctx.global.quiet,
        coder: None,
        wait: ctx.global.wait,
        all_coders: true,
    });
    let conn = project::open(&path)?;
    show.set_conn(conn, path.clone());
    drop(inner);
    cli::template::run(
        &mut show,
        &cli::template::TemplateArgs {
            command: None,
            version: None,
            by_coder: false,
            format: Format::Table,
            out: Default::default(),
        },
    )?;
    writeln!(show.out())?;
    cli::freq::run(
        &mut show,
        &cli::freq::FreqArgs {
            measure: crate::analysis::freq::Measure::Presence,
            depth: None,
            by: None,
            transcripts: Vec::new(),
            filter: Default::default(),
            no_autocoded: false,
            by_coder: false,
            format: Format::Table,
            out: Default::default(),
        },
    )?;
    show.out().flush()?;
    ctx.info(format!(
        "\nexplore it: cd {} && tana show P03, tana freq --by role, tana quotes 1.1",
        dir.display()
    ));
    Ok(())
}

/// Write a demo file unless the same content is there already; refuse to overwrite edits.
fn write_fixture(path: &Path, contents: &str) -> Result<()> {
    match std::fs::read(path) {
        Ok(existing) if existing == contents.as_bytes() => Ok(()),
        Ok(_) => Err(Error::user(format!(
            "{} exists with other content; not overwriting it",
            path.display()
        ))
        .with_hint("choose another folder: tana demo DIR")),
        Err(_) => std::fs::write(path, contents).map_err(|e| Error::io(path, e)),
    }
}
