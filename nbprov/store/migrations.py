"""Schema versioning: a store written by an older nbprov opens with a newer one.

The version lives in ``nbprov_meta``. Each step upgrades from version N to N + 1 inside
the same transaction that records the new version; new tables are created by
``create_all`` after the steps, which leaves existing tables alone.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, delete, insert, inspect, select, text

from nbprov.store.engine import StoreError
from nbprov.store.models import Base, Meta
from nbprov.store.schema_version import SCHEMA_VERSION


def _v1_to_v2(conn: Connection) -> None:
    # Version 2 records where a trial's kernel runs, to tell dead kernels from live ones.
    # (The access table it also adds is created by create_all.)
    columns = {c["name"] for c in inspect(conn).get_columns("trial")}
    if "host" not in columns:
        conn.execute(text("ALTER TABLE trial ADD COLUMN host VARCHAR(255)"))
    if "pid" not in columns:
        conn.execute(text("ALTER TABLE trial ADD COLUMN pid INTEGER"))
    # create_all adds new tables but no indexes to tables that exist.
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_value_name_trial ON value (name, trial_id)"))


def _v2_to_v3(conn: Connection) -> None:
    # Version 3 links trials to the searches they are points of (the study_trial table,
    # with its index, is created by create_all): nothing to change in existing tables.
    return None


def _v3_to_v4(conn: Connection) -> None:
    # Version 4 stores how a tagged metric improves (``%tag_var NAME metric --max``);
    # tags written before it have none, and their metrics keep the rule of their names.
    inspector = inspect(conn)
    if not inspector.has_table("variable_tag"):
        return  # create_all makes it whole
    if "direction" not in {c["name"] for c in inspector.get_columns("variable_tag")}:
        conn.execute(text("ALTER TABLE variable_tag ADD COLUMN direction VARCHAR(3)"))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
}


def stored_version(conn: Connection) -> int | None:
    """The schema version of the store, or None for an empty database."""
    inspector = inspect(conn)
    if not inspector.has_table("trial"):
        return None
    if not inspector.has_table(Meta.__tablename__):
        return 1  # version 1 predates the meta table
    value = conn.execute(select(Meta.value).where(Meta.key == "schema_version")).scalar()
    return int(value) if value is not None else 1


def ensure_schema(engine: Engine) -> int:
    """Create or upgrade the schema; return the version found before (0 when new)."""
    with engine.begin() as conn:
        found = stored_version(conn)
        if found is not None and found > SCHEMA_VERSION:
            raise StoreError(
                f"this store has schema version {found}, newer than this nbprov "
                f"understands ({SCHEMA_VERSION}); upgrade nbprov"
            )
        for version in range(found or SCHEMA_VERSION, SCHEMA_VERSION):
            MIGRATIONS[version](conn)
        Base.metadata.create_all(conn)
        if found != SCHEMA_VERSION:
            conn.execute(delete(Meta).where(Meta.key == "schema_version"))
            conn.execute(insert(Meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
    return found or 0
