//! Progress bars on stderr for long work (import, export, `code --from`, merge, report).
//!
//! A bar appears only once the work has taken a second, only on a terminal, and never with
//! `-q`, `NO_COLOR` or `TERM=dumb`; otherwise it costs a counter increment. It is cleared when
//! the work ends, so the messages that follow read as before.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long work runs before its bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// Whether bars may be drawn: not quiet, stderr is a terminal, and neither `NO_COLOR` (set to
/// anything) nor `TERM=dumb` asks for plain output.
pub fn allowed(quiet: bool, stderr_is_terminal: bool, no_color: bool, term: Option<&str>) -> bool {
    !quiet && stderr_is_terminal && !no_color && term != Some("dumb")
}

/// The progress of one piece of work, counted in `unit`s.
pub struct Progress {
    bar: ProgressBar,
    start: Instant,
    allowed: bool,
    shown: bool,
}

impl Progress {
    /// Progress over `len` units (files, rows, transcripts…), labelled `what` ("importing").
    pub fn new(quiet: bool, what: &str, len: u64) -> Progress {
        let allowed = allowed(
            quiet,
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            std::env::var("TERM").ok().as_deref(),
        );
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        if let Ok(style) =
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} ({eta} left) {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(what.to_string());
        Progress {
            bar,
            start: Instant::now(),
            allowed,
            shown: false,
        }
    }

    /// A bar that is never drawn, for work run by the library on its own.
    pub fn hidden() -> Progress {
        Progress::new(true, "", 0)
    }

    /// Count `n` more units done.
    pub fn inc(&mut self, n: u64) {
        self.bar.inc(n);
        if self.allowed && !self.shown && self.start.elapsed() >= DELAY {
            self.shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Say what is being worked on now (a file name, a transcript).
    pub fn set_message(&self, what: impl Into<String>) {
        self.bar.set_message(what.into());
    }

    /// Change how many units there are in all.
    pub fn set_length(&self, len: u64) {
        self.bar.set_length(len);
    }

    /// Start a new stage of the work: `len` units, from none done.
    pub fn stage(&self, what: impl Into<String>, len: u64) {
        self.bar.set_length(len);
        self.bar.set_position(0);
        self.bar.reset_eta();
        self.bar.set_message(what.into());
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_drawn_only_on_a_terminal_that_asks_for_them() {
        assert!(allowed(false, true, false, Some("xterm-256color")));
        assert!(allowed(false, true, false, None));
        assert!(!allowed(true, true, false, None), "-q");
        assert!(
            !allowed(false, false, false, None),
            "stderr is a file or pipe"
        );
        assert!(!allowed(false, true, true, None), "NO_COLOR");
        assert!(!allowed(false, true, false, Some("dumb")), "TERM=dumb");
    }

    #[test]
    fn a_hidden_bar_counts_and_draws_nothing() {
        let mut p = Progress::hidden();
        p.set_length(3);
        p.inc(2);
        p.inc(1);
        assert_eq!(p.bar.position(), 3);
        assert!(p.bar.is_hidden());
        assert!(!p.shown);
    }
}
