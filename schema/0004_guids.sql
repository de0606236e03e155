-- tana project schema, version 4: stable REFI-QDA identifiers.
-- Every theme, transcript and coder gets a guid (a random UUID, lower case, no braces) that
-- stays with it for good, so a .qdc or .qdpx exported twice names the same things the same
-- way, and a project read from REFI-QDA keeps the producer's guids.

ALTER TABLE theme ADD COLUMN guid TEXT;
ALTER TABLE transcript ADD COLUMN guid TEXT;
ALTER TABLE coder ADD COLUMN guid TEXT;

-- A random version-4 UUID, as SQL (SQLite has no uuid function).
UPDATE theme SET guid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
    || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1)
    || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
UPDATE transcript SET guid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
    || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1)
    || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
UPDATE coder SET guid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
    || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1)
    || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));

CREATE UNIQUE INDEX theme_guid ON theme(guid);
CREATE UNIQUE INDEX transcript_guid ON transcript(guid);
CREATE UNIQUE INDEX coder_guid ON coder(guid);

-- Rows inserted without a guid (by any path, undo included) get one at once.
CREATE TRIGGER theme_guid_default AFTER INSERT ON theme WHEN NEW.guid IS NULL
BEGIN
    UPDATE theme SET guid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
        || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1)
        || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
    WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER transcript_guid_default AFTER INSERT ON transcript WHEN NEW.guid IS NULL
BEGIN
    UPDATE transcript SET guid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
        || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1)
        || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
    WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER coder_guid_default AFTER INSERT ON coder WHEN NEW.guid IS NULL
BEGIN
    UPDATE coder SET guid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
        || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1)
        || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
    WHERE rowid = NEW.rowid;
END;

-- The project's own guid: the namespace for the guids of things that have no column of
-- their own (codings, selections, memos, variables, cases), derived as UUID v5.
INSERT OR IGNORE INTO setting (key, value) VALUES ('project_guid',
    lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
    || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1)
    || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))));
