-- tana project schema, version 1.
-- Positions (start, end) are Unicode code point offsets into transcript.text, half-open [start, end).
-- Applied once, inside an exclusive transaction; PRAGMA user_version records it.

-- Project-wide settings and facts (e.g. created_at, demo).
CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Everyone who has coded or revised anything.
CREATE TABLE coder (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;

-- One interview (or other document). The text is stored exactly, after BOM removal and
-- line-ending normalisation to \n.
CREATE TABLE transcript (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    source_path TEXT,
    format      TEXT NOT NULL,
    chars       INTEGER NOT NULL CHECK (chars >= 0),
    words       INTEGER NOT NULL CHECK (words >= 0),
    imported_at TEXT NOT NULL,
    imported_by INTEGER NOT NULL REFERENCES coder(id),
    -- Last, so that reading the columns above never walks the text's overflow pages.
    text        TEXT NOT NULL
) STRICT;

-- The units a researcher sees and codes: speaker turns, or paragraphs.
CREATE TABLE segment (
    id            INTEGER PRIMARY KEY,
    transcript_id INTEGER NOT NULL REFERENCES transcript(id) ON DELETE CASCADE,
    number        INTEGER NOT NULL CHECK (number >= 1),
    speaker       TEXT,
    start         INTEGER NOT NULL CHECK (start >= 0),
    end           INTEGER NOT NULL CHECK (end >= start),
    words         INTEGER NOT NULL CHECK (words >= 0),
    time          TEXT,
    UNIQUE (transcript_id, number)
) STRICT;
CREATE INDEX segment_by_position ON segment(transcript_id, start, end);

-- Participant attributes (role, sector, ...), one value per key and transcript.
CREATE TABLE attribute (
    transcript_id INTEGER NOT NULL REFERENCES transcript(id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (transcript_id, key)
) STRICT;
CREATE INDEX attribute_by_key ON attribute(key, value);

-- Saved template versions (T0, T1, ...). snapshot is the template as JSON.
CREATE TABLE template_version (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    note       TEXT,
    snapshot   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES coder(id)
) STRICT;

-- The coding template: a tree of themes. Display numbers (1, 1.2, 1.2.3) are derived from
-- (parent_id, position) and never stored.
CREATE TABLE theme (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES theme(id),
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    kind        TEXT NOT NULL DEFAULT 'hierarchical' CHECK (kind IN ('hierarchical', 'integrative')),
    origin      TEXT NOT NULL DEFAULT 'emergent' CHECK (origin IN ('a-priori', 'emergent')),
    source      TEXT,
    definition  TEXT,
    include     TEXT,
    exclude     TEXT,
    example     TEXT,
    memo        TEXT,
    color       TEXT,
    created_at  TEXT NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES coder(id)
) STRICT;
CREATE UNIQUE INDEX theme_sibling_name ON theme(ifnull(parent_id, 0), lower(name));
CREATE INDEX theme_by_parent ON theme(parent_id, position);

-- A theme applied to a span of one transcript. Overlapping codings of one theme in one
-- transcript are joined on insert, so rows of one (theme, transcript) never overlap.
CREATE TABLE coding (
    id            INTEGER PRIMARY KEY,
    transcript_id INTEGER NOT NULL REFERENCES transcript(id),
    theme_id      INTEGER NOT NULL REFERENCES theme(id),
    start         INTEGER NOT NULL CHECK (start >= 0),
    end           INTEGER NOT NULL CHECK (end > start),
    memo          TEXT,
    coder_id      INTEGER NOT NULL REFERENCES coder(id),
    created_at    TEXT NOT NULL,
    version_id    INTEGER REFERENCES template_version(id)
) STRICT;
-- Covers the report queries (freq, counts), so they never touch the table.
CREATE INDEX coding_by_theme ON coding(theme_id, transcript_id, start, end, coder_id);
CREATE INDEX coding_by_transcript ON coding(transcript_id, start, end);
CREATE INDEX coding_by_coder ON coding(coder_id);
