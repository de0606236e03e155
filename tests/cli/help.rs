use crate::TestEnv;

const COMMANDS: &[&[&str]] = &[
    &["init"],
    &["import"],
    &["attr", "set"],
    &["attr", "import"],
    &["attr", "list"],
    &["transcripts"],
    &["show"],
    &["theme", "add"],
    &["template"],
    &["template", "import"],
    &["template", "export"],
    &["code"],
    &["uncode"],
    &["freq"],
    &["cooccur"],
    &["quotes"],
    &["report"],
    &["completions"],
    &["man"],
    &["agree"],
    &["codebook"],
    &["demo"],
    &["review"],
    &["review", "done"],
    &["review", "assign"],
    &["config"],
    &["search"],
    &["serve"],
    &["memo", "add"],
    &["memo", "list"],
    &["journal"],
    &["journal", "add"],
    &["coder", "add"],
    &["coder", "list"],
    &["status"],
    &["sheet"],
    &["sheet", "apply"],
    &["autocode"],
    &["autocode", "list"],
    &["autocode", "undo"],
    &["theme", "rename"],
    &["theme", "redefine"],
    &["theme", "move"],
    &["theme", "merge"],
    &["theme", "split"],
    &["theme", "delete"],
    &["theme", "restore"],
    &["theme", "integrate"],
    &["theme", "undo"],
    &["template", "save"],
    &["template", "log"],
    &["template", "diff"],
    &["template", "history"],
    &["template", "fate"],
    &["template", "edit"],
    &["log"],
    &["undo"],
    &["redo"],
    &["backup"],
    &["merge"],
    &["check"],
];

#[test]
fn every_command_has_help_text_and_an_example() {
    let env = TestEnv::empty();
    for cmd in COMMANDS {
        let mut args = cmd.to_vec();
        args.push("--help");
        let out = env.ok(&args);
        assert!(
            out.contains("Examples:"),
            "tana {cmd:?} --help has no examples:\n{out}"
        );
        assert!(
            out.lines()
                .next()
                .is_some_and(|l| !l.trim().is_empty() && !l.ends_with('.')),
            "tana {cmd:?}: first help line should be an imperative without a period:\n{out}"
        );
    }
}

#[test]
fn top_level_help_lists_every_command() {
    let env = TestEnv::empty();
    let out = env.ok(&["--help"]);
    for cmd in COMMANDS {
        assert!(
            out.contains(&format!("  {}", cmd[0])),
            "missing {} in:\n{out}",
            cmd[0]
        );
    }
}

/// docs/commands.md is generated from the help texts; this fails when they drift apart.
/// Regenerate with `TANA_UPDATE_DOCS=1 cargo test --test cli command_reference`.
#[test]
fn command_reference_matches_the_help_texts() {
    let env = TestEnv::empty();
    let mut doc = String::from(
        "# Command reference\n\nGenerated from `tana --help` and each command's `--help`; a test keeps it in step.\n\n```text\n",
    );
    doc.push_str(&env.ok(&["--help"]));
    doc.push_str("```\n");
    for cmd in COMMANDS {
        doc.push_str(&format!("\n## tana {}\n\n```text\n", cmd.join(" ")));
        let mut args = cmd.to_vec();
        args.push("--help");
        doc.push_str(&env.ok(&args));
        doc.push_str("```\n");
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/commands.md");
    if std::env::var_os("TANA_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == doc,
        "docs/commands.md is out of date; run TANA_UPDATE_DOCS=1 cargo test --test cli command_reference"
    );
}

/// docs/tana.1 is `tana man`; this fails when they drift apart.
/// Regenerate with `TANA_UPDATE_DOCS=1 cargo test --test cli man_page`.
#[test]
fn man_page_matches_the_commands() {
    let env = TestEnv::empty();
    let page = env.ok(&["man"]);
    assert!(page.contains(".TH tana 1"), "{page}");
    assert!(page.contains("report"), "every command is listed");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/tana.1");
    if std::env::var_os("TANA_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &page).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == page,
        "docs/tana.1 is out of date; run TANA_UPDATE_DOCS=1 cargo test --test cli man_page"
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    let env = TestEnv::empty();
    for (shell, mark) in [
        ("bash", "complete -F _tana"),
        ("zsh", "#compdef tana"),
        ("fish", "complete -c tana"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = env.ok(&["completions", shell]);
        assert!(script.contains(mark), "{shell}: {script}");
        assert!(script.contains("report"), "{shell} completes every command");
    }
    let err = env.fails(&["completions", "tcsh"], 2);
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
}
