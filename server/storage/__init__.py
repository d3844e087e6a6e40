"""All SQL lives here: one module per table group, each returning dataclasses."""
