"""Background workers. Each has a `run_once()` that tests call directly and a loop that
waits on an event (set when work arrives) or its next due time, never on a fixed sleep."""
