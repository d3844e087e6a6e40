-- What federation needs beyond the first schema: domain policy, blocks, reports,
-- tombstones, the pipeline's decisions and the health of remote hosts.

CREATE TABLE domain_blocks (
    domain TEXT PRIMARY KEY,
    severity TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    CHECK (severity IN ('suspend', 'limit', 'reject-media'))
);

-- An actor blocking another (either may be remote).
CREATE TABLE blocks (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (actor_id, target_id)
);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    uri TEXT UNIQUE,
    reporter_actor_id INTEGER REFERENCES actors (id) ON DELETE SET NULL,
    target_actor_id INTEGER REFERENCES actors (id) ON DELETE CASCADE,
    comment TEXT NOT NULL DEFAULT '',
    object_uris TEXT NOT NULL DEFAULT '[]',
    origin_domain TEXT,
    state TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    CHECK (state IN ('open', 'resolved'))
);

-- Objects deleted by their authors: a late or replayed Create must not bring them back.
CREATE TABLE tombstones (
    uri TEXT PRIMARY KEY,
    deleted_at TEXT NOT NULL
);

-- Every non-accept verdict of the moderation pipeline, with who decided and why.
CREATE TABLE moderation_decisions (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL,
    subject_uri TEXT NOT NULL,
    domain TEXT NOT NULL,
    action TEXT NOT NULL,
    policy TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX moderation_decisions_subject ON moderation_decisions (subject_uri);

-- Delivery health per remote host: the UTC days deliveries failed, until one succeeds.
CREATE TABLE host_failures (
    host TEXT NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (host, day)
);

ALTER TABLE notifications ADD COLUMN source_uri TEXT;
CREATE UNIQUE INDEX notifications_source ON notifications (account_id, kind, source_uri);

ALTER TABLE actors ADD COLUMN key_refreshed_at TEXT;
CREATE INDEX follows_follower ON follows (follower_id, state);
