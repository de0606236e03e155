//! Generators: raw bytes, text composed from pieces, and mutations of valid seeds (byte flips,
//! interesting tokens, long lines, repeated chunks, cuts), over proptest's seeded RNG.

use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};

/// Tokens that parsers of text, XML, CSV and captions tend to trip on.
pub const TOKENS: &[&str] = &[
    "<",
    ">",
    "&",
    "&amp;",
    "&lt;",
    "&#x1F600;",
    "&#0;",
    "&#xD800;",
    "&#99999999999;",
    "&bogus;",
    "]]>",
    "<![CDATA[",
    "<!DOCTYPE x [<!ENTITY a \"b\">]>",
    "<?pi x?>",
    "<!-- c -->",
    "\u{feff}",
    "\r",
    "\r\n",
    "\n",
    "\n\n",
    "\t",
    " ",
    "\u{301}",
    "e\u{301}",
    "\u{200d}",
    "\u{202e}",
    "\u{a0}",
    "\u{2028}",
    "\u{85}",
    "🌱",
    "👩‍👩‍👧",
    "İ",
    "ß",
    "ﬁ",
    "Σ",
    "ǅ",
    "我哋",
    "שלום",
    ":",
    ": ",
    "-->",
    " --> ",
    "-",
    "- ",
    "* ",
    "1. ",
    "    ",
    "[",
    "]",
    "[a priori: x]",
    "(",
    ")",
    "\"",
    "\"\"",
    ",",
    ";",
    "=",
    "/",
    "\\",
    "..",
    "#",
    "```",
    "**",
    "0",
    "-1",
    "99999999999999999999999",
    "18446744073709551616",
    "9223372036854775807",
    "00:00:00.000",
    "99:99:99,999",
    "[04:12]",
    "<v Zoë>",
    "<v.loud>",
    "</v>",
    "<i>",
    "Interviewer:",
    "P1:",
    "MODERATOR: ",
    "Participant 3: ",
    "WEBVTT",
    "NOTE",
    "\0",
];

/// Byte sequences that are not valid UTF-8, or are awkward in it.
const BAD_BYTES: &[&[u8]] = &[
    b"\xFF",
    b"\xFE\xFF",
    b"\xFF\xFE",
    b"\xE2\x82",
    b"\xC0\x80",
    b"\xED\xA0\x80",
    b"\xF4\x90\x80\x80",
    b"\xEF\xBB\xBF",
    b"PK\x03\x04",
];

/// A seeded source of choices.
pub struct Gen {
    rng: TestRng,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        let mut bytes = [0u8; 32];
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let mixed = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            chunk.copy_from_slice(&mixed.to_le_bytes());
        }
        Gen {
            rng: TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
        }
    }

    pub fn u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.u64() % n.max(1) as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.u64() % 100 < percent
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    /// A size up to `max`, usually small.
    pub fn size(&mut self, max: usize) -> usize {
        let cap = self.below(max + 1);
        self.below(cap + 1)
    }

    /// Random bytes, sometimes only printable ASCII.
    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.size(max);
        let ascii = self.chance(50);
        (0..n)
            .map(|_| {
                let b = self.u64() as u8;
                if ascii {
                    b' ' + b % 95
                } else {
                    b
                }
            })
            .collect()
    }

    /// Text made of `pieces` (and now and then a token).
    pub fn compose(&mut self, pieces: &[&str], max: usize) -> String {
        let n = self.size(max) + 1;
        let mut s = String::new();
        for _ in 0..n {
            if self.chance(10) {
                s.push_str(self.pick(TOKENS));
            } else {
                s.push_str(self.pick(pieces));
            }
        }
        s
    }

    /// A random character boundary of `s`.
    fn boundary(&mut self, s: &str) -> usize {
        let mut at = self.below(s.len() + 1);
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// A few edits that keep the text valid UTF-8: tokens inserted, ranges deleted or
    /// repeated, long lines, cut short.
    pub fn mutate_text(&mut self, s: &mut String, rounds: usize) {
        for _ in 0..self.size(rounds).max(1) {
            let at = self.boundary(s);
            match self.below(9) {
                0..=3 => {
                    let t = self.pick(TOKENS);
                    s.insert_str(at, t);
                }
                4 => {
                    let end = self.boundary(s).max(at);
                    s.replace_range(at..end, "");
                }
                5 => {
                    let mut end = self.boundary(s).max(at).min(at + 200);
                    while !s.is_char_boundary(end) {
                        end -= 1;
                    }
                    let chunk = s[at..end].to_string();
                    let times = self.pick(&[2usize, 10, 100]);
                    s.insert_str(at, &chunk.repeat(times));
                }
                6 => {
                    let c = self.pick(&["x", " ", "é", "🌱", "a b ", ".", "\u{301}"]);
                    let times = self.pick(&[100usize, 5_000, 40_000]);
                    s.insert_str(at, &c.repeat(times));
                }
                7 => s.truncate(at),
                _ => {
                    let c = char::from_u32(self.u64() as u32 % 0x11_0000).unwrap_or('\u{fffd}');
                    s.insert(at, c);
                }
            }
        }
    }

    /// A few byte-level edits: flips, random bytes, invalid UTF-8, tokens, cuts.
    pub fn mutate_bytes(&mut self, b: &mut Vec<u8>, rounds: usize) {
        for _ in 0..self.size(rounds).max(1) {
            let at = self.below(b.len() + 1);
            match self.below(7) {
                0 if at < b.len() => b[at] ^= 1 << self.below(8),
                1 if at < b.len() => b[at] = self.u64() as u8,
                2 => {
                    let bad = self.pick(BAD_BYTES);
                    b.splice(at..at, bad.iter().copied());
                }
                3 => {
                    let t = self.pick(TOKENS);
                    b.splice(at..at, t.bytes());
                }
                4 => {
                    let end = (at + self.size(64)).min(b.len());
                    b.drain(at..end);
                }
                5 => b.truncate(at),
                _ => {
                    let end = (at + self.size(64)).min(b.len());
                    let chunk = b[at..end].to_vec();
                    b.splice(at..at, chunk);
                }
            }
        }
    }
}

/// Bytes as the text a `&str` parser sees (invalid UTF-8 replaced, so a saved input replays
/// the same).
pub fn lossy(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

/// The bytes after a one-byte selector, and the selector (0 for empty input).
pub fn split_selector(input: &[u8]) -> (u8, &[u8]) {
    match input.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, input),
    }
}

/// Escape text for XML character data or attributes.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
