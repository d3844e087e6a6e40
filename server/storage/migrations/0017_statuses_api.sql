-- The client API's statuses: Idempotency-Key replays and bookmarks.

-- A status created with an `Idempotency-Key` header, so a client retrying the same
-- request within the hour gets the same status instead of a second one.
CREATE TABLE idempotency_keys (
    account_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- A member's bookmarks: private to them, never federated.
CREATE TABLE bookmarks (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (actor_id, post_id)
);
CREATE INDEX bookmarks_post ON bookmarks (post_id);
