-- Kinhaven's first schema. Timestamps are UTC ISO 8601 text ("2026-12-02T10:00:00.000Z"),
-- which sorts correctly and maps directly onto PostgreSQL's timestamptz later.

CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Every actor we know, local or remote. Local actors carry their private key;
-- remote ones carry the public key we verify their signatures with.
CREATE TABLE actors (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    local INTEGER NOT NULL,
    actor_type TEXT NOT NULL DEFAULT 'Person',
    username TEXT NOT NULL,
    domain TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    summary_html TEXT NOT NULL DEFAULT '',
    url TEXT,
    icon_url TEXT,
    icon_media_type TEXT,
    inbox_uri TEXT NOT NULL,
    shared_inbox_uri TEXT,
    outbox_uri TEXT,
    followers_uri TEXT,
    following_uri TEXT,
    featured_uri TEXT,
    public_key_id TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT,
    manually_approves_followers INTEGER NOT NULL DEFAULT 0,
    discoverable INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    fetched_at TEXT,
    deleted_at TEXT,
    CHECK (local IN (0, 1)),
    CHECK (local = 0 OR private_key_pem IS NOT NULL)
);
CREATE UNIQUE INDEX actors_handle ON actors (lower(username), lower(domain));
CREATE INDEX actors_public_key_id ON actors (public_key_id);
CREATE INDEX actors_shared_inbox ON actors (shared_inbox_uri);

-- Members of this instance: one row per local Person actor.
CREATE TABLE accounts (
    actor_id INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    email TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'member',
    approved INTEGER NOT NULL DEFAULT 0,
    hide_network INTEGER NOT NULL DEFAULT 1,
    noindex INTEGER NOT NULL DEFAULT 1,
    default_visibility TEXT NOT NULL DEFAULT 'local',
    created_at TEXT NOT NULL,
    suspended_at TEXT,
    CHECK (role IN ('member', 'moderator', 'admin')),
    CHECK (default_visibility IN ('local', 'public', 'unlisted', 'followers', 'direct'))
);
CREATE UNIQUE INDEX accounts_email ON accounts (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE access_tokens (
    id INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Posts, local and remote. visibility 'local' (members only) never leaves the instance.
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    local INTEGER NOT NULL,
    url TEXT,
    in_reply_to_uri TEXT,
    in_reply_to_id INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    conversation TEXT,
    content_html TEXT NOT NULL,
    source_text TEXT,
    summary TEXT NOT NULL DEFAULT '',
    sensitive INTEGER NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL,
    language TEXT,
    published_at TEXT NOT NULL,
    edited_at TEXT,
    deleted_at TEXT,
    created_at TEXT NOT NULL,
    CHECK (visibility IN ('local', 'public', 'unlisted', 'followers', 'direct'))
);
CREATE INDEX posts_actor ON posts (actor_id, id);
CREATE INDEX posts_reply ON posts (in_reply_to_id);
CREATE INDEX posts_reply_uri ON posts (in_reply_to_uri);
CREATE INDEX posts_local_timeline ON posts (local, visibility, id);

CREATE TABLE mentions (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, actor_id)
);
CREATE INDEX mentions_actor ON mentions (actor_id, post_id);

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_tags_tag ON post_tags (tag, post_id);

-- Follows in both directions; state 'pending' until the followee accepts.
CREATE TABLE follows (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    follower_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    followee_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    accepted_at TEXT,
    UNIQUE (follower_id, followee_id),
    CHECK (state IN ('pending', 'accepted'))
);
CREATE INDEX follows_followee ON follows (followee_id, state);

CREATE TABLE likes (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (actor_id, post_id)
);
CREATE INDEX likes_post ON likes (post_id);

CREATE TABLE boosts (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (actor_id, post_id)
);
CREATE INDEX boosts_post ON boosts (post_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    from_actor_id INTEGER REFERENCES actors (id) ON DELETE CASCADE,
    post_id INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    read_at TEXT,
    CHECK (kind IN ('follow', 'follow_request', 'mention', 'reply', 'favourite', 'reblog', 'update'))
);
CREATE INDEX notifications_account ON notifications (account_id, id);

-- Activities received, recorded durably before the sender gets its 202.
CREATE TABLE inbound_activities (
    id INTEGER PRIMARY KEY,
    activity_uri TEXT NOT NULL UNIQUE,
    actor_uri TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'new',
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    received_at TEXT NOT NULL,
    processed_at TEXT,
    CHECK (state IN ('new', 'done', 'dropped', 'failed'))
);
CREATE INDEX inbound_activities_pending ON inbound_activities (state, id);

-- One row per (activity, target inbox); leased by a worker while it is being sent.
CREATE TABLE delivery_jobs (
    id INTEGER PRIMARY KEY,
    activity_uri TEXT NOT NULL,
    inbox_uri TEXT NOT NULL,
    host TEXT NOT NULL,
    signer_actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    leased_until TEXT,
    last_status INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (activity_uri, inbox_uri),
    CHECK (state IN ('queued', 'done', 'failed'))
);
CREATE INDEX delivery_jobs_due ON delivery_jobs (state, next_attempt_at);
