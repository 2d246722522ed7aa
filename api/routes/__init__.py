"""One blueprint per entity; `common` holds what they share."""
