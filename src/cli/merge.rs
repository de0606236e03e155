//! `tana merge`: bring a coder's copy (or a .qdpx) back into the project, as one change.

use std::path::{Path, PathBuf};

use crate::cli::Ctx;
use crate::coding::merge::{self, MergeReport, Prefer};
use crate::error::{Error, Result};
use crate::journal::{self, Kind, LogEntry};
use crate::output::count;
use crate::project::coder_id;

/// Bring back everything a coder did in their copy of the project
///
/// Merges FILE, a copy made with "tana backup --for NAME FILE" (or any copy of this project,
/// or a .qdpx exported by tana), into the project as one change: codings (each coder's kept
/// apart, with their coder and time), memos, journal entries, new themes, template
/// revisions, review decisions and transcript review marks. Transcripts are matched by guid
/// and must have the same text; themes are matched by guid. A theme revised in both is a
/// conflict: the project's version is kept unless --prefer theirs. Merging a file again
/// adds nothing, and "tana undo" reverts a merge.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tana backup --for bea bea.tana      # hand bea a copy\n  tana merge bea.tana --dry-run       # what would come back\n  tana merge bea.tana\n  tana merge bea.tana --prefer theirs\n  tana merge study.qdpx"
)]
pub struct MergeArgs {
    /// The coder's copy (.tana), or a .qdpx exported by tana
    pub file: PathBuf,
    /// Show what the merge would do; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Whose version of a theme revised in both wins
    #[arg(long, value_enum, default_value = "ours", value_name = "SIDE")]
    pub prefer: Side,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Side {
    /// This project's version
    Ours,
    /// The copy's version
    Theirs,
}

pub fn run(ctx: &mut Ctx, args: &MergeArgs) -> Result<()> {
    let project = ctx.find_project()?;
    if same_file(&project, &args.file) {
        return Err(Error::usage("that is the project itself")
            .with_hint("merge a coder's copy, e.g. tana merge bea.tana"));
    }
    let source = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| args.file.display().to_string());
    let qdpx = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("qdpx") || e.eq_ignore_ascii_case("qde"));
    let me = ctx.coder_name();
    // A .qdpx is read into a temporary project first, the way "tana import" reads it.
    let scratch = if qdpx {
        Some(read_qdpx(&args.file, &me)?)
    } else {
        None
    };
    let theirs = match &scratch {
        Some(s) => merge::open_copy(&s.path),
        None => merge::open_copy(&args.file),
    }?;
    drop(scratch);
    let prefer = match args.prefer {
        Side::Ours => Prefer::Ours,
        Side::Theirs => Prefer::Theirs,
    };
    let mut progress = ctx.progress("merge", 0);
    let w = ctx.write()?;
    let coder = coder_id(&w, &me)?;
    let (report, change) = journal::record(&w, coder, |_| {
        let report = merge::merge(&w, &theirs, &source, prefer, !qdpx, &mut progress)?;
        let summary = format!("merge {source}: {}", summary(&report));
        Ok((report, LogEntry::new("merge", Kind::Project, summary)))
    })?;
    if args.dry_run {
        drop(w);
        let text = describe(&source, &report, None, true);
        ctx.out().write_all(text.as_bytes())?;
        return Ok(());
    }
    w.commit()?;
    drop(progress);
    ctx.info(describe(&source, &report, change, false).trim_end());
    Ok(())
}

/// A .qdpx read into a temporary project, removed when dropped.
struct Scratch {
    dir: PathBuf,
    path: PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn read_qdpx(file: &Path, me: &str) -> Result<Scratch> {
    let dir = std::env::temp_dir().join(format!("tana-merge-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let scratch = Scratch {
        path: dir.join("copy.tana"),
        dir,
    };
    crate::refi::import::import_qdpx_without_history(
        file,
        &scratch.path,
        me,
        crate::refi::import::DEFAULT_MAX_SIZE,
    )?;
    Ok(scratch)
}

fn summary(r: &MergeReport) -> String {
    let mut parts = vec![format!(
        "{} added, {} removed",
        count(r.codings_added + r.codings_joined, "coding", "codings"),
        r.codings_removed
    )];
    if !r.themes_added.is_empty() || !r.themes_revised.is_empty() || !r.themes_deleted.is_empty() {
        parts.push(format!(
            "themes {} added, {} revised, {} deleted",
            r.themes_added.len(),
            r.themes_revised.len(),
            r.themes_deleted.len()
        ));
    }
    if r.memos + r.journal_entries > 0 {
        parts.push(format!(
            "{}, {}",
            count(r.memos, "memo", "memos"),
            count(r.journal_entries, "journal entry", "journal entries")
        ));
    }
    if !r.conflicts.is_empty() {
        parts.push(count(r.conflicts.len(), "conflict", "conflicts"));
    }
    parts.join("; ")
}

/// The merge, in full: what came across, the conflicts, what did not.
fn describe(source: &str, r: &MergeReport, change: Option<i64>, dry: bool) -> String {
    let mut out = String::new();
    let verb = if dry { "would merge" } else { "merged" };
    out.push_str(&format!(
        "{verb} {source}: {}\n",
        if r.base > 0 {
            format!(
                "a copy of this project since change {}; {} made in it",
                r.base,
                count(r.their_changes, "change", "changes")
            )
        } else {
            "no shared history: everything in it is brought across once".to_string()
        }
    ));
    let line = |out: &mut String, label: &str, n: usize| {
        if n > 0 {
            out.push_str(&format!("  {label}: {n}\n"));
        }
    };
    line(&mut out, "transcripts added", r.transcripts_added.len());
    line(&mut out, "codings added", r.codings_added);
    line(
        &mut out,
        "codings joined with the same coder's overlapping codings",
        r.codings_joined,
    );
    line(&mut out, "codings already here", r.codings_already);
    line(&mut out, "codings removed (archived)", r.codings_removed);
    for (label, list) in [
        ("themes added", &r.themes_added),
        ("themes revised", &r.themes_revised),
        ("themes deleted", &r.themes_deleted),
    ] {
        match list.len() {
            0 => {}
            n if n <= 12 => out.push_str(&format!("  {label}: {}\n", list.join(", "))),
            n => out.push_str(&format!(
                "  {label}: {n}: {}, … and {} more\n",
                list[..10].join(", "),
                n - 10
            )),
        }
    }
    line(&mut out, "links of integrative themes", r.links);
    line(&mut out, "memos", r.memos);
    line(&mut out, "journal entries", r.journal_entries);
    line(&mut out, "attributes set", r.attributes);
    line(&mut out, "review entries added", r.reviews_added);
    line(&mut out, "review entries closed", r.reviews_closed);
    line(&mut out, "transcript review marks", r.review_marks);
    line(&mut out, "changes of the copy recorded", r.changes_recorded);
    for c in &r.conflicts {
        out.push_str(&format!("  conflict: {c}\n"));
    }
    for n in &r.not_merged {
        out.push_str(&format!("  not merged: {n}\n"));
    }
    for n in &r.notes {
        out.push_str(&format!("  note: {n}\n"));
    }
    match (dry, change) {
        (true, _) => out.push_str("dry run: nothing was changed\n"),
        (false, Some(id)) => out.push_str(&format!(
            "change {id} in the log; \"tana undo {id}\" reverts the merge\n"
        )),
        (false, None) => out.push_str("nothing new: the project already has all of it\n"),
    }
    out
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
