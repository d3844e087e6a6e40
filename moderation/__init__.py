"""Local policy over plain candidates: no HTTP, no HTML, no ActivityPub JSON, no SQL."""
