//! REFI-QDA schema conformance, without network and without xmllint.
//!
//! The rules of the two official XSDs (REFI-QDA 1.0, March 2019):
//!
//! * `Codebook.xsd` (namespace `urn:QDA-XML:codebook:1.0`, root `CodeBook`): [`CODEBOOK`];
//! * `Project-mrt2019.xsd` (namespace `urn:QDA-XML:project:1.0`, root `Project`): [`PROJECT`],
//!
//! are encoded below as data, one entry per `xsd:complexType` (6 + 40), and checked by a
//! streaming validator over quick-xml's `NsReader`: content models (sequences and choices with
//! minOccurs/maxOccurs), allowed and required attributes, the simple types, namespaces
//! (elementFormDefault qualified, attributeFormDefault unqualified), character content.
//! The XSD files themselves are not read.
//!
//! Where XML Schema leaves a choice to the processor, or libxml2 (`xmllint --schema`) is stricter
//! than the letter of the spec, the checker follows libxml2, so that the verdicts agree:
//! `xsd:integer` / `xsd:decimal` are limited to 24 significant digits, `xsd:date` /
//! `xsd:dateTime` values may not carry surrounding whitespace, a CDATA section counts as
//! character content in element-only content, and whitespace is not allowed in an element
//! whose type has empty content (such as `<CodeRef .../>`).
//! Namespace declarations and `xsi:schemaLocation` / `xsi:noNamespaceSchemaLocation` are
//! allowed on any element, as in XML Schema; `xsi:nil` never (nothing is nillable); `xsi:type`
//! only if it names the declared type itself (xmllint would also accept a built-in type derived
//! from it, e.g. `xs:token` on a `Description`: the one known difference).
//!
//! Not in the XSDs and therefore not checked: ID uniqueness, that references point to
//! something, "either PlainTextContent or plainTextPath".
//! Added on top of the XSDs: a DOCTYPE is reported as a violation.

use std::collections::HashMap;
use std::sync::OnceLock;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};
use regex::Regex;

/// Check a REFI-QDA codebook document (.qdc) against the rules of Codebook.xsd. Returns every violation found (empty = valid).
pub fn check_codebook(xml: &str) -> Vec<String> {
    validate(&CODEBOOK, xml)
}

/// Check a REFI-QDA project document (project.qde) against the rules of Project-mrt2019.xsd.
/// Returns every violation found (empty = valid).
pub fn check_project(xml: &str) -> Vec<String> {
    validate(&PROJECT, xml)
}

// ===================================================================================
// The schema tables
// ===================================================================================

const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";
const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// `maxOccurs="unbounded"`.
const UNB: u32 = u32::MAX;

