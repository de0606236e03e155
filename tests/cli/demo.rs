use crate::TestEnv;

#[test]
fn demo_builds_the_study_and_rebuilds_it_cleanly() {
    let env = TestEnv::empty();
    let out = env.command(&["demo", "d"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("1 Awareness gap *"), "{stdout}");
    assert!(
        stdout.contains("5 Trust and credibility (integrative: 1.1; 3.1; 4.2)"),
        "{stdout}"
    );
    assert!(stdout.contains("P17   participants   percent"), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("17 transcripts"), "{stderr}");
    // Second run rebuilds.
    let out = env.command(&["demo", "d"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("rebuilding the demo project"));
    // The built project is an ordinary project.
    let project = env.path().join("d/demo.tana");
    let project = project.to_str().unwrap();
    let csv = env.ok(&[
        "--project",
        project,
        "freq",
        "--format",
        "csv",
        "--depth",
        "1",
    ]);
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "number,theme,P01,P02,P03,P04,P05,P06,P07,P08,P09,P10,P11,P12,P13,P14,P15,P16,P17,participants,percent"
    );
    let transcripts = env.ok(&["--project", project, "transcripts", "--format", "csv"]);
    assert_eq!(transcripts.lines().count(), 18);
    for line in transcripts.lines().skip(1) {
        let speakers: usize = line.split(',').nth(1).unwrap().parse().unwrap();
        assert_eq!(speakers, 2, "{line}");
    }
}

#[test]
fn demo_refuses_to_touch_a_project_that_is_not_a_demo() {
    let env = TestEnv::empty();
    std::fs::create_dir_all(env.path().join("d")).unwrap();
    env.ok(&["init", "d/demo.tana"]);
    let err = env.fails(&["demo", "d"], 1);
    assert!(err.contains("is not a demo project"), "{err}");
}
