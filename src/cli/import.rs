//! `tana import`: add transcripts from text files.

use std::path::PathBuf;

use regex::Regex;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::import::survey::{self, AttrColumns, SurveyOptions, ALL_OTHER};
use crate::import::{attributes::parse_pair, import_file, taguette, ImportOptions, Imported};
use crate::journal::Kind;
use crate::output::count;
use crate::segment::{Layout, TurnRule};

/// Import transcripts (.txt, .md, .docx, .odt, .vtt, .srt, .csv), a REFI-QDA project (.qdpx) or a Taguette database
///
/// Each file becomes one transcript named after the file stem. A .docx or .odt gives its
/// paragraphs, separated by blank lines. Speaker turns are detected (`Interviewer:`, `P3:`,
/// `MODERATOR:`, `Jane Doe:`, `Jane Doe (Sales lead):`, `[04:12] PARTICIPANT 4:`,
/// `00:00:04 Jane Doe:`, and a line of its own with `Jane Doe  0:04` as Otter and Teams write
/// it or `[Jane Doe] 00:00:04` as Zoom does; the time is kept); without turns, each paragraph
/// is a segment. Numbered headings (`1 Read the task`, `1.a Was it clear?`), Markdown headings,
/// stage directions on a line of their own (`(The participant reads the task)`) and image
/// captions are segments without a speaker. For each file, import says which speakers it
/// found, with their turns, or that it found none. Caption files (.vtt, .srt) become
/// one segment per speaker turn, with `<v Name>` voices or `Name:` prefixes as speakers and the
/// cue start time kept; a .csv has one row per turn. All files are imported in one
/// transaction: if one fails, none is imported.
///
/// A REFI-QDA project (.qdpx from NVivo, ATLAS.ti, MAXQDA, QualCoder, or tana export) becomes
/// a new tana project (-o NEW.tana; default: its stem with .tana), with its texts, codes,
/// codings, users, variables and notes; what tana cannot keep is listed. A .qdpx written by
/// tana also brings back the template's revision history and saved versions.
///
/// A Taguette database (Export project → .sqlite3, or Taguette's own database; recognised
/// by its content, not its name) becomes a new tana project the same way: documents become
/// transcripts, highlights codings on exactly the highlighted words (one per tag), tags
/// themes with their descriptions, members coders, and Taguette's history of tags added,
/// renamed, merged and deleted becomes template revisions with their dates.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana import interviews/*.txt\n  tana import raw/int7.txt --name P07 --attr role=manager --attr sector=IT\n  tana import originals/*.odt --name-regex '^(P[0-9]+)_'\n  tana import a.txt b.txt c.txt --name 'P{n:2}'\n  tana import P03.txt --replace\n  tana import episode.vtt podcast.srt\n  tana import turns.csv --columns who,utterance,time\n  tana import interview.docx notes.odt\n  tana import study.qdpx -o study.tana\n  tana import project.sqlite3 -o study.tana\n  tana import taguette.sqlite3 --taguette-project \"Main study\"\n  tana import notes.txt --speaker-pattern '^(?P<speaker>[A-Z]{2,3})> '"
)]
pub struct ImportArgs {
    /// Transcript files, or one .qdpx project or Taguette database
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Name of the transcript (default: the file stem); with several files, a pattern:
    /// {n} is the file's place in the list (1, 2, …; {n:2} pads to 01, 02, …), {stem} its stem
    #[arg(long)]
    pub name: Option<String>,
    /// Name each transcript from its file stem: the regex's group `name` (or group 1)
    #[arg(long, value_name = "REGEX", conflicts_with = "name")]
    pub name_regex: Option<String>,
    /// Set a participant attribute, e.g. role=manager (repeatable)
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attrs: Vec<String>,
    /// Replace a transcript of the same name, keeping its codings on their text
    #[arg(long)]
    pub replace: bool,
    /// Regex that matches a speaker label at the start of a line; group `speaker` (or group 1)
    /// is the speaker's name
    #[arg(long, value_name = "REGEX", conflicts_with = "paragraphs")]
    pub speaker_pattern: Option<String>,
    /// Do not look for speaker turns: every paragraph is a segment
    #[arg(long)]
    pub paragraphs: bool,
    /// For .csv transcripts (one row per turn): the speaker, text and optional start columns
    #[arg(long, value_name = "SPEAKER,TEXT[,START]", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Read a .csv of survey answers: each respondent becomes a transcript (named after --id),
    /// each answer a segment with its question as the speaker
    #[arg(
        long,
        requires_all = ["id", "text"],
        conflicts_with_all = ["name_regex", "speaker_pattern", "paragraphs", "columns", "output", "max_size", "taguette_project", "flat_tags"]
    )]
    pub survey: bool,
    /// For --survey: the column that identifies the respondent
    #[arg(long, value_name = "COLUMN", requires = "survey")]
    pub id: Option<String>,
    /// For --survey: the answer column (one row per answer), or one column per question (one
    /// row per respondent; each column's header is its question)
    #[arg(long, value_name = "COLUMN[,COLUMN...]", requires = "survey")]
    pub text: Vec<String>,
    /// For --survey with one row per answer: the column that says which question it answers
    #[arg(long, value_name = "COLUMN", requires = "survey")]
    pub question: Option<String>,
    /// For --survey: the columns that are participant attributes (role, site, …), or
    /// all-other for every column not named by --id, --text or --question
    #[arg(long, value_name = "COLUMN[,COLUMN...]|all-other", requires = "survey")]
    pub attr_columns: Vec<String>,
    /// For a REFI-QDA project (.qdpx, .qde) or a Taguette database: the new project file to
    /// create (default: the file's stem with .tana, in the current folder)
    #[arg(short, long, value_name = "NEW.tana")]
    pub output: Option<PathBuf>,
    /// For a REFI-QDA project: the most its texts may expand to, all together (default 2G;
    /// K, M and G count in powers of 1024: 500M, 4G, or a number of bytes)
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_size: Option<u64>,
    /// For a Taguette database holding several projects: the one to import (its id or name)
    #[arg(long, value_name = "ID|NAME")]
    pub taguette_project: Option<String>,
    /// For a Taguette database: keep tag names whole (by default a "." between two words, as
    /// in "Barriers.Cost", makes a sub-theme)
    #[arg(long)]
    pub flat_tags: bool,
}

