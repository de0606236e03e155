//! A document in the abstract: headings, paragraphs, outlines, tables and figures. Commands
//! build one, and the HTML, Word and Excel writers render it, so a table reads the same in
//! every format.

use crate::output::Table;

/// A document: a title and its blocks, in order.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub title: String,
    /// A line under the title (the project, the date, what the numbers count).
    pub subtitle: Option<String>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub enum Block {
    /// A heading, level 1 to 3 (the document's title is above level 1).
    Heading {
        level: u8,
        text: String,
        id: Option<String>,
    },
    Para(String),
    /// Small print: how to read a table, a caution.
    Note(String),
    /// An indented outline: (level from 1, text).
    Outline(Vec<(usize, String)>),
    Table(Table),
    /// A chart as an SVG element, with a table of the same numbers for the formats that
    /// cannot show SVG (Word, Excel).
    Figure {
        caption: String,
        svg: String,
        table: Option<Table>,
    },
    /// Start a new page when printed.
    PageBreak,
}

impl Doc {
    pub fn new(title: impl Into<String>) -> Doc {
        Doc {
            title: title.into(),
            ..Doc::default()
        }
    }

    /// A document holding one table (and its notes).
    pub fn of_table(title: impl Into<String>, table: Table) -> Doc {
        let mut d = Doc::new(title);
        d.blocks.push(Block::Table(table));
        d
    }

    pub fn heading(&mut self, level: u8, text: impl Into<String>) {
        self.blocks.push(Block::Heading {
            level,
            text: text.into(),
            id: None,
        });
    }

    pub fn para(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Para(text.into()));
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Note(text.into()));
    }

    pub fn table(&mut self, table: Table) {
        self.blocks.push(Block::Table(table));
    }

    /// The tables, in order, figures' tables included.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Table(t) => Some(t),
            Block::Figure { table, .. } => table.as_ref(),
            _ => None,
        })
    }
}
