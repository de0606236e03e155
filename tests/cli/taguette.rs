//! Taguette databases: `tana import project.sqlite3` makes a new project of Taguette's
//! documents, its highlights on exactly the highlighted words, its tags with their history,
//! and its members.

use insta::assert_snapshot;
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::TestEnv;

/// Taguette's tables as its databases have them (schema version 09c662cd9483).
const SCHEMA: &str = r#"
CREATE TABLE users (
	login VARCHAR(30) NOT NULL,
	created DATETIME NOT NULL,
	hashed_password VARCHAR(120),
	password_set_date DATETIME,
	language VARCHAR(10),
	email VARCHAR(256),
	email_sent DATETIME,
	CONSTRAINT pk_users PRIMARY KEY (login)
);
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE TABLE projects (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(200) NOT NULL,
	description TEXT NOT NULL,
	created DATETIME NOT NULL
);
CREATE TABLE project_members (
	project_id INTEGER NOT NULL,
	user_login VARCHAR(30) NOT NULL,
	privileges VARCHAR(11) NOT NULL,
	CONSTRAINT pk_project_members PRIMARY KEY (project_id, user_login),
	CONSTRAINT fk_project_members_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE,
	CONSTRAINT fk_project_members_user_login_users FOREIGN KEY(user_login) REFERENCES users (login) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE documents (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(200) NOT NULL,
	description TEXT NOT NULL,
	filename VARCHAR(200) NOT NULL,
	created DATETIME NOT NULL,
	project_id INTEGER NOT NULL,
	text_direction VARCHAR(13) NOT NULL,
	contents TEXT NOT NULL,
	CONSTRAINT fk_documents_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE
);
CREATE TABLE commands (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	date DATETIME NOT NULL,
	user_login VARCHAR(30) NOT NULL,
	project_id INTEGER NOT NULL,
	document_id INTEGER,
	payload TEXT NOT NULL,
	CONSTRAINT fk_commands_user_login_users FOREIGN KEY(user_login) REFERENCES users (login) ON UPDATE CASCADE,
	CONSTRAINT fk_commands_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE
);
CREATE TABLE tags (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	project_id INTEGER NOT NULL,
	path VARCHAR(200) NOT NULL,
	description TEXT NOT NULL,
	CONSTRAINT uq_tags_project_id UNIQUE (project_id, path),
	CONSTRAINT fk_tags_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE
);
CREATE TABLE highlights (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	document_id INTEGER NOT NULL,
	start_offset INTEGER NOT NULL,
	end_offset INTEGER NOT NULL,
	snippet TEXT NOT NULL,
	CONSTRAINT fk_highlights_document_id_documents FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE
);
CREATE TABLE highlight_tags (
	highlight_id INTEGER NOT NULL,
	tag_id INTEGER NOT NULL,
	CONSTRAINT pk_highlight_tags PRIMARY KEY (highlight_id, tag_id),
	CONSTRAINT fk_highlight_tags_highlight_id_highlights FOREIGN KEY(highlight_id) REFERENCES highlights (id) ON DELETE CASCADE,
	CONSTRAINT fk_highlight_tags_tag_id_tags FOREIGN KEY(tag_id) REFERENCES tags (id) ON DELETE CASCADE
);
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES ('09c662cd9483');
"#;

/// A document as Taguette keeps it: HTML blocks with a line break between them (and `<br>`
/// where a block's text has "|br|"). Returns the HTML and the text Taguette counts offsets in:
/// every text node, entities decoded (a `<br>` is no text).
fn document(blocks: &[(&str, &str)]) -> (String, String) {
    let escape = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\u{a0}', "&nbsp;")
    };
    let html: Vec<String> = blocks
        .iter()
        .map(|(tag, text)| format!("<{tag}>{}</{tag}>", escape(text).replace("|br|", "<br>")))
        .collect();
    let text: Vec<String> = blocks
        .iter()
        .map(|(_, text)| text.replace("|br|", ""))
        .collect();
    (html.join("\n"), text.join("\n"))
}

/// Taguette's offsets of `phrase` in a document's text: UTF-8 bytes, end exclusive.
fn offsets(text: &str, phrase: &str) -> (i64, i64) {
    let at = text.find(phrase).expect("the phrase is in the text");
    assert_eq!(text.matches(phrase).count(), 1, "{phrase} occurs once");
    (at as i64, (at + phrase.len()) as i64)
}

