//! Writers for `--format table|csv|json|md`, shared by every command. Rows are built once as
//! JSON values and rendered by each writer; stdout carries data only. The table and Markdown
//! writers escape control characters (a name stored by an older tana may hold ESC); CSV and
//! JSON keep the data exact.

use std::io::Write;

use comfy_table::{CellAlignment, ContentArrangement};

/// A header rule and nothing else: compact, and easy to paste into a paper draft.
const PRESET: &str = "     ──            ";
use serde_json::Value;

use crate::error::Result;
use crate::text::escape_text;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Md,
    /// A self-contained HTML page
    Html,
    /// A Word document
    Docx,
    /// An Excel workbook
    Xlsx,
}

impl Format {
    /// The formats every table command offers.
    pub const TEXT: &'static [Format] = &[
        Format::Table,
        Format::Csv,
        Format::Json,
        Format::Md,
        Format::Html,
    ];
    /// The text formats, Word and Excel.
    pub const OFFICE: &'static [Format] = &[
        Format::Table,
        Format::Csv,
        Format::Json,
        Format::Md,
        Format::Html,
        Format::Docx,
        Format::Xlsx,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Md => "md",
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
        }
    }

    /// A clap parser that offers only `formats` (so `--help` lists what the command can do).
    pub fn parser(
        formats: &'static [Format],
    ) -> impl clap::builder::TypedValueParser<Value = Format> {
        use clap::builder::TypedValueParser;
        clap::builder::PossibleValuesParser::new(formats.iter().map(|f| f.as_str()))
            .map(|s| Format::from_name(&s).unwrap_or(Format::Table))
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::OFFICE
            .iter()
            .copied()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }

    /// The format a file name asks for by its extension (`freq.xlsx`), if any.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?;
        match ext.to_ascii_lowercase().as_str() {
            "htm" => Some(Format::Html),
            "markdown" => Some(Format::Md),
            "txt" => Some(Format::Table),
            e => Format::from_name(e),
        }
    }

    /// Formats read by people: cells are written for the eye (✓, "3/17", "18%").
    pub fn for_reading(self) -> bool {
        matches!(
            self,
            Format::Table | Format::Md | Format::Html | Format::Docx
        )
    }

    /// Word and Excel: binary files, never written to a terminal.
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Docx | Format::Xlsx)
    }

    /// Formats that hold a whole document (title, notes, several tables).
    pub fn is_document(self) -> bool {
        matches!(self, Format::Html | Format::Docx | Format::Xlsx)
    }
}

/// A table of data: column names and rows of JSON values.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// What the table shows: its caption in documents, its sheet's name in Excel.
    pub caption: Option<String>,
    /// Lines under the table in documents: what the cells count, cautions.
    pub notes: Vec<String>,
    /// The column holding theme names, and each row's level in the template (1 = top):
    /// documents indent those names.
    pub levels: Option<(usize, Vec<usize>)>,
    /// Shade the numeric cells by value, as a heat map, in documents and spreadsheets.
    pub shade: bool,
}

