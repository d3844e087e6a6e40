"""The service layer: one function per thing a member or the instance does, shared by
pages, ActivityPub handlers and (later) the client API."""
