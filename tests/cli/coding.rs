use crate::TestEnv;
use insta::assert_snapshot;

fn quotes_csv(env: &TestEnv, theme: &str) -> String {
    env.ok(&["quotes", theme, "--format", "csv"])
}

#[test]
fn code_a_segment_range_and_sentence() {
    let env = TestEnv::study();
    assert_snapshot!(env.run(&["code", "P01", "2", "1.1.1", "Trust"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    coded P01 segment 2 with 1.1.1 Vague targets
    coded P01 segment 2 with 3 Trust
      "Honestly, nobody could tell me the target. It is all slogans."
    "#);
    env.ok(&["code", "P02", "2-4", "Trust"]);
    assert_snapshot!(env.run(&["code", "P01", "4.2", "Training"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    coded P01 sentence 4.2 with 1.2 Training
      "I think it was about recycling."
    "#);
    assert_snapshot!(quotes_csv(&env, "Trust"), @r#"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P01,2,P1,3,Trust,40,101,"Honestly, nobody could tell me the target. It is all slogans.",
    P02,2,P2,3,Trust,40,200,"Net zero by 2040, and 60% recycled content by 2028.

    It is on every slide.

    Interviewer: Do you trust it?

    P2: Mostly. The CEO repeats it, and the CEO means it.",
    "#);
    assert_snapshot!(env.ok(&["show", "P01"]), @r"
       1  Interviewer: What are the targets?
       2  P1: Honestly, nobody could tell me the target. It is all slogans.  [1.1.1, 3]
       3  Interviewer: And training?
       4  P1: We had one e-learning module. I think it was about recycling. The module was fine.  [1.2~]
    ");
    assert_snapshot!(env.ok(&["show", "P01", "--segments", "4", "--sentences"]), @r"
       4  P1:   [1.2~]
         4.1  We had one e-learning module.
         4.2  I think it was about recycling.
         4.3  The module was fine.
    ");
}

#[test]
fn code_by_quote_folds_whitespace_and_case() {
    let env = TestEnv::study();
    env.ok(&[
        "code",
        "P02",
        "--quote",
        "Net zero   by\n2040",
        "Concrete targets",
        "--memo",
        "a figure",
    ]);
    let err = env.fails(
        &["code", "P02", "--quote", "NET ZERO by 2040", "Concrete"],
        1,
    );
    assert!(
        err.contains("hint: it matches if case is ignored: add --ignore-case"),
        "{err}"
    );
    env.ok(&[
        "code",
        "P02",
        "--quote",
        "every SLIDE",
        "-i",
        "Concrete targets",
    ]);
    assert_snapshot!(quotes_csv(&env, "Concrete targets"), @"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P02,2,P2,1.1.2,Concrete targets,40,56,Net zero by 2040,a figure
    P02,2,P2,1.1.2,Concrete targets,102,113,every slide,
    ");
}

#[test]
fn ambiguous_and_missing_quotes_show_candidates() {
    let env = TestEnv::study();
    assert_snapshot!(env.run(&["code", "P02", "--quote", "the CEO", "-i", "Trust"]), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: quote "the CEO" is ambiguous: it occurs 2 times in P02:
      1. segment 4 at 159:166
      2. segment 4 at 183:190
    hint: pick one with --occurrence N, or quote more words
    "#);
    env.ok(&[
        "code",
        "P02",
        "--quote",
        "the CEO",
        "-i",
        "--occurrence",
        "2",
        "Trust",
    ]);
    assert!(quotes_csv(&env, "Trust").contains("P02,4,P2,3,Trust,183,190,the CEO,"));
    assert_snapshot!(env.fails(&["code", "P02", "--quote", "Mostly. The board repeats it", "Trust"], 1), @r#"
    error: quote "Mostly. The board repeats it" is not in P02
    hint: check the wording against "tana show P02"; whitespace and line breaks do not matter
    "#);
    env.fails(
        &[
            "code",
            "P02",
            "--quote",
            "the CEO",
            "-i",
            "--occurrence",
            "3",
            "Trust",
        ],
        1,
    );
}

#[test]
fn code_by_span_uses_code_points() {
    let env = TestEnv::study();
    // P03 segment 2 contains "CO₂" and an emoji; spans count code points, not bytes.
    env.ok(&["code", "P03", "--quote", "🌱. Zoë", "Customers"]);
    assert!(quotes_csv(&env, "Customers").contains(",Customers,100,106,🌱. Zoë,"));
    env.ok(&["code", "P03", "--span", "100:101", "Trust"]);
    assert!(quotes_csv(&env, "Trust").contains(",100,101,🌱,"));
    assert_snapshot!(env.fails(&["code", "P03", "--span", "5:99999", "Trust"], 1), @"error: span 5:99999 is not inside P03 (valid spans run within 0:159 with start < end)");
    env.fails(&["code", "P03", "--span", "nonsense", "Trust"], 2);
}

#[test]
fn overlapping_codings_of_one_theme_are_joined() {
    let env = TestEnv::study();
    env.ok(&[
        "code",
        "P01",
        "--quote",
        "nobody could tell me",
        "Vague targets",
    ]);
    assert_snapshot!(env.run(&["code", "P01", "--quote", "tell me the target", "Vague targets"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    coded P01 quote "tell me the target" with 1.1.1 Vague targets (joined with 1 overlapping coding(s) of that theme)
      "tell me the target"
    "#);
    assert_snapshot!(env.run(&["code", "P01", "--quote", "could tell", "Vague targets"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    P01 quote "could tell" was already coded with 1.1.1 Vague targets
      "could tell"
    "#);
    assert_snapshot!(quotes_csv(&env, "Vague targets"), @"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P01,2,P1,1.1.1,Vague targets,50,81,nobody could tell me the target,
    ");
}

#[test]
fn uncode_removes_or_trims_codings() {
    let env = TestEnv::study();
    env.ok(&["code", "P01", "2", "Vague targets", "Trust"]);
    env.ok(&[
        "uncode",
        "P01",
        "--quote",
        "It is all slogans.",
        "Vague targets",
    ]);
    assert!(quotes_csv(&env, "Vague targets")
        .contains(",40,83,\"Honestly, nobody could tell me the target. \","));
    assert_snapshot!(env.run(&["uncode", "P01", "2", "Trust"]), @"
    exit: 0
    --- stdout
    --- stderr
    uncoded P01 segment 2 from 3 Trust (1 coding(s) removed or trimmed; removed ones are archived)
    ");
    assert_snapshot!(env.run(&["uncode", "P01", "2", "Trust"]), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: P01 segment 2 is not coded with 3 Trust
    hint: run "tana show P01" to see its codings; nothing was changed
    "#);
}

#[test]
fn unknown_transcript_segment_and_theme_are_clear_errors() {
    let env = TestEnv::study();
    assert_snapshot!(env.fails(&["code", "P1", "2", "Trust"], 1), @r#"
    error: no transcript named "P1" (did you mean "P01"?)
    hint: run "tana transcripts" to list them
    "#);
    assert_snapshot!(env.fails(&["code", "P01", "99", "Trust"], 1), @r#"
    error: P01 has no segment 99 (it has segments 1-4)
    hint: run "tana show P01" to see its segments
    "#);
    assert_snapshot!(env.fails(&["code", "P01", "2", "Trsut"], 1), @r#"
    error: no theme matches "Trsut" (did you mean "3 Trust"?)
    hint: run "tana template" to list themes, or create it with "tana theme add"
    "#);
    env.fails(&["code", "P01", "2"], 2);
    env.fails(&["code", "P01", "4-2", "Trust"], 2);
}

#[test]
fn code_create_makes_missing_themes() {
    let env = TestEnv::study();
    assert_snapshot!(env.run(&["code", "P03", "2", "Customers/Questionnaires", "--create"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    added 2.1 Questionnaires (Customers/Questionnaires)
    coded P03 segment 2 with 2.1 Questionnaires
      "They send us questionnaires about CO₂ every quarter 🌱. Zoë handles th…"
    "#);
}

#[test]
fn codings_record_coder_and_time() {
    let env = TestEnv::study();
    env.ok(&["--coder", "ana", "code", "P01", "2", "Trust"]);
    env.ok(&["code", "P02", "2", "Trust"]);
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT k.name, c.created_at FROM coding c JOIN coder k ON k.id = c.coder_id ORDER BY c.id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            ("ana".to_string(), "2026-03-01T09:00:00Z".to_string()),
            ("tester".to_string(), "2026-03-01T09:00:00Z".to_string())
        ]
    );
}

#[test]
fn code_from_csv_checks_every_row_first() {
    let env = TestEnv::study();
    env.write(
        "bad.csv",
        "quote,theme,transcript,memo\nnobody could tell me the target,Vague targets,P01,\nCEO,Trust,P02,\nnot in the text at all,Trust,P02,\nNo.,Trsut,P03,\nNo.,Trust,P99,\n",
    );
    let before = env.dump();
    assert_snapshot!(env.fails(&["code", "--from", "bad.csv"], 1), @r#"
    error: bad.csv: 4 bad row(s); nothing was coded:
      line 3: quote "CEO" occurs 2 times in P02 (segment 4 at 163:166, segment 4 at 187:190); add an occurrence, quote more words, or use --ambiguous first|all|skip
      line 4: quote "not in the text at all" is not in P02 (check the wording against "tana show P02"; whitespace and line breaks do not matter)
      line 5: no theme matches "Trsut" (did you mean "3 Trust"?)
      line 6: no transcript named "P99" (did you mean "P01"?)
    hint: fix these rows and run the command again
    "#);
    assert_eq!(before, env.dump());
    env.write(
        "good.csv",
        "theme,transcript,segment,quote,span,occurrence,memo,coder\n1.1.1,P01,2,,,,typical,bea\nTrust,P02,,CEO,,2,,\nCustomers,P03,,,100:106,,,\nTrust,P01,2,,,,,\n",
    );
    assert_snapshot!(env.run(&["code", "--from", "good.csv"]), @"
    exit: 0
    --- stdout
    --- stderr
    coded 4 of 4 row(s) in 3 transcript(s): 4 new coding(s), 0 joined with overlapping codings, 0 already coded
    ");
    assert_snapshot!(env.ok(&["freq", "--measure", "codings", "--format", "csv"]), @r"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,1,0,0,1,33.3
    1.1,Knowing the targets,1,0,0,1,33.3
    1.1.1,Vague targets,1,0,0,1,33.3
    1.1.2,Concrete targets,0,0,0,0,0.0
    1.2,Training,0,0,0,0,0.0
    2,Customers,0,0,1,1,33.3
    3,Trust,1,1,0,2,66.7
    ");
    env.write("nolocator.csv", "transcript,theme\nP01,Trust\n");
    assert_snapshot!(env.fails(&["code", "--from", "nolocator.csv"], 1), @r#"error: nolocator.csv, line 1: the header needs a locator column: segment, quote or span"#);
}

#[test]
fn code_from_csv_creates_themes_adds_memos_and_says_what_it_did_with_repeated_quotes() {
    let env = TestEnv::study();
    // "the CEO" occurs twice in P02; "target" occurs in both of P01's answers.
    env.write(
        "batch.csv",
        "transcript,theme,quote,memo\n\
         P02,Trust,CEO,\n\
         P01,Leadership/Slogans,It is all slogans,own memo\n\
         P01,Vague targets,target,\n\
         P02,Trust,Mostly,\n",
    );
    let before = env.dump();
    assert_snapshot!(env.fails(&["code", "--from", "batch.csv"], 1), @r#"
    error: batch.csv: 3 bad row(s); nothing was coded:
      line 2: quote "CEO" occurs 2 times in P02 (segment 4 at 163:166, segment 4 at 187:190); add an occurrence, quote more words, or use --ambiguous first|all|skip
      line 3: no theme matches "Leadership/Slogans" (add --create to create it)
      line 4: quote "target" occurs 2 times in P01 (segment 1 at 26:32, segment 2 at 75:81); add an occurrence, quote more words, or use --ambiguous first|all|skip
    hint: fix these rows and run the command again
    "#);
    assert_eq!(before, env.dump());
    assert_snapshot!(env.fails(&["code", "--from", "batch.csv", "--create"], 1), @r#"
    error: batch.csv: 2 bad row(s); nothing was coded:
      line 2: quote "CEO" occurs 2 times in P02 (segment 4 at 163:166, segment 4 at 187:190); add an occurrence, quote more words, or use --ambiguous first|all|skip
      line 4: quote "target" occurs 2 times in P01 (segment 1 at 26:32, segment 2 at 75:81); add an occurrence, quote more words, or use --ambiguous first|all|skip
    hint: fix these rows and run the command again
    "#);
    assert_eq!(before, env.dump());
    assert_snapshot!(env.run(&["code", "--from", "batch.csv", "--create", "--ambiguous", "skip", "--memo", "first pass"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    added parent 4 Leadership
    added 4.1 Slogans (Leadership/Slogans)
    coded 2 of 4 row(s) in 2 transcript(s): 2 new coding(s), 0 joined with overlapping codings, 0 already coded
    skipped 2 row(s) whose quote occurs more than once (--ambiguous skip):
      line 2: quote "CEO" occurs 2 times in P02 (segment 4 at 163:166, segment 4 at 187:190)
      line 4: quote "target" occurs 2 times in P01 (segment 1 at 26:32, segment 2 at 75:81)
    "#);
    assert_snapshot!(env.ok(&["quotes", "Slogans", "--format", "csv"]), @"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P01,2,P1,4.1,Slogans,83,100,It is all slogans,own memo
    ");
    assert_snapshot!(env.ok(&["quotes", "Trust", "--format", "csv"]), @"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P02,4,P2,3,Trust,151,157,Mostly,first pass
    ");
    // Again, coding every occurrence: the rows coded before are listed as already coded.
    assert_snapshot!(env.run(&["code", "--from", "batch.csv", "--ambiguous", "all"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    coded 4 of 4 row(s) in 2 transcript(s): 4 new coding(s), 0 joined with overlapping codings, 2 already coded
    already coded (2 row(s)): line(s) 3, 5
    2 quote(s) occur more than once (--ambiguous all):
      line 2: quote "CEO" occurs 2 times in P02 (segment 4 at 163:166, segment 4 at 187:190): coded all 2
      line 4: quote "target" occurs 2 times in P01 (segment 1 at 26:32, segment 2 at 75:81): coded all 2
    "#);
    assert_snapshot!(env.ok(&["freq", "--measure", "codings", "--format", "csv"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,2,0,0,1,33.3
    1.1,Knowing the targets,2,0,0,1,33.3
    1.1.1,Vague targets,2,0,0,1,33.3
    1.1.2,Concrete targets,0,0,0,0,0.0
    1.2,Training,0,0,0,0,0.0
    2,Customers,0,0,0,0,0.0
    3,Trust,0,3,0,1,33.3
    4,Leadership,1,0,0,1,33.3
    4.1,Slogans,1,0,0,1,33.3
    ");
    // Undo takes back each batch's codings, then the theme made for them.
    env.ok(&["undo"]);
    env.ok(&["undo"]);
    env.ok(&["undo"]);
    assert_eq!(before, env.dump());
    assert_snapshot!(env.run(&["code", "--from", "batch.csv", "--create", "--ambiguous", "first"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    added parent 4 Leadership
    added 4.1 Slogans (Leadership/Slogans)
    coded 4 of 4 row(s) in 2 transcript(s): 4 new coding(s), 0 joined with overlapping codings, 0 already coded
    2 quote(s) occur more than once (--ambiguous first):
      line 2: quote "CEO" occurs 2 times in P02 (segment 4 at 163:166, segment 4 at 187:190): coded the first
      line 4: quote "target" occurs 2 times in P01 (segment 1 at 26:32, segment 2 at 75:81): coded the first
    "#);
    // --ambiguous belongs to --from.
    assert_snapshot!(env.fails(&["code", "P01", "2", "Trust", "--ambiguous", "all"], 2), @"
    error: --ambiguous works with --from only
    hint: with one quote, pick the match with --occurrence N
    ");
}

#[test]
fn csv_errors_name_the_real_line_even_with_crlf_blank_lines_and_stray_commas() {
    let env = TestEnv::study();
    env.write(
        "win.csv",
        "transcript,theme,quote\r\nP01,Trust,nobody could tell me\r\n\r\nP01,Nope,the target\r\nP02,Trust,Mostly, The CEO repeats it\r\n",
    );
    assert_snapshot!(env.fails(&["code", "--from", "win.csv"], 1), @r#"
    error: win.csv: 2 bad row(s); nothing was coded:
      line 4: no theme matches "Nope" (add --create to create it)
      line 5: 4 fields, but the header has 3 (put double quotes around text that contains a comma)
    hint: fix these rows and run the command again
    "#);
    env.write("semi.csv", "transcript;theme;quote\nP01;Trust;x\n");
    assert_snapshot!(env.fails(&["code", "--from", "semi.csv"], 1), @r#"
    error: semi.csv, line 1: the header has one column "transcript;theme;quote"
    hint: the file looks semicolon- or tab-separated; save it as comma-separated CSV
    "#);
}

#[test]
fn quotes_that_start_on_a_label_belong_to_the_following_turn() {
    let env = TestEnv::study();
    env.ok(&[
        "code",
        "P02",
        "--quote",
        "Interviewer: Do you trust it?",
        "Trust",
    ]);
    let q = quotes_csv(&env, "Trust");
    assert!(q.contains("P02,3,Interviewer,3,Trust,"), "{q}");
}

#[test]
fn a_composed_quote_matches_decomposed_text() {
    let env = TestEnv::new();
    // "café" stored decomposed (e + combining acute); the quote is typed composed.
    env.write("nfd.txt", "A: un cafe\u{301} noir\nB: oui\nA: non\nB: si\n");
    env.ok(&["import", "nfd.txt"]);
    env.ok(&["theme", "add", "Drinks"]);
    env.ok(&["code", "nfd", "--quote", "caf\u{e9} noir", "Drinks"]);
    assert!(env
        .ok(&["quotes", "Drinks", "--format", "csv"])
        .contains(",6,16,cafe\u{301} noir,"));
}