impl Table {
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Table {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            ..Table::default()
        }
    }

    pub fn with_caption(mut self, caption: impl Into<String>) -> Table {
        self.caption = Some(caption.into());
        self
    }

    /// Add a row whose theme (in `column`) sits at `level` of the template.
    pub fn push_at_level(&mut self, column: usize, level: usize, row: Vec<Value>) {
        let levels = self.levels.get_or_insert_with(|| (column, Vec::new()));
        levels.1.resize(self.rows.len(), 1);
        levels.1.push(level);
        self.push(row);
    }

    /// The level of row `i`'s theme (1 when the table has no levels).
    pub fn level(&self, i: usize) -> usize {
        self.levels
            .as_ref()
            .and_then(|(_, l)| l.get(i).copied())
            .unwrap_or(1)
    }

    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// Render in the given format.
    pub fn write(&self, out: &mut dyn Write, format: Format) -> Result<()> {
        match format {
            Format::Table => self.write_table(out),
            Format::Csv => self.write_csv(out),
            Format::Json => self.write_json(out),
            Format::Md => self.write_md(out),
            Format::Html | Format::Docx | Format::Xlsx => {
                let title = self.caption.clone().unwrap_or_default();
                crate::report::write(
                    &crate::report::Doc::of_table(title, self.clone()),
                    out,
                    format,
                )
            }
        }
    }

    fn write_table(&self, out: &mut dyn Write) -> Result<()> {
        let mut t = comfy_table::Table::new();
        t.load_preset(PRESET)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(self.columns.iter().map(|c| escape_text(c).into_owned()));
        let ticks: Vec<bool> = (0..self.columns.len())
            .map(|c| self.rows.iter().all(|r| r[c] == "✓" || r[c] == ""))
            .collect();
        let numeric: Vec<bool> = (0..self.columns.len())
            .map(|c| {
                self.rows
                    .iter()
                    .all(|r| r[c].is_number() || r[c].is_null() || r[c] == "")
            })
            .collect();
        for row in &self.rows {
            t.add_row(row.iter().map(|v| escape_text(&cell_text(v)).into_owned()));
        }
        for (i, (n, tick)) in numeric.iter().zip(&ticks).enumerate() {
            let align = match (n, tick) {
                _ if self.rows.is_empty() => continue,
                (_, true) => CellAlignment::Center,
                (true, _) => CellAlignment::Right,
                _ => continue,
            };
            if let Some(c) = t.column_mut(i) {
                c.set_cell_alignment(align);
            }
        }
        for line in t.lines() {
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }

    fn write_csv(&self, out: &mut dyn Write) -> Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(&self.columns)?;
        for row in &self.rows {
            w.write_record(row.iter().map(cell_text))?;
        }
        w.flush()?;
        Ok(())
    }

    fn write_json(&self, out: &mut dyn Write) -> Result<()> {
        let objs: Vec<serde_json::Map<String, Value>> = self
            .rows
            .iter()
            .map(|r| {
                self.columns
                    .iter()
                    .cloned()
                    .zip(r.iter().cloned())
                    .collect()
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &objs)?;
        writeln!(out)?;
        Ok(())
    }

    fn write_md(&self, out: &mut dyn Write) -> Result<()> {
        let esc = |s: String| escape_text(&s).replace('|', "\\|").replace('\n', "<br>");
        writeln!(
            out,
            "| {} |",
            self.columns
                .iter()
                .map(|c| esc(c.clone()))
                .collect::<Vec<_>>()
                .join(" | ")
        )?;
        let seps: Vec<&str> = (0..self.columns.len())
            .map(|c| {
                let numeric = !self.rows.is_empty()
                    && self.rows.iter().all(|r| r[c].is_number() || r[c] == "");
                if numeric {
                    "---:"
                } else {
                    "---"
                }
            })
            .collect();
        writeln!(out, "| {} |", seps.join(" | "))?;
        for row in &self.rows {
            writeln!(
                out,
                "| {} |",
                row.iter()
                    .map(|v| esc(cell_text(v)))
                    .collect::<Vec<_>>()
                    .join(" | ")
            )?;
        }
        Ok(())
    }
}

/// A cell of a table written row by row ([`Stream`]), without JSON values: a table of 40
/// million cells is written as it is made, in constant memory.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Text(&'a str),
    Owned(String),
    Int(u64),
    /// A number with a decimal part, as JSON writes it (already rounded by the caller).
    Dec(f64),
}

impl Cell<'_> {
    /// The cell as [`cell_text`] shows the JSON value it stands for.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Text(s) => (*s).into(),
            Cell::Owned(s) => s.as_str().into(),
            Cell::Int(n) => n.to_string().into(),
            Cell::Dec(x) if x.is_finite() => {
                ryu::Buffer::new().format_finite(*x).to_string().into()
            }
            Cell::Dec(_) => "".into(),
        }
    }

    /// The cell's text (as [`Cell::text`]), without allocating for numbers: `scratch` holds
    /// their digits.
    fn text_in<'b>(&'b self, scratch: &'b mut Scratch) -> &'b str {
        match self {
            Cell::Text(s) => s,
            Cell::Owned(s) => s,
            Cell::Int(n) => {
                let d = decimal(*n, &mut scratch.digits);
                std::str::from_utf8(d).unwrap_or_default()
            }
            Cell::Dec(x) if x.is_finite() => scratch.ryu.format_finite(*x),
            Cell::Dec(_) => "",
        }
    }

    fn is_number(&self) -> bool {
        match self {
            Cell::Int(_) => true,
            Cell::Dec(x) => x.is_finite(),
            Cell::Text(_) | Cell::Owned(_) => false,
        }
    }
}

/// Room to write a number's digits without allocating.
struct Scratch {
    digits: [u8; 20],
    ryu: ryu::Buffer,
}

