//! `import::import_file`: every transcript format through the same door, into a project.

use std::cell::RefCell;

use tana::import::{import_file, ImportOptions};

use crate::gen::split_selector;
use crate::segment::in_study;
use crate::{captions, office, project, seeds, user_result, Gen, Target};

const EXTENSIONS: &[&str] = &[
    "txt", "md", "vtt", "srt", "csv", "docx", "odt", "qdc", "", "pdf", "TXT",
];
const STEMS: &[&str] = &["New", "P01", "Zoë 3", "a:b", "x"];

/// The content for a file with extension `ext`.
fn content(g: &mut Gen, ext: &str) -> Vec<u8> {
    let mut bytes = match ext {
        "vtt" => captions::vtt(g).into_bytes(),
        "srt" => captions::srt(g).into_bytes(),
        "csv" => captions::turns_csv(g).into_bytes(),
        "docx" => {
            let entries = office::docx_entries(g);
            seeds::zip(g, &entries)
        }
        "odt" => {
            let entries = office::odt_entries(g);
            seeds::zip(g, &entries)
        }
        _ => seeds::transcript(g).into_bytes(),
    };
    if g.chance(20) {
        g.mutate_bytes(&mut bytes, 3);
    }
    bytes
}

thread_local! {
    static DIR: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

pub const IMPORT_FILE: Target = Target {
    name: "import_file",
    quick_cases: 120,
    generate: |g| {
        let sel = g.u64() as u8;
        let ext = EXTENSIONS[usize::from(sel) % EXTENSIONS.len()];
        let mut out = vec![sel];
        out.extend(content(g, ext));
        out
    },
    check: |input| {
        let (sel, bytes) = split_selector(input);
        let ext = EXTENSIONS[usize::from(sel) % EXTENSIONS.len()];
        let stem = STEMS[usize::from(sel >> 4) % STEMS.len()];
        let path = DIR.with(|d| {
            let mut d = d.borrow_mut();
            let dir = d.get_or_insert_with(|| tempfile::tempdir().expect("a temp dir"));
            let name = if ext.is_empty() {
                stem.to_string()
            } else {
                format!("{stem}.{ext}")
            };
            dir.path().join(name)
        });
        std::fs::write(&path, bytes).map_err(|e| format!("write input: {e}"))?;
        let opts = ImportOptions {
            replace: sel & 8 == 0,
            ..ImportOptions::default()
        };
        let result = in_study(|conn, coder| {
            let r = import_file(conn, &path, &opts, coder);
            user_result(&r)?;
            project::check(conn)
        });
        let _ = std::fs::remove_file(&path);
        result
    },
};

#[test]
fn import_file_never_panics_in_any_format() {
    crate::fuzz(&IMPORT_FILE);
}
