//! Template outlines: `template::outline::parse` on nested Markdown lists.

use tana::template::outline::parse;

use crate::gen::lossy;
use crate::{ensure, Gen, Target};

const NAMES: &[&str] = &[
    "Awareness gap",
    "Vague targets",
    "Zoë's theme",
    "🌱 Growth",
    "e\u{301}tude",
    "ÉTUDE",
    "**Bold**",
    "1.2",
    "a/b",
    "",
    " ",
    "Name: with colon",
    "İstanbul",
];

const TAGS: &[&str] = &[
    "",
    " [integrative]",
    " [a priori: Smith 2020]",
    " [A PRIORI]",
    " [a-priori:]",
    " [a priori: İİİ]",
    " [İntegrative]",
    " [unknown]",
    " [",
    " [a priori: x] [integrative]",
];

const DEFINITIONS: &[&str] = &[
    "",
    ": not knowing the targets",
    ":",
    ": 🌱 e\u{301}",
    " trailing text",
];

fn outline(g: &mut Gen) -> String {
    let mut s = String::from(g.pick(&["", "# Template\n\n", "Some prose.\n"]));
    let mut level = 0usize;
    for _ in 0..g.size(30) + 1 {
        // Up one level, down any number, or stay; never deeper than 50.
        level = match g.below(3) {
            0 => (level + 1).min(50),
            1 => g.below(level + 1),
            _ => level,
        };
        let indent = match g.below(4) {
            0 => "\t".repeat(level),
            1 => " ".repeat(level * 3),
            _ => "  ".repeat(level),
        };
        let marker = g.pick(&[
            "- ",
            "* ",
            "+ ",
            "1. ",
            "12) ",
            "-",
            "99999999999999999999. ",
        ]);
        let line = format!(
            "{indent}{marker}{}{}{}",
            g.pick(NAMES),
            g.pick(TAGS),
            g.pick(DEFINITIONS)
        );
        s.push_str(&line);
        s.push_str(match g.below(10) {
            0 => "\r\n",
            1 => "\n```\n",
            2 => "\n\n",
            _ => "\n",
        });
    }
    s
}

pub const OUTLINE: Target = Target {
    name: "outline",
    quick_cases: 400,
    generate: |g| {
        if g.chance(5) {
            return g.bytes(300);
        }
        let mut s = outline(g);
        if g.chance(40) {
            g.mutate_text(&mut s, 6);
        }
        s.into_bytes()
    },
    check: |input| {
        let text = lossy(input);
        let r = parse(&text, "template.md");
        crate::user_result(&r)?;
        let Ok(items) = r else { return Ok(()) };
        let lines = text.lines().count();
        let mut last_line = 0;
        for it in &items {
            ensure(it.line > last_line && it.line <= lines, || {
                format!("item on line {} after line {last_line} of {lines}", it.line)
            })?;
            last_line = it.line;
            ensure(it.path.iter().all(|n| !n.trim().is_empty()), || {
                format!("line {}: an empty name in {:?}", it.line, it.path)
            })?;
        }
        Ok(())
    },
};

#[test]
fn outline_never_panics_and_items_have_names_in_line_order() {
    crate::fuzz(&OUTLINE);
}