/// A size such as `4G`, `500M`, `1.5G`, `64K` or `1000000` (bytes); K, M, G and T are powers
/// of 1024, with or without a trailing `B` or `iB`.
fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (number, unit) = match body.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&body[..i], c),
        _ => (body, ' '),
    };
    let scale: u64 = match unit {
        ' ' => 1,
        'k' => 1 << 10,
        'm' => 1 << 20,
        'g' => 1 << 30,
        't' => 1 << 40,
        _ => return Err(format!("\"{t}\" is not a size (use K, M, G or T, e.g. 4G)")),
    };
    let number = number.trim();
    let bad = || format!("\"{t}\" is not a size (e.g. 4G, 500M, or a number of bytes)");
    let bytes = if let Ok(n) = number.parse::<u64>() {
        n.checked_mul(scale).ok_or_else(bad)?
    } else {
        let x: f64 = number.parse().map_err(|_| bad())?;
        if !x.is_finite() || x < 0.0 || x * scale as f64 >= u64::MAX as f64 {
            return Err(bad());
        }
        (x * scale as f64).round() as u64
    };
    if bytes == 0 {
        return Err(format!("\"{t}\" is zero; give a size such as 4G"));
    }
    Ok(bytes)
}

fn is_refi_project(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("qdpx") || e.eq_ignore_ascii_case("qde"))
}

