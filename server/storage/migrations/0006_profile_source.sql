-- A member's bio as they typed it, so the profile settings page can offer it for editing
-- again; actors.summary_html is what pages show and what federates.
ALTER TABLE accounts ADD COLUMN bio_source TEXT NOT NULL DEFAULT '';