/// What the table and Markdown writers must know of a column before its first row: its width
/// and alignment. [`Table`] finds them by reading every row; a [`Stream`]'s maker gathers
/// them with [`Looks::observe`] from what it knows (every distinct cell once is enough).
#[derive(Debug, Clone)]
pub struct Looks {
    width: Vec<usize>,
    /// Every cell seen is "✓" or empty (centred in the table).
    ticks: Vec<bool>,
    /// Every cell seen is a number or empty (right-aligned).
    numeric: Vec<bool>,
    any_rows: bool,
}

impl Looks {
    pub fn new(columns: &[String]) -> Looks {
        Looks {
            width: columns.iter().map(|c| display_width(c)).collect(),
            ticks: vec![true; columns.len()],
            numeric: vec![true; columns.len()],
            any_rows: false,
        }
    }

    /// Take `cell` into account as one of column `col`'s cells.
    pub fn observe(&mut self, col: usize, cell: &Cell) {
        self.any_rows = true;
        let text = cell.text();
        self.width[col] = self.width[col].max(display_width(&text));
        let empty = text.is_empty() && !cell.is_number();
        self.ticks[col] &= empty || text == "✓";
        self.numeric[col] &= empty || cell.is_number();
    }
}

fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(escape_text(s).as_ref())
}

/// A table written to `out` one row at a time in a text format (table, CSV, JSON,
/// Markdown), byte for byte as [`Table::write`] writes the same rows.
pub struct Stream<'a> {
    out: &'a mut dyn Write,
    /// The CSV writer, when the format is CSV (it buffers; `finish` flushes it).
    csv: Option<csv::Writer<Vec<u8>>>,
    format: Format,
    /// Column names, JSON-escaped (JSON) or as shown (table, Markdown).
    keys: Vec<String>,
    looks: Looks,
    rows: usize,
    line: String,
    scratch: Scratch,
}

