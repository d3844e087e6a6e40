"""ActivityPub endpoints and the conversion between rows and ActivityStreams."""
