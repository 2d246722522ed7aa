"""The schema registry from the project's side: a client from the settings, the subjects
registered from the contracts, and schema ids resolved to contract versions."""
