//! Never losing a researcher's work: safe sheets, one change log with undo, locks, backup and
//! check, and commands that change nothing writing nothing.

use crate::TestEnv;
use insta::assert_snapshot;

/// Everything a command could change, including the change log.
fn state(env: &TestEnv) -> String {
    let mut s = env.dump();
    s.push_str(&env.ok(&["log", "--format", "csv"]));
    s.push_str(&env.ok(&["coder", "list", "--format", "csv"]));
    s.push_str(&env.ok(&["memo", "list", "--format", "csv"]));
    s
}

#[test]
fn every_demo_sheet_applies_unedited_as_a_no_op() {
    let env = TestEnv::empty();
    env.ok(&["-q", "demo", "d"]);
    let project = env.path().join("d/demo.tana");
    let p = project.to_str().unwrap();
    let counts = || {
        let mut s = env.ok(&[
            "--project",
            p,
            "freq",
            "--measure",
            "words",
            "--format",
            "csv",
        ]);
        s.push_str(&env.ok(&["--project", p, "log", "--format", "csv"]));
        s
    };
    let before = counts();
    let names = env.ok(&["--project", p, "transcripts", "--format", "csv"]);
    let names: Vec<&str> = names
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(names.len(), 17);
    for name in names {
        let sheet = format!("{name}.md");
        env.ok(&[
            "--project",
            p,
            "--coder",
            "demo",
            "sheet",
            name,
            "-o",
            &sheet,
        ]);
        let out = env.run(&["--project", p, "--coder", "demo", "sheet", "apply", &sheet]);
        assert!(
            out.contains("the sheet matches the project; nothing to change"),
            "{name}: {out}"
        );
    }
    assert_eq!(before, counts());
}

/// A project whose codings start on a speaker label, cross segments, and quote text with
/// semicolons, quotation marks and line breaks.
fn awkward() -> TestEnv {
    let env = TestEnv::new();
    env.write(
        "P01.txt",
        "Interviewer: Targets?\n\nP1: We said \"net zero\"; nobody knew what it meant.\nIt was a slogan.\n\nInterviewer: Why?\n\nP1: Yes; no; maybe.\n",
    );
    env.ok(&["import", "P01.txt"]);
    env.write("t.md", "- Targets\n- Slogans\n- Doubt\n");
    env.ok(&["template", "import", "t.md"]);
    // From the label of turn 2 into its text.
    env.ok(&["code", "P01", "--span", "23:40", "Targets"]);
    // Across turns 2 and 3.
    env.ok(&["code", "P01", "--span", "60:108", "Doubt"]);
    // Quotes with a semicolon, with quotation marks, across a line break.
    env.ok(&["code", "P01", "--quote", "Yes; no", "Slogans"]);
    env.ok(&["code", "P01", "--quote", "\"net zero\"; nobody", "Slogans"]);
    env.ok(&["code", "P01", "--quote", "meant. It was", "Targets"]);
    env
}