impl<'a> Stream<'a> {
    /// Start the table: writes its header. `looks` matters for the table and Markdown formats.
    pub fn new(
        out: &'a mut dyn Write,
        format: Format,
        columns: &[String],
        looks: Looks,
    ) -> Result<Stream<'a>> {
        let keys = match format {
            Format::Json => columns
                .iter()
                .map(serde_json::to_string)
                .collect::<std::result::Result<_, _>>()?,
            _ => columns.to_vec(),
        };
        let mut s = Stream {
            out,
            csv: (format == Format::Csv).then(|| csv::Writer::from_writer(Vec::new())),
            format,
            keys,
            looks,
            rows: 0,
            line: String::new(),
            scratch: Scratch {
                digits: [0; 20],
                ryu: ryu::Buffer::new(),
            },
        };
        match format {
            Format::Table => {
                let header: Vec<Cell> = columns.iter().map(|c| Cell::Text(c)).collect();
                s.table_line(&header)?;
                let n = s.looks.width.len();
                let total: usize = s.looks.width.iter().map(|w| w + 2).sum::<usize>() + n - 1;
                writeln!(s.out, "{}", "─".repeat(total))?;
            }
            Format::Csv => s.csv_record(columns.iter().map(|c| c.as_bytes()))?,
            Format::Md => {
                let header: Vec<String> = columns.iter().map(|c| md_escape(c)).collect();
                writeln!(s.out, "| {} |", header.join(" | "))?;
                let seps: Vec<&str> = (0..columns.len())
                    .map(|c| {
                        if s.looks.any_rows && s.looks.numeric[c] {
                            "---:"
                        } else {
                            "---"
                        }
                    })
                    .collect();
                writeln!(s.out, "| {} |", seps.join(" | "))?;
            }
            Format::Json => {}
            Format::Html | Format::Docx | Format::Xlsx => {
                return Err(crate::error::Error::usage(format!(
                    "--format {} is not written row by row",
                    format.as_str()
                )))
            }
        }
        Ok(s)
    }

    pub fn row(&mut self, cells: &[Cell]) -> Result<()> {
        debug_assert_eq!(cells.len(), self.keys.len());
        match self.format {
            Format::Table => self.table_line(cells)?,
            Format::Csv => {
                if let Some(w) = self.csv.as_mut() {
                    for c in cells {
                        w.write_field(c.text_in(&mut self.scratch).as_bytes())?;
                    }
                    w.write_record(None::<&[u8]>)?;
                }
                self.flush_csv(false)?;
            }
            Format::Md => {
                self.line.clear();
                self.line.push('|');
                for c in cells {
                    let text = c.text_in(&mut self.scratch);
                    self.line.push(' ');
                    if text.contains(['|', '\n']) || escape_text(text).len() != text.len() {
                        self.line.push_str(&md_escape(text));
                    } else {
                        self.line.push_str(text);
                    }
                    self.line.push_str(" |");
                }
                self.line.push('\n');
                self.out.write_all(self.line.as_bytes())?;
            }
            Format::Json => {
                self.line.clear();
                self.line
                    .push_str(if self.rows == 0 { "[\n  {" } else { ",\n  {" });
                for (i, (k, c)) in self.keys.iter().zip(cells).enumerate() {
                    self.line
                        .push_str(if i == 0 { "\n    " } else { ",\n    " });
                    self.line.push_str(k);
                    self.line.push_str(": ");
                    match c {
                        Cell::Text(_) | Cell::Owned(_) => {
                            let text = c.text_in(&mut self.scratch);
                            let quoted = serde_json::to_string(text)?;
                            self.line.push_str(&quoted);
                        }
                        Cell::Dec(x) if !x.is_finite() => self.line.push_str("null"),
                        _ => self.line.push_str(c.text_in(&mut self.scratch)),
                    }
                }
                self.line.push_str("\n  }");
                self.out.write_all(self.line.as_bytes())?;
            }
            Format::Html | Format::Docx | Format::Xlsx => {}
        }
        self.rows += 1;
        Ok(())
    }

    /// End the table (JSON closes its array).
    pub fn finish(mut self) -> Result<()> {
        self.flush_csv(true)?;
        if self.format == Format::Json {
            self.out
                .write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        Ok(())
    }

    /// One CSV record of plain fields (the header).
    fn csv_record<'b>(&mut self, fields: impl Iterator<Item = &'b [u8]>) -> Result<()> {
        if let Some(w) = self.csv.as_mut() {
            w.write_record(fields)?;
        }
        self.flush_csv(false)
    }

    /// Pass what the CSV writer holds on to the output, in blocks (`all`: everything).
    fn flush_csv(&mut self, all: bool) -> Result<()> {
        let Some(w) = self.csv.as_mut() else {
            return Ok(());
        };
        w.flush()?;
        if all || w.get_ref().len() >= 1 << 16 {
            let full = std::mem::replace(w, csv::Writer::from_writer(Vec::with_capacity(1 << 17)));
            let bytes = full
                .into_inner()
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            self.out.write_all(&bytes)?;
        }
        Ok(())
    }

    /// One line of the table format: each cell padded to its column's width, one space of
    /// padding either side, columns one space apart, trailing space trimmed.
    fn table_line(&mut self, cells: &[Cell]) -> Result<()> {
        self.line.clear();
        for (i, cell) in cells.iter().enumerate() {
            let text = escape_text(cell.text_in(&mut self.scratch));
            let width = self.looks.width[i];
            let pad = width.saturating_sub(unicode_width::UnicodeWidthStr::width(text.as_ref()));
            let (left, right) = if !self.looks.any_rows {
                (0, pad)
            } else if self.looks.ticks[i] {
                (pad - pad / 2, pad / 2)
            } else if self.looks.numeric[i] {
                (pad, 0)
            } else {
                (0, pad)
            };
            if i > 0 {
                self.line.push(' ');
            }
            self.line.push(' ');
            self.line.extend(std::iter::repeat_n(' ', left));
            self.line.push_str(&text);
            self.line.extend(std::iter::repeat_n(' ', right));
            self.line.push(' ');
        }
        writeln!(self.out, "{}", self.line.trim_end())?;
        Ok(())
    }
}

/// `n` in decimal digits, written at the end of `buf`.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

fn md_escape(s: &str) -> String {
    escape_text(s).replace('|', "\\|").replace('\n', "<br>")
}

