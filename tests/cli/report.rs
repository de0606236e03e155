//! `tana report`, and the HTML, Word and Excel formats of the table commands.

use std::io::Read;

use insta::assert_snapshot;

use crate::TestEnv;

/// The demo study, built in `d/`.
fn demo() -> (TestEnv, String) {
    let env = TestEnv::empty();
    env.ok(&["demo", "d"]);
    let project = env.path().join("d/demo.tana").display().to_string();
    (env, project)
}

/// Check that an HTML page is well formed: every element closed in order (void elements
/// excepted), attributes quoted, `&` only in entities, `<` only in tags. Returns the tags.
fn assert_well_formed(html: &str) -> Vec<String> {
    const VOID: [&str; 6] = ["meta", "br", "hr", "img", "input", "link"];
    let mut open: Vec<String> = Vec::new();
    let mut tags = Vec::new();
    let mut rest = html;
    let entity = regex::Regex::new(r"^&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);").unwrap();
    let attr = regex::Regex::new(r#"^\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(="[^"<]*")?"#).unwrap();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("<!DOCTYPE html>") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->").expect("comment closed") + 3..];
        } else if let Some(r) = rest.strip_prefix("</") {
            let end = r.find('>').expect("end tag closed");
            let name = &r[..end];
            assert_eq!(
                open.pop().as_deref(),
                Some(name),
                "</{name}> closes the wrong element"
            );
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix('<') {
            let name_end = r
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .expect("tag name");
            let name = r[..name_end].to_string();
            assert!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "bad tag name {name:?}"
            );
            let mut a = &r[name_end..];
            while let Some(m) = attr.find(a) {
                a = &a[m.end()..];
            }
            let a = a.trim_start();
            let self_closed = a.starts_with("/>");
            assert!(
                self_closed || a.starts_with('>'),
                "<{name}: malformed attributes near {:?}",
                &a[..a.len().min(40)]
            );
            rest = &a[if self_closed { 2 } else { 1 }..];
            tags.push(name.clone());
            if name == "style" {
                let end = rest.find("</style>").expect("style closed");
                rest = &rest[end + "</style>".len()..];
            } else if !self_closed && !VOID.contains(&name.as_str()) {
                open.push(name);
            }
        } else if rest.starts_with('&') {
            let m = entity
                .find(rest)
                .unwrap_or_else(|| panic!("bare & near {:?}", &rest[..rest.len().min(30)]));
            rest = &rest[m.end()..];
        } else {
            let next = rest.find(['<', '&']).unwrap_or(rest.len());
            rest = &rest[next..];
        }
    }
    assert!(open.is_empty(), "not closed: {open:?}");
    tags
}

/// The text of one file in a zip (a .docx or .xlsx).
fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the zip"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Headings and the counts of tables and figures: the report's structure.
fn structure(html: &str) -> String {
    let heading = regex::Regex::new(r"<h([1-4])[^>]*>([^<]*)</h[1-4]>").unwrap();
    let mut out = String::new();
    for c in heading.captures_iter(html) {
        let level: usize = c[1].parse().unwrap();
        out.push_str(&format!("{}{}\n", "  ".repeat(level - 1), &c[2]));
    }
    out.push_str(&format!(
        "tables: {}, figures: {}, svg: {}, page breaks: {}\n",
        html.matches("<table").count(),
        html.matches("<figure").count(),
        html.matches("<svg").count(),
        html.matches("class=\"pb\"").count()
    ));
    out
}

