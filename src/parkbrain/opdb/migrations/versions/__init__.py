"""One file per schema version; the schema changes only through these."""
