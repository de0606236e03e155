//! Fuzzing every parser on stable Rust: one target per parser, structure-aware generators, a
//! panic caught per case, and every crash input kept as a regression test.
//!
//! Under `cargo test` each target runs a few hundred cases from a fixed seed. With
//! `TANA_FUZZ_SECONDS=N` each target runs for N seconds from a fresh seed (or
//! `TANA_FUZZ_SEED`), and prints one `fuzz-row` line: target, cases, seconds, panics, other
//! failures (a broken invariant, or a case slower than 10 s), slowest case in ms, seed.
//! `scripts/fuzz.sh` runs them all in release mode and prints a table.
//!
//! A failing input is saved as `tests/fuzz/regressions/<target>-<hash>.bin`; the test
//! `every_saved_regression_input_passes` replays every file there.

mod attributes;
mod batch;
mod captions;
mod gen;
mod import;
mod office;
mod outline;
mod project;
mod refi;
mod seeds;
mod segment;
mod text;

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

pub use gen::Gen;

/// One fuzz target: how to make an input, and what must hold for it.
pub struct Target {
    /// Also the prefix of its saved regression inputs.
    pub name: &'static str,
    /// Cases under plain `cargo test` (debug build; keep the whole binary well under 30 s).
    pub quick_cases: u64,
    pub generate: fn(&mut Gen) -> Vec<u8>,
    /// `Err` names a broken invariant; a panic is caught by the harness.
    pub check: fn(&[u8]) -> Result<(), String>,
}

/// Every target, for the regression replay.
const ALL: &[&Target] = &[
    &text::DECODE,
    &text::FIND_FOLDED,
    &segment::SEGMENT,
    &segment::IMPORT_TEXT,
    &captions::VTT,
    &captions::SRT,
    &captions::CSV_TURNS,
    &office::DOCX,
    &office::ODT,
    &outline::OUTLINE,
    &refi::QDC,
    &refi::QDPX,
    &import::IMPORT_FILE,
    &attributes::ATTRIBUTES_CSV,
    &batch::CODING_CSV,
];

/// Ok, or a user or usage error: anything else (SQLite, I/O on our own temp files) is a bug.
pub fn user_result<T>(r: &tana::Result<T>) -> Result<(), String> {
    match r {
        Ok(_) | Err(tana::Error::User { .. } | tana::Error::Usage { .. }) => Ok(()),
        Err(e) => Err(format!("internal error instead of a user error: {e:?}")),
    }
}

/// `cond`, or a broken invariant described by `what`.
pub fn ensure(cond: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

/// Spans `(start, end)` are non-empty, ordered, non-overlapping and end within `len`.
pub fn ordered_spans(
    spans: impl IntoIterator<Item = (usize, usize)>,
    len: usize,
    what: &str,
) -> Result<(), String> {
    let mut last_end = 0;
    for (i, (s, e)) in spans.into_iter().enumerate() {
        ensure(s >= last_end && s < e && e <= len, || {
            format!("{what} {i} is [{s}, {e}) after end {last_end}, in a text of {len}")
        })?;
        last_end = e;
    }
    Ok(())
}

enum Failure {
    Panic(String),
    Broken(String),
}

/// A case slower than this is a failure too (`TANA_FUZZ_SLOW_SECONDS`, default 10).
fn slow_limit() -> Duration {
    Duration::from_secs_f64(env_number("TANA_FUZZ_SLOW_SECONDS").unwrap_or(10.0))
}

thread_local! {
    /// Inside a case, the panic hook records the message here instead of printing it.
    static CAUGHT: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

fn quiet_panics_inside_cases() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let inside = CAUGHT.with(|c| {
                let mut c = c.borrow_mut();
                match c.as_mut() {
                    Some(slot) => {
                        *slot = Some(info.to_string());
                        true
                    }
                    None => false,
                }
            });
            if !inside {
                default(info);
            }
        }));
    });
}