/// `tana import study.qdpx [-o new.tana]`: a REFI-QDA project becomes a new tana project.
fn import_project(ctx: &mut Ctx, args: &ImportArgs) -> Result<()> {
    if args.files.len() > 1 {
        return Err(
            Error::usage("a .qdpx project is imported on its own, into a new project").with_hint(
                "import it first (tana import study.qdpx), then add transcripts to the new project",
            ),
        );
    }
    let file = &args.files[0];
    let target = new_project_path(file, args.output.as_deref());
    let max_size = args
        .max_size
        .unwrap_or(crate::refi::import::DEFAULT_MAX_SIZE);
    let report = crate::refi::import::import_qdpx(file, &target, &ctx.system_coder(), max_size)?;
    ctx.info(format!(
        "imported {} ({}) into {}: {}, {}, {} ({} with a memo), {}, {}, {}, {}",
        file.display(),
        if report.origin.is_empty() {
            "no origin given"
        } else {
            report.origin.as_str()
        },
        target.display(),
        count(report.transcripts, "transcript", "transcripts"),
        count(report.themes, "theme", "themes"),
        count(report.codings, "coding", "codings"),
        report.coding_memos,
        count(report.coders, "coder", "coders"),
        count(report.attributes, "attribute value", "attribute values"),
        count(report.memos, "memo", "memos"),
        count(report.journal, "journal entry", "journal entries")
    ));
    ctx.info(format!("positions read as {}", report.unit));
    if let Some(h) = &report.history {
        ctx.info(h);
    }
    if report.joined > 0 {
        ctx.info(format!(
            "{} overlapping codings of the same theme were joined (tana never counts a span twice)",
            report.joined
        ));
    }
    closing_lines(ctx, &report.not_imported, &target);
    Ok(())
}

/// Where another tool's project becomes a tana project: `-o`, else its stem with `.tana`.
fn new_project_path(file: &std::path::Path, output: Option<&std::path::Path>) -> PathBuf {
    output.map(PathBuf::from).unwrap_or_else(|| {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into());
        PathBuf::from(format!("{stem}.tana"))
    })
}

/// What another tool's project could not bring over, and how to use the new project.
fn closing_lines(ctx: &Ctx, not_imported: &[String], target: &std::path::Path) {
    if !not_imported.is_empty() {
        ctx.warn(format!("not imported or changed ({}):", not_imported.len()));
        for line in not_imported {
            ctx.info(format!("  - {line}"));
        }
    }
    ctx.info(format!(
        "use it with: tana --project {} freq",
        target.display()
    ));
}

/// `tana import project.sqlite3 [-o new.tana]`: a Taguette project becomes a new tana project.
fn import_taguette(ctx: &mut Ctx, args: &ImportArgs) -> Result<()> {
    if args.files.len() > 1 {
        return Err(Error::usage(
            "a Taguette database is imported on its own, into a new project",
        )
        .with_hint("import it first (tana import project.sqlite3), then add transcripts to the new project"));
    }
    if args.max_size.is_some() {
        return Err(Error::usage("--max-size is for .qdpx projects only")
            .with_hint("a Taguette database is read as it is, without expanding anything"));
    }
    let file = &args.files[0];
    let target = new_project_path(file, args.output.as_deref());
    let opts = taguette::TaguetteOptions {
        project: args.taguette_project.clone(),
        flat_tags: args.flat_tags,
    };
    let r = taguette::import_taguette(file, &target, &ctx.system_coder(), &opts)?;
    ctx.info(format!(
        "imported {} (Taguette project {}) into {}: {}, {}, {} from {} ({} highlight tags), {}, {}, {}",
        file.display(),
        r.project,
        target.display(),
        count(r.transcripts, "transcript", "transcripts"),
        count(r.themes, "theme", "themes"),
        count(r.codings, "coding", "codings"),
        count(r.highlights, "highlight", "highlights"),
        r.highlight_tags,
        count(r.coders, "coder", "coders"),
        count(r.memos, "memo", "memos"),
        count(r.journal, "journal entry", "journal entries")
    ));
    ctx.info(format!(
        "positions read as {} of the text without its markup ({} of {} highlights match their snippet)",
        r.unit, r.snippets_matched, r.highlights
    ));
    if r.joined > 0 {
        ctx.info(format!(
            "{} of the same tag joined with overlapping ones (tana never counts a span twice)",
            count(r.joined, "highlight", "highlights")
        ));
    }
    let revisions: usize = r.revisions.values().sum();
    let ops: Vec<String> = r
        .revisions
        .iter()
        .map(|(op, n)| format!("{n} {op}"))
        .collect();
    ctx.info(format!(
        "template history: {}{}{}; see \"tana --project {} template history\"",
        count(revisions, "revision", "revisions"),
        match &r.history_span {
            Some((a, b)) => format!(" dated {a} to {b}"),
            None => String::new(),
        },
        if ops.is_empty() {
            String::new()
        } else {
            format!(" ({})", ops.join(", "))
        },
        target.display()
    ));
    for line in &r.history {
        ctx.info(format!("  - {line}"));
    }
    closing_lines(ctx, &r.not_imported, &target);
    Ok(())
}

