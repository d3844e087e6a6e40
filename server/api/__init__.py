"""Mastodon's client API: bearer-token auth, Mastodon's error and paging conventions,
the entities clients read, and the endpoints (for now the admin ones)."""
