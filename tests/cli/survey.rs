//! Open-ended survey answers: `tana import answers.csv --survey` makes one transcript per
//! respondent, one segment per answer with its question as the speaker, and participant
//! attributes from the other columns.

use insta::assert_snapshot;

use crate::TestEnv;

/// Long format: one row per answer, rows of a respondent not together, blank answers, a
/// respondent who answered nothing, and a site left blank on one of two rows.
const LONG: &str = "respondent,question,answer,role,site
R017,What does sustainability mean in your team?,\"Mostly the recycling targets, and the posters by the lifts.\",employee,Leeds
R023,What does sustainability mean in your team?,Cutting CO₂ per shipment; we see the dashboard every week.,manager,Porto
R017,Who tells you about the targets?,My manager mentions them in the Monday huddle.,employee,Leeds
R023,Who tells you about the targets?,  ,manager,Porto
R031,What does sustainability mean in your team?,Honestly I could not say. Zoë in HR might know.,sustainability lead,Leeds
R031,Who tells you about the targets?,\"The sustainability lead, which is me.\",sustainability lead,
R040,What does sustainability mean in your team?,,employee,Porto
";

const LONG_ARGS: &[&str] = &[
    "import",
    "answers.csv",
    "--survey",
    "--id",
    "respondent",
    "--question",
    "question",
    "--text",
    "answer",
    "--attr-columns",
    "role,site",
];

fn long_survey() -> TestEnv {
    let env = TestEnv::new();
    env.write("answers.csv", LONG);
    env.ok(LONG_ARGS);
    env
}

