"""HTTP routes: pages, discovery and ActivityPub endpoints."""
