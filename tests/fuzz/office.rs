//! Word and OpenDocument files: `import::office::extract`, on structured documents (mutated
//! XML in a valid zip, mutated archives) as well as raw bytes.

use tana::import::office::{extract, OfficeKind};

use crate::gen::xml_escape;
use crate::{ensure, seeds, user_result, Gen, Target};

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;
const ODT_NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0""#;

/// Words for runs: escaped on the way in, so the document stays well-formed until mutated.
fn words(g: &mut Gen) -> String {
    xml_escape(&g.compose(seeds::TRANSCRIPT_PIECES, 6))
}

/// Word markup: paragraphs with runs, tabs, breaks, deletions, field codes, alternatives,
/// tables and text boxes, nested up to `depth`.
fn docx_body(g: &mut Gen, depth: usize) -> String {
    let mut s = String::new();
    for _ in 0..g.size(6) + 1 {
        let t = words(g);
        let piece = match g.below(12) {
            0 => format!("<w:p><w:r><w:t xml:space=\"preserve\">{t}</w:t></w:r><w:r><w:tab/><w:t>{t}</w:t></w:r></w:p>"),
            1 => format!("<w:p><w:r><w:t>{t}</w:t><w:br/><w:cr/><w:noBreakHyphen/></w:r></w:p>"),
            2 => format!("<w:p><w:del><w:r><w:delText>{t}</w:delText></w:r></w:del><w:r><w:instrText>PAGE</w:instrText><w:t>{t}</w:t></w:r></w:p>"),
            3 => format!("<w:p><w:pPr><w:tabs><w:tab w:val=\"left\"/></w:tabs></w:pPr><w:r><w:t>{t}</w:t></w:r></w:p>"),
            4 if depth > 0 => format!(
                "<mc:AlternateContent><mc:Choice>{}</mc:Choice><mc:Fallback>{}</mc:Fallback></mc:AlternateContent>",
                docx_body(g, depth - 1),
                docx_body(g, depth - 1)
            ),
            5 if depth > 0 => format!("<w:tbl><w:tr><w:tc>{}</w:tc></w:tr></w:tbl>", docx_body(g, depth - 1)),
            6 if depth > 0 => format!("<w:p><w:r><w:txbxContent>{}</w:txbxContent><w:t>{t}</w:t></w:r></w:p>", docx_body(g, depth - 1)),
            7 => format!("<w:p><w:r><w:t><![CDATA[{t} & <raw>]]></w:t></w:r></w:p>"),
            8 => "<w:p/><w:p><w:r><w:t>   </w:t></w:r></w:p>".to_string(),
            9 => {
                // Deep nesting, which the reader handles without recursion.
                let n = g.pick(&[10usize, 200, 3000]);
                format!("{}<w:r><w:t>{t}</w:t></w:r>{}", "<w:p>".repeat(n), "</w:p>".repeat(n))
            }
            _ => format!("<w:p><w:r><w:t>{t}</w:t></w:r></w:p>"),
        };
        s.push_str(&piece);
    }
    s
}

pub fn docx_entries(g: &mut Gen) -> seeds::Entries {
    let body = docx_body(g, 4);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document {W}><w:body>{body}</w:body></w:document>"
    );
    if g.chance(50) {
        g.mutate_text(&mut xml, 4);
    }
    let main = if g.chance(20) {
        "word/document2.xml"
    } else {
        "word/document.xml"
    };
    let rels = format!(
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"{}\"/></Relationships>",
        g.pick(&["word/document2.xml", "/word/document2.xml", "word/../x", "", "word/document.xml"])
    );
    vec![
        ("[Content_Types].xml".to_string(), b"<Types/>".to_vec()),
        ("_rels/.rels".to_string(), rels.into_bytes()),
        (main.to_string(), xml.into_bytes()),
    ]
}

