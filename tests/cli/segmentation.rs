//! Speaker-turn detection on the conventions real transcripts use, and what import reports.

use crate::TestEnv;
use insta::assert_snapshot;

#[test]
fn task_headings_and_stage_directions_are_segments_without_a_speaker() {
    let env = TestEnv::new();
    // A think-aloud session: numbered tasks, indented speech, MODERATOR turns, directions.
    env.write(
        "S03.txt",
        "1 Open the sustainability page of the intranet.\n\
         \t(The participant opens the intranet)\n\
         \tMODERATOR: Could you start with the first task?\n\
         \tOkay. It says we cut plant emissions by a third.\n\
         \t12 plants, it says here.\n\
         \x20   1.a Was the target clear to you?\n\
         \x20   \tThe number is clear, the year is not.\n\
         \x20   \t(The participant reads the task again).\n\
         \x20   \tNo, I would not know what to tell a customer.\n\
         \x20   1.b What would you add?\n\
         \x20   \tWhat it means for sales.\n\
         2 Find the packaging targets.\n\
         \tMODERATOR: Take your time.\n\
         \tThey are under Products, which is odd.\n",
    );
    assert_snapshot!(env.run(&["import", "S03.txt"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported S03: 13 segments, 93 words; 2 speakers: S03 (5), MODERATOR (2); 6 segments without a speaker
    ");
    assert_snapshot!(env.ok(&["show", "S03"]), @"
     1  1 Open the sustainability page of the intranet.
     2  (The participant opens the intranet)
     3  MODERATOR: Could you start with the first task?
     4  S03: Okay. It says we cut plant emissions by a third.
        	12 plants, it says here.
     5  1.a Was the target clear to you?
     6  S03: The number is clear, the year is not.
     7  (The participant reads the task again).
     8  S03: No, I would not know what to tell a customer.
     9  1.b What would you add?
    10  S03: What it means for sales.
    11  2 Find the packaging targets.
    12  MODERATOR: Take your time.
    13  S03: They are under Products, which is odd.
    ");
    // Headings and directions have no speaker, so they are not counted as speakers.
    assert_snapshot!(env.ok(&["transcripts", "--format", "csv"]), @"
    transcript,speakers,segments,words,codings,coded,reviewed
    S03,2,13,93,0,0.0,
    ");
}

#[test]
fn a_chair_label_with_a_parenthesised_role_in_hebrew_is_a_speaker() {
    let env = TestEnv::new();
    // A committee record, right to left: the chair's role in parentheses with gershayim (״),
    // a direction mark before a label, a nickname in parentheses.
    env.write(
        "committee.txt",
        "רונית לוי (יו״ר): אני פותחת את הישיבה. הנושא הוא שיווק פנימי של יעדי הקיימות בחברות תעשייה.\n\n\
         דני כהן: תודה, גברתי. העובדים במכירות לא מכירים את היעדים.\n\n\
         \u{200F}אברהם (אבי) שחר: הלקוחות שואלים על פליטות, והמוכרים לא יודעים לענות.\n\n\
         רונית לוי (יו״ר): תודה. נעבור לסעיף הבא.\n",
    );
    // A record of one turn: the chair alone.
    env.write(
        "chair.txt",
        "יעל ברק (יו״ר): אנחנו מתכבדים לפתוח את הדיון על אריזות ממוחזרות.\n",
    );
    assert_snapshot!(env.run(&["import", "committee.txt", "chair.txt"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported committee: 4 segments, 33 words; 3 speakers: רונית לוי (יו״ר) (2), דני כהן (1), אברהם (אבי) שחר (1)
    imported chair: 1 segment, 8 words; 1 speaker: יעל ברק (יו״ר) (1)
    2 transcripts, 5 segments, 41 words
    ");
    assert_snapshot!(env.ok(&["show", "committee"]), @"
    1  רונית לוי (יו״ר): אני פותחת את הישיבה. הנושא הוא שיווק פנימי של יעדי הקיימות בחברות תעשייה.
    2  דני כהן: תודה, גברתי. העובדים במכירות לא מכירים את היעדים.
    3  אברהם (אבי) שחר: הלקוחות שואלים על פליטות, והמוכרים לא יודעים לענות.
    4  רונית לוי (יו״ר): תודה. נעבור לסעיף הבא.
    ");
    assert_snapshot!(env.ok(&["show", "chair"]), @"   1  יעל ברק (יו״ר): אנחנו מתכבדים לפתוח את הדיון על אריזות ממוחזרות.");
}

#[test]
fn name_and_role_labels_are_speakers() {
    let env = TestEnv::new();
    env.write(
        "P21.txt",
        "Maria Lopez (Sustainability lead): The targets came from the board, and sales heard them last.\n\n\
         Tom Berg (Interviewer): How did sales hear them?\n\n\
         Maria Lopez (Sustainability lead): In a newsletter, after the customers had asked.\n\n\
         Tom Berg (Interviewer): And the plants?\n\n\
         Maria Lopez (Sustainability lead): On their dashboards.\n",
    );
    // The role given once, then the name alone: one speaker, by name.
    env.write(
        "P22.txt",
        "Anna Kovacs (Key account manager): Customers ask for a carbon figure per pallet.\n\n\
         Interviewer: Can you give one?\n\n\
         Anna Kovacs: Not yet. Marketing promised it for spring.\n",
    );
    env.ok(&["import", "P21.txt", "P22.txt"]);
    assert_snapshot!(env.ok(&["show", "P21"]), @"
    1  Maria Lopez (Sustainability lead): The targets came from the board, and sales heard them last.
    2  Tom Berg (Interviewer): How did sales hear them?
    3  Maria Lopez (Sustainability lead): In a newsletter, after the customers had asked.
    4  Tom Berg (Interviewer): And the plants?
    5  Maria Lopez (Sustainability lead): On their dashboards.
    ");
    assert_snapshot!(env.ok(&["show", "P22"]), @"
    1  Anna Kovacs: Customers ask for a carbon figure per pallet.
    2  Interviewer: Can you give one?
    3  Anna Kovacs: Not yet. Marketing promised it for spring.
    ");
}

#[test]
fn hh_mm_ss_name_labels_keep_their_start_time() {
    let env = TestEnv::new();
    env.write(
        "call.txt",
        "00:00:04 Maria Lopez: We publish scope 3 figures now.\n\
         00:00:11 Tom Berg: Since when?\n\
         00:00:13 Maria Lopez: Since the spring report. Sales were told in a webinar.\n",
    );
    env.write(
        "call2.txt",
        "[00:01:02] Anna Kovacs: The webinar was recorded.\n\
         [00:01:09] Tom Berg: Did anyone watch it?\n\
         [00:01:12] Anna Kovacs: Two of us.\n",
    );
    env.ok(&["import", "call.txt", "call2.txt"]);
    assert_snapshot!(env.ok(&["show", "call"]), @"
    1  [00:00:04] Maria Lopez: We publish scope 3 figures now.
    2  [00:00:11] Tom Berg: Since when?
    3  [00:00:13] Maria Lopez: Since the spring report. Sales were told in a webinar.
    ");
    assert_snapshot!(env.ok(&["show", "call2"]), @"
    1  [00:01:02] Anna Kovacs: The webinar was recorded.
    2  [00:01:09] Tom Berg: Did anyone watch it?
    3  [00:01:12] Anna Kovacs: Two of us.
    ");
    // The time and the label stay out of the coded text.
    env.ok(&["theme", "add", "Channels"]);
    env.ok(&["code", "call", "3", "Channels"]);
    assert_snapshot!(env.ok(&["quotes", "Channels", "--format", "csv"]), @"
    transcript,segment,speaker,theme,theme_name,start,end,text,memo
    call,3,Maria Lopez,1,Channels,107,161,Since the spring report. Sales were told in a webinar.,
    ");
}

#[test]
fn otter_teams_and_zoom_name_and_time_lines_start_turns() {
    let env = TestEnv::new();
    // Otter: the name, two spaces and the time on a line; the speech on the next lines.
    env.write(
        "otter.txt",
        "Maria Lopez  0:04\n\
         Thanks for having me. Our plant switched to green power last year.\n\
         \n\
         Tom Berg  0:12\n\
         How did the sales team hear about it?\n\
         \n\
         Maria Lopez  0:15\n\
         Mostly through the intranet, honestly.\n\
         And one town hall.\n",
    );
    // Teams (.docx saved as text): a title, then name and time, the speech a paragraph apart.
    env.write(
        "teams.txt",
        "Sales kick-off follow-up\n\n\
         Anna Kovacs   0:03\n\n\
         Good morning. Shall we start with the customer questions?\n\n\
         Tom Berg   0:09\n\n\
         Yes. Which ones come up most?\n",
    );
    // Zoom: the name in brackets, then the time.
    env.write(
        "zoom.txt",
        "[Anna Kovacs] 00:00:05\n\
         Customers want a carbon figure per delivery.\n\
         [Tom Berg] 00:00:12\n\
         Do you have one?\n",
    );
    assert_snapshot!(env.run(&["import", "otter.txt", "teams.txt", "zoom.txt"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported otter: 3 segments, 29 words; 2 speakers: Maria Lopez (2), Tom Berg (1)
    imported teams: 3 segments, 20 words; 2 speakers: Anna Kovacs (1), Tom Berg (1); 1 segment without a speaker
    imported zoom: 2 segments, 11 words; 2 speakers: Anna Kovacs (1), Tom Berg (1)
    3 transcripts, 8 segments, 60 words
    ");
    assert_snapshot!(env.ok(&["show", "otter"]), @"
    1  [0:04] Maria Lopez: Thanks for having me. Our plant switched to green power last year.
    2  [0:12] Tom Berg: How did the sales team hear about it?
    3  [0:15] Maria Lopez: Mostly through the intranet, honestly.
       And one town hall.
    ");
    assert_snapshot!(env.ok(&["show", "teams"]), @"
    1  Sales kick-off follow-up
    2  [0:03] Anna Kovacs: Good morning. Shall we start with the customer questions?
    3  [0:09] Tom Berg: Yes. Which ones come up most?
    ");
    assert_snapshot!(env.ok(&["show", "zoom"]), @"
    1  [00:00:05] Anna Kovacs: Customers want a carbon figure per delivery.
    2  [00:00:12] Tom Berg: Do you have one?
    ");
}

#[test]
fn image_captions_and_editor_notes_are_not_speakers() {
    let env = TestEnv::new();
    env.write(
        "feature.md",
        "# Packaging firm puts its staff first in the climate plan\n\n\
         The company interviewed its sustainability lead for the staff magazine.\n\n\
         Interviewer: Why start with your own staff?\n\n\
         Maria Lopez: Because customers ask them first, and they had no answers.\n\n\
         Maria Lopez. Image: Varden Packaging.\n\n\
         Interviewer: What changed?\n\n\
         Maria Lopez: Every plant now shows its energy use on a screen by the canteen.\n\n\
         The Tilburg plant in 2023. Photo: Tom Berg\n\n\
         Ed.: The screens were installed in March.\n\n\
         Interviewer: Thank you.\n",
    );
    assert_snapshot!(env.run(&["import", "feature.md"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported feature: 10 segments, 73 words; 2 speakers: Interviewer (3), Maria Lopez (2); 5 segments without a speaker
    ");
    assert_snapshot!(env.ok(&["show", "feature"]), @"
     1  # Packaging firm puts its staff first in the climate plan
     2  The company interviewed its sustainability lead for the staff magazine.
     3  Interviewer: Why start with your own staff?
     4  Maria Lopez: Because customers ask them first, and they had no answers.
     5  Maria Lopez. Image: Varden Packaging.
     6  Interviewer: What changed?
     7  Maria Lopez: Every plant now shows its energy use on a screen by the canteen.
     8  The Tilburg plant in 2023. Photo: Tom Berg
     9  Ed.: The screens were installed in March.
    10  Interviewer: Thank you.
    ");
}

#[test]
fn import_reports_the_speakers_found_per_file() {
    let env = TestEnv::new();
    env.write(
        "P31.txt",
        "Interviewer: What are the targets?\n\nP31: Net zero by 2040.\n\n(laughs)\n\nI had to look it up.\n\nInterviewer: Thanks.\n",
    );
    env.write(
        "memo.txt",
        "Sales learned about the targets last.\n\nThe plants knew them from their dashboards.\n",
    );
    env.write(
        "lines.txt",
        "The board set the targets.\nMarketing wrote the slogans.\n",
    );
    let mut panel = String::new();
    for (who, n) in [
        ("Ana", 3),
        ("Ben", 2),
        ("Cleo", 2),
        ("Dev", 1),
        ("Eli", 1),
        ("Fay", 1),
        ("Gus", 1),
        ("Hal", 1),
    ] {
        for _ in 0..n {
            panel.push_str(&format!("{who}: We should tell the drivers first.\n\n"));
        }
    }
    env.write("panel.txt", &panel);
    assert_snapshot!(env.run(&["import", "P31.txt", "memo.txt", "lines.txt", "panel.txt"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported P31: 5 segments, 16 words; 2 speakers: Interviewer (2), P31 (2); 1 segment without a speaker
    imported memo: 2 segments, 13 words; no speaker turns found: segments are paragraphs
    imported lines: 2 segments, 9 words; no speaker turns found: segments are lines
    imported panel: 12 segments, 72 words; 8 speakers: Ana (3), Ben (2), Cleo (2), Dev (1), Eli (1), Fay (1) and 2 more
    4 transcripts, 21 segments, 110 words
    ");
    // -q silences the report.
    env.write("P32.txt", "Interviewer: Hi.\n\nP32: Hello.\n");
    assert_snapshot!(env.run(&["-q", "import", "P32.txt"]), @"
    exit: 0
    --- stdout
    --- stderr
    ");
    // The override and the paragraphs flag say so when they find no turns.
    env.write("chat.txt", "AB> hello\nCD> hi\n");
    assert_snapshot!(env.run(&["import", "chat.txt", "--speaker-pattern", "^(?P<speaker>[A-Z]{3})> "]), @"
    exit: 0
    --- stdout
    --- stderr
    imported chat: 2 segments, 4 words; --speaker-pattern matched no line: segments are lines
    ");
    env.write("P33.txt", "Interviewer: Hi.\n\nP33: Hello.\n");
    assert_snapshot!(env.run(&["import", "P33.txt", "--paragraphs"]), @"
    exit: 0
    --- stdout
    --- stderr
    imported P33: 2 segments, 4 words; segments are paragraphs (--paragraphs)
    ");
}
