-- The Dagster instance keeps runs and events in a database of its own beside the platform's.
CREATE DATABASE dagster;
-- The schema registry (Apicurio) keeps its subjects in one of its own too.
CREATE DATABASE registry;
