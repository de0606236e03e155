use crate::TestEnv;
use insta::assert_snapshot;

#[test]
fn init_creates_a_project_and_refuses_to_overwrite() {
    let env = TestEnv::empty();
    assert_snapshot!(env.run(&["init", "study.tana"]), @r"
    exit: 0
    --- stdout
    --- stderr
    created project study.tana
    ");
    assert_snapshot!(env.run(&["init", "study.tana"]), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: study.tana already exists
    hint: choose another name, or use the existing project with --project
    "#);
}

#[test]
fn discovery_without_a_project_says_how_to_make_one() {
    let env = TestEnv::empty();
    assert_snapshot!(env.run(&["transcripts"]), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: no tana project found in the current directory
    hint: create one with "tana init study.tana", or name one with --project PATH or TANA_PROJECT
    "#);
}

#[test]
fn discovery_with_two_projects_asks_which() {
    let env = TestEnv::empty();
    env.ok(&["init", "a.tana"]);
    env.ok(&["init", "b.tana"]);
    assert_snapshot!(env.run(&["template"]), @r"
    exit: 1
    --- stdout
    --- stderr
    error: several tana projects in the current directory: a.tana, b.tana
    hint: choose one with --project PATH or TANA_PROJECT
    ");
    env.ok(&["--project", "a.tana", "theme", "add", "Only in A"]);
    let out = env
        .command(&["template", "--format", "csv"])
        .env("TANA_PROJECT", "a.tana")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Only in A"));
    assert!(!env
        .ok(&["--project", "b.tana", "template", "--format", "csv"])
        .contains("Only in A"));
}

#[test]
fn unknown_project_path_is_a_clear_error() {
    let env = TestEnv::empty();
    assert_snapshot!(env.run(&["--project", "missing.tana", "freq"]), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: no project at missing.tana
    hint: create one with "tana init missing.tana", or check --project / TANA_PROJECT
    "#);
}

#[test]
fn a_file_that_is_not_a_project_is_refused() {
    let env = TestEnv::empty();
    env.write("notes.tana", "just text");
    let err = env.fails(&["template"], 1);
    assert!(err.contains("is not a tana project"), "{err}");
}

#[test]
fn a_project_from_a_newer_tana_is_refused() {
    let env = TestEnv::new();
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = env.fails(&["transcripts"], 1);
    assert!(
        err.contains("written by a newer tana (schema version 999"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::new();
    env.fails(&["freq", "--measure", "bogus"], 2);
    env.fails(&["code", "P01"], 2);
    env.fails(&["no-such-command"], 2);
}

#[test]
fn quiet_silences_messages_but_not_data() {
    let env = TestEnv::new();
    assert_snapshot!(env.run(&["-q", "theme", "add", "Awareness"]), @r"
    exit: 0
    --- stdout
    --- stderr
    ");
    assert_snapshot!(env.run(&["-q", "template", "export"]), @r"
    exit: 0
    --- stdout
    - Awareness
    --- stderr
    ");
}

#[test]
fn schema_uses_strict_tables_wal_and_foreign_keys() {
    let env = TestEnv::new();
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 7);
}