#[test]
fn survey_long_format_makes_a_transcript_per_respondent_with_questions_as_speakers() {
    let env = TestEnv::new();
    env.write("answers.csv", LONG);
    assert_snapshot!(env.run(LONG_ARGS), @r"
    exit: 0
    --- stdout
    --- stderr
    imported answers.csv: 3 respondents, 5 answers, 45 words (2 blank skipped), 2 questions, attributes: role, site
    answers per question: What does sustainability mean in your team? (3), Who tells you about the targets? (2)
    1 respondent gave only blank answers, so no transcript
    ");
    assert_snapshot!(env.ok(&["show", "R017"]), @r"
       1  What does sustainability mean in your team?: Mostly the recycling targets, and the posters by the lifts.
       2  Who tells you about the targets?: My manager mentions them in the Monday huddle.
    ");
    assert_snapshot!(env.ok(&["show", "R031"]), @r"
       1  What does sustainability mean in your team?: Honestly I could not say. Zoë in HR might know.
       2  Who tells you about the targets?: The sustainability lead, which is me.
    ");
    assert_snapshot!(env.ok(&["transcripts"]), @r"
     transcript   speakers   segments   words   codings   coded   reviewed   role                  site
    ─────────────────────────────────────────────────────────────────────────────────────────────────────
     R017                2          2      18         0   0%                 employee              Leeds
     R023                1          1      11         0   0%                 manager               Porto
     R031                2          2      16         0   0%                 sustainability lead   Leeds
    ");
    // The answers are searchable like any segment, with their question as the speaker.
    assert_snapshot!(env.run(&["search", "dashboard"]), @r"
    exit: 0
    --- stdout
     transcript   segment   speaker                                       in context                                                     themes
    ────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
     R023               1   What does sustainability mean in your team?   Cutting CO₂ per shipment; we see the [dashboard] every week.
    --- stderr
    1 segment(s) match; showing 1-1
    ");
}

#[test]
fn survey_wide_format_reads_each_text_column_as_a_question() {
    let env = TestEnv::new();
    // A question with a comma in it is still one column; every other column is an attribute.
    env.write(
        "wide.csv",
        "id,site,role,What does sustainability mean in your team?,\"Who tells you about the targets, if anyone?\"\n\
         E01,Lyon,employee,Saving energy in the warehouse at night.,Nobody really.\n\
         E02,Lyon,manager,,The quarterly town hall and the intranet.\n",
    );
    assert_snapshot!(env.run(&[
        "import",
        "wide.csv",
        "--survey",
        "--id",
        "id",
        "--text",
        "What does sustainability mean in your team?",
        "--text",
        "Who tells you about the targets, if anyone?",
        "--attr-columns",
        "all-other",
        "--name",
        "W1-{id}",
        "--attr",
        "wave=1",
    ]), @r"
    exit: 0
    --- stdout
    --- stderr
    imported wide.csv: 2 respondents, 3 answers, 16 words (1 blank skipped), 2 questions, attributes: site, role, wave
    answers per question: What does sustainability mean in your team? (1), Who tells you about the targets, if anyone? (2)
    ");
    assert_snapshot!(env.ok(&["show", "W1-E01"]), @r"
       1  What does sustainability mean in your team?: Saving energy in the warehouse at night.
       2  Who tells you about the targets, if anyone?: Nobody really.
    ");
    assert_snapshot!(env.ok(&["show", "W1-E02"]), @r"
       1  Who tells you about the targets, if anyone?: The quarterly town hall and the intranet.
    ");
    assert_snapshot!(env.ok(&["attr", "list"]), @r"
     transcript   role       site   wave
    ─────────────────────────────────────
     W1-E01       employee   Lyon   1
     W1-E02       manager    Lyon   1
    ");
}

#[test]
fn survey_attribute_conflict_names_both_lines_and_imports_nothing() {
    let env = TestEnv::new();
    env.write(
        "answers.csv",
        "respondent,question,answer,role,site\n\
         R101,Q1,We sort the cardboard.,employee,Brno\n\
         R102,Q1,I approve the travel budget.,manager,Brno\n\
         R101,Q2,Nobody asked me before.,manager,Brno\n\
         R102,Q2,,manager,Tilburg\n",
    );
    let before = env.dump();
    assert_snapshot!(env.run(&[
        "import", "answers.csv", "--survey", "--id", "respondent", "--question", "question",
        "--text", "answer", "--attr-columns", "all-other",
    ]), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: answers.csv: 2 problems, nothing was imported:
      line 4, column 4 (role): respondent R101 has role "manager" here but "employee" on line 2
      line 5, column 5 (site): respondent R102 has site "Tilburg" here but "Brno" on line 3
    hint: fix these rows and import the file again
    "#);
    assert_eq!(env.dump(), before);
    assert_snapshot!(env.run(&["log"]), @r"
    exit: 0
    --- stdout
    --- stderr
    no changes yet
    ");
}

#[test]
fn survey_missing_columns_are_named_with_the_header_and_a_suggestion() {
    let env = TestEnv::new();
    env.write("answers.csv", LONG);
    assert_snapshot!(env.fails(&[
        "import", "answers.csv", "--survey", "--id", "respondent", "--question", "questions",
        "--text", "answers", "--attr-columns", "role,department",
    ], 1), @r#"
    error: answers.csv, line 1: the header has no column "answers" (--text) or "questions" (--question) or "department" (--attr-columns); its columns are: respondent, question, answer, role, site
    hint: did you mean "answer" for --text and "question" for --question? --id, --text, --question and --attr-columns name columns of the first row
    "#);
    // The parts of a command line that cannot work together are usage errors (exit 2).
    assert_snapshot!(env.fails(&[
        "import", "answers.csv", "--survey", "--id", "respondent", "--question", "question",
        "--text", "answer,role",
    ], 2), @r"
    error: --question goes with one --text column (long format: one row per answer)
    hint: for one column per question (wide format), leave out --question: each --text column's header is its question
    ");
    assert_snapshot!(env.fails(&[
        "import", "answers.csv", "--survey", "--id", "respondent", "--text", "answer",
        "--attr-columns", "all-other,role",
    ], 2), @r"
    error: --attr-columns all-other takes every other column, so it stands alone
    hint: give either --attr-columns all-other or the columns, e.g. --attr-columns role,site
    ");
    assert_snapshot!(env.fails(&[
        "import", "answers.csv", "--survey", "--id", "respondent", "--text", "answer", "--name", "R",
    ], 2), @r"
    error: --name for survey answers needs {id}, or every respondent would have the same name
    hint: e.g. --name 'R{id}' names respondent 17 R17
    ");
    assert_snapshot!(env.fails(&[
        "import", "answers.csv", "--survey", "--id", "respondent", "--text", "respondent",
    ], 2), @r#"
    error: column "respondent" is given both to --id and to --text
    hint: each column plays one part: the respondent, an answer, the question or an attribute
    "#);
    env.fails(
        &[
            "import",
            "answers.csv",
            "--id",
            "respondent",
            "--text",
            "answer",
        ],
        2,
    );
    env.fails(
        &["import", "answers.csv", "--survey", "--id", "respondent"],
        2,
    );
    assert_snapshot!(env.run(&["log"]), @r"
    exit: 0
    --- stdout
    --- stderr
    no changes yet
    ");
}

#[test]
fn survey_respondents_already_present_are_refused_unless_replaced() {
    let env = long_survey();
    env.write(
        "t.md",
        "- Awareness gap\n  - Vague targets\n- Internal channels\n",
    );
    env.ok(&["template", "import", "t.md"]);
    env.ok(&["code", "R017", "2", "Internal channels"]);
    assert_snapshot!(env.fails(LONG_ARGS, 1), @r"
    error: answers.csv: 3 respondents are already in the project as transcripts: R017, R023, R031
    hint: add --replace to replace their answers (codings are kept where their text is unchanged), or name them apart with --name 'W2-{id}'
    ");
    // A second wave: R017 now answers the first question differently; the coding of the second
    // answer stays on its text, which moved.
    env.write(
        "answers.csv",
        LONG.replace(
            "\"Mostly the recycling targets, and the posters by the lifts.\"",
            "Recycling.",
        ),
    );
    let mut args = LONG_ARGS.to_vec();
    args.push("--replace");
    assert_snapshot!(env.run(&args), @r"
    exit: 0
    --- stdout
    --- stderr
    imported answers.csv: 3 respondents, 5 answers, 36 words (2 blank skipped), 2 questions, attributes: role, site
    answers per question: What does sustainability mean in your team? (3), Who tells you about the targets? (2)
    3 respondents replaced; 1 coding moved with their text
    1 respondent gave only blank answers, so no transcript
    ");
    assert_snapshot!(env.ok(&["show", "R017"]), @r"
       1  What does sustainability mean in your team?: Recycling.
       2  Who tells you about the targets?: My manager mentions them in the Monday huddle.  [2]
    ");
}

#[test]
fn survey_import_is_one_change_that_undo_removes_entirely() {
    let env = TestEnv::new();
    let before = env.dump();
    env.write("answers.csv", LONG);
    env.ok(LONG_ARGS);
    assert_snapshot!(env.ok(&["log", "--format", "csv"]), @r#"
    change,date,coder,kind,what,rows,undone by
    1,2026-03-01T09:00:00Z,tester,project,"import survey answers.csv: 3 respondents, 5 answers",attributes: 6 added; segments: 5 added; transcripts: 3 added,
    "#);
    assert_snapshot!(env.run(&["undo"]), @r"
    exit: 0
    --- stdout
    --- stderr
    undid change 1 (import survey answers.csv: 3 respondents, 5 answers): 14 row change(s) put back
    logged as change 2
    ");
    assert_eq!(env.dump(), before);
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    for table in ["transcript", "segment", "attribute", "search_pending"] {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    drop(conn);
    assert_snapshot!(env.run(&["search", "dashboard"]), @r"
    exit: 0
    --- stdout
    --- stderr
    no matches
    ");
    // Undone, the respondents can be imported again.
    env.ok(LONG_ARGS);
    assert_snapshot!(env.ok(&["transcripts", "--format", "csv"]), @r"
    transcript,speakers,segments,words,codings,coded,reviewed,role,site
    R017,2,2,18,0,0.0,,employee,Leeds
    R023,1,1,11,0,0.0,,manager,Porto
    R031,2,2,16,0,0.0,,sustainability lead,Leeds
    ");
}

#[test]
fn survey_freq_by_attribute_counts_respondents_per_group() {
    let env = long_survey();
    env.write(
        "t.md",
        "- Awareness gap\n  - Vague targets\n  - Concrete targets\n- Internal channels\n",
    );
    env.ok(&["template", "import", "t.md"]);
    env.write(
        "codings.csv",
        "transcript,segment,theme\n\
         R017,1,Vague targets\n\
         R023,1,Concrete targets\n\
         R031,2,Internal channels\n\
         R017,2,Internal channels\n",
    );
    env.ok(&["code", "--from", "codings.csv"]);
    assert_snapshot!(env.ok(&["freq", "--by", "role"]), @r#"
     number   theme                employee (n=1)   manager (n=1)   sustainability lead (n=1)   participants   percent
    ───────────────────────────────────────────────────────────────────────────────────────────────────────────────────
     1        Awareness gap                     1               1                           0   2/3            67%
     1.1        Vague targets                   1               0                           0   1/3            33%
     1.2        Concrete targets                0               1                           0   1/3            33%
     2        Internal channels                 1               0                           1   2/3            67%
    Cells count participants with the theme or any of its sub-themes in each group of "role"; N = 3. Frequency is not importance (King): read counts beside the quotes.
    "#);
    // Quotes say which question each answer was to.
    assert_snapshot!(env.ok(&["quotes", "Internal channels", "--format", "csv"]), @r#"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    R017,2,Who tells you about the targets?,2,Internal channels,140,186,My manager mentions them in the Monday huddle.,
    R031,2,Who tells you about the targets?,2,Internal channels,128,165,"The sustainability lead, which is me.",
    "#);
}
