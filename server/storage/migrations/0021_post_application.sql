-- The app a member posted from, shown to them alone as the Status's `application`.
ALTER TABLE posts ADD COLUMN app_id INTEGER REFERENCES oauth_apps (id) ON DELETE SET NULL;
