//! Coders' copies and `tana merge`: what comes back, conflicts, refusals, twice, undo.

use insta::assert_snapshot;

use crate::TestEnv;

/// The coded study, a copy for bea in copies/bea.tana, and bea's work in it: a coding, a
/// memo, a journal entry, a new theme, a rename and a redefinition. The lead redefines the
/// same theme (the conflict) and codes too.
fn with_beas_copy() -> TestEnv {
    let env = TestEnv::coded();
    std::fs::create_dir_all(env.path().join("copies")).unwrap();
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
    assert_snapshot!(env.run(&["merge", "copies/bea.tana", "--dry-run"]), @"
    exit: 0
    --- stdout
    would merge bea.tana: a copy of this project since change 4; 8 changes made in it
      codings added: 3
      themes added: Customers/Questionnaires
      themes revised: Awareness gap/Training and onboarding
      memos: 1
      journal entries: 1
      review entries added: 3
      changes of the copy recorded: 8
      conflict: theme Trust: revised in both; kept this project's version (--prefer theirs takes the copy's)
    dry run: nothing was changed
    --- stderr
    ");
    assert_eq!(env.dump(), before, "a dry run changes nothing");
    assert_snapshot!(env.run(&["merge", "copies/bea.tana"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    merged bea.tana: a copy of this project since change 4; 8 changes made in it
      codings added: 3
      themes added: Customers/Questionnaires
      themes revised: Awareness gap/Training and onboarding
      memos: 1
      journal entries: 1
      review entries added: 3
      changes of the copy recorded: 8
      conflict: theme Trust: revised in both; kept this project's version (--prefer theirs takes the copy's)
    change 7 in the log; "tana undo 7" reverts the merge
    "#);
    assert_snapshot!(env.ok(&["template"]), @"
    theme                          codings  participants
    1 Awareness gap *                    0           2/3
      1.1 Knowing the targets            0           2/3
        1.1.1 Vague targets              1           1/3
        1.1.2 Concrete targets           2           2/3
      1.2 Training and onboarding        2           2/3
    2 Customers                          2           1/3
      2.1 Questionnaires                 1           1/3
    3 Trust (integrative)                1           1/3
    * a priori theme
    ");
    assert_snapshot!(env.ok(&["--coder", "bea", "freq", "--format", "csv"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,1,0,0,1,33.3
    1.1,Knowing the targets,1,0,0,1,33.3
    1.1.1,Vague targets,1,0,0,1,33.3
    1.1.2,Concrete targets,0,0,0,0,0.0
    1.2,Training and onboarding,0,0,0,0,0.0
    2,Customers,0,0,1,1,33.3
    2.1,Questionnaires,0,0,1,1,33.3
    3,Trust,0,0,0,0,0.0
    ");
    assert_snapshot!(env.ok(&["codebook", "--format", "csv"]).lines().filter(|l| l.contains("Trust")).collect::<Vec<_>>().join("\n"), @"3,Trust,Trust,,1,integrative,emergent,,the lead's definition,,,,,,,,1,1,,");
    assert_snapshot!(env.ok(&["memo", "list"]), @"
     memo   on      date                   coder   text
    ─────────────────────────────────────────────────────────────────────────
        1   P03:4   2026-03-01T09:00:00Z   bea     Short answer, but telling
    ");
    assert_snapshot!(env.ok(&["journal"]), @"
     entry   date                   coder   tags   text
    ──────────────────────────────────────────────────────────────────────────────────────────
         1   2026-03-01T09:00:00Z   bea            Coded P03 today; Customers feels too broad
    ");
    assert_snapshot!(env.ok(&["template", "log", "--format", "csv"]).lines().filter(|l| l.contains("merged")).collect::<Vec<_>>().join("\n"), @r#"
    7 (merged: bea.tana 9),2026-03-01T09:00:00Z,bea,add,added 2.1 Customers/Questionnaires,P03 talks of them,,
    7 (merged: bea.tana 11),2026-03-01T09:00:00Z,bea,rename,"renamed 1.2 Awareness gap/Training to ""Training and onboarding""",covers onboarding,,
    7 (merged: bea.tana 12),2026-03-01T09:00:00Z,bea,redefine,redefined 3 Trust (unchanged),narrower,,
    "#);
    assert_snapshot!(env.ok(&["log", "-n", "2"]), @"
     change   date                   coder    kind      what                                                                                                                    rows                                                                                                                                      undone by
    ────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
          7   2026-03-01T09:00:00Z   tester   project   merge bea.tana: 3 codings added, 0 removed; themes 1 added, 1 revised, 0 deleted; 1 memo, 1 journal entry; 1 conflict   codings: 3 added; journal entries: 1 added; memos: 1 added; merged_change: 8 added; review entries: 3 added; themes: 1 added, 1 changed
          6   2026-03-01T09:00:00Z   tester   coding    code P02 segment 2 with 1.2 Training                                                                                    codings: 1 added
    ");
}

#[test]
fn merging_the_same_copy_twice_adds_nothing() {
    let env = with_beas_copy();
    env.ok(&["merge", "copies/bea.tana"]);
    let once = env.dump();
    let log = env.ok(&["log", "--format", "csv"]);
    assert_snapshot!(env.run(&["merge", "copies/bea.tana"]), @"
    exit: 0
    --- stdout
    --- stderr
    merged bea.tana: a copy of this project since change 4; 8 changes made in it
      codings already here: 3
      conflict: theme Trust: revised in both; kept this project's version (--prefer theirs takes the copy's)
    nothing new: the project already has all of it
    ");
    assert_eq!(env.dump(), once);
    assert_eq!(env.ok(&["log", "--format", "csv"]), log, "no second change");
}

#[test]
fn undo_reverts_a_merge() {
    let env = with_beas_copy();
    let before = env.dump();
    env.ok(&["merge", "copies/bea.tana"]);
    assert_ne!(env.dump(), before);
    assert_snapshot!(env.run(&["undo"]), @"
    exit: 0
    --- stdout
    --- stderr
    undid change 7 (merge bea.tana: 3 codings added, 0 removed; themes 1 added, 1 revised, 0 deleted; 1 memo, 1 journal entry; 1 conflict): 18 row change(s) put back
    logged as change 8
    ");
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
    std::fs::create_dir_all(env.path().join("copies")).unwrap();
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
    assert_snapshot!(env.fails(&["merge", "copies/bea.tana"], 1), @"
    error: the text of 1 transcript(s) differs between this project and the copy: P01; nothing was merged
    hint: a transcript was re-imported in one of them; re-import the same file in both (tana import --replace), then merge
    ");
    assert_eq!(env.dump(), before);
    assert_eq!(env.ok(&["log", "--format", "csv"]), log);
}

#[test]
fn two_copies_that_each_saw_revisions_both_come_back() {
    let env = TestEnv::coded();
    std::fs::create_dir_all(env.path().join("copies")).unwrap();
    env.ok(&["backup", "--for", "ana", "copies/ana.tana"]);
    std::fs::create_dir_all(env.path().join("copies")).unwrap();
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
            "--under",
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
    assert_snapshot!(env.run(&["merge", "copies/ana.tana"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    merged ana.tana: a copy of this project since change 4; 3 changes made in it
      codings added: 1
      themes added: Cost
      themes revised: Customers/Training
      review entries added: 3
      changes of the copy recorded: 3
    change 5 in the log; "tana undo 5" reverts the merge
    "#);
    assert_snapshot!(env.run(&["merge", "copies/bea.tana"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    merged bea.tana: a copy of this project since change 4; 4 changes made in it
      codings added: 1
      codings removed (archived): 1
      themes revised: Clients
      changes of the copy recorded: 4
    change 6 in the log; "tana undo 6" reverts the merge
    "#);
    assert_snapshot!(env.ok(&["template"]), @"
    theme                       codings  participants
    1 Awareness gap *                 0           1/3
      1.1 Knowing the targets         0           1/3
        1.1.1 Vague targets           1           1/3
        1.1.2 Concrete targets        1           1/3
    2 Clients                         1           2/3
      2.1 Training                    1           1/3
    3 Trust (integrative)             1           1/3
    4 Cost                            1           1/3
    * a priori theme
    ");
    assert_snapshot!(env.ok(&["freq", "--by-coder", "--format", "csv"]), @"
    number,theme,ana: P01,ana: P02,ana: P03,ana: participants,bea: P01,bea: P02,bea: P03,bea: participants,tester: P01,tester: P02,tester: P03,tester: participants,participants,percent
    1,Awareness gap,0,0,0,0,0,0,0,0,1,0,0,1,1,33.3
    1.1,Knowing the targets,0,0,0,0,0,0,0,0,1,0,0,1,1,33.3
    1.1.1,Vague targets,0,0,0,0,0,0,0,0,1,0,0,1,1,33.3
    1.1.2,Concrete targets,0,0,0,0,0,0,0,0,1,0,0,1,1,33.3
    2,Clients,0,0,0,0,0,0,0,0,1,0,1,2,2,66.7
    2.1,Training,0,0,0,0,0,0,0,0,1,0,0,1,1,33.3
    3,Trust,0,0,0,0,0,1,0,1,0,1,0,1,1,33.3
    4,Cost,0,1,0,1,0,0,0,0,0,0,0,0,1,33.3
    ");
    env.ok(&["check"]);
}

#[test]
fn a_qdpx_exported_by_tana_merges_once() {
    let env = TestEnv::coded();
    std::fs::create_dir_all(env.path().join("copies")).unwrap();
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
    assert_snapshot!(env.run(&["merge", "copies/bea.qdpx"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    merged bea.qdpx: no shared history: everything in it is brought across once
      codings added: 1
      codings already here: 6
      memos: 1
    change 5 in the log; "tana undo 5" reverts the merge
    "#);
    let once = env.dump();
    let log = env.ok(&["log", "--format", "csv"]);
    assert_snapshot!(env.run(&["merge", "copies/bea.qdpx"]), @"
    exit: 0
    --- stdout
    --- stderr
    merged bea.qdpx: no shared history: everything in it is brought across once
      codings already here: 7
    nothing new: the project already has all of it
    ");
    assert_eq!(env.dump(), once);
    assert_eq!(env.ok(&["log", "--format", "csv"]), log, "no second change");
}

#[test]
fn merge_errors_name_the_file() {
    let env = TestEnv::coded();
    assert_snapshot!(env.fails(&["merge", "nothere.tana"], 1), @"
    error: nothere.tana: no such file
    hint: name the coder's copy, e.g. tana merge bea.tana
    ");
    env.write("notes.tana", "not a project");
    assert_snapshot!(env.fails(&["merge", "notes.tana", "--project", "study.tana"], 1), @r#"
    error: notes.tana is not a tana project
    hint: merge a copy made with "tana backup --for NAME FILE", or a .qdpx
    "#);
    assert_snapshot!(env.fails(&["merge", "study.tana", "--project", "study.tana"], 2), @"
    error: that is the project itself
    hint: merge a coder's copy, e.g. tana merge bea.tana
    ");
}

/// Run as a coder (TANA_CODER, as a coder at work would have it), rendered like `run`.
fn as_coder(env: &TestEnv, coder: &str, args: &[&str]) -> String {
    let out = env
        .command(args)
        .env("TANA_CODER", coder)
        .output()
        .expect("run tana");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Two coders code the same text: two codings, counted once; blind coding hides each from
/// the other; uncode touches one's own.
#[test]
fn double_coding_stays_apart_and_blind_coding_hides_the_other_coder() {
    let env = TestEnv::study();
    env.ok(&["--coder", "ana", "code", "P01", "2", "Vague targets"]);
    env.ok(&[
        "--coder",
        "bea",
        "code",
        "P01",
        "--quote",
        "nobody could tell me the target",
        "Vague targets",
    ]);
    assert_snapshot!(env.ok(&["template", "--by-coder", "--format", "csv"]), @"
    number,theme,ana: codings,ana: participants,bea: codings,bea: participants,codings,participants
    1,Awareness gap,0,1,0,1,0,1
    1.1,Knowing the targets,0,1,0,1,0,1
    1.1.1,Vague targets,1,1,1,1,1,1
    1.1.2,Concrete targets,0,0,0,0,0,0
    1.2,Training,0,0,0,0,0,0
    2,Customers,0,0,0,0,0,0
    3,Trust,0,0,0,0,0,0
    ");
    assert_snapshot!(env.ok(&["freq", "--measure", "codings", "--format", "csv"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,1,0,0,1,33.3
    1.1,Knowing the targets,1,0,0,1,33.3
    1.1.1,Vague targets,1,0,0,1,33.3
    1.1.2,Concrete targets,0,0,0,0,0.0
    1.2,Training,0,0,0,0,0.0
    2,Customers,0,0,0,0,0.0
    3,Trust,0,0,0,0,0.0
    ");
    assert_snapshot!(env.ok(&["--coder", "bea", "freq", "--measure", "words", "--format", "csv"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,6,0,0,1,33.3
    1.1,Knowing the targets,6,0,0,1,33.3
    1.1.1,Vague targets,6,0,0,1,33.3
    1.1.2,Concrete targets,0,0,0,0,0.0
    1.2,Training,0,0,0,0,0.0
    2,Customers,0,0,0,0,0.0
    3,Trust,0,0,0,0,0.0
    ");
    // One passage, quoted once, though two coders coded it.
    assert_snapshot!(env.ok(&["quotes", "Vague targets"]), @"
    ## 1.1.1 Vague targets

    > Honestly, nobody could tell me the target. It is all slogans.
    >
    > — P01, segment 2
    ");
    env.ok(&["config", "blind", "on"]);
    assert_snapshot!(as_coder(&env, "bea", &["show", "P01", "--segments", "1-2"]), @"
    exit: 0
    --- stdout
       1  Interviewer: What are the targets?
       2  P1: Honestly, nobody could tell me the target. It is all slogans.  [1.1.1~]
    --- stderr
    blind coding is on: showing only bea's codings (--all-coders shows everyone's)
    ");
    assert_snapshot!(as_coder(&env, "lead", &["--all-coders", "show", "P01", "--segments", "1-2"]), @"
    exit: 0
    --- stdout
       1  Interviewer: What are the targets?
       2  P1: Honestly, nobody could tell me the target. It is all slogans.  [1.1.1@ana, 1.1.1~@bea]
    --- stderr
    ");
    assert_snapshot!(as_coder(&env, "carl", &["search", "slogans"]), @"
    exit: 0
    --- stdout
     transcript   segment   speaker   in context                                        themes
    ───────────────────────────────────────────────────────────────────────────────────────────
     P01                2   P1        …could tell me the target. It is all [slogans].
    --- stderr
    blind coding is on: showing only carl's codings (--all-coders shows everyone's)
    1 segment(s) match; showing 1-1
    ");
    assert_snapshot!(as_coder(&env, "carl", &["quotes", "Vague targets"]), @"
    exit: 0
    --- stdout
    ## 1.1.1 Vague targets

    --- stderr
    blind coding is on: showing only carl's codings (--all-coders shows everyone's)
    no codings of 1.1.1 Vague targets yet
    ");
    assert_snapshot!(as_coder(&env, "ana", &["quotes", "Vague targets"]), @"
    exit: 0
    --- stdout
    ## 1.1.1 Vague targets

    > Honestly, nobody could tell me the target. It is all slogans.
    >
    > — P01, segment 2

    --- stderr
    blind coding is on: showing only ana's codings (--all-coders shows everyone's)
    ");
    // bea's blind sheet holds only her coding; applying it leaves ana's alone.
    as_coder(&env, "bea", &["sheet", "P01", "-o", "P01.md"]);
    let sheet = env.read("P01.md");
    assert!(
        sheet.contains("1.1.1 {#3} \"nobody could tell me the target\""),
        "{sheet}"
    );
    assert!(!sheet.contains("@ana"), "{sheet}");
    assert_snapshot!(as_coder(&env, "bea", &["sheet", "apply", "P01.md"]), @"
    exit: 0
    --- stdout
    --- stderr
    blind coding is on: the sheet holds only bea's codings (--all-coders shows everyone's)
    P01: the sheet matches the project; nothing to change
    ");
    // Uncoding as bea removes bea's coding only; the lead sees ana's still there.
    assert_snapshot!(as_coder(&env, "bea", &["uncode", "P01", "2", "Vague targets"]), @"
    exit: 0
    --- stdout
    --- stderr
    uncoded P01 segment 2 from 1.1.1 Vague targets (1 coding(s) removed or trimmed; removed ones are archived)
    ");
    assert_snapshot!(env.ok(&["--all-coders", "template", "--by-coder", "--format", "csv"]), @"
    number,theme,ana: codings,ana: participants,codings,participants
    1,Awareness gap,0,1,0,1
    1.1,Knowing the targets,0,1,0,1
    1.1.1,Vague targets,1,1,1,1
    1.1.2,Concrete targets,0,0,0,0
    1.2,Training,0,0,0,0
    2,Customers,0,0,0,0
    3,Trust,0,0,0,0
    ");
    env.ok(&["config", "blind", "off"]);
    assert_snapshot!(as_coder(&env, "bea", &["uncode", "P01", "2", "Vague targets"]), @"
    exit: 1
    --- stdout
    --- stderr
    error: P01 segment 2 is coded with 1.1.1 Vague targets by ana, not by you
    hint: nothing was changed; add --all-coders to remove other coders' codings
    ");
    assert_snapshot!(env.ok(&["status", "--by-coder"]).lines().filter(|l| l.contains("codings in")).collect::<Vec<_>>().join("\n"), @"  ana: 1 codings in 1 transcript(s) (P01); 3 of 7 themes used; not used: 1.1.2, 1.2, 2, 3");
}

/// A project made before coders' codings were kept apart (schema 5) opens with the same numbers.
#[test]
fn migrating_an_older_project_changes_no_report() {
    let env = TestEnv::coded();
    env.ok(&["--coder", "ana", "code", "P02", "2", "Trust"]);
    let before = env.dump();
    let status = env.ok(&["status"]);
    {
        let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
        conn.execute_batch("DROP TABLE merged_change; PRAGMA user_version = 5;")
            .unwrap();
    }
    assert_eq!(env.dump(), before);
    assert_eq!(env.ok(&["status"]), status);
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, 7);
}

#[test]
fn a_coders_copy_says_whose_it_is() {
    let env = TestEnv::coded();
    std::fs::create_dir_all(env.path().join("copies")).unwrap();
    assert_snapshot!(env.run(&["backup", "--for", "bea", "copies/bea.tana"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    backed up $TMP/study.tana to copies/bea.tana: 3 transcript(s), 7 theme(s), 6 coding(s), 4 change(s) in the log; 0.3 MB, verified
    this is bea's copy: work in it is bea's unless --coder says otherwise; bring it back with "tana merge copies/bea.tana"
    blind coding is off: the copy shows everyone's codings ("tana config blind on" before making copies hides them)
    "#);
    let status = env.ok(&["--project", "copies/bea.tana", "status"]);
    assert_snapshot!(status.lines().next().unwrap_or_default(), @r#"this is bea's copy, made 2026-03-01T09:00:00Z: work here is bea's; hand the file back for "tana merge""#);
}

/// bea goes on coding in her copy after a merge; the lead removed one of her codings since.
/// The second merge brings her new work, and not the coding the lead removed.
#[test]
fn a_second_merge_brings_new_work_but_not_what_the_project_removed() {
    let env = with_beas_copy();
    env.ok(&["merge", "copies/bea.tana"]);
    env.ok(&["--all-coders", "uncode", "P03", "4", "Customers"]);
    env.ok(&[
        "--project",
        "copies/bea.tana",
        "--coder",
        "bea",
        "code",
        "P02",
        "4",
        "Trust",
    ]);
    assert_snapshot!(env.run(&["merge", "copies/bea.tana"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    merged bea.tana: a copy of this project since change 4; 9 changes made in it
      codings added: 1
      codings already here: 2
      changes of the copy recorded: 1
      conflict: theme Trust: revised in both; kept this project's version (--prefer theirs takes the copy's)
      not merged: 1 coding(s): this project removed them since (tana log shows when)
    change 9 in the log; "tana undo 9" reverts the merge
    "#);
    assert_snapshot!(env.ok(&["--coder", "bea", "freq", "--format", "csv"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,1,0,0,1,33.3
    1.1,Knowing the targets,1,0,0,1,33.3
    1.1.1,Vague targets,1,0,0,1,33.3
    1.1.2,Concrete targets,0,0,0,0,0.0
    1.2,Training and onboarding,0,0,0,0,0.0
    2,Customers,0,0,1,1,33.3
    2.1,Questionnaires,0,0,1,1,33.3
    3,Trust,0,1,0,1,33.3
    ");
}
