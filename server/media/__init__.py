"""Images: members' uploads processed and stored here, remote images shown through us."""