/// The simple types used by the two schemas.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Simple {
    /// `xsd:string`: anything.
    Str,
    /// `GUIDType`: token, with or without braces.
    Guid,
    /// `RGBType`: token `#rrggbb` or `#rgb`.
    Rgb,
    /// `xsd:boolean`.
    Bool,
    /// `xsd:integer`.
    Int,
    /// `xsd:decimal`.
    Dec,
    /// `xsd:date`.
    Date,
    /// `xsd:dateTime`.
    DateTime,
    /// A token restricted by `xsd:enumeration`s: (type name, values).
    Enum(&'static str, &'static [&'static str]),
}

const DIRECTION: Simple =
    Simple::Enum("directionType", &["Associative", "OneWay", "Bidirectional"]);
const TYPE_OF_VARIABLE: Simple = Simple::Enum(
    "typeOfVariableType",
    &["Text", "Boolean", "Integer", "Float", "Date", "DateTime"],
);
const SHAPE: Simple = Simple::Enum(
    "ShapeType",
    &[
        "Person",
        "Oval",
        "Rectangle",
        "RoundedRectangle",
        "Star",
        "LeftTriangle",
        "RightTriangle",
        "UpTriangle",
        "DownTriangle",
        "Note",
    ],
);
const LINE_STYLE: Simple = Simple::Enum("LineStyleType", &["dotted", "dashed", "solid"]);

/// The type of an element: a complex type of the same schema (by name), or a simple type.
#[derive(Clone, Copy, Debug)]
enum Ty {
    Complex(&'static str),
    Simple(Simple),
}

/// One `xsd:element` inside a content model.
#[derive(Debug)]
struct Elem {
    name: &'static str,
    ty: Ty,
    min: u32,
    max: u32,
}

/// One particle of a type's top-level `xsd:sequence` (or the lone top-level `xsd:choice`).
#[derive(Debug)]
enum Particle {
    Elem(Elem),
    /// An `xsd:choice` with its own min/maxOccurs. Every branch of the choices in these schemas
    /// has maxOccurs 1, so each matching child element is one repetition of the choice.
    Choice {
        min: u32,
        max: u32,
        of: &'static [Elem],
    },
}

/// One `xsd:attribute`.
#[derive(Debug)]
struct Attr {
    name: &'static str,
    ty: Simple,
    required: bool,
}

/// One `xsd:complexType`: its content model (empty = empty content) and its attributes.
#[derive(Debug)]
struct ComplexType {
    name: &'static str,
    content: &'static [Particle],
    attrs: &'static [Attr],
}

/// A schema: target namespace, the one global element, and the complex types.
#[derive(Debug)]
struct Schema {
    ns: &'static str,
    root: &'static str,
    root_type: &'static str,
    types: &'static [ComplexType],
}

const STR: Ty = Ty::Simple(Simple::Str);

const fn c(name: &'static str) -> Ty {
    Ty::Complex(name)
}

/// A child element particle.
const fn el(name: &'static str, ty: Ty, min: u32, max: u32) -> Particle {
    Particle::Elem(Elem { name, ty, min, max })
}

/// A branch of a choice.
const fn br(name: &'static str, ty: Ty, min: u32, max: u32) -> Elem {
    Elem { name, ty, min, max }
}

const fn req(name: &'static str, ty: Simple) -> Attr {
    Attr {
        name,
        ty,
        required: true,
    }
}

const fn opt(name: &'static str, ty: Simple) -> Attr {
    Attr {
        name,
        ty,
        required: false,
    }
}

const fn ct(
    name: &'static str,
    content: &'static [Particle],
    attrs: &'static [Attr],
) -> ComplexType {
    ComplexType {
        name,
        content,
        attrs,
    }
}

use Simple::{Bool, Date, DateTime, Dec, Guid, Int, Rgb, Str};

/// Codebook.xsd.
static CODEBOOK: Schema = Schema {
    ns: CODEBOOK_NS,
    root: "CodeBook",
    root_type: "CodeBookType",
    types: &[
        ct(
            "CodeBookType",
            &[
                el("Codes", c("CodesType"), 1, 1),
                el("Sets", c("SetsType"), 0, 1),
            ],
            &[opt("origin", Str)],
        ),
        ct("CodesType", &[el("Code", c("CodeType"), 1, UNB)], &[]),
        ct("SetsType", &[el("Set", c("SetType"), 1, UNB)], &[]),
        ct(
            "CodeType",
            &[
                el("Description", STR, 0, 1),
                el("Code", c("CodeType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                req("name", Str),
                req("isCodable", Bool),
                opt("color", Rgb),
            ],
        ),
        ct(
            "SetType",
            &[
                el("Description", STR, 0, 1),
                el("MemberCode", c("MemberCodeType"), 0, UNB),
            ],
            &[req("guid", Guid), req("name", Str)],
        ),
        ct("MemberCodeType", &[], &[req("guid", Guid)]),
    ],
};

/// Project-mrt2019.xsd.
static PROJECT: Schema = Schema {
    ns: PROJECT_NS,
    root: "Project",
    root_type: "ProjectType",
    types: &[
        ct(
            "ProjectType",
            &[
                el("Users", c("UsersType"), 0, 1),
                el("CodeBook", c("CodeBookType"), 0, 1),
                el("Variables", c("VariablesType"), 0, 1),
                el("Cases", c("CasesType"), 0, 1),
                el("Sources", c("SourcesType"), 0, 1),
                el("Notes", c("NotesType"), 0, 1),
                el("Links", c("LinksType"), 0, 1),
                el("Sets", c("SetsType"), 0, 1),
                el("Graphs", c("GraphsType"), 0, 1),
                el("Description", STR, 0, 1),
                el("NoteRef", c("NoteRefType"), 0, UNB),
            ],
            &[
                req("name", Str),
                opt("origin", Str),
                opt("creatingUserGUID", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUserGUID", Guid),
                opt("modifiedDateTime", DateTime),
                opt("basePath", Str),
            ],
        ),
        ct("UsersType", &[el("User", c("UserType"), 1, UNB)], &[]),
        ct(
            "UserType",
            &[],
            &[req("guid", Guid), opt("name", Str), opt("id", Str)],
        ),
        ct("CodeBookType", &[el("Codes", c("CodesType"), 1, 1)], &[]),
        ct("CodesType", &[el("Code", c("CodeType"), 1, UNB)], &[]),
        ct(
            "CodeType",
            &[
                el("Description", STR, 0, 1),
                el("NoteRef", c("NoteRefType"), 0, UNB),
                el("Code", c("CodeType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                req("name", Str),
                req("isCodable", Bool),
                opt("color", Rgb),
            ],
        ),
        ct("CasesType", &[el("Case", c("CaseType"), 1, UNB)], &[]),
        ct(
            "CaseType",
            &[
                el("Description", STR, 0, 1),
                el("CodeRef", c("CodeRefType"), 0, UNB),
                el("VariableValue", c("VariableValueType"), 0, UNB),
                el("SourceRef", c("SourceRefType"), 0, UNB),
                el("SelectionRef", c("SelectionRefType"), 0, UNB),
            ],
            &[req("guid", Guid), opt("name", Str)],
        ),
        ct(
            "VariablesType",
            &[el("Variable", c("VariableType"), 1, UNB)],
            &[],
        ),
        ct(
            "VariableType",
            &[el("Description", STR, 0, 1)],
            &[
                req("guid", Guid),
                req("name", Str),
                req("typeOfVariable", TYPE_OF_VARIABLE),
            ],
        ),
        ct(
            "VariableValueType",
            &[
                el("VariableRef", c("VariableRefType"), 1, 1),
                Particle::Choice {
                    min: 1,
                    max: 1,
                    of: &[
                        br("TextValue", STR, 0, 1),
                        br("BooleanValue", Ty::Simple(Bool), 0, 1),
                        br("IntegerValue", Ty::Simple(Int), 0, 1),
                        br("FloatValue", Ty::Simple(Dec), 0, 1),
                        br("DateValue", Ty::Simple(Date), 0, 1),
                        br("DateTimeValue", Ty::Simple(DateTime), 0, 1),
                    ],
                },
            ],
            &[],
        ),
        ct("SetsType", &[el("Set", c("SetType"), 1, UNB)], &[]),
        ct(
            "SetType",
            &[
                el("Description", STR, 0, 1),
                el("MemberCode", c("CodeRefType"), 0, UNB),
                el("MemberSource", c("SourceRefType"), 0, UNB),
                el("MemberNote", c("NoteRefType"), 0, UNB),
            ],
            &[req("guid", Guid), req("name", Str)],
        ),
        ct(
            "SourcesType",
            &[Particle::Choice {
                min: 1,
                max: UNB,
                of: &[
                    br("TextSource", c("TextSourceType"), 1, 1),
                    br("PictureSource", c("PictureSourceType"), 1, 1),
                    br("PDFSource", c("PDFSourceType"), 1, 1),
                    br("AudioSource", c("AudioSourceType"), 1, 1),
                    br("VideoSource", c("VideoSourceType"), 1, 1),
                ],
            }],
            &[],
        ),
        ct(
            "TextSourceType",
            &[
                el("Description", STR, 0, 1),
                el("PlainTextContent", STR, 0, 1),
                el("PlainTextSelection", c("PlainTextSelectionType"), 0, UNB),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
                el("VariableValue", c("VariableValueType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                opt("richTextPath", Str),
                opt("plainTextPath", Str),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "PlainTextSelectionType",
            &[
                el("Description", STR, 0, 1),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                req("startPosition", Int),
                req("endPosition", Int),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "PictureSourceType",
            &[
                el("Description", STR, 0, 1),
                el("TextDescription", c("TextSourceType"), 0, 1),
                el("PictureSelection", c("PictureSelectionType"), 0, UNB),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
                el("VariableValue", c("VariableValueType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                opt("path", Str),
                opt("currentPath", Str),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "PictureSelectionType",
            &[
                el("Description", STR, 0, 1),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                req("firstX", Int),
                req("firstY", Int),
                req("secondX", Int),
                req("secondY", Int),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "PDFSourceType",
            &[
                el("Description", STR, 0, 1),
                el("PDFSelection", c("PDFSelectionType"), 0, UNB),
                el("Representation", c("TextSourceType"), 0, 1),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
                el("VariableValue", c("VariableValueType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                opt("path", Str),
                opt("currentPath", Str),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "PDFSelectionType",
            &[
                el("Description", STR, 0, 1),
                el("Representation", c("TextSourceType"), 0, 1),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                req("page", Int),
                req("firstX", Int),
                req("firstY", Int),
                req("secondX", Int),
                req("secondY", Int),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "AudioSourceType",
            &[
                el("Description", STR, 0, 1),
                el("Transcript", c("TranscriptType"), 0, UNB),
                el("AudioSelection", c("AudioSelectionType"), 0, UNB),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
                el("VariableValue", c("VariableValueType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                opt("path", Str),
                opt("currentPath", Str),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "AudioSelectionType",
            &[
                el("Description", STR, 0, 1),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                req("begin", Int),
                req("end", Int),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "VideoSourceType",
            &[
                el("Description", STR, 0, 1),
                el("Transcript", c("TranscriptType"), 0, UNB),
                el("VideoSelection", c("VideoSelectionType"), 0, UNB),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
                el("VariableValue", c("VariableValueType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                opt("path", Str),
                opt("currentPath", Str),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "VideoSelectionType",
            &[
                el("Description", STR, 0, 1),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                req("begin", Int),
                req("end", Int),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "TranscriptType",
            &[
                el("Description", STR, 0, 1),
                el("PlainTextContent", STR, 0, 1),
                el("SyncPoint", c("SyncPointType"), 0, UNB),
                el("TranscriptSelection", c("TranscriptSelectionType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                opt("richTextPath", Str),
                opt("plainTextPath", Str),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "TranscriptSelectionType",
            &[
                el("Description", STR, 0, 1),
                el("Coding", c("CodingType"), 0, UNB),
                el("NoteRef", c("NoteRefType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("name", Str),
                opt("fromSyncPoint", Guid),
                opt("toSyncPoint", Guid),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
                opt("modifyingUser", Guid),
                opt("modifiedDateTime", DateTime),
            ],
        ),
        ct(
            "SyncPointType",
            &[],
            &[
                req("guid", Guid),
                opt("timeStamp", Int),
                opt("position", Int),
            ],
        ),
        ct(
            "CodingType",
            &[
                el("CodeRef", c("CodeRefType"), 1, 1),
                el("NoteRef", c("NoteRefType"), 0, UNB),
            ],
            &[
                req("guid", Guid),
                opt("creatingUser", Guid),
                opt("creationDateTime", DateTime),
            ],
        ),
        ct("GraphsType", &[el("Graph", c("GraphType"), 1, UNB)], &[]),
        ct(
            "GraphType",
            &[
                el("Vertex", c("VertexType"), 0, UNB),
                el("Edge", c("EdgeType"), 0, UNB),
            ],
            &[req("guid", Guid), opt("name", Str)],
        ),
        ct(
            "VertexType",
            &[],
            &[
                req("guid", Guid),
                opt("representedGUID", Guid),
                opt("name", Str),
                req("firstX", Int),
                req("firstY", Int),
                opt("secondX", Int),
                opt("secondY", Int),
                opt("shape", SHAPE),
                opt("color", Rgb),
            ],
        ),
        ct(
            "EdgeType",
            &[],
            &[
                req("guid", Guid),
                opt("representedGUID", Guid),
                opt("name", Str),
                req("sourceVertex", Guid),
                req("targetVertex", Guid),
                opt("color", Rgb),
                opt("direction", DIRECTION),
                opt("lineStyle", LINE_STYLE),
            ],
        ),
        ct("NotesType", &[el("Note", c("TextSourceType"), 1, UNB)], &[]),
        ct("LinksType", &[el("Link", c("LinkType"), 1, UNB)], &[]),
        ct(
            "LinkType",
            &[el("NoteRef", c("NoteRefType"), 0, UNB)],
            &[
                req("guid", Guid),
                opt("name", Str),
                opt("direction", DIRECTION),
                opt("color", Rgb),
                opt("originGUID", Guid),
                opt("targetGUID", Guid),
            ],
        ),
        ct("NoteRefType", &[], &[req("targetGUID", Guid)]),
        ct("CodeRefType", &[], &[req("targetGUID", Guid)]),
        ct("SourceRefType", &[], &[req("targetGUID", Guid)]),
        ct("SelectionRefType", &[], &[req("targetGUID", Guid)]),
        ct("VariableRefType", &[], &[req("targetGUID", Guid)]),
    ],
};

impl Schema {
    fn complex(&self, name: &str) -> &'static ComplexType {
        let types: &'static [ComplexType] = self.types;
        types
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("schema table: no complex type {name}"))
    }
}

impl Particle {
    fn min(&self) -> u32 {
        match self {
            Particle::Elem(e) => e.min,
            // A choice can be satisfied by nothing if one of its branches is optional.
            Particle::Choice { min, of, .. } => {
                if of.iter().any(|b| b.min == 0) {
                    0
                } else {
                    *min
                }
            }
        }
    }

    fn max(&self) -> u32 {
        match self {
            Particle::Elem(e) => e.max,
            Particle::Choice { max, .. } => *max,
        }
    }

    fn branches(&self) -> &[Elem] {
        match self {
            Particle::Elem(e) => std::slice::from_ref(e),
            Particle::Choice { of, .. } => of,
        }
    }

    fn find(&self, name: &str) -> Option<Ty> {
        self.branches()
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.ty)
    }

    fn describe(&self) -> String {
        let names: Vec<&str> = self.branches().iter().map(|e| e.name).collect();
        if names.len() == 1 {
            names[0].to_string()
        } else {
            format!("({})", names.join(" | "))
        }
    }
}

// ===================================================================================
// Simple types
// ===================================================================================

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid regex"))
}

/// XSD whiteSpace="collapse".
fn collapse(s: &str) -> String {
    s.split([' ', '\t', '\n', '\r'])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Count significant digits (libxml2 refuses more than 24 for xsd:decimal and its derivatives).
fn too_many_digits(int_part: &str, frac_part: &str) -> bool {
    int_part.trim_start_matches('0').len() + frac_part.len() > 24
}

fn is_leap(year_digits: &str) -> bool {
    // year mod 400 depends only on the last 4 digits; the sign does not matter for divisibility
    let tail = &year_digits[year_digits.len().saturating_sub(4)..];
    let y: u32 = tail.parse().unwrap_or(0);
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Checks the date part and the time zone of an xsd:date / xsd:dateTime match.
fn check_date_parts(year: &str, month: &str, day: &str, tz: Option<&str>) -> Result<(), String> {
    if year.len() > 4 && year.starts_with('0') {
        return Err("year with more than 4 digits may not start with 0".into());
    }
    if year.bytes().all(|b| b == b'0') {
        return Err("year 0000 is not allowed".into());
    }
    let m: u32 = month.parse().unwrap_or(0);
    let d: u32 = day.parse().unwrap_or(0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return Err(format!("month {month} out of range")),
    };
    if d == 0 || d > days {
        return Err(format!("day {day} out of range"));
    }
    if let Some(tz) = tz.filter(|tz| *tz != "Z") {
        let h: u32 = tz[1..3].parse().unwrap_or(99);
        let mm: u32 = tz[4..6].parse().unwrap_or(99);
        if h > 14 || mm > 59 || (h == 14 && mm != 0) {
            return Err(format!("time zone {tz} out of range"));
        }
    }
    Ok(())
}

/// Check a value (attribute value after XML normalization, or element text) against a simple type.
fn check_simple(ty: Simple, raw: &str) -> Result<(), String> {
    static GUID: OnceLock<Regex> = OnceLock::new();
    static RGB: OnceLock<Regex> = OnceLock::new();
    static INT: OnceLock<Regex> = OnceLock::new();
    static DEC: OnceLock<Regex> = OnceLock::new();
    static DATE: OnceLock<Regex> = OnceLock::new();
    static DATETIME: OnceLock<Regex> = OnceLock::new();
    const HEX: &str = "[0-9a-fA-F]";
    let bad = |what: &str| Err(format!("{raw:?} is not a valid {what}"));
    match ty {
        Str => Ok(()),
        Guid => {
            let g = format!("{HEX}{{8}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{12}}");
            let r = re(&GUID, &format!(r"^(?:{g}|\{{{g}\}})$"));
            if r.is_match(&collapse(raw)) {
                Ok(())
            } else {
                bad("GUIDType")
            }
        }
        Rgb => {
            let r = re(&RGB, "^#(?:[A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$");
            if r.is_match(&collapse(raw)) {
                Ok(())
            } else {
                bad("RGBType")
            }
        }
        Bool => match collapse(raw).as_str() {
            "true" | "false" | "1" | "0" => Ok(()),
            _ => bad("xsd:boolean (true, false, 1, 0)"),
        },
        Int => {
            let v = collapse(raw);
            let r = re(&INT, "^[+-]?([0-9]+)$");
            match r.captures(&v) {
                Some(m) if !too_many_digits(&m[1], "") => Ok(()),
                Some(_) => bad("xsd:integer (more than 24 digits)"),
                None => bad("xsd:integer"),
            }
        }
        Dec => {
            let v = collapse(raw);
            let r = re(&DEC, r"^[+-]?(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))$");
            match r.captures(&v) {
                Some(m) => {
                    let int = m.get(1).map_or("", |x| x.as_str());
                    let frac = m.get(2).or(m.get(3)).map_or("", |x| x.as_str());
                    if too_many_digits(int, frac) {
                        bad("xsd:decimal (more than 24 digits)")
                    } else {
                        Ok(())
                    }
                }
                None => bad("xsd:decimal"),
            }
        }
        // libxml2 does not collapse whitespace around dates, so neither do we.
        Date => {
            let r = re(
                &DATE,
                r"^-?([0-9]{4,})-([0-9]{2})-([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?$",
            );
            let Some(m) = r.captures(raw) else {
                return bad("xsd:date (YYYY-MM-DD)");
            };
            check_date_parts(&m[1], &m[2], &m[3], m.get(4).map(|x| x.as_str()))
                .map_err(|e| format!("{raw:?} is not a valid xsd:date: {e}"))
        }
        DateTime => {
            let r = re(
                &DATETIME,
                r"^-?([0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$",
            );
            let Some(m) = r.captures(raw) else {
                return bad("xsd:dateTime (YYYY-MM-DDThh:mm:ss[.s][Z|±hh:mm])");
            };
            let (h, mi, s): (u32, u32, u32) = (
                m[4].parse().unwrap_or(99),
                m[5].parse().unwrap_or(99),
                m[6].parse().unwrap_or(99),
            );
            let frac_zero = m
                .get(7)
                .is_none_or(|f| f.as_str()[1..].bytes().all(|b| b == b'0'));
            let time_ok =
                (h < 24 && mi < 60 && s < 60) || (h == 24 && mi == 0 && s == 0 && frac_zero);
            if !time_ok {
                return Err(format!(
                    "{raw:?} is not a valid xsd:dateTime: time out of range"
                ));
            }
            check_date_parts(&m[1], &m[2], &m[3], m.get(8).map(|x| x.as_str()))
                .map_err(|e| format!("{raw:?} is not a valid xsd:dateTime: {e}"))
        }
        Simple::Enum(name, values) => {
            if values.contains(&collapse(raw).as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "{raw:?} is not a valid {name} (one of {})",
                    values.join(", ")
                ))
            }
        }
    }
}

// ===================================================================================
// The validator
// ===================================================================================

enum Kind {
    /// A complex type; `pos`/`count`: current particle of the content model and how many times
    /// it has matched so far.
    Complex {
        ty: &'static ComplexType,
        pos: usize,
        count: u32,
    },
    /// A simple-typed element; the text collected so far.
    Simple { ty: Simple, text: String },
    /// An element that is not allowed: its content is not checked.
    Skip,
}

struct Frame {
    path: String,
    line: usize,
    kind: Kind,
    /// How many children of each name have been seen, for the `[n]` in paths.
    seen: HashMap<String, usize>,
}

struct Validator<'a> {
    schema: &'static Schema,
    line_starts: Vec<usize>,
    errors: Vec<String>,
    stack: Vec<Frame>,
    root_seen: bool,
    input: &'a str,
}

impl Validator<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset)
    }

    fn report(&mut self, line: usize, path: &str, msg: impl AsRef<str>) {
        let msg = msg.as_ref();
        if path.is_empty() {
            self.errors.push(format!("line {line}: {msg}"));
        } else {
            self.errors.push(format!("line {line}: {path}: {msg}"));
        }
    }

    fn current_path(&self) -> String {
        self.stack
            .last()
            .map(|f| f.path.clone())
            .unwrap_or_default()
    }

    /// Character data (already resolved) inside the current element.
    fn text(&mut self, line: usize, text: &str, cdata: bool) {
        let Some(frame) = self.stack.last_mut() else {
            if !text.chars().all(char::is_whitespace) {
                self.report(line, "", "text outside the root element");
            }
            return;
        };
        match &mut frame.kind {
            Kind::Simple { text: t, .. } => t.push_str(text),
            Kind::Skip => {}
            Kind::Complex { ty, .. } => {
                let ws = text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
                let msg = if ty.content.is_empty() {
                    (!text.is_empty()).then(|| {
                        format!(
                            "character content not allowed: {} has empty content",
                            ty.name
                        )
                    })
                } else if !ws || cdata {
                    Some(format!(
                        "character content {:?} not allowed: {} has element-only content",
                        shorten(text),
                        ty.name
                    ))
                } else {
                    None
                };
                if let Some(msg) = msg {
                    let path = frame.path.clone();
                    self.report(line, &path, msg);
                }
            }
        }
    }

    fn start(&mut self, reader: &NsReader<&[u8]>, e: &BytesStart, line: usize) {
        let (res, local) = reader.resolver().resolve_element(e.name());
        let local = String::from_utf8_lossy(local.as_ref()).into_owned();
        let ns = match res {
            ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => {
                let p = String::from_utf8_lossy(&p).into_owned();
                let path = format!("{}/{p}:{local}", self.current_path());
                self.report(line, &path, format!("undeclared namespace prefix {p}"));
                Some(format!("<undeclared prefix {p}>"))
            }
        };
        let qualified = match &ns {
            Some(ns) => format!("{{{ns}}}{local}"),
            None => format!("{local} (no namespace)"),
        };

        // Path of the new element.
        let path = match self.stack.last_mut() {
            Some(parent) => {
                let n = parent.seen.entry(local.clone()).or_insert(0);
                *n += 1;
                if *n > 1 {
                    format!("{}/{local}[{n}]", parent.path)
                } else {
                    format!("{}/{local}", parent.path)
                }
            }
            None => format!("/{local}"),
        };

        let right_ns = ns.as_deref() == Some(self.schema.ns);
        let ty: Option<Ty> = if self.stack.is_empty() {
            if self.root_seen {
                self.report(line, &path, "more than one root element");
                None
            } else if local == self.schema.root && right_ns {
                self.root_seen = true;
                Some(Ty::Complex(self.schema.root_type))
            } else {
                self.root_seen = true;
                self.report(
                    line,
                    &path,
                    format!(
                        "root element is {qualified}, expected {{{}}}{}",
                        self.schema.ns, self.schema.root
                    ),
                );
                None
            }
        } else {
            self.child(line, &path, &local, right_ns, &qualified)
        };

        let kind = match ty {
            None => Kind::Skip,
            Some(Ty::Simple(s)) => Kind::Simple {
                ty: s,
                text: String::new(),
            },
            Some(Ty::Complex(name)) => Kind::Complex {
                ty: self.schema.complex(name),
                pos: 0,
                count: 0,
            },
        };
        self.attributes(reader, e, line, &path, &kind);
        self.stack.push(Frame {
            path,
            line,
            kind,
            seen: HashMap::new(),
        });
    }

    /// A child element starts in the current (top) frame: advance its content model.
    /// Returns the type to check the child with (None: skip its content).
    fn child(
        &mut self,
        line: usize,
        path: &str,
        local: &str,
        right_ns: bool,
        qualified: &str,
    ) -> Option<Ty> {
        let parent = self.stack.last_mut().expect("a parent");
        let (ty, pos, count) = match &mut parent.kind {
            Kind::Skip => return None,
            Kind::Simple { ty, .. } => {
                let ty = *ty;
                let msg = format!("element content not allowed: the type is simple ({ty:?})");
                let ppath = parent.path.clone();
                self.report(line, &ppath, msg);
                return None;
            }
            Kind::Complex { ty, pos, count } => (*ty, pos, count),
        };
        let content = ty.content;
        if !right_ns {
            let msg = format!(
                "element {qualified} not allowed: elements must be in namespace {}",
                self.schema.ns
            );
            self.report(line, path, msg);
            return None;
        }
        // Greedy matching; the XSDs obey Unique Particle Attribution, so this is exact.
        let mut found = None;
        for (j, p) in content.iter().enumerate().skip(*pos) {
            let used = if j == *pos { *count } else { 0 };
            if let Some(t) = p.find(local) {
                if used < p.max() {
                    found = Some((j, used, t));
                    break;
                }
            }
        }
        if let Some((j, used, t)) = found {
            let mut missing = Vec::new();
            for (k, p) in content.iter().enumerate().take(j).skip(*pos) {
                let n = if k == *pos { *count } else { 0 };
                if n < p.min() {
                    missing.push(p.describe());
                }
            }
            *pos = j;
            *count = used + 1;
            for m in missing {
                let msg = format!("missing required element {m} before {local}");
                self.report(line, path, msg);
            }
            return Some(t);
        }
        // Not allowed here. Say why, and still check its content if its type is known.
        let expected = expected_at(content, *pos, *count);
        let known = content.iter().find_map(|p| p.find(local));
        let msg = match known {
            None if content.is_empty() => {
                format!("unknown element {local}: {} has empty content", ty.name)
            }
            None => format!(
                "unknown element {local} in {} (expected {expected})",
                ty.name
            ),
            Some(_) => format!("element {local} not expected here (expected {expected})"),
        };
        self.report(line, path, msg);
        known
    }

    fn attributes(
        &mut self,
        reader: &NsReader<&[u8]>,
        e: &BytesStart,
        line: usize,
        path: &str,
        kind: &Kind,
    ) {
        let allowed: &[Attr] = match kind {
            Kind::Complex { ty, .. } => ty.attrs,
            Kind::Simple { .. } => &[],
            Kind::Skip => return,
        };
        let mut present: Vec<String> = Vec::new();
        for a in e.attributes() {
            let a = match a {
                Ok(a) => a,
                Err(err) => {
                    self.report(line, path, format!("malformed attribute: {err}"));
                    continue;
                }
            };
            if a.key.as_namespace_binding().is_some() {
                continue; // xmlns / xmlns:p: namespace declarations, not attributes
            }
            let (res, local) = reader.resolver().resolve_attribute(a.key);
            let local = String::from_utf8_lossy(local.as_ref()).into_owned();
            let value = match a.normalized_value(XmlVersion::Implicit1_0) {
                Ok(v) => v.into_owned(),
                Err(err) => {
                    self.report(line, path, format!("attribute {local}: {err}"));
                    continue;
                }
            };
            match res {
                ResolveResult::Unbound => {}
                ResolveResult::Bound(ns) if ns.as_ref() == XSI_NS.as_bytes() => {
                    match local.as_str() {
                        "schemaLocation" | "noNamespaceSchemaLocation" => {}
                        // No type in these schemas has derived types, so xsi:type may only
                        // name the declared type itself.
                        "type" if self.is_declared_type(reader, kind, &value) => {}
                        "type" => self.report(
                            line,
                            path,
                            format!("xsi:type {value:?} is not the declared type of the element"),
                        ),
                        // xsi:nil: no element is nillable.
                        _ => self.report(line, path, format!("attribute xsi:{local} not allowed")),
                    }
                    continue;
                }
                ResolveResult::Bound(ns) => {
                    let ns = String::from_utf8_lossy(ns.as_ref()).into_owned();
                    self.report(
                        line,
                        path,
                        format!(
                            "attribute {{{ns}}}{local} not allowed (attributes are unqualified)"
                        ),
                    );
                    continue;
                }
                ResolveResult::Unknown(p) => {
                    let p = String::from_utf8_lossy(&p).into_owned();
                    self.report(
                        line,
                        path,
                        format!("attribute {p}:{local}: undeclared namespace prefix {p}"),
                    );
                    continue;
                }
            }
            match allowed.iter().find(|r| r.name == local) {
                None => self.report(line, path, format!("attribute {local} not allowed")),
                Some(rule) => {
                    present.push(local.clone());
                    if let Err(msg) = check_simple(rule.ty, &value) {
                        self.report(line, path, format!("attribute {local}: {msg}"));
                    }
                }
            }
        }
        for rule in allowed.iter().filter(|r| r.required) {
            if !present.iter().any(|p| p == rule.name) {
                self.report(
                    line,
                    path,
                    format!("missing required attribute {}", rule.name),
                );
            }
        }
    }

    /// Whether an `xsi:type` value names the element's own declared type.
    fn is_declared_type(&self, reader: &NsReader<&[u8]>, kind: &Kind, value: &str) -> bool {
        let value = collapse(value);
        let (res, local) = reader
            .resolver()
            .resolve_element(quick_xml::name::QName(value.as_bytes()));
        let ResolveResult::Bound(ns) = res else {
            return false;
        };
        let (want_ns, want_local) = match kind {
            Kind::Complex { ty, .. } => (self.schema.ns, ty.name),
            Kind::Simple { ty, .. } => (
                "http://www.w3.org/2001/XMLSchema",
                match ty {
                    Simple::Str => "string",
                    Simple::Bool => "boolean",
                    Simple::Int => "integer",
                    Simple::Dec => "decimal",
                    Simple::Date => "date",
                    Simple::DateTime => "dateTime",
                    _ => return false,
                },
            ),
            Kind::Skip => return false,
        };
        ns.as_ref() == want_ns.as_bytes() && local.as_ref() == want_local.as_bytes()
    }

    fn end(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        match frame.kind {
            Kind::Skip => {}
            Kind::Simple { ty, text } => {
                if let Err(msg) = check_simple(ty, &text) {
                    self.report(frame.line, &frame.path, msg);
                }
            }
            Kind::Complex { ty, pos, count } => {
                for (k, p) in ty.content.iter().enumerate().skip(pos) {
                    let n = if k == pos { count } else { 0 };
                    if n < p.min() {
                        let msg = format!("missing required element {}", p.describe());
                        self.report(frame.line, &frame.path, msg);
                    }
                }
            }
        }
    }
}

/// The element names acceptable at this point of a content model.
fn expected_at(content: &[Particle], pos: usize, count: u32) -> String {
    let mut names = Vec::new();
    for (k, p) in content.iter().enumerate().skip(pos) {
        let n = if k == pos { count } else { 0 };
        if n < p.max() {
            names.extend(p.branches().iter().map(|e| e.name));
        }
        if n < p.min() {
            break;
        }
    }
    if names.is_empty() {
        "no more elements".to_string()
    } else {
        format!("one of: {}", names.join(", "))
    }
}

fn shorten(s: &str) -> String {
    let t = s.trim();
    if t.chars().count() > 40 {
        format!("{}...", t.chars().take(40).collect::<String>())
    } else {
        t.to_string()
    }
}

fn validate(schema: &'static Schema, xml: &str) -> Vec<String> {
    let mut line_starts = vec![0];
    line_starts.extend(xml.match_indices('\n').map(|(i, _)| i + 1));
    let mut v = Validator {
        schema,
        line_starts,
        errors: Vec::new(),
        stack: Vec::new(),
        root_seen: false,
        input: xml,
    };
    let mut reader = NsReader::from_str(xml);
    loop {
        let offset = reader.buffer_position() as usize;
        let line = v.line_of(offset);
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(err) => {
                let line = v.line_of(reader.error_position() as usize);
                v.report(line, "", format!("XML is not well-formed: {err}"));
                return v.errors;
            }
        };
        match event {
            Event::Start(e) => v.start(&reader, &e, line),
            Event::Empty(e) => {
                v.start(&reader, &e, line);
                v.end();
            }
            Event::End(_) => v.end(),
            Event::Text(t) => match t.xml10_content() {
                Ok(s) => v.text(line, &s, false),
                Err(err) => v.report(line, &v.current_path(), format!("bad text: {err}")),
            },
            Event::CData(t) => match t.xml10_content() {
                Ok(s) => v.text(line, &s, true),
                Err(err) => v.report(line, &v.current_path(), format!("bad CDATA: {err}")),
            },
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(ch)) => Some(ch.to_string()),
                    Ok(None) => match r.decode().as_deref() {
                        Ok("amp") => Some("&".into()),
                        Ok("lt") => Some("<".into()),
                        Ok("gt") => Some(">".into()),
                        Ok("quot") => Some("\"".into()),
                        Ok("apos") => Some("'".into()),
                        _ => None,
                    },
                    Err(_) => None,
                };
                match resolved {
                    Some(s) => v.text(line, &s, false),
                    None => {
                        let name = String::from_utf8_lossy(&r).into_owned();
                        v.report(
                            line,
                            &v.current_path(),
                            format!("undefined entity &{name};"),
                        );
                    }
                }
            }
            Event::DocType(_) => v.report(line, "", "DOCTYPE not allowed"),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = v.stack.last() {
        let (l, p) = (open.line, open.path.clone());
        v.report(l, &p, "element not closed at end of document");
    } else if !v.root_seen {
        let l = v.line_of(v.input.len());
        v.report(l, "", "no root element");
    }
    v.errors
}

// ===================================================================================
// Tests
// ===================================================================================

#[cfg(test)]
mod tests {
    use super::*;

    const G1: &str = "0b5c8a30-3d9d-4a47-9d3c-1a2b3c4d5e61";

    fn codebook(codes: &str, sets: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"tana\">\n\
             {codes}{sets}</CodeBook>\n"
        )
    }

    fn code(attrs: &str, inner: &str) -> String {
        format!("<Code {attrs}>{inner}</Code>\n")
    }

    const CODE_ATTRS: &str = r##"guid="0b5c8a30-3d9d-4a47-9d3c-1a2b3c4d5e61" name="Joy" isCodable="true" color="#00ff00""##;

    fn valid_codes() -> String {
        format!("<Codes>\n{}</Codes>\n", code(CODE_ATTRS, ""))
    }

    fn assert_valid(errors: Vec<String>) {
        assert!(errors.is_empty(), "expected valid, got: {errors:#?}");
    }

    /// Asserts invalid and that some message contains `needle`.
    fn assert_invalid(errors: Vec<String>, needle: &str) {
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "expected a violation containing {needle:?}, got: {errors:#?}"
        );
    }

    #[test]
    fn minimal_codebook_is_valid() {
        assert_valid(check_codebook(&codebook(&valid_codes(), "")));
        let full = codebook(
            &format!(
                "<Codes>{}</Codes>",
                code(
                    &format!(r##"guid="{{{G1}}}" name="Parent" isCodable="0""##),
                    &format!(
                        "<Description>a &amp; b</Description>{}",
                        code(
                            r##"guid="1b5c8a30-3d9d-4a47-9d3c-1a2b3c4d5e61" name="Child" isCodable="1" color="#AbC""##,
                            ""
                        )
                    )
                )
            ),
            &format!(
                r##"<Sets><Set guid="2b5c8a30-3d9d-4a47-9d3c-1a2b3c4d5e61" name="S"><Description/><MemberCode guid="{G1}"/></Set></Sets>"##
            ),
        );
        assert_valid(check_codebook(&full));
        // prefixed namespace, xsi:schemaLocation and comments are fine
        let prefixed = format!(
            "<q:CodeBook xmlns:q=\"urn:QDA-XML:codebook:1.0\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"urn:QDA-XML:codebook:1.0 Codebook.xsd\"><!-- c -->\
             <q:Codes><q:Code {CODE_ATTRS}/></q:Codes></q:CodeBook>"
        );
        assert_valid(check_codebook(&prefixed));
    }

    fn project(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <Project xmlns=\"urn:QDA-XML:project:1.0\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd\" \
             name=\"demo\" origin=\"tana 0.1\" creatingUserGUID=\"{U}\" \
             creationDateTime=\"2024-05-01T12:30:00Z\" modifiedDateTime=\"2024-05-02T08:00:00.5+02:00\">\n\
             {body}</Project>\n",
            U = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
        )
    }

    const FULL_BODY: &str = r##"<Users><User guid="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" name="ann"/></Users>
<CodeBook><Codes>
  <Code guid="c0000000-0000-4000-8000-000000000001" name="Emotion" isCodable="false" color="#112233">
    <Description>Feelings</Description>
    <Code guid="c0000000-0000-4000-8000-000000000002" name="Joy" isCodable="true"/>
  </Code>
</Codes></CodeBook>
<Variables>
  <Variable guid="d0000000-0000-4000-8000-000000000001" name="age" typeOfVariable="Integer"/>
  <Variable guid="d0000000-0000-4000-8000-000000000002" name="city" typeOfVariable="Text"><Description>where</Description></Variable>
</Variables>
<Cases>
  <Case guid="e0000000-0000-4000-8000-000000000001" name="P1">
    <VariableValue><VariableRef targetGUID="d0000000-0000-4000-8000-000000000001"/><IntegerValue>42</IntegerValue></VariableValue>
    <VariableValue><VariableRef targetGUID="d0000000-0000-4000-8000-000000000002"/><TextValue>Gent</TextValue></VariableValue>
    <SourceRef targetGUID="f0000000-0000-4000-8000-000000000001"/>
  </Case>
</Cases>
<Sources>
  <TextSource guid="f0000000-0000-4000-8000-000000000001" name="interview" plainTextPath="internal://f0000000-0000-4000-8000-000000000001.txt" creatingUser="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" creationDateTime="2024-05-01T12:30:00Z">
    <PlainTextSelection guid="a1000000-0000-4000-8000-000000000001" name="I was happy" startPosition="0" endPosition="11" creatingUser="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" creationDateTime="2024-05-01T12:31:00Z">
      <Coding guid="a2000000-0000-4000-8000-000000000001" creatingUser="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee">
        <CodeRef targetGUID="c0000000-0000-4000-8000-000000000002"/>
      </Coding>
      <NoteRef targetGUID="b0000000-0000-4000-8000-000000000001"/>
    </PlainTextSelection>
  </TextSource>
</Sources>
<Notes>
  <Note guid="b0000000-0000-4000-8000-000000000001" name="memo" creatingUser="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee">
    <PlainTextContent>Remember &lt;this&gt;.</PlainTextContent>
  </Note>
</Notes>
<NoteRef targetGUID="b0000000-0000-4000-8000-000000000001"/>
"##;

    #[test]
    fn minimal_and_full_project_are_valid() {
        assert_valid(check_project(
            r##"<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>"##,
        ));
        assert_valid(check_project(&project(FULL_BODY)));
    }

    #[test]
    fn media_graphs_links_sets_are_valid() {
        let g = |n: u32| format!("{n:08x}-0000-4000-8000-000000000000");
        let body = format!(
            r##"<Sources>
<PictureSource guid="{g1}" path="internal://x.png"><TextDescription guid="{g2}"><PlainTextContent>pic</PlainTextContent></TextDescription>
  <PictureSelection guid="{g3}" firstX="0" firstY="0" secondX="10" secondY="10"><Coding guid="{g4}"><CodeRef targetGUID="{g5}"/></Coding></PictureSelection></PictureSource>
<PDFSource guid="{g6}"><PDFSelection guid="{g7}" page="1" firstX="0" firstY="0" secondX="1" secondY="1"/><Representation guid="{g8}" plainTextPath="x.txt"/></PDFSource>
<AudioSource guid="{g9}"><Transcript guid="{g10}"><SyncPoint guid="{g11}" timeStamp="100" position="3"/><TranscriptSelection guid="{g12}" fromSyncPoint="{g11}"/></Transcript><AudioSelection guid="{g13}" begin="0" end="500"/></AudioSource>
<VideoSource guid="{g14}"><VideoSelection guid="{g15}" begin="1" end="2"><NoteRef targetGUID="{g16}"/></VideoSelection><VariableValue><VariableRef targetGUID="{g17}"/><DateValue>2024-02-29</DateValue></VariableValue></VideoSource>
<TextSource guid="{g18}"/>
</Sources>
<Links><Link guid="{g19}" direction="Bidirectional" color="#fff" originGUID="{g1}" targetGUID="{g6}"/></Links>
<Sets><Set guid="{g20}" name="s"><MemberCode targetGUID="{g5}"/><MemberSource targetGUID="{g1}"/><MemberNote targetGUID="{g16}"/></Set></Sets>
<Graphs><Graph guid="{g21}" name="map"><Vertex guid="{g22}" firstX="1" firstY="2" shape="RoundedRectangle" color="#123456"/><Vertex guid="{g23}" firstX="-1" firstY="+2"/>
<Edge guid="{g24}" sourceVertex="{g22}" targetVertex="{g23}" direction="OneWay" lineStyle="dotted"/></Graph></Graphs>
<Description>all media</Description>
"##,
            g1 = g(1),
            g2 = g(2),
            g3 = g(3),
            g4 = g(4),
            g5 = g(5),
            g6 = g(6),
            g7 = g(7),
            g8 = g(8),
            g9 = g(9),
            g10 = g(10),
            g11 = g(11),
            g12 = g(12),
            g13 = g(13),
            g14 = g(14),
            g15 = g(15),
            g16 = g(16),
            g17 = g(17),
            g18 = g(18),
            g19 = g(19),
            g20 = g(20),
            g21 = g(21),
            g22 = g(22),
            g23 = g(23),
            g24 = g(24),
        );
        assert_valid(check_project(&project(&body)));
        let bad = body.replace("shape=\"RoundedRectangle\"", "shape=\"Circle\"");
        assert_invalid(check_project(&project(&bad)), "ShapeType");
        let bad = body.replace("lineStyle=\"dotted\"", "lineStyle=\"Dotted\"");
        assert_invalid(check_project(&project(&bad)), "LineStyleType");
        let bad = body.replace("direction=\"OneWay\"", "direction=\"oneway\"");
        assert_invalid(check_project(&project(&bad)), "directionType");
        let bad = body.replace(" page=\"1\"", "");
        assert_invalid(
            check_project(&project(&bad)),
            "missing required attribute page",
        );
        let bad = body.replace("2024-02-29", "2023-02-29");
        assert_invalid(check_project(&project(&bad)), "xsd:date");
    }

    #[test]
    fn wrong_element_order() {
        let sets = format!(r##"<Sets><Set guid="{G1}" name="s"/></Sets>"##);
        let errs = check_codebook(&codebook(&sets, &valid_codes()));
        assert_invalid(errs, "/CodeBook/Codes: element Codes not expected here");
        let errs = check_codebook(&codebook(
            &format!(
                "<Codes>{}</Codes>",
                code(
                    CODE_ATTRS,
                    &format!(
                        "{}<Description>late</Description>",
                        code(&CODE_ATTRS.replace("0b5c", "1b5c"), "")
                    )
                )
            ),
            "",
        ));
        assert_invalid(
            errs,
            "/CodeBook/Codes/Code/Description: element Description not expected here",
        );
        // In a project: Notes before Sources.
        let body = FULL_BODY
            .replace("<Notes>", "<X>")
            .replace("</Notes>", "</X>");
        let (before, notes) = body.split_once("<X>").unwrap();
        let (notes, after) = notes.split_once("</X>").unwrap();
        let swapped =
            before.replace("<Sources>", &format!("<Notes>{notes}</Notes><Sources>")) + after;
        assert_invalid(
            check_project(&project(&swapped)),
            "element Sources not expected here",
        );
    }

    #[test]
    fn missing_required_attribute() {
        let errs = check_codebook(&codebook(
            "<Codes><Code guid=\"0b5c8a30-3d9d-4a47-9d3c-1a2b3c4d5e61\" name=\"x\"/></Codes>",
            "",
        ));
        assert_eq!(
            errs,
            vec!["line 3: /CodeBook/Codes/Code: missing required attribute isCodable"]
        );
        let body = FULL_BODY.replace(r##" endPosition="11""##, "");
        assert_invalid(
            check_project(&project(&body)),
            "/Project/Sources/TextSource/PlainTextSelection: missing required attribute endPosition",
        );
        assert_invalid(
            check_project(r##"<Project xmlns="urn:QDA-XML:project:1.0"/>"##),
            "missing required attribute name",
        );
    }

    #[test]
    fn bad_simple_values() {
        let with =
            |attrs: &str| check_codebook(&codebook(&format!("<Codes><Code {attrs}/></Codes>"), ""));
        assert_invalid(
            with(r##"guid="0b5c8a30-3d9d-4a47-9d3c-1a2b3c4d5e6" name="x" isCodable="true""##),
            "attribute guid",
        );
        assert_invalid(
            with(r##"guid="{0b5c8a30-3d9d-4a47-9d3c-1a2b3c4d5e61" name="x" isCodable="true""##),
            "GUIDType",
        );
        assert_invalid(
            with(&format!(
                r##"guid="{G1}" name="x" isCodable="true" color="#12345""##
            )),
            "attribute color",
        );
        assert_invalid(
            with(&format!(
                r##"guid="{G1}" name="x" isCodable="true" color="red""##
            )),
            "RGBType",
        );
        assert_invalid(
            with(&format!(r##"guid="{G1}" name="x" isCodable="yes""##)),
            "attribute isCodable",
        );
        assert_invalid(
            with(&format!(r##"guid="{G1}" name="x" isCodable="True""##)),
            "xsd:boolean",
        );
        // Tokens are whitespace-collapsed first.
        assert_valid(with(&format!(
            r##"guid=" {G1} " name="x" isCodable=" true " color="#abc ""##
        )));

        let value = |v: &str| {
            check_project(&project(&format!(
                r##"<Cases><Case guid="{G1}"><VariableValue><VariableRef targetGUID="{G1}"/>{v}</VariableValue></Case></Cases>"##
            )))
        };
        assert_valid(value(""));
        assert_valid(value("<BooleanValue> false </BooleanValue>"));
        assert_valid(value("<FloatValue>-.5</FloatValue>"));
        assert_valid(value("<DateTimeValue>2019-03-18T24:00:00</DateTimeValue>"));
        assert_invalid(value("<BooleanValue>no</BooleanValue>"), "xsd:boolean");
        assert_invalid(value("<IntegerValue>1.5</IntegerValue>"), "xsd:integer");
        assert_invalid(value("<IntegerValue/>"), "xsd:integer");
        assert_invalid(value("<FloatValue>1e3</FloatValue>"), "xsd:decimal");
        assert_invalid(value("<DateValue>2019-3-1</DateValue>"), "xsd:date");
        assert_invalid(
            value("<DateTimeValue>2019-03-18T10:00</DateTimeValue>"),
            "xsd:dateTime",
        );
        assert_invalid(
            value("<DateTimeValue>2019-03-18T10:00:00+15:00</DateTimeValue>"),
            "xsd:dateTime",
        );
        assert_invalid(
            value("<TextValue>a</TextValue><IntegerValue>1</IntegerValue>"),
            "IntegerValue not expected here",
        );
        assert_invalid(
            check_project(&project(&format!(
                r##"<Variables><Variable guid="{G1}" name="v" typeOfVariable="Number"/></Variables>"##
            ))),
            "typeOfVariableType",
        );
        assert_invalid(
            check_project(
                r##"<Project xmlns="urn:QDA-XML:project:1.0" name="p" creationDateTime="2024-05-01 12:00:00"/>"##,
            ),
            "attribute creationDateTime",
        );
    }

    #[test]
    fn unknown_element_and_attribute() {
        let errs = check_codebook(&codebook(
            &format!("<Codes>{}<Category/></Codes>", code(CODE_ATTRS, "")),
            "",
        ));
        assert_invalid(errs, "/CodeBook/Codes/Category: unknown element Category");
        let errs = check_codebook(&codebook(
            &format!(
                "<Codes>{}</Codes>",
                code(&format!("{CODE_ATTRS} description=\"d\""), "")
            ),
            "",
        ));
        assert_invalid(
            errs,
            "/CodeBook/Codes/Code: attribute description not allowed",
        );
        // An attribute in the schema's namespace is not the unqualified one.
        let errs = check_codebook(
            "<q:CodeBook xmlns:q=\"urn:QDA-XML:codebook:1.0\" q:origin=\"x\"><q:Codes/></q:CodeBook>",
        );
        assert_invalid(errs, "not allowed (attributes are unqualified)");
        assert_invalid(
            check_codebook(&codebook(
                &format!(
                    "<Codes>{}</Codes>",
                    code(&format!("xml:lang=\"en\" {CODE_ATTRS}"), "")
                ),
                "",
            )),
            "not allowed",
        );
        // Children of a type with empty content.
        assert_invalid(
            check_codebook(&codebook(
                &valid_codes(),
                &format!(
                    r##"<Sets><Set guid="{G1}" name="s"><MemberCode guid="{G1}"><Code/></MemberCode></Set></Sets>"##
                ),
            )),
            "unknown element Code: MemberCodeType has empty content",
        );
    }

    #[test]
    fn xsi_attributes() {
        let xsi = r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;
        let with = |attrs: &str| {
            check_codebook(&codebook(
                &format!(
                    "<Codes>{}</Codes>",
                    code(&format!("{CODE_ATTRS} {xsi} {attrs}"), "")
                ),
                "",
            ))
        };
        assert_valid(with(
            r#"xsi:schemaLocation="urn:QDA-XML:codebook:1.0 Codebook.xsd""#,
        ));
        assert_valid(with(r#"xsi:type="CodeType""#));
        assert_invalid(with(r#"xsi:type="SetType""#), "not the declared type");
        assert_invalid(with(r#"xsi:nil="false""#), "attribute xsi:nil not allowed");
    }

    #[test]
    fn wrong_namespace() {
        let wrong_root = valid_codes();
        let xml = format!("<CodeBook xmlns=\"urn:QDA-XML:codebook:0:4\">{wrong_root}</CodeBook>");
        assert_invalid(
            check_codebook(&xml),
            "root element is {urn:QDA-XML:codebook:0:4}CodeBook",
        );
        let xml = format!("<CodeBook>{wrong_root}</CodeBook>");
        assert_invalid(check_codebook(&xml), "CodeBook (no namespace)");
        // A codebook is not a project, and vice versa.
        assert_invalid(
            check_project(&codebook(&wrong_root, "")),
            "expected {urn:QDA-XML:project:1.0}Project",
        );
        // A child in no namespace.
        let xml = format!(
            "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes xmlns=\"\"><Code {CODE_ATTRS}/></Codes></CodeBook>"
        );
        let errs = check_codebook(&xml);
        assert_invalid(
            errs.clone(),
            "/CodeBook/Codes: element Codes (no namespace) not allowed",
        );
        assert_invalid(errs, "/CodeBook: missing required element Codes");
    }

    #[test]
    fn empty_containers_are_invalid() {
        let errs = check_codebook(&codebook(&valid_codes(), "<Sets/>"));
        assert_eq!(
            errs,
            vec!["line 6: /CodeBook/Sets: missing required element Set"]
        );
        let errs = check_codebook(&codebook("<Codes/>", ""));
        assert_eq!(
            errs,
            vec!["line 3: /CodeBook/Codes: missing required element Code"]
        );
        assert_invalid(
            check_codebook(&codebook("", "")),
            "/CodeBook: missing required element Codes",
        );
        assert_invalid(
            check_project(&project("<Sources></Sources>")),
            "missing required element (TextSource | PictureSource",
        );
        assert_invalid(
            check_project(&project("<Users/>")),
            "missing required element User",
        );
        assert_invalid(
            check_project(&project(&format!(
                r##"<Sources><TextSource guid="{G1}"><Coding guid="{G1}"/></TextSource></Sources>"##
            ))),
            "/Project/Sources/TextSource/Coding: missing required element CodeRef",
        );
        assert_invalid(
            check_project(&project(&format!(
                r##"<Cases><Case guid="{G1}"><VariableValue><TextValue>x</TextValue></VariableValue></Case></Cases>"##
            ))),
            "missing required element VariableRef before TextValue",
        );
    }

    #[test]
    fn text_in_element_only_content() {
        let errs = check_codebook(&codebook(
            &format!("<Codes>oops{}</Codes>", code(CODE_ATTRS, "")),
            "",
        ));
        assert_invalid(
            errs,
            "/CodeBook/Codes: character content \"oops\" not allowed",
        );
        let errs = check_codebook(&codebook(
            &format!("<Codes>{}</Codes>", code(CODE_ATTRS, "a &amp; b")),
            "",
        ));
        assert_invalid(errs, "element-only content");
        // Whitespace (even written as a character reference) is fine; CDATA is not (as in libxml2).
        assert_valid(check_codebook(&codebook(
            &format!("<Codes>&#10;{}</Codes>", code(CODE_ATTRS, " \n ")),
            "",
        )));
        assert_invalid(
            check_codebook(&codebook(
                &format!("<Codes><![CDATA[ ]]>{}</Codes>", code(CODE_ATTRS, "")),
                "",
            )),
            "element-only content",
        );
        // Empty content: not even whitespace.
        assert_invalid(
            check_codebook(&codebook(
                &valid_codes(),
                &format!(
                    r##"<Sets><Set guid="{G1}" name="s"><MemberCode guid="{G1}"> </MemberCode></Set></Sets>"##
                ),
            )),
            "MemberCodeType has empty content",
        );
        // Simple content: no child elements.
        assert_invalid(
            check_codebook(&codebook(
                &format!(
                    "<Codes>{}</Codes>",
                    code(CODE_ATTRS, "<Description>a <b>b</b></Description>")
                ),
                "",
            )),
            "/CodeBook/Codes/Code/Description: element content not allowed",
        );
        assert_invalid(
            check_project(&project(
                &FULL_BODY.replace("Remember &lt;this&gt;.", "<p>x</p>"),
            )),
            "/Project/Notes/Note/PlainTextContent: element content not allowed",
        );
    }

    #[test]
    fn doctype_and_malformed_xml() {
        let xml = codebook(&valid_codes(), "").replacen("\n", "\n<!DOCTYPE CodeBook>\n", 1);
        assert_eq!(check_codebook(&xml), vec!["line 2: DOCTYPE not allowed"]);
        assert_invalid(
            check_codebook("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>"),
            "not closed",
        );
        assert_invalid(
            check_codebook("<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes></CodeBook>"),
            "not well-formed",
        );
        assert_invalid(check_codebook(""), "no root element");
        assert_invalid(
            check_project("<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"a\" name=\"b\"/>"),
            "malformed attribute",
        );
    }

    #[test]
    fn paths_count_siblings() {
        let body = format!(
            r##"<Sources><TextSource guid="{G1}"/><TextSource guid="{G1}"/><TextSource guid="{G1}">
<PlainTextSelection guid="{G1}" startPosition="1"/></TextSource></Sources>"##
        );
        assert_eq!(
            check_project(&project(&body)),
            vec!["line 4: /Project/Sources/TextSource[3]/PlainTextSelection: missing required attribute endPosition"]
        );
    }

    /// Sanity of the tables themselves: every referenced type exists, every type is used,
    /// names are unique per content model, choice branches occur at most once.
    #[test]
    fn tables_are_consistent() {
        for (schema, n) in [(&CODEBOOK, 6), (&PROJECT, 40)] {
            assert_eq!(schema.types.len(), n, "{} complex types", schema.ns);
            let mut used = vec![schema.root_type];
            for t in schema.types {
                assert_eq!(schema.types.iter().filter(|u| u.name == t.name).count(), 1);
                let mut names = Vec::new();
                for p in t.content {
                    if let Particle::Choice { of, .. } = p {
                        assert!(of.iter().all(|b| b.max == 1), "{}", t.name);
                    }
                    for e in p.branches() {
                        assert!(!names.contains(&e.name), "{}: {} twice", t.name, e.name);
                        names.push(e.name);
                        if let Ty::Complex(name) = e.ty {
                            schema.complex(name);
                            used.push(name);
                        }
                    }
                }
                let mut attrs: Vec<_> = t.attrs.iter().map(|a| a.name).collect();
                attrs.dedup();
                assert_eq!(attrs.len(), t.attrs.len(), "{}", t.name);
            }
            for t in schema.types {
                assert!(used.contains(&t.name), "{} unused", t.name);
            }
        }
    }

    /// Developer tool, not a test: validate files and print the verdicts.
    /// `REFI_CHECK=a.qdc:b.qde cargo test --test cli refi_schema -- --ignored --nocapture`
    /// (`.qdc` files are checked as codebooks, anything else as projects).
    #[test]
    #[ignore = "tool: set REFI_CHECK to a ':'-separated list of files"]
    fn refi_check_files() {
        let Ok(paths) = std::env::var("REFI_CHECK") else {
            return;
        };
        for path in paths.split(':').filter(|p| !p.is_empty()) {
            let xml = std::fs::read_to_string(path).expect("readable UTF-8 file");
            let errs = if path.ends_with(".qdc") {
                check_codebook(&xml)
            } else {
                check_project(&xml)
            };
            println!(
                "{path}: {}",
                if errs.is_empty() { "VALID" } else { "INVALID" }
            );
            for e in &errs {
                println!("  {e}");
            }
        }
    }

    /// Developer tool, not a test: print the tables in a canonical text form, to diff against
    /// the same form extracted from the XSDs.
    /// `REFI_DUMP=1 cargo test --test cli refi_schema -- --ignored --nocapture`
    #[test]
    #[ignore = "tool: set REFI_DUMP=1"]
    fn refi_dump_tables() {
        if std::env::var("REFI_DUMP").is_err() {
            return;
        }
        let occurs = |min: u32, max: u32| {
            let max = if max == UNB {
                "unbounded".to_string()
            } else {
                max.to_string()
            };
            format!("{min}..{max}")
        };
        let simple = |s: Simple| match s {
            Simple::Str => "xsd:string".to_string(),
            Simple::Guid => "GUIDType".into(),
            Simple::Rgb => "RGBType".into(),
            Simple::Bool => "xsd:boolean".into(),
            Simple::Int => "xsd:integer".into(),
            Simple::Dec => "xsd:decimal".into(),
            Simple::Date => "xsd:date".into(),
            Simple::DateTime => "xsd:dateTime".into(),
            Simple::Enum(name, values) => format!("{name}={}", values.join(",")),
        };
        let ty = |t: Ty| match t {
            Ty::Complex(n) => n.to_string(),
            Ty::Simple(s) => simple(s),
        };
        for schema in [&CODEBOOK, &PROJECT] {
            println!(
                "SCHEMA {} root {} : {}",
                schema.ns, schema.root, schema.root_type
            );
            for t in schema.types {
                println!("TYPE {}", t.name);
                for p in t.content {
                    match p {
                        Particle::Elem(e) => {
                            println!("  EL {} {} {}", e.name, ty(e.ty), occurs(e.min, e.max))
                        }
                        Particle::Choice { min, max, of } => {
                            println!("  CHOICE {}", occurs(*min, *max));
                            for e in of.iter() {
                                println!("    EL {} {} {}", e.name, ty(e.ty), occurs(e.min, e.max));
                            }
                        }
                    }
                }
                for a in t.attrs {
                    println!(
                        "  AT {} {} {}",
                        a.name,
                        simple(a.ty),
                        if a.required { "required" } else { "optional" }
                    );
                }
            }
        }
    }
}
