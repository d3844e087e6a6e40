-- OAuth 2 as Mastodon does it: registered apps, single-use authorization codes and the
-- tokens apps hold for themselves (client credentials). Secrets, codes and tokens are
-- kept only as SHA-256 digests.

CREATE TABLE oauth_apps (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    client_secret_sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,  -- one per line, as apps send them
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE oauth_codes (
    id INTEGER PRIMARY KEY,
    code_sha256 TEXT NOT NULL UNIQUE,
    app_id INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    token_id INTEGER REFERENCES access_tokens (id) ON DELETE SET NULL
);
CREATE INDEX oauth_codes_expiry ON oauth_codes (expires_at);

CREATE TABLE oauth_app_tokens (
    id INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    app_id INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- NULL for tokens made with `kinhaven token create`.
ALTER TABLE access_tokens ADD COLUMN app_id INTEGER REFERENCES oauth_apps (id) ON DELETE CASCADE;
CREATE INDEX access_tokens_app ON access_tokens (app_id, account_id);