/// A cell as text: strings bare, numbers as written, null empty.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Round to one decimal place, as a JSON number.
pub fn one_decimal(x: f64) -> Value {
    let r = (x * 10.0).round() / 10.0;
    serde_json::Number::from_f64(r)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Optional text as a JSON value (null when absent).
pub fn opt(s: &Option<String>) -> Value {
    s.as_ref()
        .map(|s| Value::String(s.clone()))
        .unwrap_or(Value::Null)
}

/// The temporary file to write `path` through, beside it: `.NAME.tana-PID.tmp`. Checks that
/// `path` is not a folder and that its folder exists, and first removes what killed tanas left
/// there (see [`remove_stale_temp_files`]).
pub fn temp_beside(path: &std::path::Path) -> Result<std::path::PathBuf> {
    use crate::error::Error;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if path.is_dir() {
        return Err(Error::usage(format!(
            "{} is a folder; give the file to write",
            path.display()
        ))
        .with_hint(format!("e.g. {}", path.join("NAME").display())));
    }
    if !dir.is_dir() {
        return Err(Error::user(format!(
            "cannot write {}: folder {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    remove_stale_temp_files(&dir);
    Ok(dir.join(format!(".{name}.tana-{}.tmp", std::process::id())))
}

/// Write a file so that it is either whole or not there: into a temporary file beside it,
/// renamed over the target when `write` succeeds, removed when it fails.
pub fn write_atomically(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
    use crate::error::Error;
    let tmp = temp_beside(path)?;
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
        write(&mut w)?;
        let file = w
            .into_inner()
            .map_err(|e| Error::io(&tmp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The process that made a temporary file, from its name: `.NAME.tana-PID.tmp` (written by
/// [`write_atomically`]) or `.NAME.import-PID` with SQLite's `-wal`, `-shm` or `-journal`
/// (a `.qdpx` import's project in the making). `None` for any other name.
fn temp_file_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    // A temporary SQLite file (a backup or an import in the making) may have its journal.
    let rest = ["-wal", "-shm", "-journal"]
        .iter()
        .find_map(|s| rest.strip_suffix(s))
        .unwrap_or(rest);
    let digits = if let Some(r) = rest.strip_suffix(".tmp") {
        r.rsplit_once(".tana-")?.1
    } else {
        rest.rsplit_once(".import-")?.1
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether process `pid` still runs: `None` where that cannot be told (no `/proc`). A zombie
/// (killed, not yet reaped) does not run.
fn process_alive(pid: u32) -> Option<bool> {
    if !cfg!(target_os = "linux") || !std::path::Path::new("/proc/self/stat").exists() {
        return None;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may hold spaces.
        Ok(stat) => Some(
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_none_or(|state| state != "Z" && state != "X"),
        ),
        Err(_) => Some(false),
    }
}

/// How old a temporary file must be to be removed when its process cannot be checked.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// Remove the temporary files a killed tana left in `dir` (see [`temp_file_owner`]): those
/// whose process no longer runs, or, where that cannot be told (or the process id has been
/// reused), those untouched for a day. Files of this process and of running ones are kept.
/// Returns how many were removed; a file that cannot be removed is left for the next run.
pub fn remove_stale_temp_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let me = std::process::id();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_file_owner) else {
            continue;
        };
        if pid == me || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if (process_alive(pid) == Some(false) || old) && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// "1 transcript", "2 transcripts": a count with the right form of its noun.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_file_names_give_their_process() {
        assert_eq!(temp_file_owner(".study.tana.import-4242"), Some(4242));
        assert_eq!(temp_file_owner(".study.tana.import-4242-wal"), Some(4242));
        assert_eq!(
            temp_file_owner(".study.tana.import-4242-journal"),
            Some(4242)
        );
        assert_eq!(temp_file_owner(".out.qdpx.tana-17.tmp"), Some(17));
        // A backup in the making, with its rollback journal.
        assert_eq!(temp_file_owner(".copy.tana.tana-12.tmp-journal"), Some(12));
        for other in [
            "study.tana.import-4242",
            ".study.tana",
            ".x.import-",
            ".x.import-12a",
            ".x.tana-.tmp",
            ".notes.tmp",
        ] {
            assert_eq!(temp_file_owner(other), None, "{other}");
        }
    }

    #[test]
    fn stale_temporary_files_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // A process id that cannot be running (above Linux's pid_max), this process's own, and
        // a file that only looks similar.
        let dead = 4_194_305 + 7;
        let me = std::process::id();
        let names = [
            format!(".study.tana.import-{dead}"),
            format!(".study.tana.import-{dead}-wal"),
            format!(".out.qdpx.tana-{dead}.tmp"),
            format!(".study.tana.import-{me}"),
            "notes.import-1".to_string(),
        ];
        for n in &names {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        let removed = remove_stale_temp_files(dir.path());
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        if process_alive(dead) == Some(false) {
            assert_eq!(removed, 3);
            assert_eq!(
                left,
                vec![
                    format!(".study.tana.import-{me}"),
                    "notes.import-1".to_string()
                ]
            );
        } else {
            // Without /proc only day-old files go.
            assert_eq!(removed, 0);
            assert_eq!(left.len(), 5);
        }
    }
}
