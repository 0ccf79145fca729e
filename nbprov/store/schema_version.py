"""The store's schema version, in a module of its own so readers that do without
SQLAlchemy (the quick listing) can check it."""

# Bump with a new step in migrations.MIGRATIONS whenever the schema changes.
SCHEMA_VERSION = 4
