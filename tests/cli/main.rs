//! Integration tests: the real binary on temporary projects. One binary, a module per area.

mod agree;
mod coding;
mod cooccur;
mod demo;
mod freq;
mod help;
mod hostile;
mod import;
mod merge;
mod notes;
mod project;
mod refi;
mod refi_schema;
mod report;
mod revise;
mod revise_props;
mod safety;
mod segmentation;
mod serve;
mod sheet;
mod survey;
mod taguette;
mod template;
mod undo_props;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary folder with (usually) a project in it, and a way to run tana there.
pub struct TestEnv {
    dir: tempfile::TempDir,
}

#[allow(clippy::new_without_default)]
impl TestEnv {
    /// An empty folder, no project.
    pub fn empty() -> TestEnv {
        TestEnv {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A folder with `study.tana` in it.
    pub fn new() -> TestEnv {
        let env = TestEnv::empty();
        env.ok(&["init", "study.tana"]);
        env
    }

    /// A project with three short transcripts, attributes and a small template.
    pub fn study() -> TestEnv {
        let env = TestEnv::new();
        env.write(
            "P01.txt",
            "Interviewer: What are the targets?\n\nP1: Honestly, nobody could tell me the target. It is all slogans.\n\nInterviewer: And training?\n\nP1: We had one e-learning module. I think it was about recycling. The module was fine.\n",
        );
        env.write(
            "P02.txt",
            "Interviewer: What are the targets?\n\nP2: Net zero by 2040, and 60% recycled content by 2028.\n\nIt is on every slide.\n\nInterviewer: Do you trust it?\n\nP2: Mostly. The CEO repeats it, and the CEO means it.\n",
        );
        env.write(
            "P03.txt",
            "Interviewer: Tell me about your customers.\n\nP3: They send us questionnaires about CO₂ every quarter 🌱. Zoë handles them.\n\nInterviewer: Anything else?\n\nP3: No.\n",
        );
        env.ok(&["import", "P01.txt", "P02.txt", "P03.txt"]);
        env.write(
            "participants.csv",
            "transcript,role,sector\nP01,manager,IT\nP02,lead,logistics\nP03,sales,IT\n",
        );
        env.ok(&["attr", "import", "participants.csv"]);
        env.write(
            "template.md",
            "- Awareness gap [a priori: Service Gap model]: What employees know.\n  - Knowing the targets\n    - Vague targets: Slogans, not goals.\n    - Concrete targets\n  - Training\n- Customers\n- Trust [integrative]: Belief that the company means it.\n",
        );
        env.ok(&["template", "import", "template.md"]);
        env
    }

    /// The study with codings on several themes, two of them overlapping on P01 (for roll-up).
    pub fn coded() -> TestEnv {
        let env = TestEnv::study();
        env.write(
            "c.csv",
            "transcript,theme,quote,segment\n\
             P01,Vague targets,nobody could tell me the target,\n\
             P01,Concrete targets,tell me the target. It is all slogans,\n\
             P01,Training,,4\n\
             P02,Concrete targets,,2\n\
             P02,Trust,,4\n\
             P03,Customers,,2\n",
        );
        env.ok(&["code", "--from", "c.csv"]);
        env
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, contents).expect("write");
        p
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).expect("read")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tana"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TANA_NOW", "2026-03-01T09:00:00Z")
            .env("TANA_CODER", "tester")
            .env("NO_COLOR", "1");
        cmd
    }

    /// Run and render exit code, stdout and stderr for a snapshot.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("run tana");
        let tmp = self.dir.path().display().to_string();
        let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&tmp, "$TMP");
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            out.status.code().unwrap_or(-1),
            clean(&out.stdout),
            clean(&out.stderr)
        )
    }

    /// Run, insist on success, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("run tana");
        assert!(
            out.status.success(),
            "tana {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Run, insist on failure with the given exit code, return stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.command(args).output().expect("run tana");
        assert_eq!(
            out.status.code(),
            Some(code),
            "tana {args:?}: stdout {}\nstderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).replace(&self.dir.path().display().to_string(), "$TMP")
    }

    /// A canonical dump of the project's data, to prove a failed command wrote nothing.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for args in [
            vec!["transcripts", "--format", "csv"],
            vec!["template", "--format", "csv"],
            vec!["codebook", "--format", "csv"],
            vec!["freq", "--measure", "words", "--format", "csv"],
            vec!["attr", "list", "--format", "csv"],
        ] {
            out.push_str(&self.ok(&args));
        }
        out
    }
}

/// Rows of the named tables as text, in the given order: `(table, ORDER BY clause)`.
pub fn table_dump(conn: &rusqlite::Connection, tables: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (table, order) in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let cells: Vec<String> = (0..n)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect();
            out.push_str(&format!("{table}: {}\n", cells.join(" | ")));
        }
    }
    out
}
