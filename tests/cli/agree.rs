//! `tana agree`: coefficients checked against scikit-learn and the krippendorff package (the
//! values below come from scripts/agree_reference.py, which rebuilds the unit × coder tables
//! from the project file in Python), disagreements, three coders, errors, and consensus.

use crate::TestEnv;
use insta::assert_snapshot;
use serde_json::Value;

/// Reference rows: theme number (or "pooled"/"mean"), percent agreement, kappa, alpha.
type Pins = &'static [(&'static str, Option<f64>, Option<f64>, Option<f64>)];

// scripts/agree_reference.py d/demo.tana demo bea --unit segment / character, and the same on
// the edge cases' study.tana with ana and bea.
const DEMO_SEGMENT: Pins = &[
    ("1", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("1.1", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("1.1.1", Some(99.2958), Some(0.8853), Some(0.8857)),
    ("1.1.2", Some(97.8873), Some(0.3932), Some(0.3914)),
    ("1.2", Some(99.2958), Some(0.0000), Some(0.0000)),
    ("1.3", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("1.4", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("2", Some(99.2958), Some(0.9591), Some(0.9592)),
    ("2.1", Some(98.5915), Some(0.7930), Some(0.7934)),
    ("2.2", Some(99.2958), Some(0.9194), Some(0.9197)),
    ("2.2.1", Some(99.2958), Some(0.8536), Some(0.8540)),
    ("2.2.2", Some(98.5915), Some(0.7432), Some(0.7437)),
    ("2.3", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("3", Some(98.5915), Some(0.9392), Some(0.9395)),
    ("3.1", Some(99.2958), Some(0.9055), Some(0.9058)),
    ("3.1.1", Some(99.2958), Some(0.7966), Some(0.7971)),
    ("3.1.2", Some(99.2958), Some(0.8853), Some(0.8857)),
    ("3.2", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("3.3", Some(99.2958), Some(0.8853), Some(0.8857)),
    ("3.4", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("4", Some(99.2958), Some(0.9703), Some(0.9704)),
    ("4.1", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("4.2", Some(99.2958), Some(0.8853), Some(0.8857)),
    ("4.3", Some(99.2958), Some(0.8536), Some(0.8540)),
    ("4.4", Some(99.2958), Some(0.8853), Some(0.8857)),
    ("5", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("pooled", Some(99.4041), Some(0.9298), Some(0.9298)),
    ("mean", Some(99.4041), Some(0.8674), Some(0.8676)),
];
const DEMO_CHARACTER: Pins = &[
    ("1", Some(98.6165), Some(0.9076), Some(0.9076)),
    ("1.1", Some(98.7660), Some(0.8610), Some(0.8610)),
    ("1.1.1", Some(98.8862), Some(0.6970), Some(0.6970)),
    ("1.1.2", Some(98.4876), Some(0.1929), Some(0.1911)),
    ("1.2", Some(99.7802), Some(0.0000), Some(-0.0011)),
    ("1.3", Some(99.5427), Some(0.8677), Some(0.8677)),
    ("1.4", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("2", Some(97.9248), Some(0.8580), Some(0.8580)),
    ("2.1", Some(98.8539), Some(0.7745), Some(0.7743)),
    ("2.2", Some(98.2970), Some(0.7935), Some(0.7934)),
    ("2.2.1", Some(97.6581), Some(0.4817), Some(0.4794)),
    ("2.2.2", Some(98.9741), Some(0.7120), Some(0.7116)),
    ("2.3", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("3", Some(98.0508), Some(0.9020), Some(0.9020)),
    ("3.1", Some(98.9214), Some(0.8506), Some(0.8505)),
    ("3.1.1", Some(99.5222), Some(0.7777), Some(0.7776)),
    ("3.1.2", Some(99.3991), Some(0.8705), Some(0.8705)),
    ("3.2", Some(99.4519), Some(0.9089), Some(0.9088)),
    ("3.3", Some(99.6776), Some(0.9039), Some(0.9039)),
    ("3.4", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("4", Some(97.9629), Some(0.8928), Some(0.8927)),
    ("4.1", Some(98.7865), Some(0.7981), Some(0.7981)),
    ("4.2", Some(99.2291), Some(0.8363), Some(0.8362)),
    ("4.3", Some(99.3376), Some(0.8903), Some(0.8903)),
    ("4.4", Some(99.5134), Some(0.8545), Some(0.8544)),
    ("5", Some(99.8534), Some(0.9567), Some(0.9567)),
    ("pooled", Some(99.0574), Some(0.8553), Some(0.8552)),
    ("mean", Some(99.0574), Some(0.7919), Some(0.7916)),
];
const EDGE_SEGMENT: Pins = &[
    ("1", Some(16.6667), Some(-0.6667), Some(-0.6429)),
    ("1.1", Some(16.6667), Some(-0.6667), Some(-0.6429)),
    ("1.1.1", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("1.1.2", Some(0.0000), Some(-1.0000), Some(-0.9167)),
    ("1.2", Some(83.3333), Some(0.0000), Some(-0.0455)),
    ("2", Some(16.6667), Some(0.0000), Some(-0.6429)),
    ("3", Some(100.0000), None, None),
    ("pooled", Some(38.8889), Some(-0.2414), Some(-0.2484)),
    ("mean", Some(38.8889), Some(-0.2222), Some(-0.3151)),
];
const EDGE_CHARACTER: Pins = &[
    ("1", Some(44.6367), Some(-0.1008), Some(-0.1068)),
    ("1.1", Some(44.6367), Some(-0.1008), Some(-0.1068)),
    ("1.1.1", Some(100.0000), Some(1.0000), Some(1.0000)),
    ("1.1.2", Some(21.2803), Some(-0.6091), Some(-0.6476)),
    ("1.2", Some(83.5640), Some(0.0000), Some(-0.0886)),
    ("2", Some(38.7543), Some(0.1083), Some(-0.2256)),
    ("3", Some(100.0000), None, None),
    ("pooled", Some(55.4787), Some(0.0601), Some(0.0436)),
    ("mean", Some(55.4787), Some(0.0496), Some(-0.0292)),
];

/// The demo with bea's codings of P02, P04, P07 and P11 added.
fn double_coded_demo() -> TestEnv {
    let env = TestEnv::empty();
    env.ok(&["-q", "demo", "d"]);
    env.ok(&[
        "--project",
        "d/demo.tana",
        "--coder",
        "bea",
        "code",
        "--from",
        "d/second-coder.csv",
    ]);
    env
}

/// The study with five themes, each an edge case of agreement between ana and bea (segments):
/// Vague targets perfect, Concrete targets total disagreement, Training only ana, Customers
/// coded by ana on every segment, Trust by no one.
fn edge_cases() -> TestEnv {
    let env = TestEnv::study();
    let mut csv = String::from("transcript,theme,segment,coder\n");
    let mut add = |coder: &str, t: &str, theme: &str, segs: &[u32]| {
        for s in segs {
            csv.push_str(&format!("{t},{theme},{s},{coder}\n"));
        }
    };
    for c in ["ana", "bea"] {
        add(c, "P01", "Vague targets", &[2]);
        add(c, "P02", "Vague targets", &[2]);
    }
    add("ana", "P01", "Concrete targets", &[1, 2, 3, 4]);
    add("ana", "P02", "Concrete targets", &[1, 2]);
    add("bea", "P02", "Concrete targets", &[3, 4]);
    add("bea", "P03", "Concrete targets", &[1, 2, 3, 4]);
    add("ana", "P01", "Training", &[3, 4]);
    for t in ["P01", "P02", "P03"] {
        add("ana", t, "Customers", &[1, 2, 3, 4]);
    }
    add("bea", "P03", "Customers", &[1, 2]);
    env.write("edge.csv", csv);
    env.ok(&["code", "--from", "edge.csv"]);
    env
}

/// tana's JSON rows against the reference, to 4 decimals; null must match None.
fn assert_matches(json: &str, pins: Pins) {
    let rows: Vec<Value> = serde_json::from_str(json).unwrap();
    assert_eq!(rows.len(), pins.len(), "{json}");
    for (row, (number, agreement, kappa, alpha)) in rows.iter().zip(pins) {
        let label = match row["theme"].as_str().unwrap() {
            "overall (pooled)" => "pooled".to_string(),
            "overall (mean of themes)" => "mean".to_string(),
            _ => row["number"].as_str().unwrap().to_string(),
        };
        assert_eq!(&label, number);
        for (key, want) in [("agreement", agreement), ("kappa", kappa), ("alpha", alpha)] {
            let got = row[key].as_f64();
            match (got, want) {
                (None, None) => {}
                (Some(g), Some(w)) => assert!(
                    (g - w).abs() < 0.00005 + 1e-9,
                    "{number} {key}: tana {g}, reference {w}"
                ),
                _ => panic!("{number} {key}: tana {got:?}, reference {want:?}"),
            }
        }
    }
}

#[test]
fn agree_matches_reference_values_on_the_double_coded_demo() {
    let env = double_coded_demo();
    let p = [
        "--project",
        "d/demo.tana",
        "agree",
        "demo",
        "bea",
        "--format",
        "json",
    ];
    assert_matches(&env.ok(&p), DEMO_SEGMENT);
    let mut c = p.to_vec();
    c.extend(["--unit", "character"]);
    assert_matches(&env.ok(&c), DEMO_CHARACTER);
}

#[test]
fn agree_matches_reference_values_on_the_edge_cases() {
    let env = edge_cases();
    assert_matches(
        &env.ok(&["agree", "ana", "bea", "--format", "json"]),
        EDGE_SEGMENT,
    );
    assert_matches(
        &env.ok(&[
            "agree",
            "ana",
            "bea",
            "--format",
            "json",
            "--unit",
            "character",
        ]),
        EDGE_CHARACTER,
    );
}

#[test]
fn agree_reports_unused_and_constant_themes_in_words_never_nan() {
    let env = edge_cases();
    assert_snapshot!(env.run(&["agree", "ana", "bea"]), @"
    exit: 0
    --- stdout
     number   theme                      units   both   only ana   only bea   neither   agreement   kappa       alpha       note
    ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
     1        Awareness gap                 12      2          4          6         0   16.7%       -0.667      -0.643
     1.1        Knowing the targets         12      2          4          6         0   16.7%       -0.667      -0.643
     1.1.1        Vague targets             12      2          0          0        10   100.0%      1.000       1.000
     1.1.2        Concrete targets          12      0          6          6         0   0.0%        -1.000      -0.917
     1.2        Training                    12      0          2          0        10   83.3%       0.000       -0.045      bea never used it
     2        Customers                     12      2         10          0         0   16.7%       0.000       -0.643      ana coded every unit
     3        Trust                         12      0          0          0        12   100.0%      undefined   undefined   not used by either coder
              overall (pooled)              72      8         26         18        20   38.9%       -0.241      -0.248      6 themes used
              overall (mean of themes)                                                  38.9%       -0.222      -0.315      6 themes used
    Units: segments — a coder coded a segment with a theme when one of their codings of the theme or of a sub-theme overlaps the segment's text (12 segments in 3 transcripts; coders ana and bea).
    Agreement: share of units where both coders agree (both coded the theme, or neither did). Kappa: Cohen's kappa, chance agreement from each coder's own marginals. Alpha: Krippendorff's alpha, nominal, binary per theme.
    Overall: pooled = one 2 × 2 table over every unit × theme pair of the 6 themes used by any coder (alpha pooled the same way); mean = the mean over those themes of the values that are defined. Themes no coder used are left out of both. Parent rows include their sub-themes, so they weigh in more than once.
    Kappa and alpha fall when a theme is rare or very common even if the coders mostly agree (prevalence): read them beside the counts.
    --- stderr
    comparing ana and bea by segment in 3 transcripts both coded: P01, P02, P03
    ");
    let csv = env.ok(&[
        "agree",
        "ana",
        "bea",
        "--format",
        "csv",
        "--unit",
        "transcript",
    ]);
    assert!(!csv.to_lowercase().contains("nan"), "{csv}");
    assert_snapshot!(csv, @"
    number,theme,units,both,only ana,only bea,neither,agreement,kappa,alpha,note
    1,Awareness gap,3,2,0,1,0,66.6667,0.0,0.0,bea coded every unit
    1.1,Knowing the targets,3,2,0,1,0,66.6667,0.0,0.0,bea coded every unit
    1.1.1,Vague targets,3,2,0,0,1,100.0,1.0,1.0,
    1.1.2,Concrete targets,3,1,1,1,0,33.3333,-0.5,-0.25,
    1.2,Training,3,0,1,0,2,66.6667,0.0,0.0,bea never used it
    2,Customers,3,1,2,0,0,33.3333,0.0,-0.25,ana coded every unit
    3,Trust,3,0,0,0,3,100.0,,,not used by either coder
    ,overall (pooled),18,8,4,3,3,61.1111,0.16,0.180602,6 themes used
    ,overall (mean of themes),,,,,,61.1111,0.083333,0.083333,6 themes used
    ");
}

#[test]
fn agree_lists_disagreements_with_text_and_who_coded_what() {
    let env = edge_cases();
    assert_snapshot!(env.run(&["agree", "ana", "bea", "--disagreements", "--theme", "Training", "--format", "md"]), @"
    exit: 0
    --- stdout
    | transcript | segment | number | theme | text | ana | bea |
    | --- | --- | --- | --- | --- | --- | ---: |
    | P01 | 3 | 1.2 | Training | And training? | ✓ |  |
    | P01 | 4 | 1.2 | Training | We had one e-learning module. I think it was about recycling. The module was fine. | ✓ |  |
    --- stderr
    comparing ana and bea by segment in 3 transcripts both coded: P01, P02, P03
    2 segment × theme pairs where ana and bea differ
    ");
    assert_snapshot!(env.ok(&["agree", "ana", "bea", "--disagreements", "--theme", "1.2", "--format", "csv"]), @"
    transcript,segment,number,theme,text,ana,bea
    P01,3,1.2,Training,And training?,1,0
    P01,4,1.2,Training,We had one e-learning module. I think it was about recycling. The module was fine.,1,0
    ");
    let json = env.ok(&[
        "agree",
        "ana",
        "bea",
        "--disagreements",
        "--unit",
        "sentence",
        "--theme",
        "Customers",
        "--format",
        "json",
    ]);
    let rows: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert!(
        rows.iter().all(|r| r["ana"] == true && r["bea"] == false),
        "{json}"
    );
    assert!(
        rows.iter()
            .any(|r| r["sentence"] == "1.1" && r["transcript"] == "P01"),
        "{json}"
    );
}

#[test]
fn agree_rolls_sub_themes_up_into_their_parents() {
    // ana codes Vague targets, bea Concrete targets, on the same segment: they disagree on
    // both sub-themes and agree on the parent.
    let env = TestEnv::study();
    env.write(
        "c.csv",
        "transcript,theme,segment,coder\nP01,Vague targets,2,ana\nP01,Concrete targets,2,bea\n",
    );
    env.ok(&["code", "--from", "c.csv"]);
    let csv = env.ok(&[
        "agree", "ana", "bea", "--format", "csv", "--depth", "3", "--theme", "1",
    ]);
    assert_snapshot!(csv, @"
    number,theme,units,both,only ana,only bea,neither,agreement,kappa,alpha,note
    1,Awareness gap,4,1,0,0,3,100.0,1.0,1.0,
    1.1,Knowing the targets,4,1,0,0,3,100.0,1.0,1.0,
    1.1.1,Vague targets,4,0,1,0,3,75.0,0.0,0.0,bea never used it
    1.1.2,Concrete targets,4,0,0,1,3,75.0,0.0,0.0,ana never used it
    1.2,Training,4,0,0,0,4,100.0,,,not used by either coder
    ,overall (pooled),16,2,1,1,12,87.5,0.589744,0.602564,4 themes used
    ,overall (mean of themes),,,,,,87.5,0.5,0.5,4 themes used
    ");
}

#[test]
fn agree_bootstrap_is_seeded_and_reproducible() {
    let env = double_coded_demo();
    let args = [
        "--project",
        "d/demo.tana",
        "agree",
        "demo",
        "bea",
        "--ci",
        "--reps",
        "200",
        "--depth",
        "1",
        "--format",
        "csv",
    ];
    let one = env.ok(&args);
    assert_eq!(one, env.ok(&args));
    assert!(
        one.lines()
            .next()
            .unwrap()
            .contains("kappa_ci_low,kappa_ci_high"),
        "{one}"
    );
    let mut other = args.to_vec();
    other.extend(["--seed", "2"]);
    assert_ne!(one, env.ok(&other));
    let table = env.ok(&[
        "--project",
        "d/demo.tana",
        "agree",
        "demo",
        "bea",
        "--ci",
        "--reps",
        "200",
        "--depth",
        "1",
    ]);
    assert!(
        table.contains("percentile bootstrap over transcripts"),
        "{table}"
    );
}

#[test]
fn agree_compares_three_coders() {
    let env = edge_cases();
    env.write("c.csv", "transcript,theme,segment,coder\nP01,Vague targets,2,cem\nP02,Vague targets,2,cem\nP03,Customers,2,cem\n");
    env.ok(&["code", "--from", "c.csv"]);
    let out = env.ok(&[
        "agree",
        "--coders",
        "ana,bea,cem",
        "--depth",
        "1",
        "--format",
        "csv",
    ]);
    assert_snapshot!(out, @"
    number,theme,units,all,some,none,agreement,kappa,alpha,note
    1,Awareness gap,12,2,10,0,16.6667,-0.050505,-0.09375,
    2,Customers,12,1,11,0,8.3333,0.208333,-0.222222,ana coded every unit
    3,Trust,12,0,0,12,100.0,,,not used by any coder
    ,overall (pooled),24,3,21,0,12.5,-0.038073,-0.173092,2 themes used
    ,overall (mean of themes),,,,,12.5,0.078914,-0.157986,2 themes used
    ");
    let table = env.ok(&["agree", "ana", "bea", "cem", "--depth", "1"]);
    assert!(
        table.contains("mean of the pairwise Cohen's kappas"),
        "{table}"
    );
}

#[test]
fn agree_refuses_unknown_coders_one_coder_and_nothing_in_common() {
    let env = edge_cases();
    assert_snapshot!(env.run(&["agree", "ana", "zed"]), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: no coder named "zed" has worked in this project
    hint: "tana coder list" lists the coders
    "#);
    assert_snapshot!(env.run(&["agree", "ana"]), @"
    exit: 2
    --- stdout
    --- stderr
    error: name at least two coders to compare
    hint: e.g. tana agree ana bea, or tana agree --coders ana,bea,cem
    ");
    env.write("c.csv", "transcript,theme,segment,coder\nP01,Trust,4,cem\n");
    env.ok(&["code", "--from", "c.csv"]);
    env.write("d.csv", "transcript,theme,segment,coder\nP03,Trust,4,dan\n");
    env.ok(&["code", "--from", "d.csv"]);
    assert_snapshot!(env.run(&["agree", "cem", "dan"]), @"
    exit: 1
    --- stdout
    --- stderr
    error: cem and dan have not coded any transcript in common
    hint: each coder needs at least one coding in a transcript to compare it; or name transcripts with --transcripts
    ");
    // --transcripts overrides "both coded".
    let out = env.run(&[
        "agree",
        "cem",
        "dan",
        "--transcripts",
        "P01,P03",
        "--theme",
        "Trust",
        "--format",
        "csv",
    ]);
    assert_snapshot!(out, @"
    exit: 0
    --- stdout
    number,theme,units,both,only cem,only dan,neither,agreement,kappa,alpha,note
    3,Trust,8,0,1,1,6,75.0,-0.142857,-0.071429,
    ,overall (pooled),8,0,1,1,6,75.0,-0.142857,-0.071429,1 theme used
    ,overall (mean of themes),,,,,,75.0,-0.142857,-0.071429,1 theme used
    --- stderr
    comparing cem and dan by segment in 2 transcripts named with --transcripts: P01, P03
    ");
    assert_eq!(
        env.fails(&["agree", "ana", "bea", "--consensus", "bea"], 2)
            .lines()
            .count(),
        2
    );
}

#[test]
fn consensus_codes_what_both_agreed_on_once_and_undo_reverts_it() {
    let env = edge_cases();
    let before = env.ok(&["--coder", "ana", "freq", "--format", "csv"]);
    assert_snapshot!(env.run(&["agree", "ana", "bea", "--consensus", "team"]), @r#"
    exit: 0
    --- stdout
     number   theme              to decide
    ───────────────────────────────────────
     1.1.2    Concrete targets          12
     1.2      Training                   2
     2        Customers                 10
    --- stderr
    comparing ana and bea by segment in 3 transcripts both coded: P01, P02, P03
    team: 4 codings where ana and bea agree (change 5; "tana undo" reverts it)
    left to decide: 24 segment × theme pairs where the coders differ on a theme's own codings (sub-themes not rolled up); list them with "tana agree ana bea --disagreements"; decide by coding as team, e.g. tana --coder team code P01 1 1.1.2
    "#);
    // team has Vague targets on P01 2 and P02 2, and Customers on P03 1 and 2: nothing else.
    assert_snapshot!(env.ok(&["--coder", "team", "freq", "--measure", "segments", "--format", "csv"]), @"
    number,theme,P01,P02,P03,participants,percent
    1,Awareness gap,1,1,0,2,66.7
    1.1,Knowing the targets,1,1,0,2,66.7
    1.1.1,Vague targets,1,1,0,2,66.7
    1.1.2,Concrete targets,0,0,0,0,0.0
    1.2,Training,0,0,0,0,0.0
    2,Customers,0,0,2,1,33.3
    3,Trust,0,0,0,0,0.0
    ");
    // Running it again adds nothing and logs nothing.
    let log = env.ok(&["log", "--format", "csv"]);
    assert_snapshot!(env.run(&["-q", "agree", "ana", "bea", "--consensus", "team"]), @"
    exit: 0
    --- stdout
     number   theme              to decide
    ───────────────────────────────────────
     1.1.2    Concrete targets          12
     1.2      Training                   2
     2        Customers                 10
    --- stderr
    ");
    assert_eq!(log, env.ok(&["log", "--format", "csv"]));
    // Deciding is ordinary coding as team; reports then use --coder team.
    env.ok(&["--coder", "team", "code", "P01", "4", "Training"]);
    let freq = env.ok(&["--coder", "team", "freq", "--format", "csv", "--depth", "2"]);
    assert!(freq.contains("1.2,Training,1,0,0"), "{freq}");
    // Undo the decision, then the consensus: team is empty again, ana untouched.
    env.ok(&["undo"]);
    env.ok(&["undo"]);
    let empty = env.ok(&["--coder", "team", "freq", "--format", "csv", "--depth", "1"]);
    assert!(empty.contains("1,Awareness gap,0,0,0,0,0.0"), "{empty}");
    assert_eq!(
        before,
        env.ok(&["--coder", "ana", "freq", "--format", "csv"])
    );
}