fn run_case(t: &Target, input: &[u8]) -> Result<(), Failure> {
    quiet_panics_inside_cases();
    CAUGHT.with(|c| *c.borrow_mut() = Some(None));
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| (t.check)(input)));
    let took = started.elapsed();
    let message = CAUGHT.with(|c| c.borrow_mut().take()).flatten();
    match result {
        Ok(Ok(())) if took > slow_limit() => Err(Failure::Broken(format!(
            "slow: one case took {:.1} s",
            took.as_secs_f64()
        ))),
        Ok(Ok(())) => Ok(()),
        Ok(Err(broken)) => Err(Failure::Broken(broken)),
        Err(_) => Err(Failure::Panic(
            message.unwrap_or_else(|| "a panic without a message".to_string()),
        )),
    }
}

fn regressions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions")
}

/// Save a failing input where the regression test replays it; returns its path.
fn save(name: &str, input: &[u8]) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    input.hash(&mut h);
    let dir = regressions_dir();
    std::fs::create_dir_all(&dir).expect("create tests/fuzz/regressions");
    let path = dir.join(format!("{name}-{:016x}.bin", h.finish()));
    std::fs::write(&path, input).expect("write a regression input");
    path
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Run one target: a fixed number of cases, or for `TANA_FUZZ_SECONDS`.
pub fn fuzz(t: &Target) {
    let seconds: Option<f64> = env_number("TANA_FUZZ_SECONDS");
    let seed: u64 = env_number("TANA_FUZZ_SEED").unwrap_or_else(|| match seconds {
        Some(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        None => t
            .name
            .bytes()
            .fold(17u64, |h, b| h.wrapping_mul(31) ^ u64::from(b)),
    });
    let deadline = seconds.map(Duration::from_secs_f64);
    let mut gen = Gen::new(seed);
    let started = Instant::now();
    let (mut cases, mut panics, mut broken) = (0u64, 0u64, 0u64);
    let mut slowest = Duration::ZERO;
    let mut failures = Vec::new();
    loop {
        match deadline {
            Some(d) if started.elapsed() >= d => break,
            None if cases >= t.quick_cases => break,
            _ => {}
        }
        let input = (t.generate)(&mut gen);
        let case_started = Instant::now();
        let result = run_case(t, &input);
        slowest = slowest.max(case_started.elapsed());
        cases += 1;
        let (kind, message) = match result {
            Ok(()) => continue,
            Err(Failure::Panic(m)) => {
                panics += 1;
                ("panic", m)
            }
            Err(Failure::Broken(m)) => {
                broken += 1;
                ("broken invariant", m)
            }
        };
        let path = save(t.name, &input);
        failures.push(format!("{kind}: {message}\n  input: {}", path.display()));
        if failures.len() >= 5 {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "fuzz-row\t{}\t{cases}\t{secs:.1}\t{panics}\t{broken}\t{}\tseed {seed}",
        t.name,
        slowest.as_millis()
    );
    assert!(
        failures.is_empty(),
        "{} failed {} time(s) in {cases} cases (seed {seed}):\n{}",
        t.name,
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_saved_regression_input_passes() {
    let Ok(dir) = std::fs::read_dir(regressions_dir()) else {
        return;
    };
    let mut failures = Vec::new();
    let mut replayed = 0;
    for entry in dir {
        let path = entry.expect("read tests/fuzz/regressions").path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if !file.ends_with(".bin") {
            continue;
        }
        let target = file.rsplit_once('-').map_or("", |(t, _)| t);
        let Some(t) = ALL.iter().find(|t| t.name == target) else {
            failures.push(format!("{file}: no fuzz target named \"{target}\""));
            continue;
        };
        let input = std::fs::read(&path).expect("read a regression input");
        replayed += 1;
        match run_case(t, &input) {
            Ok(()) => {}
            Err(Failure::Panic(m)) => failures.push(format!("{file}: panic: {m}")),
            Err(Failure::Broken(m)) => failures.push(format!("{file}: broken invariant: {m}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} regression inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_target_is_replayed_and_named_uniquely() {
    let mut names: Vec<&str> = ALL.iter().map(|t| t.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ALL.len());
    assert!(names.iter().all(|n| !n.contains('-')), "{names:?}");
}
