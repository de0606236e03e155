//! Caption files (WebVTT, SubRip) and CSV files with one row per turn: read as turns with
//! speakers and start times, then laid out as a transcript with one segment per turn.

use crate::error::{Error, Result};
use crate::segment::SegmentSpan;
use crate::text::count_words;

/// One turn: who spoke, what, and when it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub speaker: Option<String>,
    pub text: String,
    pub time: Option<String>,
}

fn bad(file: &str, line: usize, what: &str) -> Error {
    Error::user(format!("{file}, line {line}: {what}"))
        .with_hint("check the file is a valid caption file; nothing was imported")
}

/// Decode the few HTML entities captions use.
fn entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// A cue's text: the `<v Name>` voice (if any), tags removed, lines joined.
fn cue_text(lines: &[&str]) -> (Option<String>, String) {
    let mut voice = None;
    let mut out = Vec::new();
    for l in lines {
        let mut s = String::new();
        let mut rest = *l;
        while let Some(open) = rest.find('<') {
            s.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('>') else {
                s.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let tag = &rest[open + 1..open + close];
            if let Some(v) = tag
                .strip_prefix('v')
                .filter(|v| v.starts_with(' ') || v.starts_with('.'))
            {
                let name = v.split_once(' ').map(|(_, n)| n).unwrap_or("").trim();
                if !name.is_empty() {
                    voice = Some(name.to_string());
                }
            }
            rest = &rest[open + close + 1..];
        }
        s.push_str(rest);
        // Trimmed after decoding too: a cue of "&nbsp;" is blank.
        let s = entities(s.trim()).trim().to_string();
        if !s.is_empty() {
            out.push(s);
        }
    }
    (voice, out.join(" "))
}

/// `Name: text` at the start of a cue names the speaker.
fn name_prefix(text: &str) -> Option<(String, String)> {
    let (name, rest) = text.split_once(": ")?;
    let words = name.split_whitespace().count();
    let capital = name.chars().next().is_some_and(|c| c.is_uppercase());
    ((1..=3).contains(&words)
        && capital
        && name.len() <= 40
        && !name.contains(['.', ',', '?', '!']))
    .then(|| (name.trim().to_string(), rest.trim().to_string()))
}

fn timing(line: &str) -> Option<String> {
    let (start, _) = line.split_once("-->")?;
    let start = start.trim().replace(',', ".");
    start
        .chars()
        .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
        .then_some(start)
        .filter(|s| s.contains(':'))
}

/// Turn cues into turns: a speaker stays until another is named; consecutive cues of one
/// speaker join into one turn.
fn cues_to_turns(cues: Vec<(Option<String>, String, String)>) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    let mut current: Option<String> = None;
    for (voice, text, time) in cues {
        let (speaker, text) = match (voice, name_prefix(&text)) {
            (Some(v), _) => (Some(v), text),
            (None, Some((n, rest))) => (Some(n), rest),
            (None, None) => (current.clone(), text),
        };
        if text.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some(t) if speaker.is_some() && t.speaker == speaker => {
                t.text.push(' ');
                t.text.push_str(&text);
            }
            _ => turns.push(Turn {
                speaker: speaker.clone(),
                text,
                time: Some(time),
            }),
        }
        current = speaker;
    }
    turns
}

