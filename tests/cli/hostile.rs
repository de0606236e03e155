//! Hostile and odd input: deep code trees, zip files that expand too far, control characters
//! in names, malformed attribute CSVs and killed imports. Each is refused (or made safe) in
//! bounded time, with a message that names the place, and leaves the project as it was.

use std::io::Write;
use std::time::{Duration, Instant};

use insta::assert_snapshot;

use crate::TestEnv;

/// A guid for the n-th generated element.
fn guid(n: usize) -> String {
    format!("aaaaaaaa-0000-4000-8000-{n:012}")
}

/// `depth` codes, each inside the one before, one per line.
fn nested_codes(depth: usize) -> String {
    let mut s = String::from("<Codes>\n");
    for i in 0..depth {
        s.push_str(&format!(
            "<Code guid=\"{}\" name=\"C{}\" isCodable=\"true\">\n",
            guid(i),
            i + 1
        ));
    }
    s.push_str(&"</Code>".repeat(depth));
    s.push_str("\n</Codes>\n");
    s
}

fn deep_qdc(depth: usize) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"script\">\n{}</CodeBook>\n",
        nested_codes(depth)
    )
}

/// A project XML with the given codebook, users, variables, cases and sources.
fn qde(codes: &str, users: &str, variables: &str, cases: &str, sources: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\" origin=\"script\">\n<Users>{users}</Users>\n<CodeBook>{codes}</CodeBook>\n<Variables>{variables}</Variables>\n<Cases>{cases}</Cases>\n<Sources>{sources}</Sources>\n</Project>\n"
    )
}

/// A text source whose text is `sources/NAME.txt`.
fn text_source(n: usize, name: &str) -> String {
    format!(
        "<TextSource guid=\"{}\" name=\"{name}\" plainTextPath=\"internal://s{n}.txt\"/>",
        guid(1000 + n)
    )
}

