//! Coders' copies and `tana merge`: what comes back, conflicts, refusals, twice, undo.

use insta::assert_snapshot;

use crate::TestEnv;

/// The coded study, a copy for bea in copies/bea.tana, and bea's work in it: a coding, a
/// memo, a journal entry, a new theme, a rename and a redefinition. The lead redefines the
/// same theme (the conflict) and codes too.
fn with_beas_copy() -> TestEnv {
    let env = TestEnv::coded();
    env.ok(&["backup", "--for", "bea", "copies/bea.tana"]);
    let bea = |args: &[&str]| {
        let mut all = vec!["--project", "copies/bea.tana"];
        all.extend_from_slice(args);
        // No TANA_CODER: the copy says whose it is.
        let out = env
            .command(&all)
            .env_remove("TANA_CODER")
            .output()
            .expect("run tana");
        assert!(
            out.status.success(),
            "{all:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    bea(&["code", "P03", "4", "Customers"]);
    bea(&["code", "P01", "2", "Vague targets"]);
    bea(&["memo", "add", "P03:4", "Short answer, but telling"]);
    bea(&[
        "journal",
        "add",
        "Coded P03 today; Customers feels too broad",
    ]);
    bea(&[
        "theme",
        "add",
        "Customers/Questionnaires",
        "--why",
        "P03 talks of them",
    ]);
    bea(&["code", "P03", "2", "Customers/Questionnaires"]);
    bea(&[
        "theme",
        "rename",
        "Training",
        "Training and onboarding",
        "--why",
        "covers onboarding",
    ]);
    bea(&[
        "theme",
        "redefine",
        "Trust",
        "--definition",
        "bea's definition",
        "--why",
        "narrower",
    ]);
    env.ok(&[
        "theme",
        "redefine",
        "Trust",
        "--definition",
        "the lead's definition",
        "--why",
        "wider",
    ]);
    env.ok(&["code", "P02", "2", "Training"]);
    env
}

#[test]
fn a_coders_copy_comes_back_with_its_work_and_one_conflict() {
    let env = with_beas_copy();
    let before = env.dump();
    assert_snapshot!(env.run(&["merge", "copies/bea.tana", "--dry-run"]), @"");
    assert_eq!(env.dump(), before, "a dry run changes nothing");
    assert_snapshot!(env.run(&["merge", "copies/bea.tana"]), @"");
    assert_snapshot!(env.ok(&["template"]), @"");
    assert_snapshot!(env.ok(&["--coder", "bea", "freq", "--format", "csv"]), @"");
    assert_snapshot!(env.ok(&["codebook", "--format", "csv"]).lines().filter(|l| l.contains("Trust")).collect::<Vec<_>>().join("\n"), @"");
    assert_snapshot!(env.ok(&["memo", "list"]), @"");
    assert_snapshot!(env.ok(&["journal"]), @"");
    assert_snapshot!(env.ok(&["log", "-n", "2"]), @"");
}

#[test]
fn merging_the_same_copy_twice_adds_nothing() {
    let env = with_beas_copy();
    env.ok(&["merge", "copies/bea.tana"]);
    let once = env.dump();
    let log = env.ok(&["log", "--format", "csv"]);
    assert_snapshot!(env.run(&["merge", "copies/bea.tana"]), @"");
    assert_eq!(env.dump(), once);
    assert_eq!(env.ok(&["log", "--format", "csv"]), log, "no second change");
}

#[test]
fn undo_reverts_a_merge() {
    let env = with_beas_copy();
    let before = env.dump();
    env.ok(&["merge", "copies/bea.tana"]);
    assert_ne!(env.dump(), before);
    assert_snapshot!(env.run(&["undo"]), @"");
    assert_eq!(env.dump(), before);
    env.ok(&["check"]);
}

#[test]
fn prefer_theirs_takes_the_copys_version_of_a_conflict() {
    let env = with_beas_copy();
    env.ok(&["merge", "copies/bea.tana", "--prefer", "theirs"]);
    let codebook = env.ok(&["codebook", "--format", "json"]);
    assert!(codebook.contains("bea's definition"), "{codebook}");
    assert!(!codebook.contains("the lead's definition"));
}

#[test]
fn a_copy_whose_transcript_text_changed_is_refused_and_nothing_is_written() {
    let env = TestEnv::coded();
    env.ok(&["backup", "--for", "bea", "copies/bea.tana"]);
    env.ok(&[
        "--project",
        "copies/bea.tana",
        "--coder",
        "bea",
        "code",
        "P02",
        "4",
        "Customers",
    ]);
    env.write(
        "P01.txt",
        "Interviewer: What are the targets?\n\nP1: Honestly, nobody could tell me the target. It is all slogans, really.\n\nInterviewer: And training?\n\nP1: We had one e-learning module. I think it was about recycling. The module was fine.\n",
    );
    env.ok(&[
        "--project",
        "copies/bea.tana",
        "import",
        "P01.txt",
        "--replace",
    ]);
    let before = env.dump();
    let log = env.ok(&["log", "--format", "csv"]);
    assert_snapshot!(env.fails(&["merge", "copies/bea.tana"], 1), @"");
    assert_eq!(env.dump(), before);
    assert_eq!(env.ok(&["log", "--format", "csv"]), log);
}

#[test]
fn two_copies_that_each_saw_revisions_both_come_back() {
    let env = TestEnv::coded();
    env.ok(&["backup", "--for", "ana", "copies/ana.tana"]);
    env.ok(&["backup", "--for", "bea", "copies/bea.tana"]);
    let ana = ["--project", "copies/ana.tana", "--coder", "ana"];
    let bea = ["--project", "copies/bea.tana", "--coder", "bea"];
    let run = |who: &[&str], args: &[&str]| {
        let mut all = who.to_vec();
        all.extend_from_slice(args);
        env.ok(&all);
    };
    run(&ana, &["theme", "add", "Cost", "--why", "P02 on price"]);
    run(&ana, &["code", "P02", "2", "Cost"]);
    run(
        &ana,
        &[
            "theme",
            "move",
            "Training",
            "--to",
            "Customers",
            "--why",
            "a test move",
        ],
    );
    run(
        &bea,
        &[
            "theme",
            "rename",
            "Customers",
            "Clients",
            "--why",
            "their word",
        ],
    );
    run(&bea, &["code", "P02", "2", "Concrete targets"]);
    run(
        &bea,
        &["uncode", "P02", "2", "Concrete targets", "--all-coders"],
    );
    run(&bea, &["code", "P02", "4", "Trust"]);
    assert_snapshot!(env.run(&["merge", "copies/ana.tana"]), @"");
    assert_snapshot!(env.run(&["merge", "copies/bea.tana"]), @"");
    assert_snapshot!(env.ok(&["template"]), @"");
    assert_snapshot!(env.ok(&["freq", "--by-coder", "--format", "csv"]), @"");
    env.ok(&["check"]);
}

#[test]
fn a_qdpx_exported_by_tana_merges_once() {
    let env = TestEnv::coded();
    env.ok(&["backup", "--for", "bea", "copies/bea.tana"]);
    env.ok(&[
        "--project",
        "copies/bea.tana",
        "--coder",
        "bea",
        "code",
        "P02",
        "4",
        "Customers",
    ]);
    env.ok(&[
        "--project",
        "copies/bea.tana",
        "--coder",
        "bea",
        "memo",
        "add",
        "P02:4",
        "bea's memo",
    ]);
    env.ok(&[
        "--project",
        "copies/bea.tana",
        "export",
        "qdpx",
        "-o",
        "copies/bea.qdpx",
    ]);
    assert_snapshot!(env.run(&["merge", "copies/bea.qdpx"]), @"");
    let once = env.dump();
    assert_snapshot!(env.run(&["merge", "copies/bea.qdpx"]), @"");
    assert_eq!(env.dump(), once);
}

#[test]
fn merge_errors_name_the_file() {
    let env = TestEnv::coded();
    assert_snapshot!(env.fails(&["merge", "nothere.tana"], 1), @"");
    env.write("notes.tana", "not a project");
    assert_snapshot!(env.fails(&["merge", "notes.tana", "--project", "study.tana"], 1), @"");
    assert_snapshot!(env.fails(&["merge", "study.tana"], 2), @"");
}
