-- Search in scripts written without spaces (Chinese, Japanese, Thai, …): each of their
-- characters is now indexed as a word of its own, and a query matches them as a phrase.
-- Segments indexed before are indexed again by the next search.
INSERT INTO segment_fts (segment_fts) VALUES ('delete-all');
INSERT OR IGNORE INTO search_pending (segment_id) SELECT id FROM segment;
