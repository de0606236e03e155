//! `tana cooccur` and `--where`.

use insta::assert_snapshot;

use crate::TestEnv;

#[test]
fn cooccurrence_counts_units_with_roll_up() {
    let env = TestEnv::coded();
    // P01 segment 2 holds Vague and Concrete targets; P01 segment 4 Training; P02 segment 2
    // Concrete targets and segment 4 Trust; P03 segment 2 Customers.
    assert_snapshot!(env.run(&["cooccur"]), @"
    exit: 0
    --- stdout
     number   theme                   1   1.1   1.1.1   1.1.2   1.2   2   3
    ────────────────────────────────────────────────────────────────────────
     1        Awareness gap           3     2       1       2     1   0   0
     1.1        Knowing the targets   2     2       1       2     0   0   0
     1.1.1        Vague targets       1     1       1       1     0   0   0
     1.1.2        Concrete targets    2     2       1       2     0   0   0
     1.2        Training              1     0       0       0     1   0   0
     2        Customers               0     0       0       0     0   1   0
     3        Trust                   0     0       0       0     0   0   1
    Cells: segments coded with both themes (the diagonal: with the theme). A theme counts where it or a sub-theme is coded. 12 segments in 3 transcripts.
    --- stderr
    ");
    assert_snapshot!(env.ok(&["cooccur", "--measure", "jaccard", "--format", "csv"]), @"
    number,theme,1,1.1,1.1.1,1.1.2,1.2,2,3
    1,Awareness gap,1.0,0.667,0.333,0.667,0.333,0.0,0.0
    1.1,Knowing the targets,0.667,1.0,0.5,1.0,0.0,0.0,0.0
    1.1.1,Vague targets,0.333,0.5,1.0,0.5,0.0,0.0,0.0
    1.1.2,Concrete targets,0.667,1.0,0.5,1.0,0.0,0.0,0.0
    1.2,Training,0.333,0.0,0.0,0.0,1.0,0.0,0.0
    2,Customers,0.0,0.0,0.0,0.0,0.0,1.0,0.0
    3,Trust,0.0,0.0,0.0,0.0,0.0,0.0,1.0
    ");
    assert_snapshot!(env.ok(&["cooccur", "--unit", "transcript", "--depth", "1", "--format", "json"]), @r#"
    [
      {
        "number": "1",
        "theme": "Awareness gap",
        "1": 2,
        "2": 0,
        "3": 1
      },
      {
        "number": "2",
        "theme": "Customers",
        "1": 0,
        "2": 1,
        "3": 0
      },
      {
        "number": "3",
        "theme": "Trust",
        "1": 1,
        "2": 0,
        "3": 1
      }
    ]
    "#);
    assert_snapshot!(env.ok(&["cooccur", "--unit", "sentence", "--depth", "2", "--format", "md"]), @"
    | number | theme | 1 | 1.1 | 1.2 | 2 | 3 |
    | --- | --- | ---: | ---: | ---: | ---: | ---: |
    | 1 | Awareness gap | 7 | 4 | 3 | 0 | 0 |
    | 1.1 | Knowing the targets | 4 | 4 | 0 | 0 | 0 |
    | 1.2 | Training | 3 | 0 | 3 | 0 | 0 |
    | 2 | Customers | 0 | 0 | 0 | 2 | 0 |
    | 3 | Trust | 0 | 0 | 0 | 0 | 2 |

    Cells: sentences coded with both themes (the diagonal: with the theme). A theme counts where it or a sub-theme is coded. 18 sentences in 3 transcripts.
    ");
}

#[test]
fn a_pair_lists_where_two_themes_meet() {
    let env = TestEnv::coded();
    assert_snapshot!(env.run(&["cooccur", "--pair", "Vague targets", "Concrete targets"]), @"
    exit: 0
    --- stdout
     transcript   segment   start   end   text
    ────────────────────────────────────────────────────────────────────────────────────────────────────
     P01          2            40   101   Honestly, nobody could tell me the target. It is all slogans.
    --- stderr
    1 segment(s) coded with both 1.1.1 Vague targets and 1.1.2 Concrete targets (sub-themes included).
    ");
    assert_snapshot!(env.run(&["cooccur", "--pair", "1", "Trust", "--unit", "transcript", "--format", "csv"]), @r#"
    exit: 0
    --- stdout
    transcript,unit,start,end,text
    P02,whole transcript,0,201,"Interviewer: What are the targets?

    P2: Net zero by 2040, and 60% recycled content by 2028.

    It is on every slide.

    Interviewer: Do you trust it?

    P2: Mostly. The CEO repeats it, and the CEO means it."
    --- stderr
    1 transcript(s) coded with both 1 Awareness gap and 3 Trust (sub-themes included).
    "#);
    assert_snapshot!(env.fails(&["cooccur", "--pair", "1", "Nope"], 1), @r#"
    error: no theme matches "Nope"
    hint: run "tana template" to list themes, or create it with "tana theme add"
    "#);
}

#[test]
fn where_chooses_transcripts_by_attribute() {
    let env = TestEnv::coded();
    assert_snapshot!(env.ok(&["freq", "--where", "sector=IT", "--format", "csv"]), @"
    number,theme,P01,P03,participants,percent
    1,Awareness gap,1,0,1,50.0
    1.1,Knowing the targets,1,0,1,50.0
    1.1.1,Vague targets,1,0,1,50.0
    1.1.2,Concrete targets,1,0,1,50.0
    1.2,Training,1,0,1,50.0
    2,Customers,0,1,1,50.0
    3,Trust,0,0,0,0.0
    ");
    assert_snapshot!(env.ok(&["freq", "--where", "sector!=IT", "--where", "role=lead,manager", "--format", "csv"]), @"
    number,theme,P02,participants,percent
    1,Awareness gap,1,1,100.0
    1.1,Knowing the targets,1,1,100.0
    1.1.1,Vague targets,0,0,0.0
    1.1.2,Concrete targets,1,1,100.0
    1.2,Training,0,0,0.0
    2,Customers,0,0,0.0
    3,Trust,1,1,100.0
    ");
    assert_snapshot!(env.ok(&["freq", "--where", "sector=IT", "--by", "role", "--format", "csv"]), @"
    number,theme,manager (n=1),sales (n=1),participants,percent
    1,Awareness gap,1,0,1,50.0
    1.1,Knowing the targets,1,0,1,50.0
    1.1.1,Vague targets,1,0,1,50.0
    1.1.2,Concrete targets,1,0,1,50.0
    1.2,Training,1,0,1,50.0
    2,Customers,0,1,1,50.0
    3,Trust,0,0,0,0.0
    ");
    assert_snapshot!(env.ok(&["cooccur", "--where", "sector=IT", "--depth", "1", "--format", "csv"]), @"
    number,theme,1,2,3
    1,Awareness gap,2,0,0
    2,Customers,0,1,0
    3,Trust,0,0,0
    ");
    assert_snapshot!(env.fails(&["freq", "--where", "sector=retail"], 1), @"
    error: no transcript matches sector=retail
    hint: the values there are: sector: IT, logistics
    ");
    assert_snapshot!(env.fails(&["freq", "--where", "colour=red"], 1), @r#"
    error: no transcript has the attribute "colour"
    hint: attributes in this project: role, sector
    "#);
    assert_snapshot!(env.fails(&["freq", "--where", "sector"], 2), @r#"
    error: "sector" is not a condition
    hint: write ATTR=VALUE, ATTR=V1,V2 or ATTR!=VALUE, e.g. --where role=manager
    "#);
}

#[test]
fn template_fate_tells_what_became_of_each_a_priori_theme() {
    let env = TestEnv::new();
    env.write(
        "t.md",
        "- Awareness [a priori: Service Gap model]\n  - Targets [a priori: interview guide]\n  - Training [a priori: literature]\n- Design [a priori: Service Gap model]\n- Trust [a priori: pilot study]\n- Kept [a priori: guide]\n",
    );
    env.ok(&["template", "import", "t.md"]);
    env.ok(&["template", "save", "T1"]);
    env.ok(&[
        "theme",
        "rename",
        "Awareness",
        "Awareness gap",
        "--why",
        "the model's term",
    ]);
    env.ok(&[
        "theme",
        "merge",
        "Training",
        "--into",
        "Targets",
        "--why",
        "coded together",
    ]);
    env.ok(&["template", "save", "T2"]);
    env.ok(&[
        "theme",
        "split",
        "Design",
        "--into",
        "Offer design",
        "Standards",
        "--why",
        "two gaps",
    ]);
    env.ok(&["theme", "delete", "Trust", "--why", "never coded"]);
    assert_snapshot!(env.ok(&["template", "fate", "--format", "csv"]), @r#"
    now,a priori theme,source,fate,steps
    1,Awareness,Service Gap model,"kept, renamed to ""Awareness gap""","renamed ""Awareness"" → ""Awareness gap"" (T2; the model's term)"
    1.1,Targets,interview guide,kept,absorbed a merge (T2; coded together)
    —,Training,literature,"merged into ""Awareness gap/Targets""","merged into ""Awareness gap/Targets"" (T2; coded together)"
    2,Design,Service Gap model,"split into ""Offer design"", ""Standards""","split into ""Offer design"", ""Standards"" (since the last version; two gaps)"
    —,Trust,pilot study,deleted,deleted (since the last version; never coded)
    5,Kept,guide,kept,
    "#);
}
