use crate::TestEnv;
use insta::assert_snapshot;

#[test]
fn presence_table_rolls_up_to_parents() {
    let env = TestEnv::coded();
    assert_snapshot!(env.ok(&["freq"]), @"
     number   theme                   P01   P02   P03   participants   percent
    ───────────────────────────────────────────────────────────────────────────
     1        Awareness gap            ✓     ✓          2/3            67%
     1.1        Knowing the targets    ✓     ✓          2/3            67%
     1.1.1        Vague targets        ✓                1/3            33%
     1.1.2        Concrete targets     ✓     ✓          2/3            67%
     1.2        Training               ✓                1/3            33%
     2        Customers                            ✓    1/3            33%
     3        Trust                          ✓          1/3            33%
    Cells: presence — whether the theme or any of its sub-themes is coded in the transcript. N = 3 transcripts. Frequency is not importance (King): read counts beside the quotes.
    ");
    assert_snapshot!(env.ok(&["freq", "--format", "csv"]), @r"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,1,1,0,2,66.7
    1.1,Knowing the targets,1,1,0,2,66.7
    1.1.1,Vague targets,1,0,0,1,33.3
    1.1.2,Concrete targets,1,1,0,2,66.7
    1.2,Training,1,0,0,1,33.3
    2,Customers,0,0,1,1,33.3
    3,Trust,0,1,0,1,33.3
    ");
}

#[test]
fn roll_up_never_counts_a_span_twice() {
    let env = TestEnv::coded();
    // P01: Vague and Concrete overlap ("tell me the target"), so 1.1 has one passage of
    // 12 words, not 6 + 8; Training adds a separate passage under 1.
    assert_snapshot!(env.ok(&["freq", "--measure", "codings", "--format", "csv", "--depth", "2"]), @r"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,2,1,0,2,66.7
    1.1,Knowing the targets,1,1,0,2,66.7
    1.2,Training,1,0,0,1,33.3
    2,Customers,0,0,1,1,33.3
    3,Trust,0,1,0,1,33.3
    ");
    assert_snapshot!(env.ok(&["freq", "--measure", "words", "--format", "csv", "--depth", "2"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,26,15,0,2,66.7
    1.1,Knowing the targets,10,15,0,2,66.7
    1.2,Training,16,0,0,1,33.3
    2,Customers,0,0,12,1,33.3
    3,Trust,0,10,0,1,33.3
    ");
    assert_snapshot!(env.ok(&["freq", "--measure", "segments", "--format", "csv", "--depth", "1"]), @r"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,2,1,0,2,66.7
    2,Customers,0,0,1,1,33.3
    3,Trust,0,1,0,1,33.3
    ");
    assert_snapshot!(env.ok(&["freq", "--measure", "coverage", "--format", "csv", "--depth", "1"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,78.8,45.5,0.0,2,66.7
    2,Customers,0.0,0.0,60.0,1,33.3
    3,Trust,0.0,30.3,0.0,1,33.3
    ");
}

#[test]
fn freq_by_attribute_counts_participants_per_group() {
    let env = TestEnv::coded();
    assert_snapshot!(env.ok(&["freq", "--by", "sector", "--depth", "1"]), @r#"
     number   theme           IT (n=2)   logistics (n=1)   participants   percent
    ──────────────────────────────────────────────────────────────────────────────
     1        Awareness gap          1                 1   2/3            67%
     2        Customers              1                 0   1/3            33%
     3        Trust                  0                 1   1/3            33%
    Cells count participants with the theme or any of its sub-themes in each group of "sector"; N = 3. Frequency is not importance (King): read counts beside the quotes.
    "#);
    assert_snapshot!(env.fails(&["freq", "--by", "age"], 1), @r#"
    error: no transcript has the attribute "age"
    hint: attributes in this project: role, sector
    "#);
}

#[test]
fn freq_filters_transcripts_and_writes_json_and_md() {
    let env = TestEnv::coded();
    assert_snapshot!(env.ok(&["freq", "--transcripts", "P03,P01", "--depth", "1", "--format", "md"]), @r"
    | number | theme | P01 | P03 | participants | percent |
    | --- | --- | --- | --- | --- | --- |
    | 1 | Awareness gap | ✓ |  | 1/2 | 50% |
    | 2 | Customers |  | ✓ | 1/2 | 50% |
    | 3 | Trust |  |  | 0/2 | 0% |

    Cells: presence — whether the theme or any of its sub-themes is coded in the transcript. N = 2 transcripts. Frequency is not importance (King): read counts beside the quotes.
    ");
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["freq", "--format", "json", "--depth", "1"])).unwrap();
    assert_eq!(json[0]["P01"], 1);
    assert_eq!(json[0]["participants"], 2);
    assert_eq!(json[2]["theme"], "Trust");
    env.fails(&["freq", "--transcripts", "P09"], 1);
    env.fails(&["freq", "--depth", "0"], 2);
}

#[test]
fn quotes_per_participant_and_with_subthemes() {
    let env = TestEnv::coded();
    assert_snapshot!(env.ok(&["quotes", "1", "--with-subthemes", "--per-participant", "1"]), @r"
    ## 1 Awareness gap

    > nobody could tell me the target
    >
    > — P01, segment 2 (1.1.1 Vague targets)

    > Net zero by 2040, and 60% recycled content by 2028. It is on every slide.
    >
    > — P02, segment 2 (1.1.2 Concrete targets)

    ");
    assert_eq!(
        env.ok(&["quotes", "1", "--format", "csv"]).lines().count(),
        1
    );
    let json: serde_json::Value = serde_json::from_str(&env.ok(&[
        "quotes",
        "Knowing the targets",
        "--with-subthemes",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
}
