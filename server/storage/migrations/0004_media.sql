-- Images attached to posts. A member's upload is a row with its files (named by random
-- ids) and no post until the post that uses it is published; a remote post's
-- attachments are rows with the remote URL, shown through the media proxy.

CREATE TABLE media_attachments (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    file_name TEXT,
    preview_file_name TEXT,
    remote_url TEXT,
    content_type TEXT,
    width INTEGER,
    height INTEGER,
    description TEXT NOT NULL DEFAULT '',
    blurhash TEXT,
    created_at TEXT NOT NULL,
    CHECK ((file_name IS NULL) <> (remote_url IS NULL))
);
CREATE INDEX media_attachments_post ON media_attachments (post_id, position);
CREATE INDEX media_attachments_unattached ON media_attachments (actor_id)
    WHERE post_id IS NULL;