/// `tana import answers.csv --survey --id COLUMN --text COLUMN…`: one transcript per
/// respondent, one segment per answer.
fn import_survey(ctx: &mut Ctx, args: &ImportArgs) -> Result<()> {
    let [file] = args.files.as_slice() else {
        return Err(Error::usage("--survey imports one CSV file at a time")
            .with_hint("import each file with its own tana import … --survey"));
    };
    let named = crate::cli::split_list(&args.attr_columns);
    let all_other = named.iter().any(|c| c.eq_ignore_ascii_case(ALL_OTHER));
    let attr_columns = match named.len() {
        0 => AttrColumns::None,
        1 if all_other => AttrColumns::AllOther,
        _ if all_other => {
            return Err(Error::usage(format!(
                "--attr-columns {ALL_OTHER} takes every other column, so it stands alone"
            ))
            .with_hint(
                "give either --attr-columns all-other or the columns, e.g. --attr-columns role,site",
            ));
        }
        // As given: a column's name may hold a comma.
        _ => AttrColumns::Named(args.attr_columns.clone()),
    };
    let opts = SurveyOptions {
        id: args.id.clone().unwrap_or_default(),
        text: args.text.clone(),
        question: args.question.clone(),
        attr_columns,
        name: args.name.clone(),
        attributes: args
            .attrs
            .iter()
            .map(|a| parse_pair(a))
            .collect::<Result<Vec<_>>>()?,
        replace: args.replace,
    };
    let mut progress = ctx.progress("importing", 0);
    let (r, _) = ctx.change("import", Kind::Project, |conn, coder| {
        let r = survey::import_survey(conn, file, &opts, coder, &mut progress)?;
        let summary = format!(
            "import survey {}: {}, {}",
            file.display(),
            count(r.respondents, "respondent", "respondents"),
            count(r.answers, "answer", "answers")
        );
        Ok((r, summary))
    })?;
    drop(progress);
    let mut line = format!(
        "imported {}: {}, {}, {} ({} blank skipped), {}",
        file.display(),
        count(r.respondents, "respondent", "respondents"),
        count(r.answers, "answer", "answers"),
        count(r.words, "word", "words"),
        r.blank,
        count(r.questions.len(), "question", "questions"),
    );
    if !r.attributes.is_empty() {
        line.push_str(&format!(", attributes: {}", r.attributes.join(", ")));
    }
    ctx.info(line);
    /// Questions named on the line; the rest are counted.
    const SHOWN: usize = 6;
    let mut questions: Vec<String> = r
        .questions
        .iter()
        .take(SHOWN)
        .map(|(q, n)| format!("{q} ({n})"))
        .collect();
    if r.questions.len() > SHOWN {
        questions.push(format!("and {} more", r.questions.len() - SHOWN));
    }
    ctx.info(format!("answers per question: {}", questions.join(", ")));
    if r.replaced > 0 {
        let mut line = format!(
            "{} replaced",
            count(r.replaced, "respondent", "respondents")
        );
        if r.moved_codings > 0 {
            line.push_str(&format!(
                "; {} moved with their text",
                count(r.moved_codings, "coding", "codings")
            ));
        }
        ctx.info(line);
    }
    if r.without_answers > 0 {
        ctx.info(format!(
            "{} only blank answers, so no transcript",
            count(r.without_answers, "respondent gave", "respondents gave")
        ));
    }
    Ok(())
}

