use crate::TestEnv;
use insta::assert_snapshot;

#[test]
fn import_detects_turns_and_names_transcripts_by_stem() {
    let env = TestEnv::new();
    env.write(
        "P07.txt",
        "Interviewer: Hello.\n\nParticipant 7: Hi there.\nStill me.\n\nInterviewer: Bye.\n\nParticipant 7: Bye!\n",
    );
    assert_snapshot!(env.run(&["import", "P07.txt", "--attr", "role=manager"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported P07: 4 segments, 7 words; 2 speakers: Interviewer (2), Participant 7 (2)
    ");
    assert_snapshot!(env.run(&["show", "P07"]), @r"
    exit: 0
    --- stdout
       1  Interviewer: Hello.
       2  Participant 7: Hi there.
          Still me.
       3  Interviewer: Bye.
       4  Participant 7: Bye!
    --- stderr
    ");
    assert_snapshot!(env.run(&["transcripts"]), @"
    exit: 0
    --- stdout
     transcript   speakers   segments   words   codings   coded   reviewed   role
    ─────────────────────────────────────────────────────────────────────────────────
     P07                 2          4       7         0   0%                 manager
    --- stderr
    ");
}

#[test]
fn import_handles_timestamps_moderator_lines_and_padded_labels() {
    let env = TestEnv::new();
    env.write(
        "ts.txt",
        "[00:01] INTERVIEWER: Why?\n[04:12] PARTICIPANT 4: Because.\n[05:00] INTERVIEWER: Ok.\n[05:02] PARTICIPANT 4: Fine.\n",
    );
    env.write(
        "P09.txt",
        "1 Read the home tab.\n\tMODERATOR: Could you start?\n\tOkay, yes.\n\tIt is clear.\n\tMODERATOR: Next one?\n\tDone.\n",
    );
    env.write(
        "pad.txt",
        "INT : How long?\nRESP: A year.\nINT : Good.\nRESP: Yes.\n",
    );
    env.write(
        "names.md",
        "# Headline: a story\n\nA lead paragraph.\n\nJane Doe: First.\n\nJohn Roe: Second.\n\nJane Doe: Third.\n\nJohn Roe: Fourth.\n",
    );
    env.ok(&["import", "ts.txt", "P09.txt", "pad.txt", "names.md"]);
    assert_snapshot!(env.ok(&["show", "ts"]), @r"
       1  [00:01] INTERVIEWER: Why?
       2  [04:12] PARTICIPANT 4: Because.
       3  [05:00] INTERVIEWER: Ok.
       4  [05:02] PARTICIPANT 4: Fine.
    ");
    assert_snapshot!(env.ok(&["show", "P09"]), @"
    1  1 Read the home tab.
    2  MODERATOR: Could you start?
    3  P09: Okay, yes.
       	It is clear.
    4  MODERATOR: Next one?
    5  P09: Done.
    ");
    assert_snapshot!(env.ok(&["show", "pad"]), @r"
       1  INT: How long?
       2  RESP: A year.
       3  INT: Good.
       4  RESP: Yes.
    ");
    assert_snapshot!(env.ok(&["show", "names"]), @r"
       1  # Headline: a story
       2  A lead paragraph.
       3  Jane Doe: First.
       4  John Roe: Second.
       5  Jane Doe: Third.
       6  John Roe: Fourth.
    ");
}

#[test]
fn import_without_turns_makes_paragraph_segments() {
    let env = TestEnv::new();
    env.write(
        "essay.txt",
        "First paragraph,\nwrapped.\n\nSecond paragraph.\n",
    );
    assert_snapshot!(env.run(&["import", "essay.txt"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported essay: 2 segments, 5 words; no speaker turns found: segments are paragraphs
    ");
}

#[test]
fn speaker_pattern_overrides_detection() {
    let env = TestEnv::new();
    env.write("chat.txt", "AB> hello there\nCD> hi\nAB> bye\n");
    env.ok(&[
        "import",
        "chat.txt",
        "--speaker-pattern",
        r"^(?P<speaker>[A-Z]{2})> ",
    ]);
    assert_snapshot!(env.ok(&["show", "chat"]), @r"
       1  AB: hello there
       2  CD: hi
       3  AB: bye
    ");
    let err = env.fails(
        &[
            "import",
            "chat.txt",
            "--name",
            "x",
            "--speaker-pattern",
            "(",
        ],
        2,
    );
    assert!(
        err.contains("--speaker-pattern is not a valid regex"),
        "{err}"
    );
}

#[test]
fn import_strips_bom_and_crlf_and_counts_code_points() {
    let env = TestEnv::new();
    env.write(
        "bom.txt",
        b"\xEF\xBB\xBFA: caf\xC3\xA9 \xF0\x9F\x8C\xB1 ok\r\nB: yes\r\nA: no\r\nB: fine\r\n",
    );
    env.ok(&["import", "bom.txt"]);
    env.ok(&["theme", "add", "T"]);
    // "café 🌱 ok" starts after "A: " (3 code points) and is 9 code points long.
    env.ok(&["code", "bom", "--span", "3:12", "T"]);
    let out = env.ok(&["quotes", "T", "--format", "csv"]);
    assert!(out.contains("bom,1,A,1,T,3,12,café 🌱 ok,"), "{out}");
}

#[test]
fn reimport_is_refused_without_replace() {
    let env = TestEnv::study();
    assert_snapshot!(env.run(&["import", "P01.txt"]), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: transcript P01 already exists
    hint: add --replace to replace its text (codings are kept where their text is unchanged), or --name to import under another name
    "#);
}

#[test]
fn replace_keeps_codings_on_their_text_and_refuses_to_orphan() {
    let env = TestEnv::study();
    env.ok(&[
        "code",
        "P01",
        "--quote",
        "nobody could tell me the target",
        "Vague targets",
    ]);
    // The coded words move: the coding follows them.
    env.write(
        "P01.txt",
        "Interviewer: Hi.\n\nInterviewer: What are the targets?\n\nP1: Honestly, nobody could tell me the target. It is all slogans.\n",
    );
    assert_snapshot!(env.run(&["import", "P01.txt", "--replace"]), @"
    exit: 0
    --- stdout
    --- stderr
    replaced P01: 3 segments, 16 words; 2 speakers: Interviewer (2), P1 (1); 1 coding moved with its text
    ");
    let q = env.ok(&["quotes", "Vague targets", "--format", "csv"]);
    assert!(q.contains("P01,3,P1,1.1.1,Vague targets,"), "{q}");
    assert!(q.contains(",nobody could tell me the target,"), "{q}");
    // The coded words are gone: refused, and nothing changes.
    let before = env.dump();
    env.write(
        "P01.txt",
        "Interviewer: Hi.\n\nP1: Something else entirely.\n",
    );
    assert_snapshot!(env.fails(&["import", "P01.txt", "--replace"], 1), @r#"
    error: replacing P01 would orphan 1 of its 1 codings: their text cannot be placed in the new file:
      68:99 1.1.1 Vague targets, tester: "nobody could tell me the target" (not in the new file)
    hint: uncode them first ("tana uncode P01 --span 68:99 1.1.1"), or restore the coded text in the new file; nothing was changed
    "#);
    assert_eq!(before, env.dump());
}

#[test]
fn replace_keeps_codings_on_repeated_lines_and_names_what_blocks_it() {
    let env = TestEnv::new();
    env.write(
        "P05.txt",
        "Interviewer: Does the sustainability report reach you?\n\nP5: Not really.\n\nInterviewer: And the intranet page?\n\nP5: Not really.\n\nInterviewer: Team meetings?\n\nP5: Yes, every week.\n",
    );
    env.ok(&["import", "P05.txt"]);
    env.ok(&["theme", "add", "Channels that miss"]);
    env.ok(&["theme", "add", "Channels that work"]);
    env.ok(&[
        "code",
        "P05",
        "--quote",
        "Not really.",
        "--occurrence",
        "2",
        "Channels that miss",
    ]);
    env.ok(&["code", "P05", "6", "Channels that work"]);
    // A line added at the top: "Not really." still occurs twice, and the second one stays coded.
    env.write(
        "P05.txt",
        "Interviewer: Thanks for your time.\n\nInterviewer: Does the sustainability report reach you?\n\nP5: Not really.\n\nInterviewer: And the intranet page?\n\nP5: Not really.\n\nInterviewer: Team meetings?\n\nP5: Yes, every week.\n",
    );
    assert_snapshot!(env.run(&["import", "P05.txt", "--replace"]), @"
    exit: 0
    --- stdout
    --- stderr
    replaced P05: 7 segments, 23 words; 2 speakers: Interviewer (4), P5 (3); 2 codings moved with their text
    ");
    assert_snapshot!(env.ok(&["quotes", "Channels that miss", "--format", "csv"]), @"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    P05,5,P5,1,Channels that miss,150,161,Not really.,
    ");
    // The answer is said a third time, and the weekly meetings are gone: the coded repeat is
    // placed by its surroundings, the coding of the lost answer is named, with its text.
    let before = env.dump();
    env.write(
        "P05.txt",
        "Interviewer: Does the sustainability report reach you?\n\nP5: Not really.\n\nInterviewer: And the intranet page?\n\nP5: Not really.\n\nInterviewer: Team meetings?\n\nP5: Not really.\n",
    );
    assert_snapshot!(env.fails(&["import", "P05.txt", "--replace"], 1), @r#"
    error: replacing P05 would orphan 1 of its 2 codings: their text cannot be placed in the new file:
      196:212 2 Channels that work, tester: "Yes, every week." (not in the new file)
    hint: uncode them first ("tana uncode P05 --span 196:212 2"), or restore the coded text in the new file; nothing was changed
    "#);
    assert_eq!(before, env.dump());
}

#[test]
fn bad_files_are_refused_by_name_and_nothing_is_written() {
    let env = TestEnv::new();
    env.write("good.txt", "A: one\nB: two\n");
    env.write("bad.txt", b"Interviewer: caf\xE9 au lait\n");
    env.write("empty.txt", "  \n\n");
    env.write("bin.txt", b"PK\x03\x04\x00\x00binary");
    assert_snapshot!(env.fails(&["import", "good.txt", "bad.txt"], 1), @"
    error: bad.txt: not valid UTF-8 (invalid byte at byte position 16)
    hint: save the transcript as UTF-8 text and import it again; nothing was imported
    ");
    assert_snapshot!(env.fails(&["import", "empty.txt"], 1), @"
    error: empty.txt: the file is empty (or holds only whitespace)
    hint: save the transcript as UTF-8 text and import it again; nothing was imported
    ");
    assert_snapshot!(env.fails(&["import", "bin.txt"], 1), @"
    error: bin.txt: not a text file (NUL byte at byte position 4)
    hint: save the transcript as UTF-8 text and import it again; nothing was imported
    ");
    assert_snapshot!(env.fails(&["import", "missing.txt"], 1), @r"
    error: missing.txt: no such file
    hint: check the path; it is relative to the current directory
    ");
    assert_snapshot!(env.fails(&["import", "scan.pdf"], 1), @"
    error: scan.pdf: cannot import .pdf files yet
    hint: tana imports .txt, .md, .docx, .odt, .vtt, .srt and .csv (one row per turn), and REFI-QDA projects (.qdpx); save the transcript as .txt
    ");
    env.write("notes.docx", "this is text, not a Word file");
    assert_snapshot!(env.fails(&["import", "notes.docx"], 1), @"
    error: notes.docx: not a .docx file; it is not a zip archive
    hint: is this a real .docx? open it in Word or LibreOffice and save it again
    ");
    assert_eq!(
        env.ok(&["transcripts", "--format", "csv"]),
        "transcript,speakers,segments,words,codings,coded,reviewed\n"
    );
}

#[test]
fn attributes_are_set_imported_and_bad_rows_reported() {
    let env = TestEnv::study();
    env.ok(&["attr", "set", "P03", "role=front-line sales", "tenure=3"]);
    assert_snapshot!(env.ok(&["attr", "list", "--format", "csv"]), @r"
    transcript,role,sector,tenure
    P01,manager,IT,
    P02,lead,logistics,
    P03,front-line sales,IT,3
    ");
    env.write("bad.csv", "transcript,role\nP01,x\nP99,y\nP98,z\n");
    let before = env.dump();
    assert_snapshot!(env.fails(&["attr", "import", "bad.csv"], 1), @r#"
    error: bad.csv: 2 bad row(s), nothing was changed:
      line 3: no transcript named "P99"
      line 4: no transcript named "P98"
    hint: run "tana transcripts" to list transcript names; the first column must match them
    "#);
    assert_eq!(before, env.dump());
    env.fails(&["attr", "set", "P01", "novalue"], 2);
}

#[test]
fn utf16_files_are_named_as_such() {
    let env = TestEnv::new();
    let mut bytes = vec![0xFF, 0xFE];
    for u in "A: hi\nB: yo\n".encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    env.write("wide.txt", bytes);
    assert_snapshot!(env.fails(&["import", "wide.txt"], 1), @"
    error: wide.txt: the file is UTF-16 text, not UTF-8
    hint: save the transcript as UTF-8 text and import it again; nothing was imported
    ");
}

#[test]
fn captions_and_csv_turns_import_with_speakers_and_times() {
    let env = TestEnv::new();
    env.write(
        "talk.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ana>Welcome &amp; hello,\n\n00:00:03.000 --> 00:00:05.000\n<v Ana>everyone.\n\n00:00:06.500 --> 00:00:08.000\n<v Ben>Thanks.\n",
    );
    env.write(
        "talk2.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nAna: First line\nwraps here.\n\n2\n00:00:02,500 --> 00:00:04,000\nstill Ana.\n\n3\n00:00:05,000 --> 00:00:06,000\nBen: Reply.\n",
    );
    env.write(
        "turns.csv",
        "who,utterance,time\nAna,\"Hello, there.\",00:01\nBen,Hi.,00:03\n",
    );
    assert_snapshot!(env.run(&["import", "talk.vtt", "talk2.srt"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported talk: 2 segments, 4 words; 2 speakers: Ana (1), Ben (1)
    imported talk2: 2 segments, 7 words; 2 speakers: Ana (1), Ben (1)
    2 transcripts, 4 segments, 11 words
    ");
    env.ok(&["import", "turns.csv", "--columns", "who,utterance,time"]);
    assert_snapshot!(env.ok(&["show", "talk"]), @"
    1  [00:00:01.000] Ana: Welcome & hello, everyone.
    2  [00:00:06.500] Ben: Thanks.
    ");
    assert_snapshot!(env.ok(&["show", "talk2"]), @"
    1  [00:00:01.000] Ana: First line wraps here. still Ana.
    2  [00:00:05.000] Ben: Reply.
    ");
    assert_snapshot!(env.ok(&["show", "turns"]), @"
    1  [00:01] Ana: Hello, there.
    2  [00:03] Ben: Hi.
    ");
    env.write("bad.srt", "1\nnot a timing line\nhello\n");
    assert_snapshot!(env.fails(&["import", "bad.srt"], 1), @"
    error: bad.srt, line 1: a subtitle has no timing line (00:00:01,000 --> 00:00:04,000)
    hint: check the file is a valid caption file; nothing was imported
    ");
    env.write("plain.csv", "a,b\n1,2\n");
    assert_snapshot!(env.fails(&["import", "plain.csv"], 1), @r#"
    error: plain.csv, line 1: the header needs the columns "speaker" and "text" (it has: a, b)
    hint: name the columns with --columns SPEAKER,TEXT[,START]
    "#);
}

#[test]
fn several_files_are_named_by_a_pattern_or_a_regex() {
    let env = TestEnv::new();
    for f in [
        "P1_GMT20211118.txt",
        "P2_GMT20211119.txt",
        "P10_GMT20211201.txt",
    ] {
        env.write(f, "Interviewer: Hello?\n\nP: Hello.\n");
    }
    let files = [
        "P1_GMT20211118.txt",
        "P2_GMT20211119.txt",
        "P10_GMT20211201.txt",
    ];
    let mut args = vec!["import"];
    args.extend(files);
    args.extend(["--name-regex", "^(P[0-9]+)_"]);
    env.ok(&args);
    let names = env.ok(&["transcripts", "--format", "csv"]);
    let names: Vec<&str> = names
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(names, ["P1", "P2", "P10"]);

    let env2 = TestEnv::new();
    for f in files {
        env2.write(f, "Interviewer: Hello?\n\nP: Hello.\n");
    }
    let mut args = vec!["import"];
    args.extend(files);
    args.extend(["--name", "S{n:2}-{stem}"]);
    env2.ok(&args);
    let names = env2.ok(&["transcripts", "--format", "csv"]);
    assert!(names.contains("S01-P1_GMT20211118"), "{names}");
    assert!(names.contains("S03-P10_GMT20211201"), "{names}");

    // One name for several files, or a regex that does not match, is refused; nothing is written.
    let mut args = vec!["import"];
    args.extend(files);
    args.extend(["--name", "P07"]);
    let err = env2.fails(&args, 2);
    assert!(err.contains("needs {n} or {stem}"), "{err}");
    let mut args = vec!["import"];
    args.extend(files);
    args.extend(["--name-regex", "^(Q[0-9]+)"]);
    let err = env2.fails(&args, 1);
    assert!(
        err.contains("P1_GMT20211118.txt: --name-regex does not match its name \"P1_GMT20211118\""),
        "{err}"
    );
}
