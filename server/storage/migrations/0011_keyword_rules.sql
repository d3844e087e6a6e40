-- Moderators' keyword rules: what to do with posts that use certain words or patterns.
CREATE TABLE keyword_rules (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT 'word',
    action TEXT NOT NULL,
    direction TEXT NOT NULL DEFAULT 'both',
    note TEXT NOT NULL DEFAULT '',
    warning TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    CHECK (mode IN ('word', 'pattern')),
    CHECK (action IN ('reject', 'hold', 'warn', 'flag')),
    CHECK (direction IN ('inbound', 'outbound', 'both'))
);
