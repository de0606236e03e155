-- Memos, the reflexive journal, and full-text search.

-- A memo on the project, a transcript, a segment, a theme or a coding.
CREATE TABLE memo (
    id             INTEGER PRIMARY KEY,
    target         TEXT NOT NULL CHECK (target IN ('transcript', 'segment', 'theme', 'coding')),
    transcript_id  INTEGER REFERENCES transcript(id),
    -- Segments are renumbered only by re-import; the number is kept with the transcript.
    segment_number INTEGER,
    theme_id       INTEGER REFERENCES theme(id),
    -- Codings can be joined or archived by revisions: the id is kept without a foreign key.
    coding_id      INTEGER,
    text           TEXT NOT NULL CHECK (length(trim(text)) > 0),
    coder_id       INTEGER NOT NULL REFERENCES coder(id),
    created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX memo_by_transcript ON memo(transcript_id, segment_number);
CREATE INDEX memo_by_theme ON memo(theme_id);

-- The dated reflexive journal.
CREATE TABLE journal_entry (
    id         INTEGER PRIMARY KEY,
    text       TEXT NOT NULL CHECK (length(trim(text)) > 0),
    -- Tags, comma-separated, lower case, sorted.
    tags       TEXT NOT NULL DEFAULT '',
    coder_id   INTEGER NOT NULL REFERENCES coder(id),
    created_at TEXT NOT NULL
) STRICT;

-- Full-text index of segment text. Contentless: the text stays in transcript.text and the
-- index holds only tokens. Segments are queued in search_pending when they change and indexed
-- by the next search, so imports stay fast; search always sees the current text.
CREATE VIRTUAL TABLE segment_fts USING fts5(
    text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE search_pending (
    segment_id INTEGER PRIMARY KEY
) STRICT;
CREATE TRIGGER segment_search_insert AFTER INSERT ON segment BEGIN
    INSERT OR IGNORE INTO search_pending (segment_id) VALUES (NEW.id);
END;
CREATE TRIGGER segment_search_delete AFTER DELETE ON segment BEGIN
    DELETE FROM search_pending WHERE segment_id = OLD.id;
    DELETE FROM segment_fts WHERE rowid = OLD.id;
END;
INSERT INTO search_pending (segment_id) SELECT id FROM segment;

-- Memos and journal entries are searched with `tana search --in memos`.
CREATE VIRTUAL TABLE note_fts USING fts5(
    text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER memo_search_insert AFTER INSERT ON memo BEGIN
    INSERT INTO note_fts (rowid, text) VALUES (NEW.id * 2, NEW.text);
END;
CREATE TRIGGER memo_search_delete AFTER DELETE ON memo BEGIN
    DELETE FROM note_fts WHERE rowid = OLD.id * 2;
END;
CREATE TRIGGER journal_search_insert AFTER INSERT ON journal_entry BEGIN
    INSERT INTO note_fts (rowid, text) VALUES (NEW.id * 2 + 1, NEW.text || ' ' || NEW.tags);
END;
CREATE TRIGGER journal_search_delete AFTER DELETE ON journal_entry BEGIN
    DELETE FROM note_fts WHERE rowid = OLD.id * 2 + 1;
END;

-- Autocoding: codings made in bulk from a search, one batch per `tana autocode --apply`.
CREATE TABLE autocode_batch (
    id         INTEGER PRIMARY KEY,
    theme_id   INTEGER NOT NULL REFERENCES theme(id),
    query      TEXT NOT NULL,
    regex      INTEGER NOT NULL CHECK (regex IN (0, 1)),
    scope      TEXT NOT NULL CHECK (scope IN ('segment', 'sentence')),
    codings    INTEGER NOT NULL,
    coder_id   INTEGER NOT NULL REFERENCES coder(id),
    created_at TEXT NOT NULL,
    undone_at  TEXT
) STRICT;
-- The batch that made a coding; cleared when the coding is later joined with manual work.
ALTER TABLE coding ADD COLUMN autocode_batch INTEGER REFERENCES autocode_batch(id);
CREATE INDEX coding_by_autocode ON coding(autocode_batch) WHERE autocode_batch IS NOT NULL;
