-- Template revisions (issue: revising the template without losing a coding).
-- The change log, an exact journal of the rows each revision changed (for undo), archived
-- codings, the re-review list, links of integrative themes, and per-transcript review marks.

-- One row per revision operation (or batch), never updated or deleted.
CREATE TABLE revision (
    id          INTEGER PRIMARY KEY,
    op          TEXT NOT NULL,
    -- JSON: [{"id", "number", "path"}] of the themes involved, as they were at that moment.
    themes      TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    rationale   TEXT,
    prompted_by TEXT,
    coder_id    INTEGER NOT NULL REFERENCES coder(id),
    created_at  TEXT NOT NULL,
    -- The revision this one reverts (for op = 'undo').
    undoes      INTEGER REFERENCES revision(id)
) STRICT;
CREATE INDEX revision_by_undoes ON revision(undoes);

CREATE TRIGGER revision_is_append_only_update BEFORE UPDATE ON revision
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
CREATE TRIGGER revision_is_append_only_delete BEFORE DELETE ON revision
BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;

-- Every row a revision inserted, updated or deleted, as JSON before and after, in order.
-- Undo replays these backwards.
CREATE TABLE revision_row (
    id          INTEGER PRIMARY KEY,
    revision_id INTEGER NOT NULL REFERENCES revision(id) DEFERRABLE INITIALLY DEFERRED,
    tbl         TEXT NOT NULL,
    row_id      INTEGER NOT NULL,
    old         TEXT,
    new         TEXT
) STRICT;
CREATE INDEX revision_row_by_revision ON revision_row(revision_id, id);

CREATE TRIGGER revision_row_is_append_only_update BEFORE UPDATE ON revision_row
BEGIN SELECT RAISE(ABORT, 'the change journal is append-only'); END;
CREATE TRIGGER revision_row_is_append_only_delete BEFORE DELETE ON revision_row
BEGIN SELECT RAISE(ABORT, 'the change journal is append-only'); END;

-- Themes are never erased: a deleted or merged theme is marked, and can be restored.
ALTER TABLE theme ADD COLUMN deleted_in INTEGER
    REFERENCES revision(id) DEFERRABLE INITIALLY DEFERRED;
DROP INDEX theme_sibling_name;
CREATE UNIQUE INDEX theme_sibling_name ON theme(ifnull(parent_id, 0), lower(name))
    WHERE deleted_in IS NULL;

-- The version a saved template closes: the last revision before it.
ALTER TABLE template_version ADD COLUMN revision_id INTEGER
    REFERENCES revision(id) DEFERRABLE INITIALLY DEFERRED;

-- Codings taken out by a revision (uncoded on delete, absorbed when overlapping codings were
-- joined): kept with the revision that removed them, so they can be restored.
CREATE TABLE coding_archive (
    id            INTEGER PRIMARY KEY,
    coding_id     INTEGER NOT NULL,
    transcript_id INTEGER NOT NULL REFERENCES transcript(id),
    theme_id      INTEGER NOT NULL REFERENCES theme(id),
    start         INTEGER NOT NULL,
    end           INTEGER NOT NULL,
    memo          TEXT,
    coder_id      INTEGER NOT NULL REFERENCES coder(id),
    created_at    TEXT NOT NULL,
    version_id    INTEGER REFERENCES template_version(id),
    reason        TEXT NOT NULL,
    revision_id   INTEGER NOT NULL REFERENCES revision(id) DEFERRABLE INITIALLY DEFERRED,
    archived_at   TEXT NOT NULL
) STRICT;
CREATE INDEX coding_archive_by_revision ON coding_archive(revision_id);
CREATE INDEX coding_archive_by_theme ON coding_archive(theme_id);

-- What must be re-read or re-coded after a revision.
CREATE TABLE review (
    id            INTEGER PRIMARY KEY,
    transcript_id INTEGER NOT NULL REFERENCES transcript(id),
    -- The span to look at (a coding's span), or NULL for the whole transcript.
    start         INTEGER,
    end           INTEGER,
    theme_id      INTEGER REFERENCES theme(id),
    coding_id     INTEGER,
    -- 'reread' (new or broadened theme), 'confirm' (narrowed theme), 'assign' (split theme).
    kind          TEXT NOT NULL CHECK (kind IN ('reread', 'confirm', 'assign')),
    reason        TEXT NOT NULL,
    revision_id   INTEGER NOT NULL REFERENCES revision(id) DEFERRABLE INITIALLY DEFERRED,
    closed_at     TEXT,
    closed_by     INTEGER REFERENCES coder(id),
    resolution    TEXT
) STRICT;
CREATE INDEX review_open ON review(closed_at, transcript_id);

-- Integrative themes and the themes they cut across.
CREATE TABLE theme_link (
    integrative_id INTEGER NOT NULL REFERENCES theme(id),
    theme_id       INTEGER NOT NULL REFERENCES theme(id),
    PRIMARY KEY (integrative_id, theme_id)
) STRICT;

-- When a transcript was last fully reviewed, and against which template version.
CREATE TABLE transcript_review (
    id            INTEGER PRIMARY KEY,
    transcript_id INTEGER NOT NULL REFERENCES transcript(id),
    version_id    INTEGER REFERENCES template_version(id),
    reviewed_at   TEXT NOT NULL,
    coder_id      INTEGER NOT NULL REFERENCES coder(id)
) STRICT;
CREATE INDEX transcript_review_by_transcript ON transcript_review(transcript_id, id);
