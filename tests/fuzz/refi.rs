//! REFI-QDA: codebooks (`refi::codebook::read_qdc`) and projects (`refi::import::import_qdpx`),
//! with nesting kept at 50 or less (deeper nesting is another engineer's fix).

use std::path::Path;

use tana::refi::codebook::read_qdc;
use tana::refi::import::import_qdpx;

use crate::gen::{split_selector, xml_escape};
use crate::{ensure, project, seeds, user_result, Gen, Target};

const NAMESPACES: &[&str] = &[
    "urn:QDA-XML:codebook:1.0",
    "urn:QDA-XML:codebook:1:0",
    "urn:QDA-XML:codebook:0:4",
    "urn:QDA-XML:project:1.0",
    "urn:other",
];

const CODE_NAMES: &[&str] = &[
    "Feelings",
    "Pride",
    "pride",
    "a/b",
    "",
    "1.2",
    "Zoë 🌱",
    "e\u{301}",
    "  ",
];

const DESCRIPTIONS: &[&str] = &[
    "Not knowing the targets",
    "When to use: talk of targets\n\nWhen not to use: slogans",
    "Example: \"we recycle\"\n\nMemo: check\n\nA priori: Smith 2020\n\nIntegrative theme.",
    "A priori.",
    "\r\n\r\nWhen to use:",
    "",
];

/// `<Code>` elements nested up to `depth` (at most 5 here; mutations add a few more).
fn codes(g: &mut Gen, depth: usize) -> String {
    let mut s = String::new();
    for _ in 0..g.size(4) + 1 {
        let name = xml_escape(g.pick(CODE_NAMES));
        let guid = seeds::guid(g);
        let color = g.pick(&[
            "",
            " color=\"#FF0000\"",
            " color=\"#abc\"",
            " color=\"red\"",
        ]);
        let codable = g.pick(&[
            "",
            " isCodable=\"true\"",
            " isCodable=\"false\"",
            " isCodable=\"0\"",
        ]);
        s.push_str(&format!(
            "<Code guid=\"{guid}\" name=\"{name}\"{color}{codable}"
        ));
        if g.chance(30) {
            s.push_str("/>");
            continue;
        }
        s.push('>');
        if g.chance(50) {
            s.push_str(&format!(
                "<Description>{}</Description>",
                xml_escape(g.pick(DESCRIPTIONS))
            ));
        }
        if g.chance(20) {
            s.push_str(&format!("<NoteRef targetGUID=\"{}\"/>", seeds::guid(g)));
        }
        if depth > 0 && g.chance(50) {
            s.push_str(&codes(g, depth - 1));
        }
        s.push_str("</Code>");
    }
    s
}

fn codebook(g: &mut Gen) -> String {
    let ns = g.pick(NAMESPACES);
    let origin = g.pick(&["tana 0.1.0", "NVivo", "MAXQDA 2022", ""]);
    let sets = g.pick(&[
        "",
        "<Sets/>",
        "<Sets><Set guid=\"aaaaaaaa-0000-4000-8000-000000000009\" name=\"s\"/></Sets>",
    ]);
    format!(
        "{}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CodeBook xmlns=\"{ns}\" origin=\"{origin}\"><Codes>{}</Codes>{sets}</CodeBook>\n",
        if g.chance(10) { "\u{feff}" } else { "" },
        codes(g, 5)
    )
}

/// XML text, sometimes mutated, sometimes random bytes.
fn xml_input(g: &mut Gen, xml: String) -> Vec<u8> {
    if g.chance(5) {
        return g.bytes(300);
    }
    let mut xml = xml;
    if g.chance(50) {
        g.mutate_text(&mut xml, 4);
    }
    let mut b = xml.into_bytes();
    if g.chance(10) {
        g.mutate_bytes(&mut b, 2);
    }
    b
}

pub const QDC: Target = Target {
    name: "refi_qdc",
    quick_cases: 400,
    generate: |g| {
        let xml = codebook(g);
        xml_input(g, xml)
    },
    check: |input| {
        let r = read_qdc(input, "fuzz.qdc");
        user_result(&r)?;
        if let Ok(cb) = &r {
            for it in &cb.items {
                ensure(it.path.iter().all(|n| !n.trim().is_empty()), || {
                    format!("a code with an empty name in {:?}", it.path)
                })?;
            }
        }
        Ok(())
    },
};

#[test]
fn qdc_never_panics_and_codes_have_names() {
    crate::fuzz(&QDC);
}

const POSITIONS: &[&str] = &[
    "0",
    "3",
    "10",
    "42",
    "-1",
    "99999999999",
    "9223372036854775807",
    "x",
    " 5 ",
];

