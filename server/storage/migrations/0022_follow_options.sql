-- What a member chooses about the people they follow and mute, as Mastodon's client API
-- sets it.

-- Whether the follower's home timeline shows the followee's boosts, and whether the
-- follower asked to hear of each new post (kept and reported; no such notification is
-- sent yet).
ALTER TABLE follows ADD COLUMN show_reblogs INTEGER NOT NULL DEFAULT 1;
ALTER TABLE follows ADD COLUMN notify INTEGER NOT NULL DEFAULT 0;

-- A mute may leave notifications alone (Mastodon's `notifications=false`) and may end by
-- itself; a mute past `expires_at` is over without anything removing it.
ALTER TABLE mutes ADD COLUMN hide_notifications INTEGER NOT NULL DEFAULT 1;
ALTER TABLE mutes ADD COLUMN expires_at TEXT;
