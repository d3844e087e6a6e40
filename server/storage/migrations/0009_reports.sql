-- Reports from members with their category, and how the team dealt with them.
-- 'welfare' ("worried about this person") goes to the top of the queue.
ALTER TABLE reports ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE reports ADD COLUMN forwarded_at TEXT;
ALTER TABLE reports ADD COLUMN resolved_at TEXT;
ALTER TABLE reports ADD COLUMN resolved_by INTEGER REFERENCES actors (id) ON DELETE SET NULL;
ALTER TABLE reports ADD COLUMN resolution_action TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN resolution_note TEXT NOT NULL DEFAULT '';
CREATE INDEX reports_queue ON reports (state, category, id);