fn selection(g: &mut Gen) -> String {
    let (a, b) = (g.pick(POSITIONS), g.pick(POSITIONS));
    let mut s = format!(
        "<PlainTextSelection guid=\"{}\" startPosition=\"{a}\" endPosition=\"{b}\" creatingUser=\"{}\" creationDateTime=\"2025-06-18T02:08:15Z\">",
        seeds::guid(g),
        seeds::guid(g)
    );
    if g.chance(30) {
        s.push_str("<Description>a selection memo</Description>");
    }
    for _ in 0..g.size(2) {
        s.push_str(&format!(
            "<Coding guid=\"{}\" creatingUser=\"{}\"><CodeRef targetGUID=\"{}\"/><NoteRef targetGUID=\"{}\"/></Coding>",
            seeds::guid(g),
            seeds::guid(g),
            seeds::guid(g),
            seeds::guid(g)
        ));
    }
    if g.chance(30) {
        s.push_str(&format!("<NoteRef targetGUID=\"{}\"/>", seeds::guid(g)));
    }
    s.push_str("</PlainTextSelection>");
    s
}

/// A project XML and the source files beside it in `sources/`.
fn project(g: &mut Gen) -> (String, Vec<(String, Vec<u8>)>) {
    let mut sources = Vec::new();
    let mut xml = String::new();
    let origin = g.pick(&[
        "tana 0.1.0",
        "NVivo for Windows 12.6",
        "ATLAS.ti 9.1",
        "QualCoder",
        "",
    ]);
    let ns = g.pick(&[
        "urn:QDA-XML:project:1.0",
        "urn:QDA-XML:project:1:0",
        "urn:QDA-XML:codebook:1.0",
    ]);
    xml.push_str(&format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Project xmlns=\"{ns}\" name=\"p\" origin=\"{origin}\">"));
    if g.chance(80) {
        xml.push_str(&format!(
            "<Users><User guid=\"{}\" name=\"{}\"/><User guid=\"{}\"/></Users>",
            seeds::guid(g),
            g.pick(&["Gergo", "", "Zoë", "a:b"]),
            seeds::guid(g)
        ));
    }
    if g.chance(80) {
        xml.push_str(&format!(
            "<CodeBook><Codes>{}</Codes></CodeBook>",
            codes(g, 3)
        ));
    }
    if g.chance(40) {
        xml.push_str(&format!(
            "<Variables><Variable guid=\"{}\" name=\"{}\" typeOfVariable=\"Integer\"/></Variables>",
            seeds::guid(g),
            g.pick(&["Age", "", "role"])
        ));
    }
    if g.chance(40) {
        xml.push_str(&format!(
            "<Cases><Case guid=\"{}\" name=\"Anna\"><VariableValue><VariableRef targetGUID=\"{}\"/><IntegerValue>34</IntegerValue></VariableValue><SourceRef targetGUID=\"{}\"/><CodeRef targetGUID=\"{}\"/></Case></Cases>",
            seeds::guid(g),
            seeds::guid(g),
            seeds::guid(g),
            seeds::guid(g)
        ));
    }
    xml.push_str("<Sources>");
    for i in 0..g.size(4) + 1 {
        let guid = seeds::guid(g);
        let text = seeds::transcript(g);
        let name = g.pick(&["interview 1.docx", "", "a:b.txt", "P01", ".txt", "Zoë"]);
        let mut close = "</TextSource>";
        match g.below(6) {
            0 => xml.push_str(&format!(
                "<TextSource guid=\"{guid}\" name=\"{name}\"><PlainTextContent>{}</PlainTextContent>",
                xml_escape(&text)
            )),
            1 => {
                xml.push_str(&format!("<PDFSource guid=\"{guid}\" name=\"{name}\"><PDFSelection/><Representation guid=\"{}\" plainTextPath=\"internal://r{i}.txt\">", seeds::guid(g)));
                sources.push((format!("sources/r{i}.txt"), text.into_bytes()));
                close = "</Representation></PDFSource>";
            }
            2 => {
                // An empty plain text beside a .docx (NVivo for Mac).
                xml.push_str(&format!("<TextSource guid=\"{guid}\" name=\"{name}\" plainTextPath=\"internal://s{i}.txt\" richTextPath=\"internal://s{i}.docx\">"));
                sources.push((format!("sources/s{i}.txt"), b" ".to_vec()));
                let doc = format!("<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body></w:document>", xml_escape(&text));
                let docx = seeds::zip(g, &[("word/document.xml".to_string(), doc.into_bytes())]);
                sources.push((format!("sources/s{i}.docx"), docx));
            }
            _ => {
                let path = g.pick(&["internal://", "relative://", "", "internal://sources/", "C:\\x\\"]);
                xml.push_str(&format!("<TextSource guid=\"{guid}\" name=\"{name}\" plainTextPath=\"{path}s{i}.txt\">"));
                let mut bytes = text.into_bytes();
                if g.chance(20) {
                    g.mutate_bytes(&mut bytes, 2);
                }
                sources.push((format!("{}s{i}.txt", g.pick(&["sources/", "Sources/", "SOURCES/", ""])), bytes));
            }
        }
        if g.chance(30) {
            xml.push_str("<Description>by phone</Description>");
        }
        for _ in 0..g.size(4) {
            xml.push_str(&selection(g));
        }
        if g.chance(20) {
            xml.push_str(&format!(
                "<Coding guid=\"{}\"><CodeRef targetGUID=\"{}\"/></Coding>",
                seeds::guid(g),
                seeds::guid(g)
            ));
        }
        if g.chance(20) {
            xml.push_str(&format!("<VariableValue><VariableRef targetGUID=\"{}\"/><TextValue>x</TextValue></VariableValue>", seeds::guid(g)));
        }
        xml.push_str(close);
    }
    xml.push_str("</Sources>");
    if g.chance(60) {
        xml.push_str("<Notes>");
        for _ in 0..g.size(4) {
            xml.push_str(&format!(
                "<Note guid=\"{}\" name=\"{}\" creatingUser=\"{}\"><PlainTextContent>{}</PlainTextContent></Note>",
                seeds::guid(g),
                g.pick(&["Coding memo 1", "why", ""]),
                seeds::guid(g),
                xml_escape(g.pick(&["Pride in targets", "", "🌱"]))
            ));
        }
        xml.push_str("</Notes>");
    }
    xml.push_str(g.pick(&[
        "",
        "<Sets/>",
        "<Links><Link/></Links>",
        "<Description>d</Description>",
    ]));
    if g.chance(30) {
        xml.push_str(&format!("<NoteRef targetGUID=\"{}\"/>", seeds::guid(g)));
    }
    xml.push_str("</Project>\n");
    (xml, sources)
}