#[test]
fn report_of_the_demo_is_one_well_formed_page_with_every_section() {
    let (env, project) = demo();
    let out = env.run(&["--project", &project, "report", "-o", "study.html"]);
    assert_snapshot!(out, @"
    exit: 0
    --- stdout
    --- stderr
    wrote study.html
    ");
    let html = env.read("study.html");
    let tags = assert_well_formed(&html);
    assert!(tags.contains(&"svg".to_string()));
    // Self-contained: no script, nothing fetched.
    assert!(!html.contains("<script"));
    assert!(!html.contains("src="));
    assert!(!html.contains("href=\"http"));
    assert!(!html.contains("url("));
    assert!(html.contains("@page{size:A4"));
    // The quotes name their participants; the fate table names the merged a priori theme.
    assert!(html.contains("Employee empowerment"));
    assert!(html.contains("merged into &quot;Implementation gap/Incentives and KPIs&quot;"));
    assert_snapshot!(structure(&html), @"
    demo: template analysis
      Study summary
      The coding template
      Themes across participants
      Participants per theme by group
      Co-occurrence of themes
      Quotes
        1.1 Knowing the targets
        1.1.1 Vague or symbolic targets
        1.1.2 Concrete targets
        1.2 Understanding why it matters
        1.3 Training and onboarding
        1.4 Personal values
        2 Design gap
        2.1 Customer requirements
        2.2 Translating goals into offerings
        2.2.1 Product and service redesign
        2.2.2 Pricing and the green premium
        2.3 Role of the sustainability team
        3.1 Top-down messaging
        3.1.1 Leadership messages
        3.1.2 Intranet, newsletters and campaigns
        3.2 Middle managers as translators
        3.3 Cross-functional dialogue
        3.4 Listening upward
        4 Implementation gap
        4.1 Time and resource pressure
        4.2 Incentives and KPIs
        4.3 Customer co-creation in practice
        4.4 Tools and data
        5 Trust and credibility
      What became of the a priori themes
      How the template evolved
      Codebook
      Audit trail
        T0
        T1
        T2
    tables: 32, figures: 4, svg: 4, page breaks: 2
    ");
    // Nothing else was written, and the project is unchanged.
    let again = env.run(&["--project", &project, "report", "-o", "study.html"]);
    assert!(again.contains("exit: 1"), "{again}");
    assert!(again.contains("study.html already exists"), "{again}");
    env.ok(&[
        "--project",
        &project,
        "report",
        "-o",
        "study.html",
        "--force",
    ]);
    assert_eq!(env.read("study.html"), html, "the report is deterministic");
}

#[test]
fn report_sections_can_be_chosen_and_printed_as_markdown() {
    let (env, project) = demo();
    let md = env.ok(&[
        "--project",
        &project,
        "report",
        "--sections",
        "summary,fate",
        "--format",
        "md",
    ]);
    assert_snapshot!(md, @r#"
    # demo: template analysis

    Made by tana 0.1.0 on 2026-03-01 from demo.tana.

    ## Study summary

    |  | value |
    | --- | --- |
    | Transcripts | 17 |
    | Words | 26,963 |
    | Segments | 624 |
    | Codings | 556 |
    | Coders | demo (556) |
    | Themes | 26 in 3 levels (5 top-level); 6 a priori, 20 emergent; 1 integrative |
    | Template versions | T0, T1, T2 |
    | Participant attributes | org_size (2 values), role (5 values), sector (4 values), tenure_years (15 values) |

    ## What became of the a priori themes

    **A priori themes and their fate**

    | a priori theme | source | fate | now | steps |
    | --- | --- | --- | --- | --- |
    | Awareness gap | Service Gap model (knowledge gap) | kept | 1 |  |
    | Knowing the targets | Interview guide, question 2 | kept | 1.1 |  |
    | Training | Internal marketing literature (employee education) | kept, renamed to "Training and onboarding", redefined | 1.3 | T2: renamed "Training" → "Training and onboarding" — onboarding sessions carry most of the learning<br>T2: redefined — onboarding and e-learning belong here |
    | Design gap | Service Gap model (design and standards gap) | kept | 2 |  |
    | Internal communication gap | Internal marketing literature (internal communication) | kept | 3 |  |
    | Employee empowerment | Internal marketing literature (empowerment) | merged into "Implementation gap/Incentives and KPIs" | — | T2: merged into "Implementation gap/Incentives and KPIs" — empowerment came up only as what KPIs allow people to do |
    | Implementation gap | Service Gap model (performance gap) | kept | 4 |  |

    6 of 7 a priori themes are still in the template. Each step names the version it belongs to and the rationale recorded with it.
    "#);
    let err = env.fails(
        &["--project", &project, "report", "--sections", "summary,pie"],
        2,
    );
    assert!(err.contains("invalid value 'pie'"), "{err}");
}

#[test]
fn report_groups_and_quotes_follow_the_options() {
    let (env, project) = demo();
    let md = env.ok(&[
        "--project",
        &project,
        "report",
        "--sections",
        "groups,quotes",
        "--by",
        "org_size",
        "--quotes-per-theme",
        "2",
        "--depth",
        "1",
        "--format",
        "md",
    ]);
    assert!(md.contains("org_size"), "{md}");
    // Two extracts per coded theme, each from a different participant.
    let quotes = md.split("## Quotes").nth(1).unwrap();
    for section in quotes.split("\n### ").skip(1) {
        let who: Vec<&str> = section
            .lines()
            .filter(|l| l.starts_with("| P"))
            .map(|l| &l[2..5])
            .collect();
        assert!(who.len() <= 2, "{section}");
        let mut unique = who.clone();
        unique.dedup();
        assert_eq!(unique.len(), who.len(), "{section}");
    }
    // --where narrows every section, and the report says so.
    let md = env.ok(&[
        "--project",
        &project,
        "report",
        "--where",
        "org_size=large",
        "--sections",
        "summary",
        "--format",
        "md",
    ]);
    assert!(md.contains("; transcripts where org_size=large."), "{md}");
    assert!(!md.contains("| Transcripts | 17 |"), "{md}");
    let err = env.fails(&["--project", &project, "report", "--by", "colour"], 1);
    assert!(
        err.contains("no transcript has the attribute \"colour\""),
        "{err}"
    );
}

#[test]
fn report_as_word_has_headings_and_real_tables() {
    let (env, project) = demo();
    env.ok(&["--project", &project, "report", "-o", "study.docx"]);
    let bytes = std::fs::read(env.path().join("study.docx")).unwrap();
    let doc = zip_entry(&bytes, "word/document.xml");
    let styles = zip_entry(&bytes, "word/styles.xml");
    assert!(styles.contains("Heading1"), "heading styles are defined");
    assert!(doc.contains("w:val=\"Heading1\""), "headings use them");
    // Summary, template, heat map, groups, co-occurrence, quotes (one per coded theme),
    // fate, evolution, codebook, audit sources and versions.
    let tables = doc.matches("<w:tbl>").count();
    assert!(tables >= 30, "{tables} tables");
    assert!(doc.contains("Training and onboarding"));
}

#[test]
fn freq_as_excel_stores_numbers_with_a_frozen_header() {
    let env = TestEnv::coded();
    let out = env.run(&["freq", "--measure", "segments", "-o", "freq.xlsx"]);
    assert!(out.contains("exit: 0"), "{out}");
    let bytes = std::fs::read(env.path().join("freq.xlsx")).unwrap();
    let book = zip_entry(&bytes, "xl/workbook.xml");
    assert_eq!(book.matches("<sheet ").count(), 1);
    let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("ySplit=\"1\""), "header row frozen");
    // Row 2 is theme 1 (Awareness gap): P01 has 2 segments, stored as the number 2.
    let cell = regex::Regex::new(r#"<c r="C2"[^>]*><v>([^<]*)</v></c>"#).unwrap();
    let c2 = cell.captures(&sheet).expect("C2 holds a number");
    assert_eq!(&c2[1], "2");
    let strings = zip_entry(&bytes, "xl/sharedStrings.xml");
    assert!(strings.contains("Awareness gap"));
}

#[test]
fn every_table_command_writes_a_well_formed_html_page() {
    let env = TestEnv::coded();
    for args in [
        vec!["freq", "--format", "html"],
        vec!["freq", "--by", "role", "--format", "html"],
        vec!["cooccur", "--format", "html"],
        vec!["quotes", "1", "--with-subthemes", "--format", "html"],
        vec!["codebook", "--format", "html"],
        vec!["template", "--format", "html"],
        vec!["template", "fate", "--format", "html"],
        vec!["transcripts", "--format", "html"],
        vec!["log", "--format", "html"],
        vec!["search", "target", "--format", "html"],
        vec!["attr", "list", "--format", "html"],
    ] {
        let html = env.ok(&args);
        assert!(html.starts_with("<!DOCTYPE html>"), "{args:?}: {html}");
        let tags = assert_well_formed(&html);
        assert!(tags.contains(&"table".to_string()), "{args:?}");
    }
    let html = env.ok(&["freq", "--format", "html"]);
    // Theme names are indented by level; the caution is a note under the table.
    assert!(
        html.contains("padding-left:2.95em\">Vague targets"),
        "{html}"
    );
    assert!(html.contains("Frequency is not importance"));
}

#[test]
fn quotes_codebook_and_template_write_word_and_excel() {
    let env = TestEnv::coded();
    for (args, file) in [
        (vec!["quotes", "1", "--with-subthemes"], "quotes.docx"),
        (vec!["codebook"], "codebook.docx"),
        (vec!["template"], "template.docx"),
        (vec!["freq"], "freq.docx"),
        (vec!["quotes", "1", "--with-subthemes"], "quotes.xlsx"),
        (vec!["codebook"], "codebook.xlsx"),
        (vec!["cooccur"], "cooccur.xlsx"),
    ] {
        let mut a = args.clone();
        a.extend(["-o", file]);
        env.ok(&a);
        let bytes = std::fs::read(env.path().join(file)).unwrap();
        if file.ends_with(".docx") {
            let doc = zip_entry(&bytes, "word/document.xml");
            assert_eq!(doc.matches("<w:tbl>").count(), 1, "{file}");
        } else {
            let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
            assert!(sheet.contains("ySplit=\"1\""), "{file}");
        }
    }
    // Quotes carry the participant and the words.
    let bytes = std::fs::read(env.path().join("quotes.docx")).unwrap();
    let doc = zip_entry(&bytes, "word/document.xml");
    assert!(doc.contains("nobody could tell me the target"), "{doc}");
    // The codebook's numbers are numbers in Excel.
    let bytes = std::fs::read(env.path().join("codebook.xlsx")).unwrap();
    let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<v>"), "numeric cells");
    // --format wins over the extension; a format the command has not is a usage error.
    let err = env.fails(&["transcripts", "--format", "docx"], 2);
    assert!(err.contains("invalid value 'docx'"), "{err}");
}

#[test]
fn where_chooses_transcripts_for_quotes_codebook_status_and_agree() {
    let env = TestEnv::coded();
    // P01 is the only manager: its two extracts of theme 1.1, and none of P02's.
    let q = env.ok(&[
        "quotes",
        "1.1",
        "--with-subthemes",
        "--where",
        "role=manager",
        "--format",
        "csv",
    ]);
    assert!(q.lines().skip(1).all(|l| l.starts_with("P01,")), "{q}");
    assert_eq!(q.lines().count(), 3, "{q}");
    let cb = env.ok(&["codebook", "--where", "sector=IT", "--format", "csv"]);
    // Concrete targets: coded in P01 (IT) and P02 (logistics): in IT one coding, one
    // participant (two and two without --where).
    let row = cb.lines().find(|l| l.starts_with("1.1.2,")).unwrap();
    assert!(row.contains(",1,1,"), "{row}");
    let all = env.ok(&["codebook", "--format", "csv"]);
    let row = all.lines().find(|l| l.starts_with("1.1.2,")).unwrap();
    assert!(row.contains(",2,2,"), "{row}");
    assert_snapshot!(env.run(&["status", "--where", "role!=manager"]), @"
    exit: 0
    --- stdout
    only transcripts where role!=manager
    transcripts: 2 (2 coded, 0 not yet coded)
      codings per transcript: P02 2, P03 1
    template: 7 themes, last saved as T0; 2 never used: 1.1.1 Vague targets, 1.2 Training
      1 revision(s) since the last saved version (tana template log)
    review: nothing open
    coders:
      tester: 3 codings, last active 2026-03-01T09:00:00Z
    memos: 0; journal entries: 0
    --- stderr
    ");
    env.write(
        "bea.csv",
        "transcript,theme,segment\nP01,Training,4\nP02,Trust,4\nP03,Customers,2\n",
    );
    env.ok(&["--coder", "bea", "code", "--from", "bea.csv"]);
    let a = env.run(&[
        "agree",
        "tester",
        "bea",
        "--where",
        "sector=IT",
        "--depth",
        "1",
    ]);
    assert!(
        a.contains("in 2 transcripts both coded where sector=IT: P01, P03"),
        "{a}"
    );
    let err = env.fails(&["quotes", "1", "--where", "role=chef"], 1);
    assert!(err.contains("no transcript matches role=chef"), "{err}");
}

#[test]
fn integrative_links_show_in_template_codebook_and_qdpx() {
    let env = TestEnv::coded();
    env.ok(&["theme", "integrate", "Trust", "--with", "1.1", "2"]);
    let tree = env.ok(&["template"]);
    assert!(tree.contains("3 Trust (integrative: 1.1; 2)"), "{tree}");
    let md = env.ok(&["codebook"]);
    assert!(
        md.contains("- **Links:** 1.1 Knowing the targets; 2 Customers"),
        "{md}"
    );
    let csv = env.ok(&["template", "--format", "csv"]);
    assert!(csv.contains(",integrative,emergent,1.1; 2,"), "{csv}");
    // REFI-QDA: a set named after the integrative theme holds the themes it links, and an
    // import reads it back as links.
    env.ok(&["export", "qdpx", "-o", "study.qdpx"]);
    let bytes = std::fs::read(env.path().join("study.qdpx")).unwrap();
    let qde = zip_entry(&bytes, "project.qde");
    assert!(
        qde.contains("<Sets>") && qde.contains("<Set guid="),
        "{qde}"
    );
    assert_eq!(qde.matches("<MemberCode ").count(), 2);
    env.ok(&["import", "study.qdpx", "-o", "back.tana"]);
    let tree = env.ok(&["--project", "back.tana", "template"]);
    assert!(tree.contains("3 Trust (integrative: 1.1; 2)"), "{tree}");
}
