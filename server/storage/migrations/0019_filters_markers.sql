-- Members' content filters (Mastodon's filters v2) and reading positions (markers).

-- A filter: a titled set of keywords and posts, for some places of reading, that either
-- warns (the app shows the post behind a notice) or hides (the post is left out).
CREATE TABLE content_filters (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    contexts TEXT NOT NULL,
    action TEXT NOT NULL,
    expires_at TEXT,
    created_at TEXT NOT NULL,
    CHECK (action IN ('warn', 'hide', 'blur'))
);
CREATE INDEX content_filters_account ON content_filters (account_id, id);

CREATE TABLE content_filter_keywords (
    id INTEGER PRIMARY KEY,
    filter_id INTEGER NOT NULL REFERENCES content_filters (id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX content_filter_keywords_filter ON content_filter_keywords (filter_id, id);

CREATE TABLE content_filter_posts (
    id INTEGER PRIMARY KEY,
    filter_id INTEGER NOT NULL REFERENCES content_filters (id) ON DELETE CASCADE,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX content_filter_posts_once ON content_filter_posts (filter_id, post_id);

-- Where a member stopped reading a timeline, so their other apps open at the same place.
CREATE TABLE reading_markers (
    account_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    timeline TEXT NOT NULL,
    last_read_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);
