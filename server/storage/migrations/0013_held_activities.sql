-- Activities from other servers that a policy held for a moderator (keyword rules,
-- mention spam): kept with their recorded body until someone decides.
CREATE TABLE held_activities (
    id INTEGER PRIMARY KEY,
    inbound_id INTEGER NOT NULL UNIQUE REFERENCES inbound_activities (id) ON DELETE CASCADE,
    actor_uri TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decision TEXT,
    decided_by INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    decided_at TEXT,
    note TEXT NOT NULL DEFAULT '',
    CHECK (decision IS NULL OR decision IN ('approved', 'rejected'))
);
CREATE INDEX held_activities_waiting ON held_activities (decision, id);