/// The archive: a project XML (mutated now and then) with its sources.
fn qdpx(g: &mut Gen) -> Vec<u8> {
    if g.chance(3) {
        return g.bytes(300);
    }
    let (mut xml, sources) = project(g);
    if g.chance(40) {
        g.mutate_text(&mut xml, 4);
    }
    let mut entries = vec![(
        g.pick(&["project.qde", "Oltas.QDE", "x.qde"]).to_string(),
        xml.into_bytes(),
    )];
    entries.extend(sources);
    if g.chance(15) {
        seeds::mutate_entries(g, &mut entries);
    }
    let mut bytes = seeds::zip(g, &entries);
    if g.chance(10) {
        g.mutate_bytes(&mut bytes, 3);
    }
    // Byte 0: a bare `.qde` (the project XML alone) or a `.qdpx`.
    let mut out = vec![g.u64() as u8];
    out.extend(bytes);
    out
}

/// Files in `dir` other than the input: the import's leftovers.
fn leftovers(dir: &Path, input: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p != input)
                .map(|p| p.display().to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub const QDPX: Target = Target {
    name: "refi_qdpx",
    quick_cases: 60,
    generate: qdpx,
    check: |input| {
        let (sel, bytes) = split_selector(input);
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        // A bare .qde is the project XML itself: the first entry of the archive, unzipped.
        let (path, bytes) = if sel % 8 == 0 {
            let xml = first_entry(bytes).unwrap_or_else(|| bytes.to_vec());
            (dir.path().join("p.qde"), xml)
        } else {
            (dir.path().join("p.qdpx"), bytes.to_vec())
        };
        std::fs::write(&path, &bytes).map_err(|e| format!("write input: {e}"))?;
        let target = dir.path().join("new.tana");
        let r = import_qdpx(&path, &target, "fuzz", tana::refi::import::DEFAULT_MAX_SIZE);
        user_result(&r)?;
        match r {
            // Whole or not at all: a failed import leaves nothing behind.
            Err(_) => {
                let left = leftovers(dir.path(), &path);
                ensure(left.is_empty(), || format!("a failed import left {left:?}"))
            }
            Ok(_) => {
                let conn = tana::project::open(&target).map_err(|e| format!("open: {e}"))?;
                project::check(&conn)
            }
        }
    },
};

/// The bytes of an archive's first entry.
fn first_entry(zip: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut a = zip::ZipArchive::new(std::io::Cursor::new(zip)).ok()?;
    let mut e = a.by_index(0).ok()?;
    let mut out = Vec::new();
    e.read_to_end(&mut out).ok()?;
    Some(out)
}

#[test]
fn qdpx_never_panics_and_imports_whole_or_not_at_all() {
    crate::fuzz(&QDPX);
}
