-- tana project schema, version 5: one change log for every change.
-- The revision table becomes the log of every change a command makes, not only template
-- revisions: `kind` says what a change is about (template revisions keep 'template'), and
-- `summary` is its one line in `tana log`. revision_row journals every row of every change,
-- so `tana undo N` can revert any of them; the index finds the changes that touched a row.

ALTER TABLE revision ADD COLUMN kind TEXT NOT NULL DEFAULT 'template'
    CHECK (kind IN ('template', 'coding', 'project'));
ALTER TABLE revision ADD COLUMN summary TEXT;
CREATE INDEX revision_row_by_row ON revision_row(tbl, row_id, revision_id);
CREATE INDEX revision_by_kind ON revision(kind, id);
