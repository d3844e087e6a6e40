-- Sanctions on accounts, here or elsewhere: warnings, marking sensitive, limiting and
-- suspending, each with who decided, why, and when it ends. Rows are never removed, so a
-- moderator acting on an account sees its whole strike history.
CREATE TABLE sanctions (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    -- Told to the person (members see it in their notifications); the note is the team's.
    reason TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    report_id INTEGER REFERENCES reports (id) ON DELETE SET NULL,
    created_by INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- NULL: until a moderator lifts it (a warning has no end).
    ends_at TEXT,
    lifted_at TEXT,
    lifted_by_name TEXT,
    CHECK (kind IN ('warning', 'sensitive', 'limit', 'suspend'))
);
CREATE INDEX sanctions_actor ON sanctions (actor_id, id);

-- The standing sanctions, kept on the actor so the visibility rules read them in SQL: each
-- holds when that sanction ends (the far future for "until lifted"), NULL for none. A
-- sanction whose time has passed is over without anyone having to lift it.
ALTER TABLE actors ADD COLUMN suspended_until TEXT;
ALTER TABLE actors ADD COLUMN limited_until TEXT;
ALTER TABLE actors ADD COLUMN sensitive_until TEXT;
CREATE INDEX actors_sanctioned ON actors (id)
    WHERE suspended_until IS NOT NULL OR limited_until IS NOT NULL
        OR sensitive_until IS NOT NULL;

UPDATE actors SET suspended_until = '9999-12-31T23:59:59.999Z'
    WHERE id IN (SELECT actor_id FROM accounts WHERE suspended_at IS NOT NULL);
ALTER TABLE accounts DROP COLUMN suspended_at;

INSERT INTO instance_settings (key, value) VALUES ('sanctions_generation', '0')
    ON CONFLICT (key) DO NOTHING;
CREATE TRIGGER actors_sanctions_changed
    AFTER UPDATE OF suspended_until, limited_until, sensitive_until ON actors
BEGIN
    UPDATE instance_settings SET value = value + 1 WHERE key = 'sanctions_generation';
END;

-- Members are told of sanctions ('moderation_warning', as Mastodon calls it) and of
-- moderators' decisions on their held posts ('moderation'). SQLite cannot change a CHECK
-- in place, so the table is rebuilt with its rows, ids and indexes.
CREATE TABLE notifications_new (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    from_actor_id INTEGER REFERENCES actors (id) ON DELETE CASCADE,
    post_id INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    read_at TEXT,
    source_uri TEXT,
    CHECK (kind IN ('follow', 'follow_request', 'mention', 'reply', 'favourite', 'reblog',
                    'update', 'moderation_warning', 'moderation'))
);
INSERT INTO notifications_new (id, account_id, kind, from_actor_id, post_id, created_at,
                               read_at, source_uri)
    SELECT id, account_id, kind, from_actor_id, post_id, created_at, read_at, source_uri
    FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE UNIQUE INDEX notifications_source ON notifications (account_id, kind, source_uri);
