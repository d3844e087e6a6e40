-- Domain policy as Mastodon models it: a severity (suspend, limit or noop) plus
-- independent flags, comments for the public list and for moderators, and the
-- domains allowed when the instance federates in allowlist mode.
--
-- SQLite cannot change a CHECK, so the table is rebuilt. A 'reject-media' row
-- becomes severity 'noop' with reject_media set. The old reason was never shown
-- publicly, so it moves to the moderators-only comment.

CREATE TABLE domain_blocks_new (
    domain TEXT PRIMARY KEY,
    severity TEXT NOT NULL,
    reject_media INTEGER NOT NULL DEFAULT 0,
    reject_reports INTEGER NOT NULL DEFAULT 0,
    force_sensitive INTEGER NOT NULL DEFAULT 0,
    public_comment TEXT NOT NULL DEFAULT '',
    private_comment TEXT NOT NULL DEFAULT '',
    obfuscate INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    CHECK (severity IN ('suspend', 'limit', 'noop')),
    CHECK (reject_media IN (0, 1)),
    CHECK (reject_reports IN (0, 1)),
    CHECK (force_sensitive IN (0, 1)),
    CHECK (obfuscate IN (0, 1))
);

INSERT INTO domain_blocks_new (domain, severity, reject_media, private_comment, created_at)
SELECT domain,
       CASE severity WHEN 'reject-media' THEN 'noop' ELSE severity END,
       CASE severity WHEN 'reject-media' THEN 1 ELSE 0 END,
       reason,
       created_at
FROM domain_blocks;

DROP TABLE domain_blocks;

ALTER TABLE domain_blocks_new RENAME TO domain_blocks;

-- Allowlist mode federates only with these (the instance's own domain always).
CREATE TABLE domain_allows (
    domain TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
