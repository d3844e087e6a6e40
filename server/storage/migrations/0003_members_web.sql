-- The members' web: sign-in sessions, applications and invites, instance rules,
-- and the self-care settings (a break, quiet mode).

-- A signed-in browser. The cookie carries a signed random token; only its SHA-256 is
-- kept, so a copy of the database cannot be used to sign in as anyone.
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE invites (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES accounts (actor_id) ON DELETE SET NULL,
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    expires_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE instance_rules (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    text TEXT NOT NULL
);

ALTER TABLE accounts ADD COLUMN application_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN rules_accepted_at TEXT;
ALTER TABLE accounts ADD COLUMN invite_id INTEGER REFERENCES invites (id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN rejected_at TEXT;
ALTER TABLE accounts ADD COLUMN rejection_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN reviewed_by INTEGER REFERENCES accounts (actor_id) ON DELETE SET NULL;
-- Until this moment notifications wait and the profile is hidden; nothing is deleted.
ALTER TABLE accounts ADD COLUMN break_until TEXT;
-- Replies, mentions and direct messages from remote people the member does not follow
-- wait in a separate list instead of notifying (decided when the list is read, so
-- following someone later brings their messages back).
ALTER TABLE accounts ADD COLUMN quiet_mode INTEGER NOT NULL DEFAULT 1;