/// Write a `.qdpx` of (entry name, bytes), deflated.
fn write_qdpx(env: &TestEnv, rel: &str, entries: &[(String, Vec<u8>)]) {
    let f = std::fs::File::create(env.path().join(rel)).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in entries {
        z.start_file(name.as_str(), opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

/// Files in the test folder whose names start with a dot (where temporary files go).
fn hidden_files(env: &TestEnv) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    v.sort();
    v
}

/// Run and insist it took less than `limit` (a debug build on a busy machine: generous).
fn fails_within(env: &TestEnv, args: &[&str], limit: Duration) -> String {
    let started = Instant::now();
    let err = env.fails(args, 1);
    let took = started.elapsed();
    assert!(took < limit, "tana {args:?} took {took:?}");
    err
}

// ---------------------------------------------------------------------------------------
// Depth
// ---------------------------------------------------------------------------------------

#[test]
fn codebooks_nested_deeper_than_100_levels_are_refused_at_once_with_the_line() {
    let env = TestEnv::study();
    let before = env.dump();
    env.write("deep.qdc", deep_qdc(10_000));
    assert_snapshot!(fails_within(&env, &["template", "import", "deep.qdc"], Duration::from_secs(5)), @r#"
    error: deep.qdc, line 104: code "C101": themes nested deeper than 100 levels; tana supports templates up to 100 levels
    hint: a template rarely needs more than ten levels; flatten the deepest branch
    "#);
    env.write("deep.qdc", deep_qdc(101));
    env.fails(&["template", "import", "deep.qdc"], 1);
    assert_eq!(before, env.dump());
}

#[test]
fn a_template_100_levels_deep_imports_and_every_view_walks_it() {
    let env = TestEnv::new();
    env.write("deep.qdc", deep_qdc(100));
    env.ok(&["template", "import", "deep.qdc"]);
    let csv = env.ok(&["template", "--format", "csv"]);
    assert_eq!(csv.lines().count(), 101, "{csv}");
    let deepest = format!("1{}", ".1".repeat(99));
    assert!(csv.contains(&format!("\n{deepest},")), "{csv}");
    // Export and read back: the same tree.
    env.ok(&["codebook", "--format", "qdc", "-o", "back.qdc"]);
    let back = env.read("back.qdc");
    assert_eq!(back.matches("<Code ").count(), 100);
    assert_eq!(
        back.matches("</Code>").count(),
        99,
        "one empty element, 99 closed"
    );
    env.ok(&["init", "again.tana"]);
    env.ok(&["--project", "again.tana", "template", "import", "back.qdc"]);
    assert_eq!(
        env.ok(&["--project", "again.tana", "template", "--format", "csv"]),
        csv
    );
    std::fs::remove_file(env.path().join("again.tana")).unwrap();
    env.ok(&["freq"]);
    env.ok(&["template", "export", "--format", "md"]);
    // Nothing can be added or moved below level 100.
    let before = env.dump();
    assert_snapshot!(env.fails(&["theme", "add", &format!("{deepest}/Deeper")], 1), @r#"
    error: theme "Deeper": themes nested deeper than 100 levels; tana supports templates up to 100 levels
    hint: a template rarely needs more than ten levels; flatten the deepest branch
    "#);
    env.ok(&["theme", "add", "Other/Child", "--parents"]);
    let before_move = env.dump();
    assert_snapshot!(env.fails(&["theme", "move", "Other", "--under", &format!("1{}", ".1".repeat(98))], 1), @r#"
    error: moving 2 Other under 1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1 C99: themes nested deeper than 100 levels; tana supports templates up to 100 levels
    hint: a template rarely needs more than ten levels; flatten the deepest branch
    "#);
    assert_eq!(before_move, env.dump());
    // A leaf may go there.
    env.ok(&[
        "theme",
        "move",
        "Other/Child",
        "--under",
        &format!("1{}", ".1".repeat(98)),
    ]);
    assert_ne!(before, env.dump());
}

#[test]
fn qdpx_projects_nested_deeper_than_100_levels_are_refused_and_leave_nothing() {
    let env = TestEnv::empty();
    let project = qde(&nested_codes(10_000), "", "", "", "");
    write_qdpx(
        &env,
        "deep.qdpx",
        &[("project.qde".into(), project.into_bytes())],
    );
    assert_snapshot!(fails_within(&env, &["import", "deep.qdpx"], Duration::from_secs(5)), @r#"
    error: deep.qdpx: project.qde at byte 8111: code "C101": themes nested deeper than 100 levels; tana supports templates up to 100 levels
    hint: a template rarely needs more than ten levels; flatten the deepest branch
    "#);
    assert!(!env.path().join("deep.tana").exists());
    assert_eq!(hidden_files(&env), Vec::<String>::new());
}

#[test]
fn outlines_indented_deeper_than_100_levels_are_refused_with_the_line() {
    let env = TestEnv::study();
    let before = env.dump();
    let outline: String = (0..10_000)
        .map(|i| format!("{}- T{i}\n", "  ".repeat(i)))
        .collect();
    env.write("deep.md", outline);
    assert_snapshot!(fails_within(&env, &["template", "import", "deep.md"], Duration::from_secs(5)), @r"
    error: deep.md, line 101: themes nested deeper than 100 levels; tana supports templates up to 100 levels
    hint: a template rarely needs more than ten levels; flatten the deepest branch
    ");
    // The outline editor too.
    let edited: String = (0..101)
        .map(|i| format!("{}- E{i}\n", "  ".repeat(i)))
        .collect();
    env.write("edited.md", edited);
    assert_snapshot!(env.fails(&["template", "edit", "--file", "edited.md", "--yes"], 1), @r"
    error: line 101: themes nested deeper than 100 levels; tana supports templates up to 100 levels
    hint: a template rarely needs more than ten levels; flatten the deepest branch
    ");
    // A wide outline is quick too (duplicates are found by lookup, not by scanning).
    let wide: String = (0..5_000).map(|i| format!("- W{i}\n")).collect();
    env.write("wide.md", format!("{wide}- W7\n"));
    assert_snapshot!(fails_within(&env, &["template", "import", "wide.md"], Duration::from_secs(5)), @r#"
    error: wide.md, line 5001: theme "W7" is listed twice at the same level (first on line 8)
    hint: sibling themes need different names
    "#);
    assert_eq!(before, env.dump());
}

#[test]
fn theme_add_with_parents_stops_at_100_levels() {
    let env = TestEnv::new();
    let path: Vec<String> = (1..=101).map(|i| format!("L{i}")).collect();
    let before = env.dump();
    assert_snapshot!(env.fails(&["theme", "add", &path.join("/"), "--parents"], 1), @r#"
    error: theme "L101": themes nested deeper than 100 levels; tana supports templates up to 100 levels
    hint: a template rarely needs more than ten levels; flatten the deepest branch
    "#);
    assert_eq!(before, env.dump());
    env.ok(&["theme", "add", &path[..100].join("/"), "--parents"]);
}

// ---------------------------------------------------------------------------------------
// Size
// ---------------------------------------------------------------------------------------

#[test]
fn qdpx_sources_that_expand_past_max_size_are_refused_naming_the_source() {
    let env = TestEnv::empty();
    let sources: String = (0..3).map(|i| text_source(i, &format!("P0{i}"))).collect();
    let project = qde("", "", "", "", &sources);
    let mut entries = vec![("project.qde".to_string(), project.into_bytes())];
    for i in 0..3 {
        // 600 KiB of words each, compressing to a few KiB.
        let text = "Interviewer: And then?\n\nP1: We recycled everything. ".repeat(12_000);
        entries.push((
            format!("sources/s{i}.txt"),
            text.as_bytes()[..600 << 10].to_vec(),
        ));
    }
    write_qdpx(&env, "big.qdpx", &entries);
    let size = std::fs::metadata(env.path().join("big.qdpx"))
        .unwrap()
        .len();
    assert!(size < 100 << 10, "{size}");
    assert_snapshot!(env.fails(&["import", "big.qdpx", "--max-size", "1M"], 1), @r#"
    error: big.qdpx: source "P01" (sources/s1.txt) takes the texts past 1 MiB, the limit on the expanded size of a project's sources; nothing was imported
    hint: if the file is genuine, raise the limit with --max-size (e.g. --max-size 2M)
    "#);
    assert!(!env.path().join("big.tana").exists());
    assert_eq!(hidden_files(&env), Vec::<String>::new());
    assert_snapshot!(env.fails(&["import", "big.qdpx", "--max-size", "lots"], 2), @r#"
    error: invalid value 'lots' for '--max-size <SIZE>': "lots" is not a size (use K, M, G or T, e.g. 4G)

    For more information, try '--help'.
    "#);
    env.ok(&["import", "big.qdpx", "--max-size", "1.8M"]);
    let listed = env.ok(&["--project", "big.tana", "transcripts", "--format", "csv"]);
    assert_eq!(listed.lines().count(), 4, "{listed}");
    // Only for projects.
    env.write("a.txt", "hello");
    env.ok(&["init", "s.tana"]);
    env.fails(
        &["--project", "s.tana", "import", "a.txt", "--max-size", "1M"],
        2,
    );
}

// ---------------------------------------------------------------------------------------
// Control characters in names
// ---------------------------------------------------------------------------------------

#[test]
fn names_with_control_characters_are_refused_everywhere_they_are_typed() {
    let env = TestEnv::study();
    let before = env.dump();
    assert_snapshot!(env.fails(&["theme", "add", "Aware\u{1b}[31mness"], 1), @r#"
    error: theme name "Aware\u{1b}[31mness" contains a control character (ESC) at position 6; names cannot contain control characters
    hint: type the name again without it (tab, newline and terminal escapes are control characters)
    "#);
    assert_snapshot!(env.fails(&["theme", "rename", "Trust", "Tru\u{7}st"], 1), @r#"
    error: theme name "Tru\u{7}st" contains a control character (BEL) at position 4; names cannot contain control characters
    hint: type the name again without it (tab, newline and terminal escapes are control characters)
    "#);
    env.fails(&["theme", "add", "Customers/Right\u{202e}to left"], 1);
    env.fails(&["theme", "add", "Two\nlines"], 1);
    env.write("t.md", "- Fine\n- Tab\tbed [integrative]\n- Bell\u{7}\n");
    assert_snapshot!(env.fails(&["template", "import", "t.md"], 1), @r#"
    error: t.md, line 3: theme name "Bell\u{7}" contains a control character (BEL) at position 5; names cannot contain control characters
    hint: remove the control characters from the file
    "#);
    assert_snapshot!(env.fails(&["attr", "set", "P01", "ro\u{1b}le=x"], 1), @r#"
    error: attribute name "ro\u{1b}le" contains a control character (ESC) at position 3; names cannot contain control characters
    hint: type the name again without it (tab, newline and terminal escapes are control characters)
    "#);
    env.fails(&["attr", "set", "P01", "role=x\u{9b}y"], 1);
    env.write("P04.txt", "A: hello\n");
    assert_snapshot!(env.fails(&["import", "P04.txt", "--name", "P\u{1}4"], 1), @r#"
    error: transcript name "P\u{1}4" contains a control character (U+0001) at position 2; names cannot contain control characters
    hint: choose another name with --name
    "#);
    env.write("P\u{1b}05.txt", "A: hello\n");
    env.fails(&["import", "P\u{1b}05.txt"], 1);
    assert_snapshot!(env.fails(&["--coder", "ana\u{1b}[2J", "theme", "add", "New"], 1), @r#"
    error: coder name "ana\u{1b}[2J" contains a control character (ESC) at position 4; names cannot contain control characters
    hint: type the name again without it (tab, newline and terminal escapes are control characters)
    "#);
    let out = env
        .command(&["theme", "add", "New"])
        .env("TANA_CODER", "ana\u{7f}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("(DEL) at position 4"));
    env.fails(&["coder", "add", "x\ty"], 1);
    env.fails(&["template", "save", "T\u{1b}1"], 1);
    env.fails(&["template", "save", "T\u{85}1"], 2);
    assert_eq!(before, env.dump());
}

#[test]
fn qdc_and_qdpx_names_with_control_characters_are_replaced_and_reported() {
    let env = TestEnv::empty();
    let codes = format!(
        "<Codes><Code guid=\"{}\" name=\"Aware&#x1b;[31mness\" isCodable=\"true\"/></Codes>",
        guid(1)
    );
    let users = format!("<User guid=\"{}\" name=\"Ana&#x7;\"/>", guid(2));
    let variables = format!(
        "<Variable guid=\"{}\" name=\"ro&#x9;le\" typeOfVariable=\"Text\"/>",
        guid(3)
    );
    let cases = format!(
        "<Case guid=\"{}\" name=\"Case&#xa;one\"><VariableValue><VariableRef targetGUID=\"{}\"/><TextValue>line one&#xa;line two</TextValue></VariableValue><SourceRef targetGUID=\"{}\"/></Case>",
        guid(4),
        guid(3),
        guid(1000)
    );
    let sources = text_source(0, "P01&#x1b;]0;pwned&#x7;");
    let project = qde(&codes, &users, &variables, &cases, &sources);
    write_qdpx(
        &env,
        "odd.qdpx",
        &[
            ("project.qde".into(), project.into_bytes()),
            ("sources/s0.txt".into(), b"A: hello there\n".to_vec()),
        ],
    );
    assert_snapshot!(env.run(&["import", "odd.qdpx"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    imported odd.qdpx (script) into odd.tana: 1 transcript, 1 theme, 0 codings (0 with a memo), 2 coders, 2 attribute values, 0 memos, 0 journal entries
    positions read as code points
    warning: not imported or changed (5):
      - user "Ana\u{7}" renamed "Ana" (control characters in names are replaced by spaces)
      - codebook: code "Aware\u{1b}[31mness" renamed "Aware [31mness" (control characters in names are replaced by spaces)
      - source "P01\u{1b}]0;pwned\u{7}" renamed "P01-]0;pwned-" (control characters in names are replaced by "-")
      - variable "ro\tle" renamed "ro le" (control characters in names are replaced by spaces)
      - 2 attribute value(s) held control characters (such as line breaks), replaced by spaces
    use it with: tana --project odd.tana freq
    "#);
    assert_snapshot!(env.ok(&["--project", "odd.tana", "attr", "list", "--format", "csv"]), @r"
    transcript,case,ro le
    P01-]0;pwned-,Case one,line one line two
    ");
    assert_snapshot!(env.ok(&["--project", "odd.tana", "template", "--format", "csv"]), @"
    number,theme,path,level,kind,origin,links,codings,participants
    1,Aware [31mness,Aware [31mness,1,hierarchical,emergent,,0,0
    ");
    // A codebook on its own says which line.
    env.write(
        "odd.qdc",
        format!(
            "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">\n<Codes>\n<Code guid=\"{}\" name=\"Tab&#x9;bed\"/>\n</Codes></CodeBook>\n",
            guid(9)
        ),
    );
    env.ok(&["init", "c.tana"]);
    assert_snapshot!(env.run(&["--project", "c.tana", "template", "import", "odd.qdc"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    warning: odd.qdc: line 3: code "Tab\tbed" renamed "Tab bed" (control characters in names are replaced by spaces)
    imported odd.qdc: 1 theme(s) added, 0 unchanged, 0 conflict(s)
    "#);
}

#[test]
fn names_and_texts_stored_with_control_characters_are_escaped_on_the_terminal() {
    let env = TestEnv::study();
    // An older tana stored these as they came.
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    conn.execute(
        "UPDATE theme SET name = 'Trust' || char(27) || '[31m' WHERE name = 'Trust'",
        [],
    )
    .unwrap();
    conn.execute(
        "UPDATE attribute SET value = 'lead' || char(7) WHERE value = 'lead'",
        [],
    )
    .unwrap();
    drop(conn);
    env.write(
        "P09.txt",
        "A: clear\u{1b}[2J screen\tand a tab\u{9b}31m\n\nB: fine\n",
    );
    env.ok(&["import", "P09.txt"]);
    let template = env.ok(&["template"]);
    assert!(template.contains("Trust\\u{1b}[31m"), "{template}");
    assert!(!template.contains('\u{1b}'), "{template}");
    let md = env.ok(&["attr", "list", "--format", "md"]);
    assert!(md.contains("lead\\u{7}") && !md.contains('\u{7}'), "{md}");
    // CSV and JSON keep the data exact.
    assert!(env
        .ok(&["template", "--format", "csv"])
        .contains("Trust\u{1b}[31m"));
    assert!(env
        .ok(&["template", "--format", "json"])
        .contains("Trust\\u001b[31m"));
    assert_snapshot!(env.ok(&["show", "P09"]), @r"
       1  A: clear\u{1b}[2J screen	and a tab\u{9b}31m
       2  B: fine
    ");
    env.ok(&["code", "P09", "1", "Customers"]);
    let quotes = env.ok(&["quotes", "Customers", "--format", "md"]);
    assert!(
        quotes.contains("clear\\u{1b}[2J") && !quotes.contains('\u{1b}'),
        "{quotes}"
    );
    let search = env.ok(&["search", "screen"]);
    assert!(
        search.contains("\\u{1b}[2J") && !search.contains('\u{1b}'),
        "{search}"
    );
    // Messages on stderr, too.
    let err = env.fails(&["theme", "add", "Trust\u{1b}[31m/Trust\u{1b}[31m"], 1);
    assert!(
        err.contains("\"Trust\\u{1b}[31m\"") && !err.contains('\u{1b}'),
        "{err}"
    );
    assert_snapshot!(env.run(&["theme", "add", "Trust\u{1b}[31m/Child"]), @r"
    exit: 0
    --- stdout
    --- stderr
    added 3.1 Child (Trust\u{1b}[31m/Child)
    1 transcript(s) coded earlier flagged for re-reading (tana review)
    logged as revision 6
    ");
    let out = env.command(&["freq"]).output().unwrap();
    assert!(
        !out.stdout.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

// ---------------------------------------------------------------------------------------
// Malformed attribute CSVs
// ---------------------------------------------------------------------------------------

#[test]
fn attr_import_refuses_malformed_csv_with_the_line_and_changes_nothing() {
    let env = TestEnv::study();
    let before = env.dump();
    let refuse = |name: &str, csv: &str| -> String {
        env.write(name, csv);
        let err = env.fails(&["attr", "import", name], 1);
        assert_eq!(before, env.dump(), "{name}");
        err
    };
    assert_snapshot!(refuse("quote.csv", "transcript,role\nP01,\"manager\nP02,lead\nP03,sales\n"), @r#"
    error: quote.csv, line 2: a quoted field is not closed, so it would swallow every row after it
    hint: add the closing " (a quote inside a quoted field is written twice: "")
    "#);
    assert_snapshot!(refuse("fields.csv", "transcript,role,sector\nP01,manager\nP02,lead,IT,extra\nP03,sales,IT\n"), @r#"
    error: fields.csv: 2 bad row(s), nothing was changed:
      line 2: 2 field(s), but the header has 3
      line 3: 4 fields, but the header has 3 (put double quotes around text that contains a comma)
    hint: fix these rows and run the command again
    "#);
    assert_snapshot!(refuse("noheader.csv", "P01,manager\nP02,lead\n"), @r#"
    error: noheader.csv, line 1: the header has no "transcript" column (it reads: P01,manager)
    hint: the first row names the columns: transcript, then the attributes (e.g. transcript,role,sector)
    "#);
    assert_snapshot!(refuse("twice.csv", "transcript,role,Role\nP01,a,b\n"), @r#"
    error: twice.csv, line 1, column 3: "Role" is also the name of column 2
    hint: each attribute has one column
    "#);
    assert_snapshot!(refuse("empty.csv", "transcript,role,,sector\nP01,a,,b\n"), @r#"
    error: empty.csv, line 1, column 3: the column has no name
    hint: every column after "transcript" names an attribute
    "#);
    assert_snapshot!(refuse("rows.csv", "transcript,role\nP01,a\n,b\nP01,c\nP02,x\u{1b}[2J\n"), @r#"
    error: rows.csv: 3 bad row(s), nothing was changed:
      line 3: the transcript is empty
      line 4: transcript "P01" is also on line 2
      line 5: value of attribute "role" "x\u{1b}[2J" contains a control character (ESC) at position 2; names cannot contain control characters
    hint: fix these rows and run the command again
    "#);
    refuse("only.csv", "transcript\nP01\n");
    // The transcript column may stand anywhere.
    env.write("moved.csv", "role,transcript\nboss,P01\n");
    env.ok(&["attr", "import", "moved.csv"]);
    assert!(env
        .ok(&["attr", "list", "--format", "csv"])
        .contains("P01,boss,IT"));
}

// ---------------------------------------------------------------------------------------
// Killed imports
// ---------------------------------------------------------------------------------------

#[test]
fn a_killed_qdpx_import_leaves_nothing_after_the_next_import() {
    let env = TestEnv::empty();
    // Sources big enough that the import is still running when it is killed.
    let n = 12;
    let sources: String = (0..n)
        .map(|i| text_source(i, &format!("P{i:02}")))
        .collect();
    let mut entries = vec![(
        "project.qde".to_string(),
        qde("", "", "", "", &sources).into_bytes(),
    )];
    let turn = "Interviewer: And then?\n\nP1: We recycled everything, all of it, every week.\n\n";
    for i in 0..n {
        entries.push((
            format!("sources/s{i}.txt"),
            turn.repeat(200_000).into_bytes(),
        ));
    }
    write_qdpx(&env, "big.qdpx", &entries);
    let mut child = env
        .command(&["import", "big.qdpx", "-q"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for its project in the making to appear, then kill it.
    let started = Instant::now();
    while hidden_files(&env).is_empty() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        still_running,
        "the import finished before it could be killed"
    );
    let left = hidden_files(&env);
    assert!(
        !left.is_empty(),
        "a killed import leaves its temporary files"
    );
    assert!(left.iter().all(|f| f.contains(".import-")), "{left:?}");
    // The next import, of anything, into the same folder, clears them away.
    let small = qde("", "", "", "", &text_source(0, "P01"));
    write_qdpx(
        &env,
        "small.qdpx",
        &[
            ("project.qde".into(), small.into_bytes()),
            ("sources/s0.txt".into(), b"A: hi\n".to_vec()),
        ],
    );
    env.ok(&["import", "small.qdpx"]);
    assert_eq!(hidden_files(&env), Vec::<String>::new());
    assert!(!env.path().join("big.tana").exists());
}

/// A text is written once: nothing rewrites the row after it is inserted, which would leave
/// the first copy's pages behind as free space (a quarter of a GB on 8 sources of 250 MB).
#[test]
fn imported_texts_are_stored_once_without_free_space_left_behind() {
    let env = TestEnv::new();
    // One long paragraph: one segment, so no later insert reuses freed pages.
    env.write(
        "P01.txt",
        "We recycled everything, every week. ".repeat(80_000),
    );
    let turn = "Interviewer: And then?\n\nP1: We recycled everything, every week.\n\n";
    env.ok(&["import", "P01.txt"]);
    let project = qde("", "", "", "", &text_source(0, "P02"));
    write_qdpx(
        &env,
        "one.qdpx",
        &[
            ("project.qde".into(), project.into_bytes()),
            ("sources/s0.txt".into(), turn.repeat(40_000).into_bytes()),
        ],
    );
    env.ok(&["import", "one.qdpx"]);
    for (file, guid) in [("study.tana", None), ("one.tana", Some(guid(1000)))] {
        let conn = rusqlite::Connection::open(env.path().join(file)).unwrap();
        let free: i64 = conn
            .query_row("PRAGMA freelist_count", [], |r| r.get(0))
            .unwrap();
        assert_eq!(free, 0, "{file}");
        let stored: String = conn
            .query_row("SELECT guid FROM transcript", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored.len(), 36, "{file}");
        if let Some(g) = guid {
            assert_eq!(stored, g);
        }
    }
}
