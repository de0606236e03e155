//! Open-ended survey answers from one CSV: each respondent becomes a transcript, each answer a
//! segment whose speaker is the question, and the respondent's other columns participant
//! attributes. Long format (one row per answer, with a question column) and wide format (one
//! row per respondent, one column per question) both read this way.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::Connection;

use super::captions::{layout, Turn};
use super::csv_input::CsvInput;
use super::{attributes, store, validate_name, ImportOptions, NewTranscript, Source};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::project::now;
use crate::segment::{Layout, Segmentation};
use crate::text::{edit_distance, fold_whitespace};

/// The `--attr-columns` value that takes every column not used otherwise.
pub const ALL_OTHER: &str = "all-other";

/// Which columns become participant attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AttrColumns {
    #[default]
    None,
    /// These columns (header names).
    Named(Vec<String>),
    /// Every column that is not the id, a text or the question column.
    AllOther,
}

/// How to read a survey CSV.
#[derive(Debug, Clone, Default)]
pub struct SurveyOptions {
    /// The column that identifies the respondent.
    pub id: String,
    /// The answer column (long format), or one column per question (wide format). A value that
    /// is not a column of the header is read as a comma-separated list of columns.
    pub text: Vec<String>,
    /// The column that says which question a row answers (long format).
    pub question: Option<String>,
    pub attr_columns: AttrColumns,
    /// The transcript names: a pattern with `{id}` (default: the id itself).
    pub name: Option<String>,
    /// Attributes given on the command line, set on every respondent.
    pub attributes: Vec<(String, String)>,
    /// Replace respondents that are already transcripts (codings kept on their text).
    pub replace: bool,
}

/// What a survey import did.
#[derive(Debug, Clone, Default)]
pub struct SurveyReport {
    /// Respondents imported (new and replaced).
    pub respondents: usize,
    pub replaced: usize,
    /// Codings of replaced respondents whose text moved and were re-anchored.
    pub moved_codings: usize,
    /// Respondents whose answers were all blank: not imported.
    pub without_answers: usize,
    pub answers: usize,
    pub blank: usize,
    pub words: usize,
    /// Each question with its number of answers, in the order first met.
    pub questions: Vec<(String, usize)>,
    /// The attributes set, columns first, then those given with `--attr`.
    pub attributes: Vec<String>,
}

/// The problems found in the file, most shown, all counted.
#[derive(Default)]
struct Problems {
    shown: Vec<String>,
    total: usize,
}

impl Problems {
    const SHOWN: usize = 50;

    fn push(&mut self, problem: String) {
        self.total += 1;
        if self.shown.len() < Self::SHOWN {
            self.shown.push(problem);
        }
    }
}

/// The columns in use, by index into the header.
struct Columns {
    id: usize,
    /// Each answer column with the question it answers (wide), or the one answer column.
    text: Vec<usize>,
    question: Option<usize>,
    /// Each attribute column with the attribute's name.
    attrs: Vec<(usize, String)>,
}

/// One respondent, as read.
struct Respondent {
    name: String,
    /// Each answer: its question (an index into the questions) and its text.
    answers: Vec<(usize, String)>,
    /// Per attribute column: the value and the line it was first read on.
    attrs: Vec<Option<(String, usize)>>,
}

/// "column 4 (role)"
fn column(headers: &[String], c: usize) -> String {
    format!("column {} ({})", c + 1, headers[c])
}

/// The header column named `name` (case and surrounding spaces ignored).
fn find(headers: &[String], name: &str) -> Option<usize> {
    let name = name.trim();
    headers.iter().position(|h| h.eq_ignore_ascii_case(name))
}

/// The header's name closest to a misspelt one, if any is close.
fn closest<'h>(headers: &'h [String], name: &str) -> Option<&'h str> {
    let name = name.trim().to_lowercase();
    headers
        .iter()
        .filter(|h| !h.is_empty())
        .map(|h| (edit_distance(&h.to_lowercase(), &name), h))
        .filter(|(d, h)| *d <= (h.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, h)| h.as_str())
}

