-- tana project schema, version 6: coding as a team.
-- Overlapping codings of one theme are joined only within one coder: two coders' codings of
-- the same text are two rows (reports take their union, so nothing counts twice). Projects
-- from before already satisfy this, so no row changes here.
--
-- `tana merge` brings back a coder's copy as one change. The changes made in the copy are
-- recorded here, as they were logged there (who, when, what, why), so the audit trail keeps
-- them; the merge change that brought them owns the rows, and undoing it removes them.
CREATE TABLE merged_change (
    id             INTEGER PRIMARY KEY,
    -- The merge, in this project's change log.
    revision_id    INTEGER NOT NULL REFERENCES revision(id) DEFERRABLE INITIALLY DEFERRED,
    -- The file merged, as named on the command line, and the copy's project guid.
    source         TEXT NOT NULL,
    source_project TEXT NOT NULL,
    -- The change's number, and its log entry, in the copy.
    source_change  INTEGER NOT NULL,
    op             TEXT NOT NULL,
    kind           TEXT NOT NULL,
    summary        TEXT,
    themes         TEXT NOT NULL,
    before         TEXT,
    after          TEXT,
    rationale      TEXT,
    prompted_by    TEXT,
    coder          TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;
-- Merging a copy again records nothing twice; two coders' copies of one project number their
-- changes alike, so who and what are part of the key.
CREATE UNIQUE INDEX merged_change_once
    ON merged_change(source_project, source_change, created_at, coder, op, ifnull(summary, ''));
CREATE INDEX merged_change_by_merge ON merged_change(revision_id, id);
