-- A counter for each kind of policy, bumped by every change whoever makes it (the web,
-- the command line), so a server's in-memory copy is re-read only when it has changed.
INSERT INTO instance_settings (key, value) VALUES ('domain_policy_generation', '0')
    ON CONFLICT (key) DO NOTHING;
INSERT INTO instance_settings (key, value) VALUES ('keyword_rules_generation', '0')
    ON CONFLICT (key) DO NOTHING;

CREATE TRIGGER domain_blocks_inserted AFTER INSERT ON domain_blocks
BEGIN
    UPDATE instance_settings SET value = value + 1 WHERE key = 'domain_policy_generation';
END;
CREATE TRIGGER domain_blocks_updated AFTER UPDATE ON domain_blocks
BEGIN
    UPDATE instance_settings SET value = value + 1 WHERE key = 'domain_policy_generation';
END;
CREATE TRIGGER domain_blocks_deleted AFTER DELETE ON domain_blocks
BEGIN
    UPDATE instance_settings SET value = value + 1 WHERE key = 'domain_policy_generation';
END;
CREATE TRIGGER domain_allows_inserted AFTER INSERT ON domain_allows
BEGIN
    UPDATE instance_settings SET value = value + 1 WHERE key = 'domain_policy_generation';
END;
CREATE TRIGGER domain_allows_deleted AFTER DELETE ON domain_allows
BEGIN
    UPDATE instance_settings SET value = value + 1 WHERE key = 'domain_policy_generation';
END;
CREATE TRIGGER keyword_rules_inserted AFTER INSERT ON keyword_rules
BEGIN
    UPDATE instance_settings SET value = value + 1 WHERE key = 'keyword_rules_generation';
END;
CREATE TRIGGER keyword_rules_deleted AFTER DELETE ON keyword_rules
BEGIN
    UPDATE instance_settings SET value = value + 1 WHERE key = 'keyword_rules_generation';
END;