/// Read a WebVTT file.
pub fn parse_vtt(text: &str, file: &str) -> Result<Vec<Turn>> {
    let mut lines = text.lines().enumerate().peekable();
    match lines.next() {
        Some((_, first)) if first.trim_start_matches('\u{feff}').starts_with("WEBVTT") => {}
        _ => return Err(bad(file, 1, "a WebVTT file starts with \"WEBVTT\"")),
    }
    let mut cues = Vec::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    let flush = |block: &mut Vec<(usize, &str)>,
                 cues: &mut Vec<(Option<String>, String, String)>|
     -> Result<()> {
        if block.is_empty() {
            return Ok(());
        }
        let first = block[0].1.trim();
        if first.starts_with("NOTE") || first.starts_with("STYLE") || first.starts_with("REGION") {
            block.clear();
            return Ok(());
        }
        let Some(pos) = block.iter().position(|(_, l)| l.contains("-->")) else {
            let line = block[0].0 + 1;
            block.clear();
            return Err(bad(
                file,
                line,
                "a cue has no timing line (00:00:01.000 --> 00:00:04.000)",
            ));
        };
        let time = timing(block[pos].1)
            .ok_or_else(|| bad(file, block[pos].0 + 1, "the cue timing cannot be read"))?;
        let body: Vec<&str> = block[pos + 1..].iter().map(|(_, l)| *l).collect();
        let (voice, text) = cue_text(&body);
        cues.push((voice, text, time));
        block.clear();
        Ok(())
    };
    for (i, l) in lines {
        if l.trim().is_empty() {
            flush(&mut block, &mut cues)?;
        } else {
            block.push((i, l));
        }
    }
    flush(&mut block, &mut cues)?;
    Ok(cues_to_turns(cues))
}

/// Read a SubRip (.srt) file.
pub fn parse_srt(text: &str, file: &str) -> Result<Vec<Turn>> {
    let mut cues = Vec::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut all: Vec<Vec<(usize, &str)>> = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            if !block.is_empty() {
                all.push(std::mem::take(&mut block));
            }
        } else {
            block.push((i, l));
        }
    }
    if !block.is_empty() {
        all.push(block);
    }
    for b in all {
        let Some(pos) = b.iter().position(|(_, l)| l.contains("-->")) else {
            return Err(bad(
                file,
                b[0].0 + 1,
                "a subtitle has no timing line (00:00:01,000 --> 00:00:04,000)",
            ));
        };
        let time = timing(b[pos].1)
            .ok_or_else(|| bad(file, b[pos].0 + 1, "the subtitle timing cannot be read"))?;
        let body: Vec<&str> = b[pos + 1..].iter().map(|(_, l)| *l).collect();
        let (voice, text) = cue_text(&body);
        cues.push((voice, text, time));
    }
    if cues.is_empty() {
        return Err(bad(file, 1, "no subtitles found"));
    }
    Ok(cues_to_turns(cues))
}

/// Read a CSV with one row per turn. `columns` names the speaker, text and (optional) start
/// columns of the header.
pub fn parse_csv(text: &str, file: &str, columns: &[String]) -> Result<Vec<Turn>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(file, 1, &e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let find = |name: &str| headers.iter().position(|h| *h == name.to_lowercase());
    let (Some(speaker), Some(body)) = (
        columns.first().and_then(|c| find(c)),
        columns.get(1).and_then(|c| find(c)),
    ) else {
        return Err(Error::user(format!(
            "{file}, line 1: the header needs the columns {} (it has: {})",
            columns
                .iter()
                .take(2)
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(" and "),
            headers.join(", ")
        ))
        .with_hint("name the columns with --columns SPEAKER,TEXT[,START]"));
    };
    let start = columns.get(2).and_then(|c| find(c));
    let mut turns = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| bad(file, i + 2, &e.to_string()))?;
        let text = rec.get(body).unwrap_or("").trim().to_string();
        if text.is_empty() {
            continue;
        }
        let who = rec
            .get(speaker)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        turns.push(Turn {
            speaker: who,
            text,
            time: start
                .and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        });
    }
    if turns.is_empty() {
        return Err(bad(file, 2, "no rows with text"));
    }
    Ok(turns)
}

