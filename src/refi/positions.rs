//! Positions as REFI-QDA producers count them, turned into tana's code points.
//!
//! The standard counts code points, end exclusive, into the source text. Producers differ:
//! NVivo counts UTF-16 code units (an emoji is two), ATLAS.ti counts a line break (`\r\n`)
//! as one character, and the text itself may carry a BOM and `\r\n` line breaks, which tana
//! removes and turns into `\n` when it stores the text.

/// How a producer counts positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Code points of the source text, `\r\n` counting two (the standard; QualCoder, qc, MAXQDA).
    CodePoints,
    /// UTF-16 code units of the source text (NVivo).
    Utf16,
    /// Code points, a `\r\n` line break counting one (ATLAS.ti).
    LineBreakOne,
}

impl Unit {
    /// The unit a producer uses, from the project's `origin` attribute.
    pub fn from_origin(origin: &str) -> Unit {
        let o = origin.to_lowercase();
        if o.contains("nvivo") {
            Unit::Utf16
        } else if o.contains("atlas.ti") || o.contains("atlasti") {
            Unit::LineBreakOne
        } else {
            Unit::CodePoints
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Unit::CodePoints => "code points",
            Unit::Utf16 => "UTF-16 units",
            Unit::LineBreakOne => "code points, a line break counting one",
        }
    }
}

/// Maps positions in one source text, counted in some [`Unit`], to code points in the text
/// as tana stores it (no BOM, every line break `\n`).
#[derive(Debug, Clone)]
pub struct PositionMap {
    /// For every unit offset 0..=len, the code point offset in the stored text. A position
    /// inside a character (between the halves of a surrogate pair, or between `\r` and `\n`)
    /// maps to the start of that character. Empty when units and code points agree (no
    /// `\r`, and no character the unit counts twice): then `len` says it all.
    map: Vec<u32>,
    len: usize,
}

impl PositionMap {
    /// `raw` is the source text as the producer had it, BOM included or not.
    pub fn new(raw: &str, unit: Unit) -> PositionMap {
        let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
        let simple =
            !raw.contains('\r') && (unit != Unit::Utf16 || raw.chars().all(|c| c.len_utf16() == 1));
        if simple {
            return PositionMap {
                map: Vec::new(),
                len: raw.chars().count(),
            };
        }
        let mut map = Vec::with_capacity(raw.len() + 1);
        let mut n: u32 = 0;
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            let units = if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
                match unit {
                    Unit::LineBreakOne => 1,
                    _ => 2,
                }
            } else {
                match unit {
                    Unit::Utf16 => c.len_utf16(),
                    _ => 1,
                }
            };
            for _ in 0..units {
                map.push(n);
            }
            n += 1;
        }
        map.push(n);
        PositionMap { map, len: 0 }
    }

    /// The source's length in the producer's units.
    pub fn len_units(&self) -> usize {
        if self.map.is_empty() {
            self.len
        } else {
            self.map.len() - 1
        }
    }

    /// The stored text's length in code points.
    pub fn len_chars(&self) -> usize {
        match self.map.last() {
            Some(&n) => n as usize,
            None => self.len,
        }
    }

    /// A producer's position as a code point offset, or `None` when it lies outside the text.
    pub fn to_chars(&self, pos: i64) -> Option<usize> {
        let p = usize::try_from(pos).ok()?;
        if self.map.is_empty() {
            return (p <= self.len).then_some(p);
        }
        self.map.get(p).map(|&n| n as usize)
    }
}

/// The UTF-16 length of a text (what NVivo counts).
pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize_newlines;
    use proptest::prelude::*;

    #[test]
    fn nvivo_counts_emoji_twice_and_crlf_twice() {
        let raw = "\u{feff}a😀b\r\nc";
        let m = PositionMap::new(raw, Unit::Utf16);
        // a=0, 😀=1..3, b=3, \r\n=4..6, c=6
        assert_eq!(m.len_units(), 7);
        assert_eq!(m.to_chars(3), Some(2));
        assert_eq!(m.to_chars(6), Some(4));
        assert_eq!(m.to_chars(7), Some(5));
        assert_eq!(m.to_chars(8), None);
        let m = PositionMap::new(raw, Unit::LineBreakOne);
        assert_eq!(m.to_chars(4), Some(4));
        let m = PositionMap::new(raw, Unit::CodePoints);
        assert_eq!(m.to_chars(5), Some(4));
    }

    #[test]
    fn producers_are_known_by_origin() {
        assert_eq!(Unit::from_origin("NVivo for Windows 12.6"), Unit::Utf16);
        assert_eq!(
            Unit::from_origin("ATLAS.ti 8.4.0 573 , macOS"),
            Unit::LineBreakOne
        );
        assert_eq!(Unit::from_origin("qc 1.3.2"), Unit::CodePoints);
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("a".to_string()),
                Just(" ".to_string()),
                Just("é".to_string()),
                Just("e\u{301}".to_string()),
                Just("😀".to_string()),
                Just("👩‍👩‍👧".to_string()),
                Just("中".to_string()),
                Just("\r\n".to_string()),
                Just("\n".to_string()),
                Just("\r".to_string()),
                Just("ש".to_string()),
            ],
            0..40,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        /// Every character boundary of the source, counted in any unit, lands where the same
        /// prefix ends in the stored text; and byte offsets agree through `Offsets`.
        #[test]
        fn boundaries_map_to_the_stored_text(body in text(), bom in any::<bool>()) {
            let raw = if bom { format!("\u{feff}{body}") } else { body.clone() };
            let stored = normalize_newlines(&body);
            let offsets = crate::text::Offsets::new(&stored);
            for unit in [Unit::CodePoints, Unit::Utf16, Unit::LineBreakOne] {
                let m = PositionMap::new(&raw, unit);
                prop_assert_eq!(m.len_chars(), stored.chars().count());
                for (byte, _) in body.char_indices().chain([(body.len(), ' ')]) {
                    let prefix = &body[..byte];
                    // A cut between \r and \n is not a boundary a producer would use.
                    if prefix.ends_with('\r') && body[byte..].starts_with('\n') {
                        continue;
                    }
                    let pos = match unit {
                        Unit::CodePoints => prefix.chars().count(),
                        Unit::Utf16 => utf16_len(prefix),
                        Unit::LineBreakOne => prefix.chars().count() - prefix.matches("\r\n").count(),
                    };
                    let want = normalize_newlines(prefix).chars().count();
                    prop_assert_eq!(m.to_chars(pos as i64), Some(want));
                    // Code points ↔ bytes in the stored text.
                    let b = offsets.byte_of_char(want);
                    prop_assert_eq!(offsets.char_of_byte(b), want);
                    prop_assert_eq!(&stored[..b], normalize_newlines(prefix));
                }
            }
        }
    }
}
