//! Coding sheets: write, edit, apply.

use crate::TestEnv;
use insta::assert_snapshot;

fn coded() -> TestEnv {
    let env = TestEnv::study();
    env.write(
        "c.csv",
        "transcript,theme,quote,segment\n\
         P01,Vague targets,nobody could tell me the target,\n\
         P01,Training,,4\n\
         P01,Trust,,2\n",
    );
    env.ok(&["code", "--from", "c.csv"]);
    env
}

#[test]
fn a_sheet_round_trip_changes_nothing() {
    let env = coded();
    assert_snapshot!(env.ok(&["sheet", "P01"]).split("## Segments").nth(1).unwrap(), @r#"


    ### 1 · Interviewer

    > What are the targets?

    codes:

    ### 2 · P1

    > Honestly, nobody could tell me the target. It is all slogans.

    codes: 1.1.1 {#3} "nobody could tell me the target"; 3 {#7}

    ### 3 · Interviewer

    > And training?

    codes:

    ### 4 · P1

    > We had one e-learning module. I think it was about recycling. The module was fine.

    codes: 1.2 {#5}

    <!-- end of coding sheet: P01, 4 segments -->
    "#);
    env.ok(&["sheet", "P01", "-o", "P01.md"]);
    let before = env.dump();
    assert_snapshot!(env.run(&["sheet", "apply", "P01.md"]), @"
    exit: 0
    --- stdout
    --- stderr
    P01: the sheet matches the project; nothing to change
    ");
    assert_eq!(before, env.dump());
    assert_snapshot!(env.fails(&["sheet", "P01", "-o", "P01.md"], 1), @r#"
    error: P01.md exists
    hint: add --force to overwrite it, or apply it first with "tana sheet apply"
    "#);
}

#[test]
fn a_sheet_with_every_kind_of_edit() {
    let env = coded();
    env.ok(&["sheet", "P01", "-o", "P01.md"]);
    let sheet = env.read("P01.md");
    let edited = sheet
        // remove a whole-segment code and add another theme to segment 2
        .replace("codes: 1.1.1 {#3} \"nobody could tell me the target\"; 3 {#7}", "codes: 1.1.1 {#3} \"nobody could tell me the target\"; Customers\nmemo: the clearest statement")
        // code part of segment 4 and a new theme with --new-themes
        .replace("codes: 1.2 {#5}", "codes: 1.2 {#5}; Concrete targets \"one e-learning module\"; Customers/E-learning \"I think it was about recycling\"")
        // code segment 3 (the interviewer)
        .replace("### 3 · Interviewer\n\n> And training?\n\ncodes:", "### 3 · Interviewer\n\n> And training?\n\ncodes: 3");
    env.write("P01.md", &edited);
    let before = env.dump();
    assert_snapshot!(env.fails(&["sheet", "apply", "P01.md"], 1), @r#"
    error: P01.md: the sheet for P01 has 1 problem(s); nothing was changed:
      line 48: no theme matches "Customers/E-learning"
    hint: fix the lines named, or write a fresh sheet with "tana sheet"
    "#);
    assert_eq!(before, env.dump());
    assert_snapshot!(env.run(&["sheet", "apply", "P01.md", "--new-themes"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    + theme Customers/E-learning
    - P01:2 3 Trust "Honestly, nobody could tell me the targ…"
    + P01:4 1.1.2 Concrete targets "one e-learning module"
    + P01:2 2 Customers
    + P01:3 3 Trust
    + P01:4 2.1 E-learning "I think it was about recycling"
    + memo P01:2 the clearest statement
    P01: 4 coding(s) added, 1 removed, 1 memo(s) added
    "#);
    assert_snapshot!(env.ok(&["show", "P01"]), @"
    1  Interviewer: What are the targets?
    2  P1: Honestly, nobody could tell me the target. It is all slogans.  [1.1.1~, 2]
    3  Interviewer: And training?  [3]
    4  P1: We had one e-learning module. I think it was about recycling. The module was fine.  [1.1.2~, 1.2, 2.1~]
    ");
    assert_snapshot!(env.ok(&["memo", "list", "--format", "csv"]), @"
    memo,on,date,coder,text
    1,P01:2,2026-03-01T09:00:00Z,tester,the clearest statement
    ");
}

#[test]
fn a_tampered_sheet_is_refused_with_line_numbers() {
    let env = coded();
    env.ok(&["sheet", "P01", "-o", "P01.md"]);
    let tampered = env
        .read("P01.md")
        .replace("It is all slogans.", "It is all marketing.")
        .replace(
            "codes: 1.2 {#5}",
            "codes: 1.2 {#5}; Nonexistent theme; 1.1.2 \"not in the text\"",
        );
    env.write("P01.md", &tampered);
    let before = env.dump();
    assert_snapshot!(env.fails(&["sheet", "apply", "P01.md"], 1), @r#"
    error: P01.md: the sheet for P01 has 3 problem(s); nothing was changed:
      line 33: the text of segment 2 differs from the transcript; only codes: and memo: lines may be edited
      line 47: no theme matches "Nonexistent theme"
      line 47: "not in the text" is not in segment 4
    hint: fix the lines named, or write a fresh sheet with "tana sheet"
    "#);
    assert_eq!(before, env.dump());
    env.write("other.md", "# Not a sheet\n");
    env.fails(&["sheet", "apply", "other.md"], 1);
}

#[test]
fn a_sheet_made_before_a_rename_and_a_move_still_applies() {
    let env = coded();
    env.ok(&["sheet", "P01", "-o", "P01.md"]);
    env.ok(&["theme", "rename", "Vague targets", "Symbolic targets"]);
    env.ok(&["theme", "move", "Symbolic targets", "--top"]);
    let edited = env
        .read("P01.md")
        .replace("codes: 1.2 {#5}", "codes: 1.2 {#5}; 1.1.1 {#3}");
    env.write("P01.md", &edited);
    assert_snapshot!(env.run(&["sheet", "apply", "P01.md"]), @"
    exit: 0
    --- stdout
    --- stderr
    + P01:4 4 Symbolic targets
    P01: 1 coding(s) added, 0 removed, 0 memo(s) added
    ");
}

#[test]
fn other_coders_codes_are_marked_and_left_alone() {
    let env = coded();
    env.ok(&["--coder", "bea", "code", "P01", "4", "Customers"]);
    let sheet = env.ok(&["sheet", "P01"]);
    assert!(sheet.contains("codes: 1.2 {#5}; 2 {#6} @bea"), "{sheet}");
    env.write("P01.md", sheet.replace("; 2 {#6} @bea", ""));
    assert_snapshot!(env.run(&["sheet", "apply", "P01.md"]), @"
    exit: 0
    --- stdout
    --- stderr
    P01: the sheet matches the project; nothing to change
    ");
    assert!(env.ok(&["show", "P01"]).contains("2@bea"));
}

#[test]
fn a_sheet_saved_with_windows_line_ends_applies_and_a_broken_file_is_refused() {
    let env = coded();
    env.ok(&["sheet", "P01", "-o", "P01.md"]);
    let sheet = env
        .read("P01.md")
        .replace("codes: 1.2 {#5}", "codes: 1.2 {#5}; 3");
    env.write("P01.md", format!("\u{feff}{}", sheet.replace('\n', "\r\n")));
    assert_snapshot!(env.run(&["sheet", "apply", "P01.md"]), @"
    exit: 0
    --- stdout
    --- stderr
    + P01:4 3 Trust
    P01: 1 coding(s) added, 0 removed, 0 memo(s) added
    ");
    let before = env.dump();
    env.write("bin.md", b"<!-- tana coding sheet: P01 -->\n\xff\nx\0y\n");
    assert_snapshot!(env.fails(&["sheet", "apply", "bin.md"], 1), @"error: bin.md: not a text file (NUL byte at byte position 35)");
    env.write("bad.md", b"<!-- tana coding sheet: P01 -->\n\xff\n");
    assert_snapshot!(env.fails(&["sheet", "apply", "bad.md"], 1), @"error: bad.md: not valid UTF-8 (invalid byte at byte position 32)");
    env.write("empty.md", " \n\n");
    assert_snapshot!(env.fails(&["sheet", "apply", "empty.md"], 1), @"error: empty.md: the file is empty (or holds only whitespace)");
    assert_eq!(before, env.dump());
}