pub fn run(ctx: &mut Ctx, args: &ImportArgs) -> Result<()> {
    if args.survey {
        return import_survey(ctx, args);
    }
    if args.files.iter().any(|f| taguette::is_sqlite(f)) {
        return import_taguette(ctx, args);
    }
    let sqlite_named = |f: &std::path::Path| {
        f.extension().is_some_and(|e| {
            ["sqlite3", "sqlite", "db"]
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x))
        })
    };
    if let Some(f) = args.files.iter().find(|f| f.is_file() && sqlite_named(f)) {
        return Err(Error::user(format!(
            "{} is not an SQLite database, so not a Taguette project (it does not start with \"SQLite format 3\")",
            f.display()
        ))
        .with_hint("export the project from Taguette again (Export project → .sqlite3); the file may be damaged or cut short"));
    }
    if args.taguette_project.is_some() || args.flat_tags {
        return Err(Error::usage(
            "--taguette-project and --flat-tags are for Taguette databases only",
        )
        .with_hint("a Taguette database is an .sqlite3 file: Taguette's Export project, or its own database"));
    }
    if args.files.iter().any(|f| is_refi_project(f)) {
        return import_project(ctx, args);
    }
    if args.output.is_some() {
        return Err(
            Error::usage("-o/--output is for .qdpx projects and Taguette databases only")
                .with_hint("transcripts go into the current project; choose it with --project"),
        );
    }
    if args.max_size.is_some() {
        return Err(Error::usage("--max-size is for .qdpx projects only")
            .with_hint("it limits how far a project's compressed texts may expand"));
    }
    let names = transcript_names(args)?;
    let attributes = args
        .attrs
        .iter()
        .map(|a| parse_pair(a))
        .collect::<Result<Vec<_>>>()?;
    let turns = if args.paragraphs {
        TurnRule::Paragraphs
    } else if let Some(p) = &args.speaker_pattern {
        let re = Regex::new(p)
            .map_err(|e| Error::usage(format!("--speaker-pattern is not a valid regex: {e}")))?;
        TurnRule::Pattern(re)
    } else {
        TurnRule::Detect
    };
    let mut opts = ImportOptions {
        name: None,
        attributes,
        replace: args.replace,
        turns,
        columns: args.columns.iter().map(|c| c.trim().to_string()).collect(),
        guid: None,
    };
    let quiet = ctx.global.quiet;
    let mut progress = ctx.progress("importing", args.files.len() as u64);
    let (done, _) = ctx.change("import", Kind::Project, |conn, coder| {
        let mut done = Vec::new();
        for (file, name) in args.files.iter().zip(&names) {
            opts.name = name.clone();
            progress.set_message(file.display().to_string());
            done.push(import_file(conn, file, &opts, coder)?);
            progress.inc(1);
        }
        let replaced = done.iter().filter(|d| d.replaced).count();
        let names: Vec<&str> = done.iter().take(5).map(|d| d.name.as_str()).collect();
        let summary = format!(
            "import {} transcript(s){}: {}{}",
            done.len(),
            if replaced > 0 {
                format!(" ({replaced} replaced)")
            } else {
                String::new()
            },
            names.join(", "),
            if done.len() > 5 { ", …" } else { "" }
        );
        Ok((done, summary))
    })?;
    drop(progress);
    if !quiet {
        for d in &done {
            eprintln!("{}", import_line(d, args));
        }
        let segs: usize = done.iter().map(|d| d.segments).sum();
        let words: usize = done.iter().map(|d| d.words).sum();
        if done.len() > 1 {
            eprintln!("{} transcripts, {segs} segments, {words} words", done.len());
        }
    }
    Ok(())
}

