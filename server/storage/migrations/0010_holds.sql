-- Posts held for a moderator before anyone else sees them or they are sent anywhere,
-- and alerts about posts that were published but a moderator should know of.
ALTER TABLE posts ADD COLUMN held_at TEXT;
-- Published with a note pointing to help (the admin's choice for risk terms).
ALTER TABLE posts ADD COLUMN support_note INTEGER NOT NULL DEFAULT 0;

CREATE TABLE holds (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decision TEXT,
    decided_by INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    decided_at TEXT,
    note TEXT NOT NULL DEFAULT '',
    CHECK (decision IS NULL OR decision IN ('approved', 'rejected'))
);
CREATE INDEX holds_waiting ON holds (decision, id);

CREATE TABLE moderation_alerts (
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seen_by INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    seen_at TEXT
);
CREATE INDEX moderation_alerts_unseen ON moderation_alerts (seen_at, id);
