//! Search, memos, the journal, coders and status.

use crate::TestEnv;
use insta::assert_snapshot;

fn coded() -> TestEnv {
    let env = TestEnv::study();
    env.write(
        "c.csv",
        "transcript,theme,quote,segment\n\
         P01,Vague targets,nobody could tell me the target,\n\
         P02,Concrete targets,,2\n\
         P02,Trust,,4\n",
    );
    env.ok(&["code", "--from", "c.csv"]);
    env
}

#[test]
fn search_finds_words_phrases_and_prefixes_in_context() {
    let env = coded();
    assert_snapshot!(env.run(&["search", "target*"]), @"
    exit: 0
    --- stdout
     transcript   segment   speaker       in context                                                        themes
    ───────────────────────────────────────────────────────────────────────────────────────────────────────────────
     P01                1   Interviewer   What are the [targets]?
     P01                2   P1            Honestly, nobody could tell me the [target]. It is all slogans.   1.1.1
     P02                1   Interviewer   What are the [targets]?
    --- stderr
    3 segment(s) match; showing 1-3
    ");
    assert_snapshot!(env.ok(&["search", "\"the CEO\"", "--context", "3"]), @"
     transcript   segment   speaker   in context                                     themes
    ────────────────────────────────────────────────────────────────────────────────────────
     P02                4   P2        Mostly. [The CEO] repeats it, and… (+1 more)   3
    ");
    assert_snapshot!(env.ok(&["search", "recycl* NOT slide", "--format", "csv"]), @"
    transcript,segment,speaker,start,end,left,hit,right,themes,more
    P01,4,P1,186,195,…e-learning module. I think it was about ,recycling,. The module was fine.,,0
    ");
    assert_snapshot!(env.ok(&["search", "NEAR(CEO means, 3)", "--format", "json"]), @r#"
    {
      "total": 1,
      "hits": [
        {
          "transcript": "P02",
          "segment": 4,
          "speaker": "P2",
          "start": 163,
          "end": 166,
          "left": "Mostly. The ",
          "hit": "CEO",
          "right": " repeats it, and the CEO means it.",
          "themes": [
            "3"
          ],
          "more": 2
        }
      ]
    }
    "#);
}

#[test]
fn search_filters_by_speaker_transcript_and_coding() {
    let env = coded();
    assert_snapshot!(env.ok(&["search", "target*", "--speaker", "interviewer"]), @"
     transcript   segment   speaker       in context                themes
    ───────────────────────────────────────────────────────────────────────
     P01                1   Interviewer   What are the [targets]?
     P02                1   Interviewer   What are the [targets]?
    ");
    assert_snapshot!(env.ok(&["search", "target*", "--uncoded"]), @"
     transcript   segment   speaker       in context                themes
    ───────────────────────────────────────────────────────────────────────
     P01                1   Interviewer   What are the [targets]?
     P02                1   Interviewer   What are the [targets]?
    ");
    assert_snapshot!(env.ok(&["search", "target*", "--theme", "Knowing the targets"]), @"
     transcript   segment   speaker   in context                                                        themes
    ───────────────────────────────────────────────────────────────────────────────────────────────────────────
     P01                2   P1        Honestly, nobody could tell me the [target]. It is all slogans.   1.1.1
    ");
    assert_snapshot!(env.ok(&["search", "target*", "--not-theme", "1", "--transcripts", "P02"]), @"
     transcript   segment   speaker       in context                themes
    ───────────────────────────────────────────────────────────────────────
     P02                1   Interviewer   What are the [targets]?
    ");
    assert_snapshot!(env.ok(&["search", "--regex", r"\d+%", "--format", "csv"]), @r#"
    transcript,segment,speaker,start,end,left,hit,right,themes,more
    P02,2,P2,62,65,"Net zero by 2040, and ",60%, recycled content by 2028. It is on every…,1.1.2,0
    "#);
}

#[test]
fn search_errors_speak_of_the_query() {
    let env = coded();
    assert_snapshot!(env.fails(&["search", "AND target"], 1), @r#"
    error: cannot read the search "AND target": syntax error near "AND"
    hint: search words, "exact phrases", prefix* and NEAR(a b, 5), joined with AND, OR, NOT and parentheses; quote words that contain punctuation, or use --regex
    "#);
    assert_snapshot!(env.fails(&["search", "--regex", "(unclosed"], 1), @"
    error: cannot read the regular expression: regex parse error:
        (unclosed
        ^
    error: unclosed group
    hint: --regex takes Rust regex syntax, e.g. '(?i)net.zero'
    ");
    env.fails(&["search", "x", "--theme", "Nope"], 1);
}

#[test]
fn the_index_follows_import_replace_and_new_transcripts() {
    let env = coded();
    assert!(env.ok(&["search", "zebra"]).is_empty());
    env.write(
        "P04.txt",
        "Interviewer: Animals?\n\nP4: A zebra crossed the depot.\n",
    );
    env.ok(&["import", "P04.txt"]);
    assert!(env
        .ok(&["search", "zebra", "--format", "csv"])
        .contains("P04,2,P4"));
    env.write(
        "P04.txt",
        "Interviewer: Animals?\n\nP4: A giraffe crossed the depot.\n",
    );
    env.ok(&["import", "P04.txt", "--replace"]);
    assert!(env.ok(&["search", "zebra"]).is_empty());
    assert!(env
        .ok(&["search", "giraffe", "--format", "csv"])
        .contains("P04,2,P4"));
}

#[test]
fn memos_and_journal_are_listed_searched_and_exported() {
    let env = coded();
    assert_snapshot!(env.run(&["memo", "add", "P01:2", "Strongest statement of vagueness"]), @"
    exit: 0
    --- stdout
    --- stderr
    memo 1 added on P01:2
    ");
    env.ok(&["memo", "add", "P02", "Very concrete throughout"]);
    env.ok(&[
        "memo",
        "add",
        "theme:Trust",
        "Trust is mostly about leadership",
    ]);
    let coding = rusqlite::Connection::open(env.path().join("study.tana"))
        .unwrap()
        .query_row("SELECT min(id) FROM coding", [], |r| r.get::<_, i64>(0))
        .unwrap();
    env.ok(&["memo", "add", &format!("coding:{coding}"), "Borderline"]);
    env.ok(&[
        "journal",
        "add",
        "I expected more cynicism",
        "--tag",
        "Expectations,bias",
    ]);
    assert_snapshot!(env.ok(&["memo", "list"]), @"
     memo   on               date                   coder    text
    ──────────────────────────────────────────────────────────────────────────────────────────
        1   P01:2            2026-03-01T09:00:00Z   tester   Strongest statement of vagueness
        2   P02              2026-03-01T09:00:00Z   tester   Very concrete throughout
        3   theme 3 Trust    2026-03-01T09:00:00Z   tester   Trust is mostly about leadership
        4   coding 1 (P01)   2026-03-01T09:00:00Z   tester   Borderline
    ");
    assert_snapshot!(env.ok(&["memo", "list", "--on", "P01:2", "--format", "csv"]), @"
    memo,on,date,coder,text
    1,P01:2,2026-03-01T09:00:00Z,tester,Strongest statement of vagueness
    ");
    assert_snapshot!(env.ok(&["journal", "--tag", "bias"]), @"
     entry   date                   coder    tags                text
    ──────────────────────────────────────────────────────────────────────────────────────
         1   2026-03-01T09:00:00Z   tester   bias,expectations   I expected more cynicism
    ");
    assert_snapshot!(env.ok(&["search", "leadership OR cynicism", "--in", "memos"]), @"
     kind      on                        date                   coder    text
    ──────────────────────────────────────────────────────────────────────────────────────────────────────
     journal   tags: bias,expectations   2026-03-01T09:00:00Z   tester   I expected more cynicism
     memo      theme 3 Trust             2026-03-01T09:00:00Z   tester   Trust is mostly about leadership
    ");
    assert!(env
        .ok(&["codebook"])
        .contains("- **Memo:** Trust is mostly about leadership (tester, 2026-03-01T09:00:00Z)"));
    assert!(env.ok(&["template", "history"]).contains("## Reflexive journal\n\n- 2026-03-01T09:00:00Z (tester) [bias,expectations]: I expected more cynicism"));
    assert_snapshot!(env.fails(&["memo", "add", "P01:99", "x"], 1), @r#"
    error: P01 has no segment 99 (it has segments 1-4)
    hint: run "tana show P01" to see its segments
    "#);
    assert_snapshot!(env.fails(&["memo", "add", "coding:9999", "x"], 1), @r#"
    error: no coding has id 9999
    hint: coding ids are listed by "tana quotes THEME --format csv"
    "#);
}

#[test]
fn coders_are_listed_filtered_and_marked() {
    let env = coded();
    env.ok(&["coder", "add", "bea"]);
    env.fails(&["coder", "add", "bea"], 1);
    env.ok(&["--coder", "bea", "code", "P01", "2", "Trust"]);
    assert_snapshot!(env.ok(&["coder", "list"]), @"
     coder    codings   transcripts   memos   revisions   last activity
    ───────────────────────────────────────────────────────────────────────────
     bea            1             1       0           0   2026-03-01T09:00:00Z
     tester         3             2       0           1   2026-03-01T09:00:00Z
    ");
    assert_snapshot!(env.ok(&["--coder", "bea", "freq", "--format", "csv"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,0,0,0,0,0.0
    1.1,Knowing the targets,0,0,0,0,0.0
    1.1.1,Vague targets,0,0,0,0,0.0
    1.1.2,Concrete targets,0,0,0,0,0.0
    1.2,Training,0,0,0,0,0.0
    2,Customers,0,0,0,0,0.0
    3,Trust,1,0,0,1,33.3
    ");
    assert_snapshot!(env.ok(&["show", "P01", "--segments", "2"]), @"   2  P1: Honestly, nobody could tell me the target. It is all slogans.  [1.1.1~, 3@bea]");
    assert_snapshot!(env.ok(&["--coder", "bea", "transcripts", "--format", "csv"]), @"
    transcript,speakers,segments,words,codings,coded,reviewed,role,sector
    P01,2,4,33,1,33.3,,manager,IT
    P02,2,4,33,0,0.0,,lead,logistics
    P03,2,4,20,0,0.0,,sales,IT
    ");
    assert_snapshot!(env.fails(&["--coder", "zed", "freq"], 1), @r#"
    error: no coder named "zed" has worked in this project
    hint: "tana coder list" lists the coders
    "#);
}

#[test]
fn status_is_the_morning_overview() {
    let env = coded();
    env.ok(&["theme", "add", "Customers/Questionnaires"]);
    env.ok(&["memo", "add", "P03", "Short interview"]);
    assert_snapshot!(env.ok(&["status"]), @"
    transcripts: 3 (2 coded, 1 not yet coded)
      codings per transcript: P01 1, P02 2
      not yet coded: P03
    template: 8 themes, last saved as T0; 3 never used: 1.2 Training, 2 Customers, 2.1 Questionnaires
      2 revision(s) since the last saved version (tana template log)
    review: 2 to re-read in 2 transcript(s) (tana review)
    coders:
      tester: 3 codings, last active 2026-03-01T09:00:00Z
    memos: 1; journal entries: 0
    ");
}

#[test]
fn autocode_previews_applies_as_a_batch_and_undoes() {
    let env = coded();
    let before = env.dump();
    assert_snapshot!(env.run(&["autocode", "Customers", "--search", "questionnaire* OR CEO"]), @r#"
    exit: 0
    --- stdout
     transcript   segment   start   end   text                                                                        already coded
    ────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
     P02                4     151   200   Mostly. The CEO repeats it, and the CEO means it.
     P03                2      48   120   They send us questionnaires about CO₂ every quarter 🌱. Zoë handles them.
    --- stderr
    would code 2 segment(s) in 2 transcript(s) with 2 Customers (0 already coded with it); nothing was coded
    add --apply to code them as one batch (undo with "tana autocode undo BATCH")
    "#);
    assert_eq!(before, env.dump());
    assert_snapshot!(env.run(&["autocode", "Customers", "--search", "questionnaire* OR CEO", "--scope", "sentence", "--apply"]), @"
    exit: 0
    --- stdout
    --- stderr
    coded 2 sentence(s) in 2 transcript(s) with 2 Customers as autocode batch 1
    ");
    assert_snapshot!(env.ok(&["quotes", "Customers", "--format", "csv"]), @r#"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P02,4,P2,2,Customers,159,200,"The CEO repeats it, and the CEO means it.",
    P03,2,P3,2,Customers,48,102,They send us questionnaires about CO₂ every quarter 🌱.,
    "#);
    assert_eq!(
        env.ok(&["quotes", "Customers", "--format", "csv", "--no-autocoded"])
            .lines()
            .count(),
        1
    );
    assert_snapshot!(env.ok(&["freq", "--depth", "1", "--format", "csv", "--no-autocoded"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,1,1,0,2,66.7
    2,Customers,0,0,0,0,0.0
    3,Trust,0,1,0,1,33.3
    ");
    assert_snapshot!(env.ok(&["autocode", "list", "--format", "csv"]), @"
    batch,theme,search,scope,codings,remaining,coder,date,undone
    1,2 Customers,questionnaire* OR CEO,sentence,2,2,tester,2026-03-01T09:00:00Z,
    ");
    assert_snapshot!(env.run(&["autocode", "undo", "1"]), @"
    exit: 0
    --- stdout
    --- stderr
    removed 2 coding(s) of autocode batch 1
    ");
    assert_eq!(before, env.dump());
    env.fails(&["autocode", "undo", "1"], 1);
    env.fails(&["autocode", "Customers"], 2);
}

#[test]
fn autocode_by_sentence_codes_only_sentences_that_match_on_their_own() {
    let env = coded();
    assert_snapshot!(env.ok(&["autocode", "Training", "--search", "\"module was fine\"", "--scope", "sentence"]), @"
     transcript   segment   start   end   text                   already coded
    ───────────────────────────────────────────────────────────────────────────
     P01                4     197   217   The module was fine.
    ");
    assert_snapshot!(env.ok(&["autocode", "Training", "--search", "NEAR(module recycling, 10)", "--scope", "sentence"]), @"
     transcript   segment   start   end   text                              already coded
    ──────────────────────────────────────────────────────────────────────────────────────
     P01                4     135   164   We had one e-learning module.
     P01                4     165   196   I think it was about recycling.
     P01                4     197   217   The module was fine.
    ");
    assert_snapshot!(env.ok(&["search", "NEAR(module recycling, 10)", "--format", "csv"]), @"
    transcript,segment,speaker,start,end,left,hit,right,themes,more
    P01,4,P1,157,163,We had one e-learning ,module,. I think it was about recycling. The module…,,2
    ");
}

#[test]
fn search_counts_the_further_hits_in_a_segment() {
    let env = TestEnv::study();
    // P01 segment 4 says "module" twice.
    assert_snapshot!(env.run(&["search", "module"]), @"
    exit: 0
    --- stdout
     transcript   segment   speaker   in context                                                                              themes
    ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
     P01                4   P1        We had one e-learning [module]. I think it was about recycling. The module… (+1 more)
    --- stderr
    1 segment(s) match; showing 1-1
    ");
    let csv = env.ok(&["search", "module", "--format", "csv"]);
    assert!(
        csv.lines().next().unwrap().ends_with(",themes,more"),
        "{csv}"
    );
    assert!(csv.lines().nth(1).unwrap().ends_with(",1"), "{csv}");
}

#[test]
fn search_finds_words_in_scripts_written_without_spaces() {
    let env = TestEnv::new();
    // Cantonese, Japanese and Thai, written for this test: no spaces between words.
    env.write(
        "Z01.txt",
        "訪問員：你點睇公司嘅可持續發展目標？\n\n受訪者：我覺得可持續發展目標好清晰，不過前線同事未必知道可持續發展係乜。\n",
    );
    env.write(
        "Z02.txt",
        "インタビュアー：社内の広報はどうですか。\n\n回答者：社内報で持続可能性の目標を読みました。\n",
    );
    env.write(
        "Z03.txt",
        "ผู้สัมภาษณ์: บริษัทสื่อสารเรื่องความยั่งยืนอย่างไร\n\nผู้ตอบ: ผู้จัดการพูดถึงความยั่งยืนทุกเดือน\n",
    );
    env.ok(&["import", "Z01.txt", "Z02.txt", "Z03.txt"]);
    // A word in the middle of a run of characters is found, as --regex finds it.
    assert_snapshot!(env.run(&["search", "可持續發展"]), @"
    exit: 0
    --- stdout
     transcript   segment   speaker   in context                                        themes
    ───────────────────────────────────────────────────────────────────────────────────────────
     Z01                1   訪問員    你點睇公司嘅[可持續發展]目標？
     Z01                2   受訪者    我覺得[可持續發展]目標好清晰，不過前… (+1 more)
    --- stderr
    2 segment(s) match; showing 1-2
    ");
    assert_eq!(
        env.ok(&["search", "可持續發展", "--format", "csv"]),
        env.ok(&["search", "可持續發展", "--regex", "--format", "csv"])
    );
    assert_snapshot!(env.ok(&["search", "目標", "--format", "csv"]), @"
    transcript,segment,speaker,start,end,left,hit,right,themes,more
    Z01,1,訪問員,15,17,…公司嘅可持續發展,目標,？,,0
    Z01,2,受訪者,32,34,我覺得可持續發展,目標,好清晰，不過前線同…,,0
    Z02,2,回答者,36,38,…報で持続可能性の,目標,を読みました。,,0
    ");
    assert_snapshot!(env.ok(&["search", "持続可能性 AND 社内報", "--format", "csv"]), @"
    transcript,segment,speaker,start,end,left,hit,right,themes,more
    Z02,2,回答者,26,29,,社内報,で持続可能性の目…,,1
    ");
    assert_snapshot!(env.ok(&["search", "\"ความยั่งยืน\"", "--format", "csv"]), @"
    transcript,segment,speaker,start,end,left,hit,right,themes,more
    Z03,1,ผู้สัมภาษณ์,32,43,…อสารเรื่อง,ความยั่งยืน,อย่างไร,,0
    Z03,2,ผู้ตอบ,75,86,…ดการพูดถึง,ความยั่งยืน,ทุกเดือน,,0
    ");
    // Memos in these scripts are found too.
    env.ok(&["memo", "add", "Z01", "前線同事唔知目標"]);
    assert_snapshot!(env.ok(&["search", "--in", "memos", "目標", "--format", "csv"]), @"
    kind,on,date,coder,text
    memo,Z01,2026-03-01T09:00:00Z,tester,前線同事唔知目標
    ");
}