/// A document of the fixture: id, name, description, and its blocks (element, text).
type Interview = (
    i64,
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

/// The two interviews of the fixture.
fn interviews() -> Vec<Interview> {
    vec![
        (
            1,
            "P01 procurement lead.docx",
            "Procurement lead, logistics firm; interviewed on site",
            vec![
                ("h2", "Interview 1"),
                ("p", "Interviewer: How do you hear about the sustainability targets?"),
                ("p", "P1: Through Zoë in marketing. She sends a CO₂ dashboard 🌱 every quarter, but nobody reads it."),
                ("p", "Interviewer: And your suppliers?"),
                ("p", "P1: They ask for our net-zero roadmap & we have none to share."),
            ],
        ),
        (
            2,
            "P02 sales manager.odt",
            "",
            vec![
                ("p", "Interviewer: What do customers ask for?"),
                ("p", "P2: Every tender now has a sustainability section."),
                ("p", "We answer it with slogans, not figures."),
                ("p", "\u{a0}"),
                ("p", "Interviewer: Who owns the answers?"),
                ("p", "P2: Nobody, really.|br|The café team in Malmö writes them."),
            ],
        ),
    ]
}

/// A Taguette project as Taguette's "Export project" writes it: the surviving tags renumbered
/// 1, 2, …, deleted tags under their old id negated, and (as Taguette does) a merge's target
/// left under its old id. Old ids: "Internal communication" 5, "Slogans" 6, "Awareness.Vague
/// targets" 7, "Misc" 8, "Customer pressure" 9, "Tender/RFP demands" 10.
fn exported_project(path: &std::path::Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    conn.execute_batch(
        "INSERT INTO users (login, created) VALUES ('ana', '2024-03-01 08:00:00.000000'), ('ben', '2024-03-01 08:05:00.000000');
         INSERT INTO projects (id, name, description, created) VALUES
           (1, 'B2B sustainability interviews', 'How B2B firms market sustainability to their own staff.', '2024-03-01 09:00:00.000000');
         INSERT INTO project_members VALUES (1, 'ana', 'ADMIN'), (1, 'ben', 'TAG');
         INSERT INTO tags (id, project_id, path, description) VALUES
           (1, 1, 'Internal marketing', 'How the firm tells its own staff'),
           (2, 1, 'Awareness.Vague targets', 'Targets known only vaguely'),
           (3, 1, 'Customer pressure', ''),
           (4, 1, 'Tender/RFP demands', 'What tenders ask for');",
    )
    .unwrap();
    let mut texts = std::collections::HashMap::new();
    for (id, name, description, blocks) in interviews() {
        let (html, text) = document(&blocks);
        conn.execute(
            "INSERT INTO documents VALUES (?1, ?2, ?3, ?2, '2024-03-01 09:10:00.000000', 1, 'LEFT_TO_RIGHT', ?4)",
            params![id, name, description, html],
        )
        .unwrap();
        texts.insert(id, text);
    }
    // (id, document, phrase, final tags)
    let highlights: &[(i64, i64, &str, &[i64])] = &[
        (1, 1, "She sends a CO₂ dashboard 🌱 every quarter, but nobody reads it.", &[1, 2]),
        (2, 1, "nobody reads it", &[2]),
        (3, 1, "our net-zero roadmap & we have none", &[3]),
        (4, 2, "Every tender now has a sustainability section.\nWe answer it with slogans, not figures.", &[2, 4]),
        (5, 2, "The café team in Malmö writes them.", &[1]),
        (6, 2, "Who owns the answers?", &[]),
    ];
    for (id, doc, phrase, tags) in highlights {
        let (s, e) = offsets(&texts[doc], phrase);
        let snippet = phrase.replace('&', "&amp;");
        conn.execute(
            "INSERT INTO highlights VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, doc, s, e, snippet],
        )
        .unwrap();
        for t in *tags {
            conn.execute("INSERT INTO highlight_tags VALUES (?1, ?2)", params![id, t])
                .unwrap();
        }
    }
    let hl = |id: i64, doc: i64, phrase: &str, tags: Value| {
        let (s, e) = offsets(&texts[&doc], phrase);
        json!({"type": "highlight_add", "highlight_id": id, "start_offset": s, "end_offset": e, "tags": tags})
    };
    let tag = |id: i64, path: &str, description: &str| json!({"type": "tag_add", "tag_id": id, "tag_path": path, "description": description});
    let doc_add = |name: &str| json!({"type": "document_add", "document_name": name, "description": "", "text_direction": "LEFT_TO_RIGHT"});
    // (date, user, document, payload)
    let commands: Vec<(&str, &str, Option<i64>, Value)> = vec![
        ("2024-03-01 09:10:00.1", "ana", Some(1), doc_add("P01 procurement lead.docx")),
        ("2024-03-01 09:10:30.2", "ana", Some(2), doc_add("P02 sales manager.odt")),
        ("2024-03-02 10:00:00.0", "ana", None, tag(1, "Internal communication", "")),
        ("2024-03-02 10:01:00.0", "ana", None, tag(-6, "Slogans", "Targets stated as slogans")),
        ("2024-03-02 10:02:00.0", "ana", None, tag(2, "Awareness.Vague targets", "Targets known only vaguely")),
        ("2024-03-02 10:03:00.0", "ana", None, tag(-8, "Misc", "")),
        ("2024-03-02 10:05:00.0", "ana", Some(1), hl(1, 1, "She sends a CO₂ dashboard 🌱 every quarter, but nobody reads it.", json!([1, 2]))),
        ("2024-03-02 10:06:00.0", "ana", Some(1), hl(2, 1, "nobody reads it", json!([2]))),
        ("2024-03-03 14:00:00.0", "ben", None, tag(3, "Customer pressure", "")),
        ("2024-03-03 14:01:00.0", "ben", None, tag(4, "Tender/RFP demands", "What tenders ask for")),
        ("2024-03-03 14:02:00.0", "ben", Some(1), hl(3, 1, "our net-zero roadmap & we have none", json!([3]))),
        ("2024-03-03 14:03:00.0", "ben", Some(2), hl(4, 2, "Every tender now has a sustainability section.\nWe answer it with slogans, not figures.", json!([-6, 4]))),
        ("2024-03-03 14:04:00.0", "ben", Some(2), hl(5, 2, "The café team in Malmö writes them.", json!([1]))),
        ("2024-03-03 14:05:00.0", "ben", Some(2), hl(6, 2, "Who owns the answers?", json!([-8]))),
        ("2024-03-04 08:30:00.0", "ana", None, tag(1, "Internal marketing", "How the firm tells its own staff")),
        ("2024-03-04 08:31:00.0", "ana", None, json!({"type": "tag_merge", "src_tag_id": -6, "dest_tag_id": 7})),
        ("2024-03-04 08:32:00.0", "ana", None, json!({"type": "tag_delete", "tag_id": -8})),
    ];
    for (date, user, doc, payload) in commands {
        conn.execute(
            "INSERT INTO commands (date, user_login, project_id, document_id, payload) VALUES (?1, ?2, 1, ?3, ?4)",
            params![date, user, doc, payload.to_string()],
        )
        .unwrap();
    }
}

/// Every coded stretch of the project, by theme, with its exact text.
fn quotes(env: &TestEnv, project: &str) -> String {
    let template = env.ok(&["--project", project, "template", "--format", "csv"]);
    let mut out = String::new();
    for line in template.lines().skip(1) {
        let number = line.split(',').next().unwrap();
        out.push_str(&env.ok(&["--project", project, "quotes", number, "--format", "csv"]));
    }
    out
}

fn texts(env: &TestEnv, project: &str) -> String {
    let conn = Connection::open(env.path().join(project)).unwrap();
    let mut stmt = conn
        .prepare("SELECT name, text FROM transcript ORDER BY name")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok(format!(
                "== {}\n{}\n",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
            ))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn taguette_project_becomes_a_tana_project_with_highlights_on_their_words() {
    let env = TestEnv::empty();
    exported_project(&env.path().join("b2b.sqlite3"));
    assert_snapshot!(env.run(&["import", "b2b.sqlite3", "-o", "b2b.tana"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    imported b2b.sqlite3 (Taguette project 1 "B2B sustainability interviews") into b2b.tana: 2 transcripts, 5 themes, 6 codings from 6 highlights (7 highlight tags), 3 coders, 1 memo, 1 journal entry
    positions read as UTF-8 bytes of the text without its markup (6 of 6 highlights match their snippet)
    1 highlight of the same tag joined with overlapping ones (tana never counts a span twice)
    template history: 10 revisions dated 2024-03-02T10:00:00Z to 2024-03-04T08:32:00Z (6 add, 1 delete, 1 merge, 1 redefine, 1 rename); see "tana --project b2b.tana template history"
      - 17 of Taguette's commands read, 9 of them on tags
      - the replayed tags are exactly Taguette's final tags
      - the replayed highlights are exactly Taguette's final 6 highlights and their tags
      - an exported project, whose merges name their target by its old number: of 1 merge(s), 0 target(s) found as deleted tags, 1 identified from the order the tags were created
    warning: not imported or changed (2):
      - tag "Tender/RFP demands" is theme "Tender∕RFP demands" (theme names hold no "/" or control characters, and are not numbers)
      - 1 highlight(s) without tags (a tana coding needs a theme); not imported
    use it with: tana --project b2b.tana freq
    "#);
    assert_snapshot!(texts(&env, "b2b.tana"), @"
    == P01 procurement lead
    Interview 1

    Interviewer: How do you hear about the sustainability targets?

    P1: Through Zoë in marketing. She sends a CO₂ dashboard 🌱 every quarter, but nobody reads it.

    Interviewer: And your suppliers?

    P1: They ask for our net-zero roadmap & we have none to share.
    == P02 sales manager
    Interviewer: What do customers ask for?

    P2: Every tender now has a sustainability section.

    We answer it with slogans, not figures.

    Interviewer: Who owns the answers?

    P2: Nobody, really.
    The café team in Malmö writes them.
    ");
    assert_snapshot!(env.ok(&["--project", "b2b.tana", "transcripts", "--format", "csv"]), @"
    transcript,speakers,segments,words,codings,coded,reviewed
    P01 procurement lead,2,5,41,3,46.3,
    P02 sales manager,2,4,32,3,65.6,
    ");
    assert_snapshot!(env.ok(&["--project", "b2b.tana", "codebook", "--format", "csv"]), @"
    number,name,path,parent,level,kind,origin,source,definition,when_to_use,when_not_to_use,example,created_in_version,retired_in_version,memo,color,codings,participants,memos,links
    1,Internal marketing,Internal marketing,,1,hierarchical,emergent,,How the firm tells its own staff,,,,,,,,2,2,,
    2,Awareness,Awareness,,1,hierarchical,emergent,,,,,,,,,,0,2,,
    2.1,Vague targets,Awareness/Vague targets,2,2,hierarchical,emergent,,Targets known only vaguely,,,,,,,,2,2,,
    3,Customer pressure,Customer pressure,,1,hierarchical,emergent,,,,,,,,,,1,1,,
    4,Tender∕RFP demands,Tender∕RFP demands,,1,hierarchical,emergent,,What tenders ask for,,,,,,,,1,1,,
    ");
    assert_snapshot!(quotes(&env, "b2b.tana"), @r#"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P01 procurement lead,3,P1,1,Internal marketing,107,170,"She sends a CO₂ dashboard 🌱 every quarter, but nobody reads it.",
    P02 sales manager,4,P2,1,Internal marketing,190,225,The café team in Malmö writes them.,
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P01 procurement lead,3,P1,2.1,Vague targets,107,170,"She sends a CO₂ dashboard 🌱 every quarter, but nobody reads it.",
    P02 sales manager,2,P2,2.1,Vague targets,45,132,"Every tender now has a sustainability section.

    We answer it with slogans, not figures.",
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P01 procurement lead,5,P1,3,Customer pressure,223,258,our net-zero roadmap & we have none,
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P02 sales manager,2,P2,4,Tender∕RFP demands,45,132,"Every tender now has a sustainability section.

    We answer it with slogans, not figures.",
    "#);
    // Each coding is credited to whoever made the highlight, on the day they made it.
    let conn = Connection::open(env.path().join("b2b.tana")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT t.name, c.start, c.end, th.name, k.name, c.created_at FROM coding c
             JOIN transcript t ON t.id = c.transcript_id JOIN theme th ON th.id = c.theme_id
             JOIN coder k ON k.id = c.coder_id ORDER BY t.name, c.start, th.name",
        )
        .unwrap();
    let rows: Vec<String> = stmt
        .query_map([], |r| {
            Ok(format!(
                "{} [{}, {}) {} by {} at {}",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_snapshot!(rows.join("\n"), @"
    P01 procurement lead [107, 170) Internal marketing by ana at 2024-03-02T10:05:00Z
    P01 procurement lead [107, 170) Vague targets by ana at 2024-03-02T10:05:00Z
    P01 procurement lead [223, 258) Customer pressure by ben at 2024-03-03T14:02:00Z
    P02 sales manager [45, 132) Tender∕RFP demands by ben at 2024-03-03T14:03:00Z
    P02 sales manager [45, 132) Vague targets by ben at 2024-03-03T14:03:00Z
    P02 sales manager [190, 225) Internal marketing by ben at 2024-03-03T14:04:00Z
    ");
    assert_snapshot!(env.ok(&["--project", "b2b.tana", "memo", "list", "--format", "csv"]), @r#"
    memo,on,date,coder,text
    1,P01 procurement lead,2024-03-01T09:10:00Z,ana,"Procurement lead, logistics firm; interviewed on site"
    "#);
}

#[test]
fn taguette_history_becomes_dated_template_revisions() {
    let env = TestEnv::empty();
    exported_project(&env.path().join("b2b.sqlite3"));
    env.ok(&["import", "b2b.sqlite3", "-o", "b2b.tana"]);
    assert_snapshot!(env.ok(&["--project", "b2b.tana", "template", "history"]), @r#"
    # Template history

    The sequence of template versions, the changes between them with their rationale, and the numbered template at each version. `*` marks a priori themes.

    ## Current template (not saved as a version)

    Changes:

    - added 1 Internal communication (revision 1, ana, 2024-03-02T10:00:00Z). Rationale: Taguette: tag_add by ana (command 3)
    - added 2 Slogans (revision 2, ana, 2024-03-02T10:01:00Z). Rationale: Taguette: tag_add by ana (command 4)
    - added 3 Awareness, 3.1 Awareness/Vague targets (revision 3, ana, 2024-03-02T10:02:00Z). Rationale: Taguette: tag_add by ana (command 5)
    - added 4 Misc (revision 4, ana, 2024-03-02T10:03:00Z). Rationale: Taguette: tag_add by ana (command 6)
    - added 5 Customer pressure (revision 5, ben, 2024-03-03T14:00:00Z). Rationale: Taguette: tag_add by ben (command 9)
    - added 6 Tender∕RFP demands (revision 6, ben, 2024-03-03T14:01:00Z). Rationale: Taguette: tag_add by ben (command 10)
    - renamed 1 Internal communication to "Internal marketing" (revision 7, ana, 2024-03-04T08:30:00Z). Rationale: Taguette: tag_add by ana (command 15)
    - redefined 1 Internal marketing (scope unchanged) (revision 8, ana, 2024-03-04T08:30:00Z). Rationale: Taguette: tag_add by ana (command 15)
    - merged 2 Slogans into 2.1 Awareness/Vague targets (1 coding(s)) (revision 9, ana, 2024-03-04T08:31:00Z). Rationale: Taguette: tag_merge by ana (command 16); 1 highlight(s) moved to the target
    - deleted 3 Misc (no codings) (revision 10, ana, 2024-03-04T08:32:00Z). Rationale: Taguette: tag_delete by ana (command 17); its 1 highlight(s) lost this tag (Taguette keeps no copy of them)

    Template:

    - 1 Internal marketing
    - 2 Awareness
      - 2.1 Vague targets
    - 3 Customer pressure
    - 4 Tender∕RFP demands

    ## Reflexive journal

    - 2024-03-01T09:00:00Z (ana) [taguette]: Taguette project "B2B sustainability interviews": How B2B firms market sustainability to their own staff.
    "#);
    assert_snapshot!(env.ok(&["--project", "b2b.tana", "log", "--format", "csv"]), @r#"
    change,date,coder,kind,what,rows,undone by
    11,2026-03-01T09:00:00Z,tester,project,import b2b.sqlite3 (Taguette project B2B sustainability interviews),codings: 6 added; journal entries: 1 added; memos: 1 added; segments: 9 added; transcripts: 2 added,
    10,2024-03-04T08:32:00Z,ana,template,deleted 3 Misc — Taguette: tag_delete by ana (command 17); its 1 highlight(s) lost this tag (Taguette keeps no copy of them),themes: 1 changed,
    9,2024-03-04T08:31:00Z,ana,template,merged 2 Slogans into 2.1 Vague targets — Taguette: tag_merge by ana (command 16); 1 highlight(s) moved to the target,themes: 1 changed,
    8,2024-03-04T08:30:00Z,ana,template,redefined 1 Internal marketing — Taguette: tag_add by ana (command 15),themes: 1 changed,
    7,2024-03-04T08:30:00Z,ana,template,"renamed 1 Internal communication to ""Internal marketing"" — Taguette: tag_add by ana (command 15)",themes: 1 changed,
    6,2024-03-03T14:01:00Z,ben,template,added 6 Tender∕RFP demands (Tender∕RFP demands) — Taguette: tag_add by ben (command 10),themes: 1 added,
    5,2024-03-03T14:00:00Z,ben,template,added 5 Customer pressure (Customer pressure) — Taguette: tag_add by ben (command 9),themes: 1 added,
    4,2024-03-02T10:03:00Z,ana,template,added 4 Misc (Misc) — Taguette: tag_add by ana (command 6),themes: 1 added,
    3,2024-03-02T10:02:00Z,ana,template,added 3.1 Vague targets (Awareness/Vague targets) — Taguette: tag_add by ana (command 5),themes: 2 added,
    2,2024-03-02T10:01:00Z,ana,template,added 2 Slogans (Slogans) — Taguette: tag_add by ana (command 4),themes: 1 added,
    1,2024-03-02T10:00:00Z,ana,template,added 1 Internal communication (Internal communication) — Taguette: tag_add by ana (command 3),themes: 1 added,
    "#);
    // The import is one change: undoing it leaves the template its history built.
    env.ok(&["--project", "b2b.tana", "undo"]);
    assert_snapshot!(env.ok(&["--project", "b2b.tana", "transcripts", "--format", "csv"]), @"transcript,speakers,segments,words,codings,coded,reviewed");
    assert_snapshot!(env.ok(&["--project", "b2b.tana", "template", "--format", "csv"]), @"
    number,theme,path,level,kind,origin,links,codings,participants
    1,Internal marketing,Internal marketing,1,hierarchical,emergent,,0,0
    2,Awareness,Awareness,1,hierarchical,emergent,,0,0
    2.1,Vague targets,Awareness/Vague targets,2,hierarchical,emergent,,0,0
    3,Customer pressure,Customer pressure,1,hierarchical,emergent,,0,0
    4,Tender∕RFP demands,Tender∕RFP demands,1,hierarchical,emergent,,0,0
    ");
    // Each replayed revision is a change of its own: the next undo brings "Misc" back.
    env.ok(&["--project", "b2b.tana", "undo"]);
    assert_snapshot!(env.ok(&["--project", "b2b.tana", "template"]), @"
    theme                 codings  participants
    1 Internal marketing        0           0/0
    2 Awareness                 0           0/0
      2.1 Vague targets         0           0/0
    3 Misc                      0           0/0
    4 Customer pressure         0           0/0
    5 Tender∕RFP demands        0           0/0
    ");
}

/// A Taguette server's own database: two projects, ids alike everywhere (no export).
fn server_database(path: &std::path::Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    conn.execute_batch(
        "INSERT INTO users (login, created) VALUES ('ana', '2024-05-01 08:00:00'), ('cem', '2024-05-01 08:00:00');
         INSERT INTO projects (id, name, description, created) VALUES
           (1, 'Pilot', '', '2024-05-01 09:00:00'),
           (2, 'Main study', '', '2024-05-02 09:00:00');
         INSERT INTO project_members VALUES (1, 'ana', 'ADMIN'), (2, 'cem', 'ADMIN'), (2, 'ana', 'TAG');
         INSERT INTO tags (id, project_id, path, description) VALUES
           (1, 1, 'Pilot tag', ''),
           (3, 2, 'Barriers.Cost', 'Sustainability costs money'),
           (4, 2, 'Time pressure', ''),
           (5, 2, 'Barriers', 'What holds the programme back'),
           (6, 2, 'Supplier delays', '');",
    )
    .unwrap();
    let (html1, _) = document(&[
        ("p", "Interviewer: A pilot question?"),
        ("p", "R1: A pilot answer."),
    ]);
    let (html2, text2) = document(&[
        ("p", "Interviewer: What holds the programme back?"),
        (
            "p",
            "R2: Recycled packaging costs 12 % more, and nobody has time to compare offers.",
        ),
    ]);
    conn.execute(
        "INSERT INTO documents VALUES (1, 'pilot.txt', '', 'pilot.txt', '2024-05-01 09:05:00', 1, 'LEFT_TO_RIGHT', ?1),
                                      (2, 'R2.docx', '', 'R2.docx', '2024-05-02 09:05:00', 2, 'LEFT_TO_RIGHT', ?2)",
        params![html1, html2],
    )
    .unwrap();
    let (s1, e1) = offsets(&text2, "Recycled packaging costs 12 % more");
    let (s2, e2) = offsets(&text2, "nobody has time to compare offers");
    conn.execute(
        "INSERT INTO highlights VALUES (1, 2, ?1, ?2, 'Recycled packaging costs 12 % more'),
                                       (2, 2, ?3, ?4, 'nobody has time to compare offers')",
        params![s1, e1, s2, e2],
    )
    .unwrap();
    conn.execute_batch("INSERT INTO highlight_tags VALUES (1, 3), (2, 4);")
        .unwrap();
    let tag = |id: i64, path: &str, description: &str| json!({"type": "tag_add", "tag_id": id, "tag_path": path, "description": description});
    let hl = |id: i64, s: i64, e: i64, tag: i64| json!({"type": "highlight_add", "highlight_id": id, "start_offset": s, "end_offset": e, "tags": [tag]});
    // (date, user, document, payload), all in project 2.
    let commands: Vec<(&str, &str, Option<i64>, Value)> = vec![
        ("2024-05-02 10:00:00", "cem", None, tag(2, "Price", "")),
        (
            "2024-05-02 10:01:00",
            "cem",
            None,
            tag(3, "Barriers.Cost", "Sustainability costs money"),
        ),
        (
            "2024-05-02 10:02:00",
            "ana",
            None,
            tag(4, "Barriers.Time", ""),
        ),
        ("2024-05-02 10:03:00", "cem", Some(2), hl(1, s1, e1, 2)),
        ("2024-05-02 10:04:00", "ana", Some(2), hl(2, s2, e2, 4)),
        (
            "2024-05-02 10:05:00",
            "cem",
            None,
            json!({"type": "tag_merge", "src_tag_id": 2, "dest_tag_id": 3}),
        ),
        // "Obstacles" renamed "Barriers" takes the place of the parent "Barriers.Cost" made.
        ("2024-05-02 10:06:00", "cem", None, tag(5, "Obstacles", "")),
        (
            "2024-05-02 10:07:00",
            "cem",
            None,
            tag(5, "Barriers", "What holds the programme back"),
        ),
        (
            "2024-05-02 10:08:00",
            "ana",
            None,
            tag(4, "Time pressure", ""),
        ),
        // "Delays" holds nothing once its only sub-tag is renamed: it goes.
        (
            "2024-05-02 10:09:00",
            "ana",
            None,
            tag(6, "Delays.Supplier", ""),
        ),
        (
            "2024-05-02 10:10:00",
            "ana",
            None,
            tag(6, "Supplier delays", ""),
        ),
    ];
    for (date, user, doc, payload) in commands {
        conn.execute(
            "INSERT INTO commands (date, user_login, project_id, document_id, payload) VALUES (?1, ?2, 2, ?3, ?4)",
            params![date, user, doc, payload.to_string()],
        )
        .unwrap();
    }
}

#[test]
fn a_database_of_several_projects_needs_a_choice() {
    let env = TestEnv::empty();
    server_database(&env.path().join("taguette.sqlite3"));
    assert_snapshot!(env.fails(&["import", "taguette.sqlite3"], 2), @r#"
    error: taguette.sqlite3 holds 2 Taguette projects: 1 "Pilot" (1 document), 2 "Main study" (1 document)
    hint: choose one with --taguette-project ID (or its name), e.g. --taguette-project 1
    "#);
    assert_snapshot!(env.fails(&["import", "taguette.sqlite3", "--taguette-project", "Final"], 2), @r#"
    error: taguette.sqlite3 has no Taguette project "Final" (it has: 1 "Pilot" (1 document), 2 "Main study" (1 document))
    hint: give --taguette-project a project's id or its name
    "#);
    assert!(!env.path().join("taguette.tana").exists());
    assert_snapshot!(env.run(&["import", "taguette.sqlite3", "--taguette-project", "main study"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    imported taguette.sqlite3 (Taguette project 2 "Main study") into taguette.tana: 1 transcript, 4 themes, 2 codings from 2 highlights (2 highlight tags), 3 coders, 0 memos, 0 journal entries
    positions read as UTF-8 bytes of the text without its markup (2 of 2 highlights match their snippet)
    template history: 12 revisions dated 2024-05-02T10:00:00Z to 2024-05-02T10:10:00Z (5 add, 1 merge, 2 move, 1 redefine, 3 rename); see "tana --project taguette.tana template history"
      - 11 of Taguette's commands read, 9 of them on tags
      - the replayed tags are exactly Taguette's final tags
      - the replayed highlights are exactly Taguette's final 2 highlights and their tags
    use it with: tana --project taguette.tana freq
    "#);
    assert_snapshot!(env.ok(&["--project", "taguette.tana", "template", "history"]), @r#"
    # Template history

    The sequence of template versions, the changes between them with their rationale, and the numbered template at each version. `*` marks a priori themes.

    ## Current template (not saved as a version)

    Changes:

    - added 1 Price (revision 1, cem, 2024-05-02T10:00:00Z). Rationale: Taguette: tag_add by cem (command 1)
    - added 2 Barriers, 2.1 Barriers/Cost (revision 2, cem, 2024-05-02T10:01:00Z). Rationale: Taguette: tag_add by cem (command 2)
    - added 2.2 Barriers/Time (revision 3, ana, 2024-05-02T10:02:00Z). Rationale: Taguette: tag_add by ana (command 3)
    - merged 1 Price into 1.1 Barriers/Cost (1 coding(s)) (revision 4, cem, 2024-05-02T10:05:00Z). Rationale: Taguette: tag_merge by cem (command 6); 1 highlight(s) moved to the target
    - added 2 Obstacles (revision 5, cem, 2024-05-02T10:06:00Z). Rationale: Taguette: tag_add by cem (command 7)
    - renamed 2 Obstacles to "Barriers" (revision 6, cem, 2024-05-02T10:07:00Z). Rationale: Taguette: tag_add by cem (command 8); "Barriers", made as the parent of sub-tags, gives way to this tag, which takes its sub-themes
    - redefined 1 Barriers (scope unchanged) (revision 7, cem, 2024-05-02T10:07:00Z). Rationale: Taguette: tag_add by cem (command 8)
    - moved 1.2 Barriers/Time to 2 (revision 8, ana, 2024-05-02T10:08:00Z). Rationale: Taguette: tag_add by ana (command 9)
    - renamed 2 Time to "Time pressure" (revision 9, ana, 2024-05-02T10:08:00Z). Rationale: Taguette: tag_add by ana (command 9)
    - added 3 Delays, 3.1 Delays/Supplier (revision 10, ana, 2024-05-02T10:09:00Z). Rationale: Taguette: tag_add by ana (command 10)
    - moved 3.1 Delays/Supplier to 3 (revision 11, ana, 2024-05-02T10:10:00Z). Rationale: Taguette: tag_add by ana (command 11); "Delays", made as the parent of sub-tags, holds none now and leaves the template
    - renamed 3 Supplier to "Supplier delays" (revision 12, ana, 2024-05-02T10:10:00Z). Rationale: Taguette: tag_add by ana (command 11)

    Template:

    - 1 Barriers
      - 1.1 Cost
    - 2 Time pressure
    - 3 Supplier delays
    "#);
    assert_snapshot!(quotes(&env, "taguette.tana"), @"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    R2,2,R2,1.1,Cost,49,83,Recycled packaging costs 12 % more,
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    R2,2,R2,2,Time pressure,89,122,nobody has time to compare offers,
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    ");
    // Kept flat, a tag's name keeps its dot.
    env.ok(&[
        "import",
        "taguette.sqlite3",
        "--taguette-project",
        "2",
        "--flat-tags",
        "-o",
        "flat.tana",
    ]);
    assert_snapshot!(env.ok(&["--project", "flat.tana", "template"]), @"
    theme              codings  participants
    1 Barriers.Cost          1           1/1
    2 Time pressure          1           1/1
    3 Barriers               0           0/1
    4 Supplier delays        0           0/1
    "); // A name two projects share does not choose.
    Connection::open(env.path().join("taguette.sqlite3"))
        .unwrap()
        .execute("UPDATE projects SET name = 'Main study' WHERE id = 1", [])
        .unwrap();
    assert_snapshot!(env.fails(&["import", "taguette.sqlite3", "--taguette-project", "Main study", "-o", "x.tana"], 2), @r#"
    error: taguette.sqlite3 has 2 Taguette projects named "Main study": 1 "Main study" (1 document), 2 "Main study" (1 document)
    hint: give --taguette-project the id of the one to import
    "#);
}

#[test]
fn what_is_not_a_taguette_database_is_refused_and_nothing_written() {
    let env = TestEnv::empty();
    // An SQLite database of something else.
    let other = Connection::open(env.path().join("notes.sqlite3")).unwrap();
    other
        .execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); CREATE TABLE documents (id INTEGER);")
        .unwrap();
    drop(other);
    assert_snapshot!(env.fails(&["import", "notes.sqlite3"], 1), @"
    error: notes.sqlite3 is an SQLite database but not a Taguette one: it has no projects, tags, highlights, highlight_tags tables (it has: documents, notes)
    hint: tana imports a Taguette project as Taguette exports it (Export project → .sqlite3), or Taguette's own database; transcripts import from .txt, .md, .docx, .odt, .vtt, .srt or .csv
    ");
    // A text file named like one.
    env.write("broken.sqlite3", "not a database");
    assert_snapshot!(env.fails(&["import", "broken.sqlite3"], 1), @r#"
    error: broken.sqlite3 is not an SQLite database, so not a Taguette project (it does not start with "SQLite format 3")
    hint: export the project from Taguette again (Export project → .sqlite3); the file may be damaged or cut short
    "#);
    // A Taguette database whose documents have no text column.
    let old = Connection::open(env.path().join("old.sqlite3")).unwrap();
    old.execute_batch(&SCHEMA.replace("\tcontents TEXT NOT NULL,\n", ""))
        .unwrap();
    drop(old);
    assert_snapshot!(env.fails(&["import", "old.sqlite3"], 1), @"
    error: old.sqlite3: Taguette's table documents has no column contents; this version of Taguette's database is not one tana reads
    hint: open the project in a recent Taguette and export it again (Export project → .sqlite3)
    ");
    // A tana project.
    env.ok(&["init", "study.tana"]);
    assert_snapshot!(env.fails(&["import", "study.tana", "-o", "copy.tana"], 1), @r#"
    error: study.tana is a tana project, not a Taguette database
    hint: open it with --project study.tana, or bring a coder's copy back with "tana merge study.tana"
    "#);
    // Taguette's flags without a Taguette database.
    env.write("P01.txt", "Interviewer: Hello?\n\nP1: Hello.\n");
    assert_snapshot!(env.fails(&["--project", "study.tana", "import", "P01.txt", "--flat-tags"], 2), @"
    error: --taguette-project and --flat-tags are for Taguette databases only
    hint: a Taguette database is an .sqlite3 file: Taguette's Export project, or its own database
    ");
    // An existing project is never overwritten.
    exported_project(&env.path().join("b2b.sqlite3"));
    assert_snapshot!(env.fails(&["import", "b2b.sqlite3", "-o", "study.tana"], 1), @"
    error: study.tana already exists
    hint: a Taguette project becomes a new tana project: choose another name with -o NEW.tana
    ");
    let mut left: Vec<String> = std::fs::read_dir(env.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "P01.txt",
            "b2b.sqlite3",
            "broken.sqlite3",
            "notes.sqlite3",
            "old.sqlite3",
            "study.tana"
        ]
    );
}

#[test]
fn offsets_are_read_in_the_unit_the_snippets_agree_with() {
    let env = TestEnv::empty();
    let conn = Connection::open(env.path().join("old.sqlite3")).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    let (html, text) = document(&[
        ("p", "Interviewer: Zoë, what do you publish?"),
        ("p", "R1: Our CO₂ figures 🌱, every quarter."),
    ]);
    // Offsets counted in code points, as no Taguette since 2018 counts them.
    let chars = |phrase: &str| {
        let at = text[..text.find(phrase).unwrap()].chars().count() as i64;
        (at, at + phrase.chars().count() as i64)
    };
    let (s, e) = chars("every quarter");
    conn.execute_batch(
        "INSERT INTO projects VALUES (1, 'Reporting', '', '2024-06-01 09:00:00');
         INSERT INTO tags VALUES (1, 1, 'Disclosure', '');",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO documents VALUES (1, 'R1', '', 'R1', '2024-06-01 09:00:00', 1, 'LEFT_TO_RIGHT', ?1)",
        [html],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO highlights VALUES (1, 1, ?1, ?2, 'every quarter'), (2, 1, 900, 920, 'gone')",
        params![s, e],
    )
    .unwrap();
    conn.execute_batch("INSERT INTO highlight_tags VALUES (1, 1), (2, 1);")
        .unwrap();
    drop(conn);
    assert_snapshot!(env.run(&["import", "old.sqlite3"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    imported old.sqlite3 (Taguette project 1 "Reporting") into old.tana: 1 transcript, 1 theme, 1 coding from 2 highlights (2 highlight tags), 1 coder, 0 memos, 0 journal entries
    positions read as code points of the text without its markup (1 of 2 highlights match their snippet)
    template history: 1 revision (1 add); see "tana --project old.tana template history"
      - the database has no command history: the template is its final tags, added now
    warning: not imported or changed (1):
      - highlight 2 [900, 920) lies outside its document's text (76 code points) or inside a character; not imported
    use it with: tana --project old.tana freq
    "#);
    assert_snapshot!(quotes(&env, "old.tana"), @"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    R1,2,R1,1,Disclosure,63,76,every quarter,
    ");
}
