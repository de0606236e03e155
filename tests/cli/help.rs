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
    &["quotes"],
    &["codebook"],
    &["demo"],
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