/// Names given to a flag: each is one column when the header has it, else a comma-separated
/// list of columns (a question such as "What, if anything, would help?" keeps its commas).
fn names(headers: &[String], given: &[String]) -> Vec<String> {
    given
        .iter()
        .flat_map(|g| {
            if find(headers, g).is_some() {
                vec![g.trim().to_string()]
            } else {
                g.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
        })
        .collect()
}

/// Find every column the options name, or say which are missing and what the header has.
fn resolve(input: &CsvInput, opts: &SurveyOptions) -> Result<Columns> {
    let headers = &input.headers;
    let shown = &input.shown;
    let mut missing: Vec<(String, &str)> = Vec::new();
    let mut want = |name: &str, flag: &'static str| -> Option<usize> {
        let c = find(headers, name);
        if c.is_none() {
            missing.push((name.trim().to_string(), flag));
        }
        c
    };
    let id = want(&opts.id, "--id");
    let text: Vec<Option<usize>> = names(headers, &opts.text)
        .iter()
        .map(|t| want(t, "--text"))
        .collect();
    let question = opts.question.as_deref().map(|q| want(q, "--question"));
    let named_attrs: Vec<Option<usize>> = match &opts.attr_columns {
        AttrColumns::Named(list) => names(headers, list)
            .iter()
            .map(|a| want(a, "--attr-columns"))
            .collect(),
        _ => Vec::new(),
    };
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|(name, flag)| format!("\"{name}\" ({flag})"))
            .collect();
        let suggestions: Vec<String> = missing
            .iter()
            .filter_map(|(name, flag)| {
                closest(headers, name).map(|h| format!("\"{h}\" for {flag}"))
            })
            .collect();
        let mut hint = String::new();
        if !suggestions.is_empty() {
            hint.push_str(&format!("did you mean {}? ", suggestions.join(" and ")));
        }
        hint.push_str("--id, --text, --question and --attr-columns name columns of the first row");
        return Err(Error::user(format!(
            "{shown}, line 1: the header has no column {}; its columns are: {}",
            list.join(" or "),
            headers.join(", ")
        ))
        .with_hint(hint));
    }
    let id = id.expect("checked above");
    let text: Vec<usize> = text.into_iter().flatten().collect();
    let question = question.flatten();
    if question.is_some() && text.len() > 1 {
        return Err(Error::usage(
            "--question goes with one --text column (long format: one row per answer)",
        )
        .with_hint(
            "for one column per question (wide format), leave out --question: each --text column's header is its question",
        ));
    }
    // No column plays two parts.
    let mut used: HashMap<usize, &str> = HashMap::new();
    let mut claim = |c: usize, flag: &'static str| -> Result<()> {
        match used.insert(c, flag) {
            Some(other) if other == flag => Err(Error::usage(format!(
                "{flag} names column \"{}\" twice",
                headers[c]
            ))),
            Some(other) => Err(Error::usage(format!(
                "column \"{}\" is given both to {other} and to {flag}",
                headers[c]
            ))
            .with_hint("each column plays one part: the respondent, an answer, the question or an attribute")),
            None => Ok(()),
        }
    };
    claim(id, "--id")?;
    for &t in &text {
        claim(t, "--text")?;
    }
    if let Some(q) = question {
        claim(q, "--question")?;
    }
    let attr_cols: Vec<usize> = match &opts.attr_columns {
        AttrColumns::None => Vec::new(),
        AttrColumns::Named(_) => {
            let cols: Vec<usize> = named_attrs.into_iter().flatten().collect();
            for &c in &cols {
                claim(c, "--attr-columns")?;
            }
            cols
        }
        AttrColumns::AllOther => (0..headers.len())
            .filter(|c| !used.contains_key(c))
            .collect(),
    };
    let mut attrs: Vec<(usize, String)> = Vec::new();
    for c in attr_cols {
        let h = &headers[c];
        let at = format!("{shown}, line 1, column {}", c + 1);
        if h.is_empty() {
            return Err(Error::user(format!("{at}: the column has no name"))
                .with_hint("name it in the first row, or list the attribute columns with --attr-columns role,site"));
        }
        crate::text::check_name("attribute name", h)
            .map_err(|e| Error::user(format!("{at}: {e}")))?;
        if let Some((j, _)) = attrs.iter().find(|(_, k)| k.eq_ignore_ascii_case(h)) {
            return Err(Error::user(format!(
                "{at}: \"{h}\" is also the name of column {}",
                j + 1
            ))
            .with_hint("each attribute has one column"));
        }
        if opts
            .attributes
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(h))
        {
            return Err(Error::usage(format!(
                "attribute \"{h}\" is both a column and given with --attr"
            ))
            .with_hint(
                "--attr sets the same value on every respondent; leave it out, or the column",
            ));
        }
        attrs.push((c, h.clone()));
    }
    Ok(Columns {
        id,
        text,
        question,
        attrs,
    })
}

