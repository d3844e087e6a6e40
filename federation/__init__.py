"""The ActivityPub protocol as a library: no HTTP framework, no SQL, no HTML."""