fn odt_body(g: &mut Gen, depth: usize) -> String {
    let mut s = String::new();
    for _ in 0..g.size(6) + 1 {
        let t = words(g);
        let count = g.pick(&[
            "1",
            "5",
            "1000",
            "100000",
            "70000000",
            "18446744073709551616",
            "-1",
            "x",
            " 3 ",
        ]);
        let piece = match g.below(10) {
            0 => format!("<text:h>{t}</text:h>"),
            1 => format!("<text:p>{t}<text:s text:c=\"{count}\"/>{t}<text:tab/><text:line-break/></text:p>"),
            2 => format!("<text:p>{t}<text:note><text:note-body><text:p>{t}</text:p></text:note-body></text:note></text:p>"),
            3 => format!("<text:p><office:annotation><text:p>{t}</text:p></office:annotation>{t}</text:p>"),
            4 if depth > 0 => format!("<table:table><table:table-row><table:table-cell>{}</table:table-cell></table:table-row></table:table>", odt_body(g, depth - 1)),
            5 if depth > 0 => format!("<text:list><text:list-item>{}</text:list-item></text:list>", odt_body(g, depth - 1)),
            6 => format!("<text:p>  {t}\n\t {t}  </text:p>"),
            7 => {
                let n = g.pick(&[10usize, 200, 3000]);
                format!("<text:p>{}{t}{}</text:p>", "<text:span>".repeat(n), "</text:span>".repeat(n))
            }
            8 => format!("<text:tracked-changes><text:p>{t}</text:p></text:tracked-changes><text:p><svg:desc>{t}</svg:desc>{t}</text:p>"),
            _ => format!("<text:p>{t}</text:p>"),
        };
        s.push_str(&piece);
    }
    s
}

pub fn odt_entries(g: &mut Gen) -> seeds::Entries {
    let body = odt_body(g, 4);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {ODT_NS}><office:body><office:text>{body}</office:text></office:body></office:document-content>"
    );
    if g.chance(50) {
        g.mutate_text(&mut xml, 4);
    }
    let mime = g.pick(&[
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.",
        "",
    ]);
    vec![
        ("mimetype".to_string(), mime.as_bytes().to_vec()),
        ("content.xml".to_string(), xml.into_bytes()),
    ]
}

/// A document, its archive sometimes damaged; or random bytes.
fn office_input(g: &mut Gen, entries: fn(&mut Gen) -> seeds::Entries) -> Vec<u8> {
    if g.chance(5) {
        let mut b = g.bytes(300);
        if g.chance(50) {
            b.splice(0..0, b"PK\x03\x04".iter().copied());
        }
        return b;
    }
    let mut e = entries(g);
    if g.chance(20) {
        seeds::mutate_entries(g, &mut e);
    }
    let mut bytes = seeds::zip(g, &e);
    if g.chance(15) {
        g.mutate_bytes(&mut bytes, 3);
    }
    bytes
}

fn check(input: &[u8], kind: OfficeKind) -> Result<(), String> {
    let r = extract("fuzz", input, kind);
    user_result(&r)?;
    if let Ok(text) = &r {
        // Blank paragraphs are left out, so there is text or nothing.
        ensure(text.is_empty() || !text.trim().is_empty(), || {
            "only blank paragraphs".into()
        })?;
    }
    Ok(())
}

pub const DOCX: Target = Target {
    name: "office_docx",
    quick_cases: 250,
    generate: |g| office_input(g, docx_entries),
    check: |input| check(input, OfficeKind::Docx),
};

#[test]
fn docx_never_panics_and_errors_are_user_errors() {
    crate::fuzz(&DOCX);
}

pub const ODT: Target = Target {
    name: "office_odt",
    quick_cases: 250,
    generate: |g| office_input(g, odt_entries),
    check: |input| check(input, OfficeKind::Odt),
};

#[test]
fn odt_never_panics_and_errors_are_user_errors() {
    crate::fuzz(&ODT);
}
