-- Members' marks on their direct-message conversations (the client API's Conversations).
-- A conversation is the direct posts a member wrote or is named in under one thread
-- root; its marks say up to which post it has been read, and up to which it was
-- removed from the list (a later message brings it back, holding only what is newer).
CREATE TABLE conversation_marks (
    account_id INTEGER NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    root_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    read_through INTEGER NOT NULL DEFAULT 0,
    removed_through INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, root_id)
);