#[test]
fn every_coding_is_on_the_sheet_and_an_unedited_sheet_changes_nothing() {
    let env = awkward();
    let sheet = env.ok(&["sheet", "P01"]);
    assert_snapshot!(sheet.split("## Segments").nth(1).unwrap(), @r#"


    ### 1 · Interviewer

    > Targets?

    codes:

    ### 2 · P1

    > We said "net zero"; nobody knew what it meant.
    > It was a slogan.

    codes: 1 {#1} "meant. It was"; 1 {#1} @23:40; 2 {#2} @35:53; 3 {#3} @60:108

    ### 3 · Interviewer

    > Why?

    codes:

    ### 4 · P1

    > Yes; no; maybe.

    codes: 2 {#2} "Yes; no"

    <!-- end of coding sheet: P01, 4 segments -->
    "#);
    env.write("P01.md", &sheet);
    let before = state(&env);
    assert_snapshot!(env.run(&["sheet", "apply", "P01.md"]), @"
    exit: 0
    --- stdout
    --- stderr
    P01: the sheet matches the project; nothing to change
    ");
    assert_eq!(before, state(&env));
    // Removing the label coding from the sheet removes exactly it, archived and undoable.
    env.write("P01.md", sheet.replace("1 {#1} @23:40; ", ""));
    assert_snapshot!(env.run(&["sheet", "apply", "P01.md"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    - P01:2 1 Targets "P1: We said "net"
    P01: 0 coding(s) added, 1 removed, 0 memo(s) added
    "#);
    env.ok(&["undo"]);
    assert_eq!(before.lines().count() + 2, state(&env).lines().count());
    assert_eq!(env.dump(), before.split("change,").next().unwrap());
}

#[test]
fn a_cut_or_headless_sheet_is_refused_and_never_read_as_remove_everything() {
    let env = awkward();
    let sheet = env.ok(&["sheet", "P01"]);
    let before = state(&env);
    // No "## Segments" line.
    env.write("a.md", sheet.replace("## Segments\n", ""));
    assert_snapshot!(env.fails(&["sheet", "apply", "a.md"], 1), @r###"
    error: a.md: the sheet for P01 has 1 problem(s); nothing was changed:
      the "## Segments" line is missing (the sheet has 45 lines); without it no segment can be read
    hint: fix the lines named, or write a fresh sheet with "tana sheet"
    "###);
    // Cut at a segment boundary.
    let cut: String = sheet.split("### 3").next().unwrap().to_string();
    env.write("b.md", &cut);
    assert_snapshot!(env.fails(&["sheet", "apply", "b.md"], 1), @r#"
    error: b.md: the sheet for P01 has 1 problem(s); nothing was changed:
      segment(s) 3-4 of 4 are missing from the sheet (it ends at line 33); was it cut short? A sheet must keep every segment
    hint: fix the lines named, or write a fresh sheet with "tana sheet"
    "#);
    // Cut inside a segment, before its codes: line.
    let cut: String = sheet
        .split("codes: 2 {#2} \"Yes")
        .next()
        .unwrap()
        .to_string();
    env.write("c.md", &cut);
    assert_snapshot!(env.fails(&["sheet", "apply", "c.md"], 1), @r#"
    error: c.md: the sheet for P01 has 1 problem(s); nothing was changed:
      line 40: segment 4 has no codes: line (was the sheet cut, or the line deleted?); write "codes:" with nothing after it to remove every code
    hint: fix the lines named, or write a fresh sheet with "tana sheet"
    "#);
    // No header.
    env.write("d.md", sheet.lines().skip(1).collect::<Vec<_>>().join("\n"));
    assert_snapshot!(env.fails(&["sheet", "apply", "d.md"], 1), @r#"
    error: d.md: this is not a tana coding sheet: its header line ("<!-- tana coding sheet: NAME -->") is missing
    hint: make one with "tana sheet TRANSCRIPT -o FILE"; nothing was changed
    "#);
    // An end line for another transcript.
    env.write("e.md", sheet.replace("P01, 4 segments", "P01, 5 segments"));
    assert!(env
        .fails(&["sheet", "apply", "e.md"], 1)
        .contains("the end line is for P01 with 5 segments, but P01 has 4"));
    assert_eq!(before, state(&env));
}

#[test]
fn a_sheet_naming_a_theme_merged_since_is_refused_with_the_line() {
    let env = awkward();
    env.ok(&["sheet", "P01", "-o", "P01.md"]);
    env.ok(&["theme", "merge", "Slogans", "--into", "Doubt"]);
    env.ok(&["theme", "add", "Later"]);
    let before = state(&env);
    assert_snapshot!(env.fails(&["sheet", "apply", "P01.md"], 1), @r#"
    error: P01.md: the sheet for P01 has 2 problem(s); nothing was changed:
      line 32: 2 {#2} names theme "Slogans", which was merged into another in revision 8 after this sheet was made; write a fresh sheet with "tana sheet", or name the theme it should be now without the {#id} tag
      line 44: 2 {#2} names theme "Slogans", which was merged into another in revision 8 after this sheet was made; write a fresh sheet with "tana sheet", or name the theme it should be now without the {#id} tag
    hint: fix the lines named, or write a fresh sheet with "tana sheet"
    "#);
    assert_eq!(before, state(&env));
}

#[test]
fn every_change_joins_the_log_and_undo_walks_it_back_exactly() {
    let env = TestEnv::coded();
    let start = state(&env);
    env.ok(&["code", "P01", "3", "Training"]);
    env.ok(&["uncode", "P02", "2", "Concrete targets"]);
    env.write(
        "more.csv",
        "transcript,theme,segment\nP03,Trust,4\nP02,Customers,1\n",
    );
    env.ok(&["code", "--from", "more.csv"]);
    env.ok(&["sheet", "P01", "-o", "P01.md"]);
    let sheet = env.read("P01.md").replace("codes: 1.2 {#5}\n", "codes:\n");
    env.write("P01.md", sheet);
    env.ok(&["sheet", "apply", "P01.md"]);
    env.ok(&["autocode", "Trust", "--search", "slogans", "--apply"]);
    env.write(
        "P03.txt",
        "Interviewer: Tell me about your customers.\n\nP3: They send us questionnaires about CO₂ every quarter 🌱. Zoë handles them.\n\nInterviewer: Anything else at all?\n\nP3: No.\n",
    );
    env.ok(&["import", "P03.txt", "--replace"]);
    env.ok(&["memo", "add", "P01:2", "slogans again"]);
    env.ok(&["attr", "set", "P01", "role=lead"]);
    env.ok(&["theme", "rename", "Trust", "Credibility"]);
    let log = env.ok(&["log"]);
    assert_snapshot!(log, @r#"
     change   date                   coder    kind       what                                                                                          rows                                                              undone by
    ───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
         13   2026-03-01T09:00:00Z   tester   template   renamed 3 Trust to "Credibility"                                                              themes: 1 changed
         12   2026-03-01T09:00:00Z   tester   project    attr set P01 role=lead                                                                        attributes: 1 changed
         11   2026-03-01T09:00:00Z   tester   project    memo 1 on P01:2                                                                               memos: 1 added
         10   2026-03-01T09:00:00Z   tester   project    import 1 transcript(s) (1 replaced): P03                                                      codings: 1 changed; segments: 4 changed; transcripts: 1 changed
          9   2026-03-01T09:00:00Z   tester   coding     autocode 3 Trust --search slogans (batch 1): 1 segment(s) coded                               autocode batches: 1 added; codings: 1 added
          8   2026-03-01T09:00:00Z   tester   coding     sheet apply P01: 0 coding(s) added, 2 removed, 0 memo(s) added                                codings: 2 removed; archived codings: 2 added
          7   2026-03-01T09:00:00Z   tester   coding     code --from more.csv: 2 row(s) in 2 transcript(s)                                             codings: 2 added
          6   2026-03-01T09:00:00Z   tester   coding     uncode P02 segment 2 from 1.1.2 Concrete targets                                              codings: 1 removed; archived codings: 1 added
          5   2026-03-01T09:00:00Z   tester   coding     code P01 segment 3 with 1.2 Training                                                          codings: 1 added
          4   2026-03-01T09:00:00Z   tester   coding     code --from c.csv: 6 row(s) in 3 transcript(s)                                                codings: 6 added
          3   2026-03-01T09:00:00Z   tester   template   add Awareness gap, Awareness gap/Knowing the targets and 5 more — imported from template.md   themes: 7 added
          2   2026-03-01T09:00:00Z   tester   project    attr import participants.csv: 6 value(s) on 3 transcript(s)                                   attributes: 6 added
          1   2026-03-01T09:00:00Z   tester   project    import 3 transcript(s): P01, P02, P03                                                         segments: 12 added; transcripts: 3 added
    "#);
    for _ in 5..=13 {
        env.ok(&["undo"]);
    }
    let back = state(&env);
    assert_eq!(start.split("change,").next(), back.split("change,").next());
    assert_snapshot!(env.fails(&["undo", "3"], 1), @r#"
    error: cannot undo change 3: change 4 (code --from c.csv: 6 row(s) in 3 transcript(s), by tester) depends on what it made (codings row 1)
    hint: undo change 4 first ("tana undo 4"), or change the project again instead
    "#);
}

#[test]
fn undo_of_an_older_change_names_the_change_that_depends_on_it() {
    let env = TestEnv::coded();
    env.ok(&["code", "P01", "3", "Training"]);
    env.ok(&["code", "P01", "3", "Trust"]);
    env.ok(&["code", "P01", "3-4", "Training"]);
    // Change 5 (segment 3 with Training) was joined with segment 4 by change 7.
    assert_snapshot!(env.fails(&["undo", "5"], 1), @r#"
    error: cannot undo change 5: change 7 (code P01 segments 3-4 with 1.2 Training, by tester) changed the same rows since
    hint: undo change 7 first ("tana undo 7"), or change the project again instead
    "#);
    // Change 6 stands alone and can be undone out of order.
    env.ok(&["undo", "6"]);
    assert_snapshot!(env.fails(&["undo", "6"], 1), @"error: change 6 was already undone by change 8");
}

#[test]
fn a_command_that_changes_nothing_writes_nothing() {
    let env = TestEnv::coded();
    let before = state(&env);
    let bytes = std::fs::read(env.path().join("study.tana")).unwrap();
    // Already coded by this coder; then a coder the project has never seen changes nothing.
    env.ok(&["code", "P02", "4", "Trust"]);
    env.ok(&["--coder", "newcomer", "attr", "set", "P01", "role=manager"]);
    env.ok(&["--coder", "newcomer", "config", "require-rationale", "off"]);
    env.ok(&["sheet", "P02", "-o", "P02.md"]);
    env.ok(&["--coder", "newcomer", "sheet", "apply", "P02.md"]);
    assert_eq!(before, state(&env));
    assert!(!state(&env).contains("newcomer"));
    assert_eq!(bytes, std::fs::read(env.path().join("study.tana")).unwrap());
}

#[test]
fn backup_makes_a_verified_copy_and_check_finds_damage() {
    let env = TestEnv::coded();
    std::fs::create_dir(env.path().join("backups")).unwrap();
    assert_snapshot!(env.run(&["backup", "backups/copy.tana"]), @"
    exit: 0
    --- stdout
    --- stderr
    backed up $TMP/study.tana to backups/copy.tana: 3 transcript(s), 7 theme(s), 6 coding(s), 4 change(s) in the log; 0.3 MB, verified
    ");
    assert_snapshot!(env.fails(&["backup", "backups/copy.tana"], 1), @"
    error: backups/copy.tana exists
    hint: choose another name, or add --force to replace it
    ");
    let copy = env.path().join("backups/copy.tana");
    let copy = copy.to_str().unwrap();
    assert!(!env.path().join("backups/copy.tana-wal").exists());
    let reports = |p: &str| {
        ["transcripts", "template", "codebook", "freq", "log"]
            .iter()
            .map(|c| env.ok(&["--project", p, c, "--format", "csv"]))
            .collect::<String>()
    };
    assert_eq!(reports("study.tana"), reports(copy));
    assert_snapshot!(env.run(&["--project", copy, "check"]).replace(copy, "COPY"), @"
    exit: 0
    --- stdout
     check                                             result   what to do
    ───────────────────────────────────────────────────────────────────────
     SQLite integrity                                  ok
     references between rows                           ok
     search index                                      ok
     transcript lengths                                ok
     segments tile their transcript                    ok
     codings inside their text                         ok
     codings on live themes                            ok
     one coder's codings of one theme do not overlap   ok
     the change log                                    ok
    --- stderr
    $TMP/backups/copy.tana: every check passed
    ");
    // Damage pages in the middle of the copy.
    let mut bytes = std::fs::read(copy).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n / 2..n / 2 + 8192] {
        *b = 0x13;
    }
    std::fs::write(copy, &bytes).unwrap();
    let out = env.run(&["--project", copy, "check"]);
    assert!(out.starts_with("exit: 1"), "{out}");
    assert!(out.contains("problem(s)"), "{out}");
    // A file cut short is damaged, not "not a tana project".
    std::fs::write(copy, &bytes[..n / 3]).unwrap();
    let err = env.fails(&["--project", copy, "freq"], 1);
    assert!(err.contains("copy.tana is damaged"), "{err}");
    assert!(err.contains("tana backup"), "{err}");
    env.write("notes.txt", "just some notes\n");
    assert_snapshot!(env.fails(&["--project", "notes.txt", "freq"], 1), @r#"
    error: notes.txt is not a tana project
    hint: tana projects are made with "tana init FILE.tana"
    "#);
}

#[test]
fn a_write_waits_for_another_writer_and_says_so_when_it_cannot() {
    let env = TestEnv::coded();
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let before = env.ok(&["freq", "--format", "csv"]);
    assert_snapshot!(env.fails(&["--wait", "0.2", "code", "P01", "3", "Trust"], 1), @"
    error: $TMP/study.tana is busy: another tana is writing to it, and did not finish in time
    hint: nothing was changed; try again, or wait longer with --wait SECONDS
    ");
    conn.execute_batch("ROLLBACK").unwrap();
    env.ok(&["--wait", "0.2", "code", "P01", "3", "Trust"]);
    assert_ne!(before, env.ok(&["freq", "--format", "csv"]));
}

#[test]
fn a_full_disk_is_an_error_and_the_project_stays_as_it_was() {
    let env = TestEnv::coded();
    let words: String = (0..40_000).map(|i| format!("word{i} ")).collect();
    env.write("big.txt", format!("Interviewer: go\n\nP9: {words}\n"));
    let before = state(&env);
    let tana = env!("CARGO_BIN_EXE_tana");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 600; exec \"$TANA_BIN\" import big.txt")
        .current_dir(env.path())
        .env("TANA_BIN", tana)
        .env("TANA_CODER", "tester")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the disk is full or the file is too large")
    );
    assert_eq!(before, state(&env));
}