/// The transcript name pattern: `{id}` is the respondent's id.
fn name_pattern(opts: &SurveyOptions) -> Result<&str> {
    match opts.name.as_deref() {
        None => Ok("{id}"),
        Some(p) if p.contains("{id}") => Ok(p),
        Some(_) => Err(Error::usage(
            "--name for survey answers needs {id}, or every respondent would have the same name",
        )
        .with_hint("e.g. --name 'R{id}' names respondent 17 R17")),
    }
}

/// Import a survey CSV into the project, inside the caller's transaction. Every row is read
/// and checked before anything is written; problems are reported together, with their lines
/// and columns, and then nothing is imported.
pub fn import_survey(
    conn: &Connection,
    path: &Path,
    opts: &SurveyOptions,
    coder: i64,
    progress: &mut Progress,
) -> Result<SurveyReport> {
    let pattern = name_pattern(opts)?;
    let input = CsvInput::open(path)?;
    let shown = input.shown.clone();
    let headers = &input.headers;
    let cols = resolve(&input, opts)?;

    progress.stage(format!("reading {shown}"), input.lines() as u64);
    let mut questions: Vec<(String, usize)> = Vec::new();
    let mut question_at: HashMap<String, usize> = HashMap::new();
    // Wide format: the questions are the answer columns' headers, in the order given.
    if cols.question.is_none() {
        for &c in &cols.text {
            question_at.insert(headers[c].clone(), questions.len());
            questions.push((fold_whitespace(&headers[c]), 0));
        }
    }
    let mut respondents: Vec<Respondent> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut problems = Problems::default();
    let mut blank = 0;
    for (line, rec) in input.each_record() {
        progress.inc(1);
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rec.len() != headers.len() {
            problems.push(format!(
                "line {line}: {} field(s), but the header has {}",
                rec.len(),
                headers.len()
            ));
            continue;
        }
        let field = |c: usize| rec.get(c).unwrap_or("").trim();
        let id = field(cols.id);
        if id.is_empty() {
            problems.push(format!(
                "line {line}, {}: the respondent is empty",
                column(headers, cols.id)
            ));
            continue;
        }
        let r = match by_id.get(id) {
            Some(&r) => r,
            None => {
                let name = pattern.replace("{id}", id);
                if let Err(e) = validate_name(&name) {
                    problems.push(format!("line {line}, {}: {e}", column(headers, cols.id)));
                    continue;
                }
                by_id.insert(id.to_string(), respondents.len());
                respondents.push(Respondent {
                    name,
                    answers: Vec::new(),
                    attrs: vec![None; cols.attrs.len()],
                });
                respondents.len() - 1
            }
        };
        let respondent = &mut respondents[r];
        for (k, (c, key)) in cols.attrs.iter().enumerate() {
            let value = field(*c);
            if value.is_empty() {
                continue;
            }
            match &respondent.attrs[k] {
                Some((first, first_line)) if first != value => problems.push(format!(
                    "line {line}, {}: respondent {id} has {key} \"{value}\" here but \"{first}\" on line {first_line}",
                    column(headers, *c)
                )),
                Some(_) => {}
                None => {
                    match crate::text::check_name(&format!("value of attribute \"{key}\""), value)
                    {
                        Ok(()) => respondent.attrs[k] = Some((value.to_string(), line)),
                        Err(e) => problems.push(format!("line {line}, {}: {e}", column(headers, *c))),
                    }
                }
            }
        }
        let question = match cols.question {
            None => None,
            Some(q) => {
                let label = field(q);
                if label.is_empty() {
                    problems.push(format!(
                        "line {line}, {}: the question is empty",
                        column(headers, q)
                    ));
                    continue;
                }
                Some(match question_at.get(label) {
                    Some(&i) => i,
                    None => {
                        question_at.insert(label.to_string(), questions.len());
                        questions.push((fold_whitespace(label), 0));
                        questions.len() - 1
                    }
                })
            }
        };
        for (i, &c) in cols.text.iter().enumerate() {
            let answer = field(c);
            if answer.is_empty() {
                blank += 1;
                continue;
            }
            let q = question.unwrap_or(i);
            questions[q].1 += 1;
            respondent.answers.push((q, answer.to_string()));
        }
    }
    if problems.total > 0 {
        let mut msg = format!(
            "{shown}: {}, nothing was imported:\n  {}",
            crate::output::count(problems.total, "problem", "problems"),
            problems.shown.join("\n  ")
        );
        if problems.total > problems.shown.len() {
            msg.push_str(&format!(
                "\n  … and {} more",
                problems.total - problems.shown.len()
            ));
        }
        return Err(Error::user(msg).with_hint("fix these rows and import the file again"));
    }
    let without_answers = respondents.iter().filter(|r| r.answers.is_empty()).count();
    respondents.retain(|r| !r.answers.is_empty());
    if respondents.is_empty() {
        return Err(
            Error::user(format!("{shown}: no answers to import ({} blank)", blank)).with_hint(
                format!(
                    "the answers are read from {}",
                    cols.text
                        .iter()
                        .map(|&c| format!("\"{}\"", headers[c]))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        );
    }

    // One query for the names already taken, then nothing but INSERTs.
    let existing: HashSet<String> = conn
        .prepare("SELECT name FROM transcript")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let taken: Vec<&str> = respondents
        .iter()
        .filter(|r| existing.contains(&r.name))
        .map(|r| r.name.as_str())
        .collect();
    if !taken.is_empty() && !opts.replace {
        const NAMED: usize = 5;
        let mut list = taken
            .iter()
            .take(NAMED)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if taken.len() > NAMED {
            list.push_str(&format!(" and {} more", taken.len() - NAMED));
        }
        return Err(Error::user(format!(
            "{shown}: {} already in the project as transcripts: {list}",
            crate::output::count(taken.len(), "respondent is", "respondents are")
        ))
        .with_hint("add --replace to replace their answers (codings are kept where their text is unchanged), or name them apart with --name 'W2-{id}'"));
    }

    let mut report = SurveyReport {
        without_answers,
        blank,
        attributes: cols
            .attrs
            .iter()
            .map(|(_, k)| k.clone())
            .chain(opts.attributes.iter().map(|(k, _)| k.clone()))
            .collect(),
        ..Default::default()
    };
    let source = Source {
        path: Some(&shown),
        format: "csv",
    };
    let at = now();
    progress.stage("storing respondents", respondents.len() as u64);
    for r in respondents {
        let turns: Vec<Turn> = r
            .answers
            .into_iter()
            .map(|(q, text)| Turn {
                speaker: Some(questions[q].0.clone()),
                text,
                time: None,
            })
            .collect();
        let (text, segments) = layout(&turns);
        drop(turns);
        let words: usize = segments.iter().map(|s| s.words).sum();
        report.answers += segments.len();
        report.words += words;
        let attrs: Vec<(String, String)> = cols
            .attrs
            .iter()
            .zip(r.attrs)
            .filter_map(|((_, key), v)| v.map(|(value, _)| (key.clone(), value)))
            .chain(opts.attributes.iter().cloned())
            .collect();
        if existing.contains(&r.name) {
            let replace = ImportOptions {
                attributes: attrs,
                replace: true,
                ..Default::default()
            };
            let segmented = Segmentation {
                segments,
                layout: Layout::Turns,
            };
            let done = store(conn, &r.name, &text, segmented, &source, &replace, coder)?;
            report.replaced += 1;
            report.moved_codings += done.moved_codings;
        } else {
            let id = NewTranscript {
                name: &r.name,
                text: &text,
                chars: text.chars().count(),
                words,
                source: &source,
                at: &at,
                coder,
            }
            .insert(conn, None, &segments)?;
            for (key, value) in &attrs {
                attributes::set(conn, id, key, value)?;
            }
        }
        report.respondents += 1;
        progress.inc(1);
    }
    report.questions = questions;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::fmt::Write as _;

    use super::*;

    thread_local! {
        static STATEMENTS: Cell<usize> = const { Cell::new(0) };
    }

    /// What SQLite runs per respondent of the test survey, as its trace reports it (a trigger
    /// counts once for being entered and once per statement it runs):
    /// - the transcript: its INSERT, the guid trigger (entered, nothing to do: the guid comes
    ///   with the row), the change log's trigger and its INSERT: 4;
    /// - each of 3 answers: its INSERT, the change log's trigger and INSERT, the search
    ///   queue's trigger and INSERT: 5;
    /// - each of 2 attributes: its INSERT, the change log's trigger and INSERT: 3.
    const PER_RESPONDENT: usize = 4 + 3 * 5 + 2 * 3;

    fn count_statement(_: &str) {
        STATEMENTS.with(|n| n.set(n.get() + 1));
    }

    /// A long-format survey of `respondents` × 3 questions with two attributes.
    fn survey(respondents: usize) -> String {
        let mut csv = String::from("respondent,question,answer,role,site\n");
        for r in 0..respondents {
            for q in 1..=3 {
                let role = ["employee", "manager", "sustainability lead"][r % 3];
                writeln!(
                    csv,
                    "R{r:05},Q{q},\"Answer {q} of R{r}: the recycling targets, as I read them.\",{role},Site {}",
                    r % 4
                )
                .unwrap();
            }
        }
        csv
    }

    /// Import `csv` into a new in-memory project with statement tracing on, as one journaled
    /// change; returns the statements SQLite ran.
    fn statements_for(csv: &str) -> usize {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answers.csv");
        std::fs::write(&path, csv).unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        crate::project::migrate(&mut conn).unwrap();
        let coder = crate::project::coder_id(&conn, "tester").unwrap();
        let opts = SurveyOptions {
            id: "respondent".into(),
            text: vec!["answer".into()],
            question: Some("question".into()),
            attr_columns: AttrColumns::AllOther,
            ..Default::default()
        };
        conn.trace(Some(count_statement));
        STATEMENTS.with(|n| n.set(0));
        // As a command does it: one transaction (the change log's keys are checked at its end).
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        crate::journal::record(&conn, coder, |_| {
            let report =
                import_survey(&conn, &path, &opts, coder, &mut Progress::hidden()).unwrap();
            let entry =
                crate::journal::LogEntry::new("import", crate::journal::Kind::Project, "survey");
            Ok((report, entry))
        })
        .unwrap();
        conn.execute_batch("COMMIT").unwrap();
        conn.trace(None);
        STATEMENTS.with(Cell::get)
    }

    #[test]
    fn statements_per_respondent_do_not_grow_with_the_survey() {
        let (n, n2) = (200, 400);
        let (a, b) = (statements_for(&survey(n)), statements_for(&survey(n2)));
        // Linear: the 200 extra respondents cost exactly what the first 200 did, less the
        // fixed part (the journal's triggers, the one query for names already taken).
        let per = (b - a) / (n2 - n);
        assert_eq!(
            b - a,
            per * (n2 - n),
            "not the same cost per respondent: {a} for {n}, {b} for {n2}"
        );
        // No query per row: only the INSERTs and the triggers they fire.
        assert_eq!(
            per, PER_RESPONDENT,
            "statements per respondent ({a} for {n}, {b} for {n2})"
        );
    }
}
