//! Plain types shared by every layer: no SQL, no printing.

use serde::Serialize;

/// Whether a theme sits in the hierarchy or runs across it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeKind {
    Hierarchical,
    Integrative,
}

impl ThemeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ThemeKind::Hierarchical => "hierarchical",
            ThemeKind::Integrative => "integrative",
        }
    }

    pub fn parse(s: &str) -> ThemeKind {
        if s == "integrative" {
            ThemeKind::Integrative
        } else {
            ThemeKind::Hierarchical
        }
    }
}

/// Where a theme came from: the literature (a priori) or the data (emergent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Origin {
    #[serde(rename = "a-priori")]
    APriori,
    #[serde(rename = "emergent")]
    Emergent,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::APriori => "a-priori",
            Origin::Emergent => "emergent",
        }
    }

    pub fn parse(s: &str) -> Origin {
        if s == "a-priori" {
            Origin::APriori
        } else {
            Origin::Emergent
        }
    }
}

/// The codebook fields of a theme: everything a researcher writes about it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ThemeFields {
    pub definition: Option<String>,
    /// When to use.
    pub include: Option<String>,
    /// When not to use.
    pub exclude: Option<String>,
    pub example: Option<String>,
    pub memo: Option<String>,
    pub color: Option<String>,
    pub source: Option<String>,
}

/// One theme of the template, with its derived number and path.
#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub position: i64,
    pub name: String,
    pub kind: ThemeKind,
    pub origin: Origin,
    #[serde(flatten)]
    pub fields: ThemeFields,
    /// Display number, e.g. "1.2.3", derived from the tree order.
    pub number: String,
    /// Names from the root, e.g. ["Awareness gap", "Knowing the targets"].
    pub path: Vec<String>,
}

impl Theme {
    pub fn level(&self) -> usize {
        self.path.len()
    }

    pub fn path_string(&self) -> String {
        self.path.join("/")
    }

    /// "1.2 Knowing the targets"
    pub fn label(&self) -> String {
        format!("{} {}", self.number, self.name)
    }
}

/// A stored segment of a transcript.
#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    pub id: i64,
    pub number: i64,
    pub speaker: Option<String>,
    pub start: usize,
    pub end: usize,
    pub words: i64,
    pub time: Option<String>,
}

/// A half-open code-point span `[start, end)` in one transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// Merge overlapping (not merely touching) spans; input need not be sorted.
pub fn union_spans(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start < last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_joins_overlaps_but_not_touching_spans() {
        let u = union_spans(vec![Span::new(5, 9), Span::new(0, 6), Span::new(9, 12)]);
        assert_eq!(u, vec![Span::new(0, 9), Span::new(9, 12)]);
    }
}
