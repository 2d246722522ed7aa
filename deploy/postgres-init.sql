-- The Dagster instance keeps runs and events in a database of its own beside the platform's.
CREATE DATABASE dagster;
