//! Valid inputs to mutate: transcripts made of speaker turns, zip archives, guids.

use std::io::Write;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::gen::Gen;

/// Pieces of interview transcripts: labels, timestamps, words in several scripts, line breaks.
pub const TRANSCRIPT_PIECES: &[&str] = &[
    "Interviewer: ",
    "P1: ",
    "P3: ",
    "MODERATOR: ",
    "[04:12] PARTICIPANT 4: ",
    "(00:01:02.5) Speaker 2: ",
    "**Zoë Doe:** ",
    "admin-1: ",
    "Note: ",
    "יגאל ביבי: ",
    "Hello there.",
    "We recycle. ",
    "Honestly, nobody could tell me the target.",
    "שלום עולם",
    "我哋今日好開心。",
    "🌱",
    "e\u{301}",
    "café",
    "don't",
    "42%",
    ".",
    "?",
    "!",
    " ",
    "\n",
    "\r\n",
    "\n\n",
    "\t",
];

/// Transcript text: speaker turns most of the time, a seed edited by mutations now and then.
pub fn transcript(g: &mut Gen) -> String {
    if g.chance(25) {
        let mut s = String::from(
            "Interviewer: What are the targets?\n\nP1: Honestly, nobody could tell me. It is all slogans.\n\nInterviewer: And training?\n\nP1: We had one e-learning module 🌱. Zoë ran it.\n",
        );
        g.mutate_text(&mut s, 8);
        s
    } else {
        g.compose(TRANSCRIPT_PIECES, 80)
    }
}

/// Guids that references in generated files share, in the spellings producers use.
pub const GUIDS: &[&str] = &[
    "5067d381-1dc9-4816-81dd-ae1dbfea2ad7",
    "{7142C1BF-1BBE-4073-88DD-AE1DBFEC9F8F}",
    "DDBEBE1B-306F-4271-ACDD-AE1DA7C06FCD",
    "29518289-d0e3-447b-b7dd-ae1d8cd880a0",
    "aaaaaaaa-0000-4000-8000-000000000001",
    "{aaaaaaaa-0000-4000-8000-000000000002}",
    "aaaaaaaa-0000-4000-8000-000000000003",
    "AAAAAAAA-0000-4000-8000-000000000004",
];

/// Usually one of [`GUIDS`]; now and then something that is not a guid.
pub fn guid(g: &mut Gen) -> String {
    if g.chance(5) {
        (g.pick(&[
            "",
            "not-a-guid",
            "{}",
            "5067d381-1dc9-4816-81dd",
            "ÄÄÄÄÄÄÄÄ-ÄÄÄÄ",
        ]))
        .to_string()
    } else {
        (g.pick(GUIDS)).to_string()
    }
}

/// Archive entries: `(name, bytes)`.
pub type Entries = Vec<(String, Vec<u8>)>;

/// A zip of `(name, bytes)`, stored or deflated; duplicate names are left out.
pub fn zip(g: &mut Gen, entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let method = if g.chance(50) {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    };
    let options = SimpleFileOptions::default().compression_method(method);
    let mut z = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        if z.start_file(name.as_str(), options).is_ok() {
            z.write_all(bytes).expect("write to a zip in memory");
        }
    }
    z.finish().expect("finish a zip in memory").into_inner()
}

/// Archive entries, mutated: renamed, dropped, duplicated, or joined by junk.
pub fn mutate_entries(g: &mut Gen, entries: &mut Vec<(String, Vec<u8>)>) {
    for _ in 0..g.size(3) {
        if entries.is_empty() {
            return;
        }
        let i = g.below(entries.len());
        match g.below(5) {
            0 => {
                entries.remove(i);
            }
            1 => {
                let dup = entries[i].clone();
                entries.push(dup);
            }
            2 => {
                let name = g.pick(&[
                    "../evil.txt",
                    "/etc/passwd",
                    "C:evil",
                    "sources/",
                    "SOURCES/X.TXT",
                    "a\\..\\b",
                    "project.qde",
                    "other.QDE",
                    "word/",
                    "mimetype",
                ]);
                entries[i].0 = (*name).to_string();
            }
            3 => {
                let junk = g.bytes(200);
                entries.push((format!("junk{}", g.below(5)), junk));
            }
            _ => {
                let upper = entries[i].0.to_uppercase();
                entries[i].0 = upper;
            }
        }
    }
}
