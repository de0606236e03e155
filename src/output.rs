//! Writers for `--format table|csv|json|md`, shared by every command. Rows are built once as
//! JSON values and rendered by each writer; stdout carries data only.

use std::io::Write;

use comfy_table::{CellAlignment, ContentArrangement};

/// A header rule and nothing else: compact, and easy to paste into a paper draft.
const PRESET: &str = "     ──            ";
use serde_json::Value;

use crate::error::Result;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Md,
}

/// A table of data: column names and rows of JSON values.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Table {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
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
        }
    }

    fn write_table(&self, out: &mut dyn Write) -> Result<()> {
        let mut t = comfy_table::Table::new();
        t.load_preset(PRESET)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(&self.columns);
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
            t.add_row(row.iter().map(cell_text));
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
        let esc = |s: String| s.replace('|', "\\|").replace('\n', "<br>");
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

/// Write a file so that it is either whole or not there: into a temporary file beside it,
/// renamed over the target when `write` succeeds, removed when it fails.
pub fn write_atomically(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
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
    let tmp = dir.join(format!(".{name}.tana-{}.tmp", std::process::id()));
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

/// "1 transcript", "2 transcripts": a count with the right form of its noun.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