/// One line per file: what was imported, and the speakers found with their turns (or how the
/// text was split without them).
fn import_line(d: &Imported, args: &ImportArgs) -> String {
    /// Speakers named on the line; the rest are counted.
    const SHOWN: usize = 6;
    let verb = if d.replaced { "replaced" } else { "imported" };
    let mut line = format!(
        "{verb} {}: {}, {}",
        d.name,
        count(d.segments, "segment", "segments"),
        count(d.words, "word", "words")
    );
    if d.turns.is_empty() {
        let how = match d.layout {
            Layout::Lines => "lines",
            Layout::Cues => "captions",
            Layout::Paragraphs | Layout::Turns => "paragraphs",
        };
        line.push_str(&if args.paragraphs {
            format!("; segments are {how} (--paragraphs)")
        } else if args.speaker_pattern.is_some() {
            format!("; --speaker-pattern matched no line: segments are {how}")
        } else {
            format!("; no speaker turns found: segments are {how}")
        });
    } else {
        let named: Vec<String> = d
            .turns
            .iter()
            .take(SHOWN)
            .map(|(s, n)| format!("{s} ({n})"))
            .collect();
        line.push_str(&format!(
            "; {}: {}",
            count(d.turns.len(), "speaker", "speakers"),
            named.join(", ")
        ));
        if d.turns.len() > SHOWN {
            line.push_str(&format!(" and {} more", d.turns.len() - SHOWN));
        }
        let apart = d.segments - d.turns.iter().map(|(_, n)| n).sum::<usize>();
        if apart > 0 {
            line.push_str(&format!(
                "; {} without a speaker",
                count(apart, "segment", "segments")
            ));
        }
    }
    if d.moved_codings > 0 {
        line.push_str(&format!(
            "; {} moved with {} text",
            count(d.moved_codings, "coding", "codings"),
            if d.moved_codings == 1 { "its" } else { "their" }
        ));
    }
    line
}

/// The name for each file: from `--name` (a pattern with several files), from
/// `--name-regex`, or None (the file stem).
fn transcript_names(args: &ImportArgs) -> Result<Vec<Option<String>>> {
    let stem = |f: &std::path::Path| {
        f.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    if let Some(re) = &args.name_regex {
        let re = Regex::new(re)
            .map_err(|e| Error::usage(format!("--name-regex is not a valid regex: {e}")))?;
        return args
            .files
            .iter()
            .map(|f| {
                let s = stem(f);
                let caps = re.captures(&s).ok_or_else(|| {
                    Error::user(format!(
                        "{}: --name-regex does not match its name \"{s}\"",
                        f.display()
                    ))
                    .with_hint("the regex is matched against the file name without its extension")
                })?;
                let m = caps
                    .name("name")
                    .or_else(|| caps.get(1))
                    .or_else(|| caps.get(0));
                Ok(m.map(|m| m.as_str().to_string()))
            })
            .collect();
    }
    let Some(pattern) = &args.name else {
        return Ok(vec![None; args.files.len()]);
    };
    let placeholder = Regex::new(r"\{(n(?::(\d+))?|stem)\}").expect("a valid regex");
    if args.files.len() > 1 && !placeholder.is_match(pattern) {
        return Err(Error::usage("--name with several files needs {n} or {stem}, or every transcript would have the same name")
            .with_hint("e.g. --name 'P{n:2}' names them P01, P02, …; or --name-regex '^(P[0-9]+)'"));
    }
    Ok(args
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = placeholder.replace_all(pattern, |c: &regex::Captures| {
                if &c[1] == "stem" {
                    stem(f)
                } else {
                    let width = c.get(2).and_then(|w| w.as_str().parse().ok()).unwrap_or(0);
                    format!("{:0width$}", i + 1)
                }
            });
            Some(name.into_owned())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("500mb"), Ok(500 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert_eq!(parse_size("12345"), Ok(12345));
        assert_eq!(parse_size(" 64K "), Ok(64 << 10));
        for bad in ["", "G", "abc", "4X", "-1G", "0", "99999999999T", "1e400"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
