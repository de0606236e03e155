//! Reading CSV files that researchers make: UTF-8 (BOM allowed), any line endings, errors
//! reported with the real line number, and rows with too many fields refused.

use std::path::Path;

use crate::error::{Error, Result};
use crate::text::decode;

/// A CSV file read into memory, with its line index.
pub struct CsvInput {
    pub shown: String,
    text: String,
    /// Byte offset of every `\n`.
    newlines: Vec<usize>,
    pub headers: Vec<String>,
}

/// The line of a quoted field that is still open at the end of the text, read as the csv
/// reader reads it (a quote opens a field only at its start; `""` inside is a quote).
fn unclosed_quote(text: &str) -> Option<usize> {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let (mut line, mut opened) = (1, 0);
    for c in text.chars() {
        state = match (state, c) {
            (State::FieldStart, '"') => {
                opened = line;
                State::Quoted
            }
            (State::Quoted, '"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, '"') => State::Quoted,
            (_, ',' | '\n') => State::FieldStart,
            _ => State::Unquoted,
        };
        if c == '\n' {
            line += 1;
        }
    }
    (state == State::Quoted).then_some(opened)
}

impl CsvInput {
    /// Read and decode a CSV file and its header row.
    pub fn open(path: &Path) -> Result<CsvInput> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::user(format!("{shown}: no such file"))
                .with_hint("check the path; it is relative to the current directory"),
            _ => Error::io(path, e),
        })?;
        let text = decode(&bytes).map_err(|p| {
            Error::user(format!("{shown}: {}", p.describe()))
                .with_hint("save the CSV as UTF-8 (\"CSV UTF-8\" in spreadsheet programs)")
        })?;
        if let Some(line) = unclosed_quote(&text) {
            return Err(Error::user(format!(
                "{shown}, line {line}: a quoted field is not closed, so it would swallow every row after it"
            ))
            .with_hint("add the closing \" (a quote inside a quoted field is written twice: \"\")"));
        }
        let newlines = text.match_indices('\n').map(|(i, _)| i).collect();
        let mut input = CsvInput {
            shown,
            text,
            newlines,
            headers: Vec::new(),
        };
        let headers: Vec<String> = input
            .reader()
            .headers()
            .map_err(|e| Error::user(format!("{}, line 1: {e}", input.shown)))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if headers.len() == 1 && (headers[0].contains(';') || headers[0].contains('\t')) {
            return Err(Error::user(format!(
                "{}, line 1: the header has one column \"{}\"",
                input.shown, headers[0]
            ))
            .with_hint(
                "the file looks semicolon- or tab-separated; save it as comma-separated CSV",
            ));
        }
        input.headers = headers;
        Ok(input)
    }

    /// A reader over the whole file, header included; rows may have any number of fields.
    pub fn reader(&self) -> csv::Reader<&[u8]> {
        csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(self.text.as_bytes())
    }

    /// The 1-based line a record starts on.
    pub fn line(&self, pos: Option<&csv::Position>) -> usize {
        let mut byte = pos.map_or(0, |p| p.byte() as usize);
        // The reader's position can sit on blank lines it skipped before the record.
        let bytes = self.text.as_bytes();
        while bytes.get(byte) == Some(&b'\n') {
            byte += 1;
        }
        self.newlines.partition_point(|&n| n < byte) + 1
    }

    /// Every data record with its line number; a record with more fields than the header is
    /// an error for that line, since it usually means an unquoted comma in a text field.
    pub fn records(&self) -> Vec<(usize, std::result::Result<csv::StringRecord, String>)> {
        self.each_record().collect()
    }

    /// [`records`](Self::records) one at a time, for files too large to hold twice.
    pub fn each_record(
        &self,
    ) -> impl Iterator<Item = (usize, std::result::Result<csv::StringRecord, String>)> + '_ {
        self.reader().into_records().map(move |rec| match rec {
            Ok(r) => {
                let line = self.line(r.position());
                if r.len() > self.headers.len() {
                    (
                        line,
                        Err(format!(
                            "{} fields, but the header has {} (put double quotes around text that contains a comma)",
                            r.len(),
                            self.headers.len()
                        )),
                    )
                } else {
                    (line, Ok(r))
                }
            }
            Err(e) => (self.line(e.position()), Err(e.to_string())),
        })
    }

    /// How many lines the file has (for a progress bar counting rows).
    pub fn lines(&self) -> usize {
        self.newlines.len() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_right_with_crlf_blank_lines_and_extra_fields() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.csv");
        std::fs::write(&p, "a,b\r\n1,2\r\n\r\n3,4,5\r\n\"x\ny\",6\r\n7,8\r\n").unwrap();
        let input = CsvInput::open(&p).unwrap();
        let recs = input.records();
        let lines: Vec<usize> = recs.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![2, 4, 5, 7]);
        assert!(recs[1].1.as_ref().unwrap_err().contains("3 fields"));
    }

    #[test]
    fn an_unclosed_quote_is_found_on_its_line() {
        assert_eq!(unclosed_quote("a,b\n1,\"x\n2,y\n"), Some(2));
        assert_eq!(unclosed_quote("a,b\n1,\"x\"\"\n2\",y\n3,4\n"), None);
        assert_eq!(unclosed_quote("a,b\n1,x\"y\n2,z\n"), None);
        assert_eq!(unclosed_quote("a,b\n\"1\",\"\"\n\"open\n"), Some(3));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.csv");
        std::fs::write(&p, "transcript,role\nP01,\"manager\nP02,lead\n").unwrap();
        let err = CsvInput::open(&p).err().unwrap().to_string();
        assert!(
            err.contains("line 2: a quoted field is not closed"),
            "{err}"
        );
    }
}