/// Lay turns out as transcript text ("Speaker: text", a blank line between turns) with one
/// segment per turn, the label excluded from its span.
pub fn layout(turns: &[Turn]) -> (String, Vec<SegmentSpan>) {
    let mut text = String::new();
    let mut segments = Vec::new();
    // Characters written so far: counted as the text grows, never recounted (a transcript of
    // 100,000 turns would otherwise take quadratic time).
    let mut chars = 0;
    let mut push = |text: &mut String, s: &str| {
        text.push_str(s);
        chars += s.chars().count();
        chars
    };
    for t in turns {
        if !text.is_empty() {
            push(&mut text, "\n\n");
        }
        if let Some(time) = &t.time {
            push(&mut text, &format!("[{time}] "));
        }
        if let Some(s) = &t.speaker {
            push(&mut text, s);
            push(&mut text, ": ");
        }
        let start = push(&mut text, "");
        let body = crate::text::fold_whitespace(&t.text);
        let end = push(&mut text, &body);
        segments.push(SegmentSpan {
            speaker: t.speaker.clone(),
            start,
            end,
            words: count_words(&body),
            time: t.time.clone(),
        });
    }
    text.push('\n');
    (text, segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::slice_chars;

    #[test]
    fn vtt_voices_join_into_turns() {
        let t = "WEBVTT\n\nNOTE a comment\n\n1\n00:00:00.000 --> 00:00:02.760\n<v Sarah>In today's episode &amp; more\n\n00:00:02.760 --> 00:00:06.090\n<v Sarah>we <i>talk</i>.\n\n00:00:07.000 --> 00:00:08.000\n<v.loud Gillian>Hi.\n";
        let turns = parse_vtt(t, "x.vtt").unwrap();
        assert_eq!(turns.len(), 2);
        assert_eq!(turns[0].text, "In today's episode & more we talk.");
        assert_eq!(turns[1].speaker.as_deref(), Some("Gillian"));
        let (text, segs) = layout(&turns);
        assert_eq!(slice_chars(&text, segs[1].start, segs[1].end), "Hi.");
        assert_eq!(segs[1].time.as_deref(), Some("00:00:07.000"));
    }

    #[test]
    fn laid_out_turns_point_at_their_text_in_code_points() {
        let turn = |speaker: Option<&str>, text: &str, time: Option<&str>| Turn {
            speaker: speaker.map(str::to_string),
            text: text.to_string(),
            time: time.map(str::to_string),
        };
        let turns = [
            turn(Some("Zoë"), "CO₂  every\tquarter 🌱", Some("00:01")),
            turn(None, "唱歌 好聽", None),
            turn(Some("Ана"), "да.", None),
        ];
        let (text, segs) = layout(&turns);
        assert_eq!(
            text,
            "[00:01] Zoë: CO₂ every quarter 🌱\n\n唱歌 好聽\n\nАна: да.\n"
        );
        let bodies: Vec<&str> = segs
            .iter()
            .map(|s| slice_chars(&text, s.start, s.end))
            .collect();
        assert_eq!(bodies, ["CO₂ every quarter 🌱", "唱歌 好聽", "да."]);
    }

    #[test]
    fn a_cue_of_only_a_non_breaking_space_is_no_turn() {
        let t = "WEBVTT\n\n00:01.000 --> 00:02.000\n&nbsp;\n\n00:02.000 --> 00:03.000\nHi.\n";
        let turns = parse_vtt(t, "x.vtt").unwrap();
        assert_eq!(turns.len(), 1);
        assert_eq!(turns[0].text, "Hi.");
    }

    #[test]
    fn srt_name_prefixes_carry_over_and_bad_timing_names_the_line() {
        let t = "1\n00:00:00,179 --> 00:00:02,399\nTravis: When you first get\nstarted, it's\n\n2\n00:00:02,400 --> 00:00:04,799\nalmost guaranteed.\n\n3\n00:00:05,000 --> 00:00:06,000\nAnna: Yes.\n";
        let turns = parse_srt(t, "x.srt").unwrap();
        assert_eq!(turns[0].speaker.as_deref(), Some("Travis"));
        assert_eq!(
            turns[0].text,
            "When you first get started, it's almost guaranteed."
        );
        assert_eq!(turns[0].time.as_deref(), Some("00:00:00.179"));
        assert_eq!(turns[1].speaker.as_deref(), Some("Anna"));
        let err = parse_srt("1\nno timing here\n", "x.srt")
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.srt, line 1"), "{err}");
    }
}
