-- Mutes and muted words, and the indexes the reading side of the members' web needs.

-- A member hiding someone from their timelines without telling them (unlike a block,
-- nothing is sent anywhere).
CREATE TABLE mutes (
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor_id, target_id)
);

-- Phrases a member does not want to read; matched case-insensitively as whole words.
CREATE TABLE muted_words (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    phrase TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX muted_words_phrase ON muted_words (account_id, lower(phrase));

-- "Who blocks the viewer" is asked for every post on every page.
CREATE INDEX blocks_target ON blocks (target_id, actor_id);

-- The federated timeline walks public posts newest first.
CREATE INDEX posts_visibility ON posts (visibility, id);

-- The home timeline merges posts and boosts by the time they arrived.
CREATE INDEX posts_created ON posts (created_at, id);
CREATE INDEX boosts_created ON boosts (created_at, id);
CREATE INDEX boosts_actor ON boosts (actor_id, id);

-- The community timeline walks this instance's posts newest first.
CREATE INDEX posts_local_id ON posts (local, id);
