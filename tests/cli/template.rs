use crate::TestEnv;
use insta::assert_snapshot;

#[test]
fn theme_add_builds_a_numbered_tree() {
    let env = TestEnv::new();
    env.ok(&[
        "theme",
        "add",
        "Awareness gap",
        "--a-priori",
        "--source",
        "Service Gap model",
    ]);
    env.ok(&["theme", "add", "Design gap"]);
    assert_snapshot!(env.run(&["theme", "add", "Awareness gap/Lack of training", "--definition", "No formal learning"]), @"
    exit: 0
    --- stdout
    --- stderr
    added 1.1 Lack of training (Awareness gap/Lack of training)
    logged as revision 3
    ");
    env.ok(&["theme", "add", "1/Knowing the targets"]);
    env.ok(&[
        "theme",
        "add",
        "Trust",
        "--integrative",
        "--color",
        "#aa3300",
    ]);
    assert_snapshot!(env.run(&["theme", "add", "Barriers/Time/Deadlines"]), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: parent theme "Barriers/Time" does not exist
    hint: add --parents to create missing parents, or run "tana template" to list themes
    "#);
    assert_snapshot!(env.run(&["theme", "add", "Barriers/Time/Deadlines", "--parents"]), @"
    exit: 0
    --- stdout
    --- stderr
    added parent 4 Barriers
    added parent 4.1 Time
    added 4.1.1 Deadlines (Barriers/Time/Deadlines)
    logged as revision 6
    ");
    assert_snapshot!(env.run(&["theme", "add", "awareness gap/lack of TRAINING"]), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: a theme named "lack of TRAINING" already exists at that level
    hint: sibling themes need different names
    "#);
    assert_snapshot!(env.ok(&["template"]), @"
    theme                      codings  participants
    1 Awareness gap *                0           0/0
      1.1 Lack of training           0           0/0
      1.2 Knowing the targets        0           0/0
    2 Design gap                     0           0/0
    3 Trust (integrative)            0           0/0
    4 Barriers                       0           0/0
      4.1 Time                       0           0/0
        4.1.1 Deadlines              0           0/0
    * a priori theme
    ");
}

#[test]
fn themes_resolve_by_number_path_name_and_id_with_suggestions() {
    let env = TestEnv::study();
    for r in [
        "1.1.1",
        "Awareness gap/Knowing the targets/Vague targets",
        "vague targets",
        "#3",
    ] {
        let out = env.ok(&["quotes", r, "--format", "csv"]);
        assert_eq!(out.lines().count(), 1, "{r}");
    }
    assert_snapshot!(env.fails(&["quotes", "Vage targets"], 1), @r#"
    error: no theme matches "Vage targets" (did you mean "1.1.1 Vague targets"?)
    hint: run "tana template" to list themes, or create it with "tana theme add"
    "#);
    env.ok(&["theme", "add", "Customers/Training"]);
    assert_snapshot!(env.fails(&["quotes", "training"], 1), @r#"
    error: theme name "training" is ambiguous: 1.2 (Awareness gap/Training), 2.1 (Customers/Training)
    hint: name it by number or by path, e.g. "Parent/Child"
    "#);
    assert_snapshot!(env.fails(&["quotes", "9.9"], 1), @r#"
    error: no theme is numbered 9.9
    hint: run "tana template" to list themes and their numbers
    "#);
}

#[test]
fn template_import_is_idempotent_and_reports_conflicts() {
    let env = TestEnv::study();
    let before = env.ok(&["template", "export"]);
    assert_snapshot!(env.run(&["template", "import", "template.md"]), @r"
    exit: 0
    --- stdout
    --- stderr
    imported template.md: 0 theme(s) added, 7 unchanged, 0 conflict(s)
    ");
    assert_eq!(before, env.ok(&["template", "export"]));
    env.write(
        "changed.md",
        "- Awareness gap [a priori: Service Gap model]: Something else.\n  - Knowing the targets\n    - New child\n- Trust\n",
    );
    assert_snapshot!(env.run(&["template", "import", "changed.md"]), @r"
    exit: 0
    --- stdout
    --- stderr
    imported changed.md: 1 theme(s) added, 1 unchanged, 2 conflict(s)
    warning: changed.md, line 1: 1 Awareness gap differs; kept the project's definition
      project: What employees know.
      file:    Something else.
    warning: changed.md, line 4: 3 Trust differs; kept the project's kind
      project: integrative
      file:    hierarchical
    ");
}

#[test]
fn template_import_reports_bad_outlines_by_line() {
    let env = TestEnv::new();
    env.write("bad.md", "- A\n  - B [sometag]\n");
    assert_snapshot!(env.fails(&["template", "import", "bad.md"], 1), @r#"
    error: bad.md, line 2: unknown tag "[sometag]" (known: [a priori: SOURCE], [integrative])
    hint: an item reads "- Name [a priori: source] [integrative]: definition"
    "#);
    env.write("none.md", "Just prose.\n");
    env.fails(&["template", "import", "none.md"], 1);
    assert_eq!(env.ok(&["template", "export"]), "");
}

#[test]
fn template_export_round_trips_through_import() {
    let env = TestEnv::study();
    let md = env.ok(&["template", "export", "--format", "md"]);
    assert_snapshot!(md, @r"
    - Awareness gap [a priori: Service Gap model]: What employees know.
      - Knowing the targets
        - Vague targets: Slogans, not goals.
        - Concrete targets
      - Training
    - Customers
    - Trust [integrative]: Belief that the company means it.
    ");
    let other = TestEnv::new();
    other.write("t.md", &md);
    other.ok(&["template", "import", "t.md"]);
    assert_eq!(md, other.ok(&["template", "export"]));
    assert_snapshot!(env.ok(&["template", "export", "--format", "csv"]), @r#"
    number,name,path,parent,level,kind,origin,source,definition
    1,Awareness gap,Awareness gap,,1,hierarchical,a-priori,Service Gap model,What employees know.
    1.1,Knowing the targets,Awareness gap/Knowing the targets,1,2,hierarchical,emergent,,
    1.1.1,Vague targets,Awareness gap/Knowing the targets/Vague targets,1.1,3,hierarchical,emergent,,"Slogans, not goals."
    1.1.2,Concrete targets,Awareness gap/Knowing the targets/Concrete targets,1.1,3,hierarchical,emergent,,
    1.2,Training,Awareness gap/Training,1,2,hierarchical,emergent,,
    2,Customers,Customers,,1,hierarchical,emergent,,
    3,Trust,Trust,,1,integrative,emergent,,Belief that the company means it.
    "#);
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["template", "export", "--format", "json"])).unwrap();
    assert_eq!(
        json[2]["path"],
        "Awareness gap/Knowing the targets/Vague targets"
    );
}

#[test]
fn codebook_has_every_field() {
    let env = TestEnv::study();
    env.ok(&[
        "theme",
        "add",
        "Customers/Questionnaires",
        "--definition",
        "Customer surveys",
        "--include",
        "Any customer survey",
        "--exclude",
        "Internal surveys",
        "--example",
        "CO2 questionnaire",
        "--memo",
        "Emerged in P03",
    ]);
    env.ok(&["code", "P03", "2", "Questionnaires"]);
    let md = env.ok(&["codebook"]);
    assert_snapshot!(md.split("### 2.1").nth(1).unwrap(), @r"
     Questionnaires

    - **Parent:** 2 Customers
    - **Level:** 2
    - **Kind:** hierarchical
    - **Origin:** emergent
    - **Definition:** Customer surveys
    - **When to use:** Any customer survey
    - **When not to use:** Internal surveys
    - **Example:** CO2 questionnaire
    - **Memo:** Emerged in P03
    - **Coded:** 1 coding(s); 1 of 3 participants (with sub-themes)

    ## 3 Trust

    - **Level:** 1
    - **Kind:** integrative
    - **Origin:** emergent
    - **Definition:** Belief that the company means it.
    - **Coded:** 0 coding(s); 0 of 3 participants (with sub-themes)
    ");
    let csv = env.ok(&["codebook", "--format", "csv"]);
    assert_eq!(
        csv.lines().next().unwrap(),
        "number,name,path,parent,level,kind,origin,source,definition,when_to_use,when_not_to_use,example,created_in_version,retired_in_version,memo,color,codings,participants,memos,links"
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["codebook", "--format", "json"])).unwrap();
    assert_eq!(json[6]["when_not_to_use"], "Internal surveys");
}

#[test]
fn template_import_reads_a_codebook_csv() {
    let env = TestEnv::new();
    env.write(
        "codebook.csv",
        "path,description,When to use,example,source,kind,number of highlights\n\
         Awareness gap/Training,\"Formal courses, e-learning\",Any course,\"\"\"a module on recycling\"\"\",,,4\n\
         Awareness gap/Knowing the targets,,,,Interview guide,,2\n\
         Trust,Belief that the company means it,,,,integrative,1\n",
    );
    assert_snapshot!(env.run(&["template", "import", "codebook.csv"]), @"
    exit: 0
    --- stdout
    --- stderr
    warning: codebook.csv: columns not read: number of highlights
    imported codebook.csv: 4 theme(s) added, 0 unchanged, 0 conflict(s)
    ");
    assert_snapshot!(env.ok(&["codebook", "--format", "csv"]), @r#"
    number,name,path,parent,level,kind,origin,source,definition,when_to_use,when_not_to_use,example,created_in_version,retired_in_version,memo,color,codings,participants,memos,links
    1,Awareness gap,Awareness gap,,1,hierarchical,emergent,,,,,,,,,,0,0,,
    1.1,Training,Awareness gap/Training,1,2,hierarchical,emergent,,"Formal courses, e-learning",Any course,,"""a module on recycling""",,,,,0,0,,
    1.2,Knowing the targets,Awareness gap/Knowing the targets,1,2,hierarchical,a-priori,Interview guide,,,,,,,,,0,0,,
    2,Trust,Trust,,1,integrative,emergent,,Belief that the company means it,,,,,,,,0,0,,
    "#);
    // A CSV that names themes by "tag", as Taguette writes it.
    let env = TestEnv::new();
    env.write(
        "tags.csv",
        "tag,description,number of highlights\nSimple export,Exporting is easy,3\nNavigation complex,,2\n",
    );
    env.ok(&["template", "import", "tags.csv"]);
    assert!(env.ok(&["template"]).contains("2 Navigation complex"));
    env.write("bad.csv", "label,description\nA,b\n");
    assert_snapshot!(env.fails(&["template", "import", "bad.csv"], 1), @r#"
    error: bad.csv, line 1: a codebook CSV needs a column naming the themes (it has: label, description)
    hint: name it "path" (Parent/Child) or "name" (also read: tag, code, theme)
    "#);
    env.write("twice.csv", "name\nA\na\n");
    assert_snapshot!(env.fails(&["template", "import", "twice.csv"], 1), @r#"
    error: twice.csv, line 3: "a" is already on line 2
    hint: give each theme one row
    "#);
}

#[test]
fn outline_names_with_a_slash_import_with_a_look_alike_and_are_found_as_typed() {
    let env = TestEnv::new();
    env.write(
        "t.md",
        "- Value created\n  - Economic/financial value: Savings and margins.\n    - Cost/benefit talk\n- Social value\n",
    );
    assert_snapshot!(env.run(&["template", "import", "t.md"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    warning: t.md, line 2: theme "Economic/financial value" is named "Economic∕financial value" ("/" separates parent and child in tana)
    warning: t.md, line 3: theme "Cost/benefit talk" is named "Cost∕benefit talk" ("/" separates parent and child in tana)
    imported t.md: 4 theme(s) added, 0 unchanged, 0 conflict(s)
    "#);
    assert_snapshot!(env.ok(&["template", "--format", "csv"]), @"
    number,theme,path,level,kind,origin,links,codings,participants
    1,Value created,Value created,1,hierarchical,emergent,,0,0
    1.1,Economic∕financial value,Value created/Economic∕financial value,2,hierarchical,emergent,,0,0
    1.1.1,Cost∕benefit talk,Value created/Economic∕financial value/Cost∕benefit talk,3,hierarchical,emergent,,0,0
    2,Social value,Social value,1,hierarchical,emergent,,0,0
    ");
    // The same file again changes nothing; the name is found as the researcher types it.
    assert_snapshot!(env.run(&["template", "import", "t.md"]), @r#"
    exit: 0
    --- stdout
    --- stderr
    warning: t.md, line 2: theme "Economic/financial value" is named "Economic∕financial value" ("/" separates parent and child in tana)
    warning: t.md, line 3: theme "Cost/benefit talk" is named "Cost∕benefit talk" ("/" separates parent and child in tana)
    imported t.md: 0 theme(s) added, 4 unchanged, 0 conflict(s)
    "#);
    assert_snapshot!(env.ok(&["quotes", "Economic/financial value"]), @"## 1.1 Economic∕financial value");
}
