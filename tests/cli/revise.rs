//! Template revisions: every operation, its log row, its codings, and refusals that write nothing.

use crate::TestEnv;
use insta::assert_snapshot;

/// Every coding as "transcript theme-path start:end", in order.
fn codings(env: &TestEnv) -> String {
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    let mut stmt = conn
        .prepare(
            "WITH RECURSIVE p(id, path) AS (
               SELECT id, name FROM theme WHERE parent_id IS NULL
               UNION ALL SELECT t.id, p.path || '/' || t.name FROM theme t JOIN p ON t.parent_id = p.id)
             SELECT tr.name, p.path, c.start, c.end FROM coding c
             JOIN transcript tr ON tr.id = c.transcript_id JOIN p ON p.id = c.theme_id
             ORDER BY tr.name, c.start, p.path",
        )
        .unwrap();
    let rows: Vec<String> = stmt
        .query_map([], |r| {
            Ok(format!(
                "{} {} {}:{}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.join("\n")
}

/// The last change-log row as "op | rationale | prompted_by | themes".
fn last_log(env: &TestEnv) -> String {
    let log: serde_json::Value =
        serde_json::from_str(&env.ok(&["template", "log", "--format", "json"])).unwrap();
    let r = log.as_array().unwrap().last().unwrap();
    let themes: Vec<String> = r["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["number"].as_str().unwrap_or("?"),
                t["path"].as_str().unwrap_or("?")
            )
        })
        .collect();
    format!(
        "{} | {} | {} | {}",
        r["op"].as_str().unwrap(),
        r["rationale"].as_str().unwrap_or("-"),
        r["prompted_by"].as_str().unwrap_or("-"),
        themes.join("; ")
    )
}

#[test]
fn add_is_logged_saves_t0_and_flags_coded_transcripts() {
    let env = TestEnv::coded();
    assert_snapshot!(env.run(&["theme", "add", "Awareness gap/Peer learning", "--why", "P01 learns from colleagues", "--prompted-by", "P01:4"]), @"
    exit: 0
    --- stdout
    --- stderr
    added 1.3 Peer learning (Awareness gap/Peer learning)
    3 transcript(s) coded earlier flagged for re-reading (tana review)
    logged as revision 5
    ");
    assert_snapshot!(last_log(&env), @"add | P01 learns from colleagues | P01:4 | 1.3 Awareness gap/Peer learning");
    assert_snapshot!(env.ok(&["review", "--format", "csv"]), @"
    entry,transcript,segment,theme,text,to do,reason,revision,status,start,end
    #1,P01,,1.3 Peer learning,,re-read,new theme 1.3 Peer learning: re-read for it,5 (add),open,,
    #2,P02,,1.3 Peer learning,,re-read,new theme 1.3 Peer learning: re-read for it,5 (add),open,,
    #3,P03,,1.3 Peer learning,,re-read,new theme 1.3 Peer learning: re-read for it,5 (add),open,,
    ");
    // T0 holds the a priori themes only.
    assert_snapshot!(env.ok(&["template", "--version", "T0"]), @"
    T0 (2026-03-01T09:00:00Z: a priori themes (saved automatically when the first emergent theme appeared))
    1 Awareness gap
    ");
    env.fails(&["theme", "add", "X", "--prompted-by", "P01:99"], 1);
}

#[test]
fn rename_keeps_every_coding() {
    let env = TestEnv::coded();
    let before = codings(&env);
    assert_snapshot!(env.run(&["theme", "rename", "1.1.1", "Symbolic targets", "--why", "clearer"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    renamed 1.1.1 Vague targets to "Symbolic targets"
    logged as revision 5
    "#);
    assert_eq!(
        before.replace("Vague targets", "Symbolic targets"),
        codings(&env)
    );
    assert_snapshot!(last_log(&env), @"rename | clearer | - | 1.1.1 Awareness gap/Knowing the targets/Vague targets");
    let dump = env.dump();
    assert_snapshot!(env.fails(&["theme", "rename", "1.1.1", "concrete TARGETS"], 1), @r#"
    error: a theme named "Concrete targets" already exists there (1.1.2 Concrete targets)
    hint: sibling themes need different names; rename one first
    "#);
    assert_eq!(dump, env.dump());
}

#[test]
fn redefine_broadens_or_narrows_with_review_entries() {
    let env = TestEnv::coded();
    env.ok(&[
        "theme",
        "redefine",
        "Trust",
        "--definition",
        "Belief, or doubt, in what the company says",
        "--broaden",
    ]);
    env.ok(&[
        "theme",
        "redefine",
        "Concrete targets",
        "--exclude",
        "Targets the participant made up",
        "--narrow",
    ]);
    assert_snapshot!(env.ok(&["review", "--format", "csv"]), @r#"
    entry,transcript,segment,theme,text,to do,reason,revision,status,start,end
    #1,P01,,3 Trust,,re-read,3 Trust broadened: re-read for it,5 (redefine),open,,
    #4,P01,2,1.1.2 Concrete targets,tell me the target. It is all slogans,confirm coding,1.1.2 Concrete targets narrowed: confirm this coding still fits,6 (redefine),open,63,100
    #2,P02,,3 Trust,,re-read,3 Trust broadened: re-read for it,5 (redefine),open,,
    #5,P02,2,1.1.2 Concrete targets,"Net zero by 2040, and 60% recycled content by 2028.

    It is on every slide.",confirm coding,1.1.2 Concrete targets narrowed: confirm this coding still fits,6 (redefine),open,40,114
    #3,P03,,3 Trust,,re-read,3 Trust broadened: re-read for it,5 (redefine),open,,
    "#);
    assert!(env
        .ok(&["codebook", "--format", "csv"])
        .contains("Targets the participant made up"));
    env.fails(&["theme", "redefine", "Trust"], 2);
    env.fails(
        &[
            "theme",
            "redefine",
            "Trust",
            "--definition",
            "x",
            "--broaden",
            "--narrow",
        ],
        2,
    );
}

#[test]
fn move_recomputes_numbers_and_roll_up_and_refuses_its_own_subtree() {
    let env = TestEnv::coded();
    let before = codings(&env);
    let dump = env.dump();
    assert_snapshot!(env.fails(&["theme", "move", "1", "--under", "1.1.1"], 1), @"
    error: cannot move 1 Awareness gap under 1.1.1 Vague targets: that is inside its own subtree
    hint: move the sub-theme out first, or choose another parent
    ");
    assert_eq!(dump, env.dump());
    assert_snapshot!(env.run(&["theme", "move", "Training", "--under", "Customers", "--why", "training is for customers"]), @"
    exit: 0
    --- stdout
    --- stderr
    moved 1.2 Training to 2.1
    logged as revision 5
    ");
    assert_eq!(
        before.replace("Awareness gap/Training", "Customers/Training"),
        codings(&env)
    );
    assert_snapshot!(env.ok(&["freq", "--format", "csv"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,1,1,0,2,66.7
    1.1,Knowing the targets,1,1,0,2,66.7
    1.1.1,Vague targets,1,0,0,1,33.3
    1.1.2,Concrete targets,1,1,0,2,66.7
    2,Customers,1,0,1,2,66.7
    2.1,Training,1,0,0,1,33.3
    3,Trust,0,1,0,1,33.3
    ");
    env.ok(&["theme", "move", "Trust", "--top", "--before", "1"]);
    assert_snapshot!(env.ok(&["template", "export"]), @"
    - Trust [integrative]: Belief that the company means it.
    - Awareness gap [a priori: Service Gap model]: What employees know.
      - Knowing the targets
        - Vague targets: Slogans, not goals.
        - Concrete targets
    - Customers
      - Training
    ");
    assert_snapshot!(last_log(&env), @"move | - | - | 3 Trust");
}

#[test]
fn merge_unites_codings_joins_overlaps_and_moves_subthemes() {
    let env = TestEnv::coded();
    env.ok(&["theme", "add", "Concrete targets/Dates"]);
    env.ok(&["code", "P02", "--quote", "by 2040", "Dates"]);
    assert_snapshot!(env.run(&["theme", "merge", "Vague targets", "Concrete targets", "--into", "Targets named", "--why", "the split did not hold"]), @"
    exit: 0
    --- stdout
    --- stderr
    added 1.1.1 Targets named as the merged theme
    merged 1.1.1 Vague targets, 1.1.2 Concrete targets into 1.1.1 Targets named: 3 coding(s) moved, 1 joined with overlapping codings (archived, restorable)
    logged as revision 7
    ");
    assert_snapshot!(codings(&env), @"
    P01 Awareness gap/Knowing the targets/Targets named 50:100
    P01 Awareness gap/Training 135:217
    P02 Awareness gap/Knowing the targets/Targets named 40:114
    P02 Awareness gap/Knowing the targets/Targets named/Dates 49:56
    P02 Trust 151:200
    P03 Customers 48:120
    ");
    assert_snapshot!(env.ok(&["template", "export"]), @"
    - Awareness gap [a priori: Service Gap model]: What employees know.
      - Knowing the targets
        - Targets named
          - Dates
      - Training
    - Customers
    - Trust [integrative]: Belief that the company means it.
    ");
    assert_snapshot!(last_log(&env), @"merge | the split did not hold | - | 1.1.1 Awareness gap/Knowing the targets/Vague targets; 1.1.2 Awareness gap/Knowing the targets/Concrete targets; 1.1.1 Awareness gap/Knowing the targets/Targets named");
    // The absorbed coding is archived, not erased.
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    let archived: i64 = conn
        .query_row("SELECT count(*) FROM coding_archive", [], |r| r.get(0))
        .unwrap();
    assert_eq!(archived, 1);
}

#[test]
fn split_queues_codings_and_assign_distributes_them() {
    let env = TestEnv::coded();
    assert_snapshot!(env.run(&["theme", "split", "Concrete targets", "--into", "Numbers", "Dates", "--why", "two kinds"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    split 1.1.2 Concrete targets into 1.1.3 Numbers, 1.1.4 Dates
    2 coding(s) queued for assignment: tana review, then tana review assign
    1.1.2 Concrete targets stays until its codings are assigned; then delete it with "tana theme delete"
    logged as revision 5
    "#);
    assert_snapshot!(env.ok(&["review"]), @r#"
     entry   transcript   segment   theme                    text                                         to do           reason                                                                             revision    status
    ────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
     #1      P01                2   1.1.2 Concrete targets   "tell me the target. It is all slogans"      assign coding   1.1.2 Concrete targets split into 1.1.3 Numbers, 1.1.4 Dates: assign this coding   5 (split)   open
     #2      P02                2   1.1.2 Concrete targets   "Net zero by 2040, and 60% recycled cont…"   assign coding   1.1.2 Concrete targets split into 1.1.3 Numbers, 1.1.4 Dates: assign this coding   5 (split)   open
    "#);
    assert_snapshot!(env.run(&["review", "assign", "P02:2", "Numbers", "Dates"]), @"
    exit: 0
    --- stdout
    --- stderr
    #2: assigned to 1.1.3 Numbers, 1.1.4 Dates
    ");
    assert_snapshot!(env.run(&["review", "assign", "P01", "Numbers"]), @"
    exit: 0
    --- stdout
    --- stderr
    #1: assigned to 1.1.3 Numbers
    ");
    assert_snapshot!(codings(&env), @"
    P01 Awareness gap/Knowing the targets/Vague targets 50:81
    P01 Awareness gap/Knowing the targets/Numbers 63:100
    P01 Awareness gap/Training 135:217
    P02 Awareness gap/Knowing the targets/Dates 40:114
    P02 Awareness gap/Knowing the targets/Numbers 40:114
    P02 Trust 151:200
    P03 Customers 48:120
    ");
    assert_snapshot!(env.ok(&["review", "--all", "--format", "csv"]), @r#"
    entry,transcript,segment,theme,text,to do,reason,revision,status,start,end
    #1,P01,2,1.1.2 Concrete targets,tell me the target. It is all slogans,assign coding,"1.1.2 Concrete targets split into 1.1.3 Numbers, 1.1.4 Dates: assign this coding",5 (split),assigned to 1.1.3 Numbers,63,100
    #2,P02,2,1.1.2 Concrete targets,"Net zero by 2040, and 60% recycled content by 2028.

    It is on every slide.",assign coding,"1.1.2 Concrete targets split into 1.1.3 Numbers, 1.1.4 Dates: assign this coding",5 (split),"assigned to 1.1.3 Numbers, 1.1.4 Dates",40,114
    "#);
    env.fails(&["theme", "split", "Trust", "--into", "One"], 2);
}

#[test]
fn delete_needs_a_decision_about_codings_and_subthemes() {
    let env = TestEnv::coded();
    let dump = env.dump();
    assert_snapshot!(env.fails(&["theme", "delete", "Concrete targets"], 1), @r#"
    error: 1.1.2 Concrete targets has 2 coding(s)
    hint: add --reassign-to THEME to move them, or --uncode to archive them (restorable with "tana theme restore")
    "#);
    assert_snapshot!(env.fails(&["theme", "delete", "Knowing the targets", "--uncode"], 1), @"
    error: 1.1 Knowing the targets has 2 sub-theme(s)
    hint: add --with-subthemes to delete them too, or --reassign-to THEME to move them and the codings there
    ");
    assert_eq!(dump, env.dump());
    assert_snapshot!(env.run(&["theme", "delete", "Concrete targets", "--reassign-to", "Vague targets", "--why", "hard to tell apart"]), @"
    exit: 0
    --- stdout
    --- stderr
    deleted 1.1.2 Concrete targets: 2 coding(s) reassigned to 1.1.1 Vague targets (1 joined with overlapping codings, archived)
    logged as revision 5
    ");
    assert_snapshot!(codings(&env), @"
    P01 Awareness gap/Knowing the targets/Vague targets 50:100
    P01 Awareness gap/Training 135:217
    P02 Awareness gap/Knowing the targets/Vague targets 40:114
    P02 Trust 151:200
    P03 Customers 48:120
    ");
    assert_snapshot!(env.run(&["theme", "delete", "Knowing the targets", "--with-subthemes", "--uncode"]), @"
    exit: 0
    --- stdout
    --- stderr
    deleted 1.1 Knowing the targets: 2 coding(s) uncoded and archived (tana theme restore brings them back)
    logged as revision 6
    ");
    assert!(!codings(&env).contains("Knowing the targets"));
    assert_snapshot!(env.run(&["theme", "restore", "Knowing the targets"]), @"
    exit: 0
    --- stdout
    --- stderr
    restored 1.1 Knowing the targets with 2 coding(s)
    logged as revision 7
    ");
    assert_snapshot!(codings(&env), @"
    P01 Awareness gap/Knowing the targets/Vague targets 50:100
    P01 Awareness gap/Training 135:217
    P02 Awareness gap/Knowing the targets/Vague targets 40:114
    P02 Trust 151:200
    P03 Customers 48:120
    ");
    env.ok(&["theme", "delete", "Customers", "--uncode"]);
    env.ok(&["theme", "add", "Customers"]);
    assert_snapshot!(env.fails(&["theme", "restore", "Customers"], 1), @r#"
    error: a theme named "Customers" already exists there (3 Customers)
    hint: sibling themes need different names; rename one first
    "#);
}

#[test]
fn integrate_links_only_integrative_themes() {
    let env = TestEnv::coded();
    assert_snapshot!(env.run(&["theme", "integrate", "Trust", "--with", "1.1", "Customers"]), @"
    exit: 0
    --- stdout
    --- stderr
    linked 3 Trust to 1.1 Knowing the targets, 2 Customers (2 new link(s))
    logged as revision 5
    ");
    assert_snapshot!(env.fails(&["theme", "integrate", "Customers", "--with", "1"], 1), @r#"
    error: 2 Customers is not an integrative theme
    hint: integrative themes are added with "tana theme add NAME --integrative"
    "#);
}

#[test]
fn undo_walks_back_exactly_and_never_loses_later_work() {
    let env = TestEnv::coded();
    let original = (env.dump(), codings(&env));
    env.ok(&[
        "theme",
        "merge",
        "Vague targets",
        "Concrete targets",
        "--into",
        "Targets named",
    ]);
    env.ok(&["theme", "move", "Training", "--under", "Customers"]);
    env.ok(&["theme", "delete", "Trust", "--uncode"]);
    env.ok(&["theme", "rename", "Customers", "Clients"]);
    for _ in 0..4 {
        env.ok(&["theme", "undo"]);
    }
    assert_eq!(original, (env.dump(), codings(&env)));
    assert_snapshot!(env.fails(&["theme", "undo"], 1), @r#"
    error: cannot undo change 3: change 4 (code --from c.csv: 6 row(s) in 3 transcript(s), by tester) depends on what it made (codings row 1)
    hint: undo change 4 first ("tana undo 4"), or change the project again instead
    "#);
    // Work done after a revision blocks its undo.
    env.ok(&["theme", "add", "Customers/Questionnaires"]);
    env.ok(&["code", "P03", "2", "Questionnaires"]);
    assert_snapshot!(env.fails(&["theme", "undo"], 1), @r#"
    error: cannot undo change 13: change 14 (code P03 segment 2 with 2.1 Questionnaires, by tester) depends on what it made (codings row 7)
    hint: undo change 14 first ("tana undo 14"), or change the project again instead
    "#);
    assert_snapshot!(env.ok(&["template", "log"]), @r#"
     revision   when                   coder    op       change                                                                                                                                                                                            rationale                   prompted by   undone by
    ───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
            3   2026-03-01T09:00:00Z   tester   add      added 7 themes (1 Awareness gap, 1.1 Awareness gap/Knowing the targets, 1.1.1 Awareness gap/Knowing the targets/Vague targets, …)                                                                 imported from template.md
            5   2026-03-01T09:00:00Z   tester   merge    merged 1.1.1 Awareness gap/Knowing the targets/Vague targets, 1.1.2 Awareness gap/Knowing the targets/Concrete targets into 1.1.1 Awareness gap/Knowing the targets/Targets named (3 coding(s))                                                    12
            6   2026-03-01T09:00:00Z   tester   move     moved 1.2 Awareness gap/Training to 2.1                                                                                                                                                                                                            11
            7   2026-03-01T09:00:00Z   tester   delete   deleted 3 Trust (codings uncoded and archived)                                                                                                                                                                                                     10
            8   2026-03-01T09:00:00Z   tester   rename   renamed 2 Customers to "Clients"                                                                                                                                                                                                                    9
            9   2026-03-01T09:00:00Z   tester   undo     undid revision 8                                                                                                                                                                                  undo of change 8
           10   2026-03-01T09:00:00Z   tester   undo     undid revision 7                                                                                                                                                                                  undo of change 7
           11   2026-03-01T09:00:00Z   tester   undo     undid revision 6                                                                                                                                                                                  undo of change 6
           12   2026-03-01T09:00:00Z   tester   undo     undid revision 5                                                                                                                                                                                  undo of change 5
           13   2026-03-01T09:00:00Z   tester   add      added 2.1 Customers/Questionnaires
    "#);
}

#[test]
fn the_change_log_cannot_be_edited() {
    let env = TestEnv::coded();
    env.ok(&["theme", "rename", "Trust", "Trust in leadership"]);
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    let err = conn
        .execute("UPDATE revision SET rationale = 'x'", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(conn.execute("DELETE FROM revision_row", []).is_err());
}

#[test]
fn require_rationale_makes_why_mandatory() {
    let env = TestEnv::coded();
    env.ok(&["config", "require-rationale", "on"]);
    assert_snapshot!(env.fails(&["theme", "rename", "Trust", "Belief"], 2), @r#"
    error: this project requires a rationale for every revision
    hint: add --why "…" (turn it off with "tana config require-rationale off")
    "#);
    env.ok(&[
        "theme",
        "rename",
        "Trust",
        "Belief",
        "--why",
        "closer to the data",
    ]);
    assert_snapshot!(env.ok(&["config"]), @"
    blind = off    # each coder sees only their own codings (--all-coders shows everyone's)
    require-rationale = on    # every template revision must give --why
    ");
}

#[test]
fn versions_print_diff_and_make_the_audit_appendix() {
    let env = TestEnv::coded();
    env.ok(&[
        "theme",
        "add",
        "Awareness gap/Peer learning",
        "--why",
        "emerged in P01",
    ]);
    env.ok(&[
        "template",
        "save",
        "T1",
        "--note",
        "after three transcripts",
    ]);
    env.ok(&[
        "theme",
        "rename",
        "Peer learning",
        "Learning from colleagues",
        "--why",
        "broader",
    ]);
    env.ok(&[
        "theme",
        "move",
        "Learning from colleagues",
        "--under",
        "Customers",
        "--why",
        "it is about clients",
    ]);
    env.ok(&[
        "theme",
        "merge",
        "Vague targets",
        "Concrete targets",
        "--into",
        "Targets named",
        "--why",
        "one theme",
    ]);
    env.ok(&[
        "theme",
        "delete",
        "Trust",
        "--uncode",
        "--why",
        "not in the data",
    ]);
    env.ok(&["template", "save", "T2", "--note", "final"]);
    assert_snapshot!(env.ok(&["template", "diff", "T1", "T2"]), @r#"
     T1                       T2                             changes
    ───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
     —                        1.1.1 Targets named            received merge of "Awareness gap/Knowing the targets/Vague targets", "Awareness gap/Knowing the targets/Concrete targets" — one theme
     1.3 Peer learning        2.1 Learning from colleagues   renamed "Peer learning" → "Learning from colleagues" — broader; moved 1.3 → 2.1 — it is about clients
     1.1.1 Vague targets      —                              merged into "Awareness gap/Knowing the targets/Targets named" — one theme
     1.1.2 Concrete targets   —                              merged into "Awareness gap/Knowing the targets/Targets named" — one theme
     3 Trust                  —                              deleted, codings uncoded (archived) — not in the data
    "#);
    assert_snapshot!(env.ok(&["template", "--version", "T1"]), @"
    T1 (2026-03-01T09:00:00Z: after three transcripts)
    1 Awareness gap
      1.1 Knowing the targets
        1.1.1 Vague targets
        1.1.2 Concrete targets
      1.2 Training
      1.3 Peer learning
    2 Customers
    3 Trust
    ");
    assert_snapshot!(env.ok(&["template", "history"]), @r#"
    # Template history

    The sequence of template versions, the changes between them with their rationale, and the numbered template at each version. `*` marks a priori themes.

    ## Sources of the a priori themes

    - 1 Awareness gap: Service Gap model (in T0)

    ## T0

    _saved 2026-03-01T09:00:00Z by tester_

    a priori themes (saved automatically when the first emergent theme appeared)

    Template:

    - 1 Awareness gap *

    ## T1

    _saved 2026-03-01T09:00:00Z by tester_

    after three transcripts

    Changes:

    - added 7 themes (1 Awareness gap, 1.1 Awareness gap/Knowing the targets, 1.1.1 Awareness gap/Knowing the targets/Vague targets, …) (revision 3, tester, 2026-03-01T09:00:00Z). Rationale: imported from template.md
    - added 1.3 Awareness gap/Peer learning (revision 5, tester, 2026-03-01T09:00:00Z). Rationale: emerged in P01

    Template:

    - 1 Awareness gap *
      - 1.1 Knowing the targets
        - 1.1.1 Vague targets
        - 1.1.2 Concrete targets
      - 1.2 Training
      - 1.3 Peer learning
    - 2 Customers
    - 3 Trust (integrative)

    ## T2

    _saved 2026-03-01T09:00:00Z by tester_

    final

    Changes:

    - renamed 1.3 Awareness gap/Peer learning to "Learning from colleagues" (revision 7, tester, 2026-03-01T09:00:00Z). Rationale: broader
    - moved 1.3 Awareness gap/Learning from colleagues to 2.1 (revision 8, tester, 2026-03-01T09:00:00Z). Rationale: it is about clients
    - merged 1.1.1 Awareness gap/Knowing the targets/Vague targets, 1.1.2 Awareness gap/Knowing the targets/Concrete targets into 1.1.1 Awareness gap/Knowing the targets/Targets named (3 coding(s)) (revision 9, tester, 2026-03-01T09:00:00Z). Rationale: one theme
    - deleted 3 Trust (codings uncoded and archived) (revision 10, tester, 2026-03-01T09:00:00Z). Rationale: not in the data

    Template:

    - 1 Awareness gap *
      - 1.1 Knowing the targets
        - 1.1.1 Targets named
      - 1.2 Training
    - 2 Customers
      - 2.1 Learning from colleagues
    "#);
    let html = env.ok(&["template", "history", "--format", "html"]);
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains("<h2>T2</h2>")
            && html.contains("Rationale: one theme")
    );
    assert_snapshot!(env.fails(&["template", "save", "T1"], 1), @"
    error: version T1 already exists
    hint: versions are never overwritten; choose the next name (e.g. T3)
    ");
    assert_snapshot!(env.fails(&["template", "diff", "T9"], 1), @"
    error: no template version named T9
    hint: versions: T0, T1, T2
    ");
    assert!(
        env.ok(&["template", "log", "--since", "T1", "--format", "csv"])
            .lines()
            .count()
            == 5
    );
}

#[test]
fn codings_record_the_version_they_were_made_under() {
    let env = TestEnv::coded();
    env.ok(&["template", "save", "T1"]);
    env.ok(&["code", "P03", "4", "Trust"]);
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    let v: Vec<Option<String>> = conn
        .prepare("SELECT v.name FROM coding c LEFT JOIN template_version v ON v.id = c.version_id ORDER BY c.id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(v.last().unwrap().as_deref(), Some("T1"));
    assert_eq!(v.first().unwrap().as_deref(), Some("T0"));
}

#[test]
fn review_done_marks_the_transcript_reviewed_against_the_version() {
    let env = TestEnv::coded();
    env.ok(&["theme", "add", "Customers/Questionnaires"]);
    env.ok(&["template", "save", "T1"]);
    assert_snapshot!(env.run(&["review", "done", "P01", "--theme", "Questionnaires"]), @"
    exit: 0
    --- stdout
    --- stderr
    closed 1 entry for P01
    P01 is fully reviewed against the current template
    ");
    assert_snapshot!(env.ok(&["transcripts", "--format", "csv"]), @"
    transcript,speakers,segments,words,codings,coded,reviewed,role,sector
    P01,2,4,33,3,78.8,T1,manager,IT
    P02,2,4,33,2,75.8,,lead,logistics
    P03,2,4,20,1,60.0,,sales,IT
    ");
}

#[test]
fn template_edit_turns_the_outline_into_operations() {
    let env = TestEnv::coded();
    let outline = env.ok(&["template", "edit", "--print"]);
    assert_snapshot!(outline, @r#"
    # Edit the template, save, and close the editor.
    # Rename a theme by changing its name; move it by changing its indentation (two spaces a
    # level) or its place; add a theme with a new line without a {#id} tag; delete a theme by
    # removing its line (refused while it has codings: reassign them first with
    # "tana theme delete --reassign-to"). Keep every {#id} tag as it is. Numbers are ignored.

    - 1 Awareness gap {#1}
      - 1.1 Knowing the targets {#2}
        - 1.1.1 Vague targets {#3}
        - 1.1.2 Concrete targets {#4}
      - 1.2 Training {#5}
    - 2 Customers {#6}
    - 3 Trust {#7}
    "#);
    let edited = outline
        .replace(
            "- 1.1.1 Vague targets {#3}",
            "- 1.1.1 Symbolic targets {#3}",
        )
        .replace("  - 1.2 Training {#5}\n", "")
        .replace(
            "- 2 Customers {#6}\n",
            "- 2 Customers {#6}\n  - 1.2 Training {#5}\n  - Questionnaires\n",
        );
    env.write("edited.md", &edited);
    let dump = env.dump();
    assert_snapshot!(env.fails(&["template", "edit", "--file", "edited.md"], 1), @r#"
    the edited outline makes 3 change(s):
      rename 1.1.1 "Vague targets" to "Symbolic targets"
      move 1.2 "Training" under "Customers"
      add "Questionnaires" under "Customers"
    error: nothing was changed
    hint: add --yes to apply without asking
    "#);
    assert_eq!(dump, env.dump());
    assert_snapshot!(env.run(&["template", "edit", "--file", "edited.md", "--yes", "--why", "regrouped"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    the edited outline makes 3 change(s):
      rename 1.1.1 "Vague targets" to "Symbolic targets"
      move 1.2 "Training" under "Customers"
      add "Questionnaires" under "Customers"
    applied the edited outline: 1 renamed, 1 moved, 0 reordered, 1 added, 0 deleted
    logged as revision 5
    "#);
    assert_snapshot!(env.ok(&["template", "export"]), @"
    - Awareness gap [a priori: Service Gap model]: What employees know.
      - Knowing the targets
        - Symbolic targets: Slogans, not goals.
        - Concrete targets
    - Customers
      - Training
      - Questionnaires
    - Trust [integrative]: Belief that the company means it.
    ");
    assert_snapshot!(last_log(&env), @"edit | regrouped | - | 1.1.1 Awareness gap/Knowing the targets/Symbolic targets; 2.1 Customers/Training; 2.2 Customers/Questionnaires");
    // Deleting a line whose theme has codings is refused.
    let deleting = env
        .ok(&["template", "edit", "--print"])
        .replace("- 3 Trust {#7}\n", "");
    env.write("deleting.md", &deleting);
    assert_snapshot!(env.fails(&["template", "edit", "--file", "deleting.md", "--yes"], 1), @"
    error: the edited outline deletes themes that have codings: 3 Trust (1 coding(s))
    hint: deal with their codings first: tana theme delete THEME --reassign-to OTHER (or --uncode), then edit again
    ");
    env.ok(&["theme", "undo"]);
    assert!(env.ok(&["template", "export"]).contains("Vague targets"));
}

#[test]
fn split_can_keep_the_original_as_one_part() {
    let env = TestEnv::coded();
    assert_snapshot!(env.run(&["theme", "split", "Concrete targets", "--into", "Concrete targets", "Dates"]), @"
    exit: 0
    --- stdout
    --- stderr
    split 1.1.2 Concrete targets into 1.1.2 Concrete targets, 1.1.3 Dates
    2 coding(s) queued for assignment: tana review, then tana review assign
    logged as revision 5
    ");
    assert_snapshot!(env.ok(&["review", "--format", "csv"]), @r#"
    entry,transcript,segment,theme,text,to do,reason,revision,status,start,end
    #1,P01,2,1.1.2 Concrete targets,tell me the target. It is all slogans,assign coding,"1.1.2 Concrete targets split into 1.1.2 Concrete targets, 1.1.3 Dates: assign this coding",5 (split),open,63,100
    #2,P02,2,1.1.2 Concrete targets,"Net zero by 2040, and 60% recycled content by 2028.

    It is on every slide.",assign coding,"1.1.2 Concrete targets split into 1.1.2 Concrete targets, 1.1.3 Dates: assign this coding",5 (split),open,40,114
    "#);
    env.ok(&["review", "assign", "#2", "Dates"]);
    env.ok(&["template", "save", "T1"]);
    assert_snapshot!(env.ok(&["template", "diff", "T0", "T1", "--format", "csv"]), @r#"
    T0,T1,changes
    —,1.1 Knowing the targets,added — imported from template.md
    —,1.1.1 Vague targets,added — imported from template.md
    —,1.1.2 Concrete targets,"added — imported from template.md; split into ""Concrete targets"", ""Dates"""
    —,1.1.3 Dates,"added by splitting ""Concrete targets"""
    —,1.2 Training,added — imported from template.md
    —,2 Customers,added — imported from template.md
    —,3 Trust,added — imported from template.md
    "#);
}
