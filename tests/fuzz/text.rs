//! `text::decode` (raw file bytes to stored text) and `text::find_folded` (quotes).

use tana::text::{decode, find_folded, fold_whitespace, Offsets, TextProblem};

use crate::gen::{lossy, split_selector};
use crate::{ensure, seeds, Target};

pub const DECODE: Target = Target {
    name: "text_decode",
    quick_cases: 500,
    generate: |g| match g.below(3) {
        0 => g.bytes(300),
        _ => {
            let mut b = seeds::transcript(g).into_bytes();
            g.mutate_bytes(&mut b, 6);
            b
        }
    },
    check: |input| match decode(input) {
        Ok(text) => {
            ensure(!text.contains('\r'), || "a \\r survived".into())?;
            // One BOM is stripped; a second is text (a zero-width no-break space).
            let bom = b"\xEF\xBB\xBF";
            let two = input.starts_with(bom) && input[bom.len()..].starts_with(bom);
            ensure(two || !text.starts_with('\u{feff}'), || {
                "the BOM survived".into()
            })?;
            ensure(!text.trim().is_empty(), || "blank text was accepted".into())
        }
        Err(TextProblem::Binary { byte } | TextProblem::InvalidUtf8 { byte }) => {
            ensure(byte < input.len(), || {
                format!("problem at byte {byte} of {}", input.len())
            })
        }
        Err(TextProblem::Empty | TextProblem::Utf16) => Ok(()),
    },
};

#[test]
fn text_decode_never_panics_and_returns_clean_text() {
    crate::fuzz(&DECODE);
}

/// Input: a selector byte (bit 0: ignore case), then haystack `\0` needle.
pub const FIND_FOLDED: Target = Target {
    name: "find_folded",
    quick_cases: 500,
    generate: |g| {
        let hay = seeds::transcript(g);
        let needle = if g.chance(70) && !hay.is_empty() {
            // A piece of the haystack, so that there are matches to check.
            let chars: Vec<char> = hay.chars().collect();
            let a = g.below(chars.len());
            let b = (a + g.size(40) + 1).min(chars.len());
            let mut n: String = chars[a..b].iter().collect();
            if g.chance(30) {
                g.mutate_text(&mut n, 3);
            }
            n
        } else {
            g.compose(seeds::TRANSCRIPT_PIECES, 4)
        };
        let mut out = vec![g.u64() as u8];
        out.extend_from_slice(hay.replace('\0', "").as_bytes());
        out.push(0);
        out.extend_from_slice(needle.replace('\0', "").as_bytes());
        out
    },
    check: |input| {
        let (sel, rest) = split_selector(input);
        let text = lossy(rest);
        let (hay, needle) = text.split_once('\0').unwrap_or((&text, ""));
        let ignore_case = sel & 1 == 1;
        let found = find_folded(hay, needle, ignore_case);
        let offsets = Offsets::new(hay);
        let chars = offsets.len_chars();
        let folded_needle = fold_whitespace(needle);
        // Matches may overlap (a quote that repeats inside itself), but start in order.
        let mut last_start = None;
        for (i, &(s, e)) in found.iter().enumerate() {
            ensure(s < e && e <= chars, || {
                format!("match [{s}, {e}) in {chars} chars")
            })?;
            ensure(last_start < Some(s), || {
                format!("match at {s} out of order")
            })?;
            last_start = Some(s);
            // The text of the first matches (all of them would make this check quadratic).
            if !ignore_case && i < 20 {
                let got = &hay[offsets.byte_of_char(s)..offsets.byte_of_char(e)];
                ensure(fold_whitespace(got) == folded_needle, || {
                    format!("match [{s}, {e}) is {got:?}, not {needle:?}")
                })?;
            }
        }
        Ok(())
    },
};

#[test]
fn find_folded_never_panics_and_matches_the_quote() {
    crate::fuzz(&FIND_FOLDED);
}
