"""Import and export of the data templates: reading, validating and writing files (no database)."""
