"""The recorder's writes other than cells: trials, tags, values recorded outside a cell.

Each runs on the background writer's thread inside its transaction; the recorder imports
this module there, so the kernel's thread never loads SQLAlchemy for them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, insert, select, update

from nbprov.store.models import Activation, Trial, Value, VariableTag
from nbprov.store.records import kernel_gone

if TYPE_CHECKING:
    from nbprov.store.connection import Store

_INSERT_VALUE = insert(Value)


def insert_trial(conn: Connection, row: dict[str, Any]) -> int:
    return int(conn.execute(insert(Trial).values(**row)).inserted_primary_key[0])  # type: ignore[index]


def end_trial(
    conn: Connection, trial_id: int, ended: datetime, status: str, environment: dict[str, Any]
) -> None:
    # pid cleared: the kernel is done with this trial (see queries.trial_status).
    conn.execute(
        update(Trial)
        .where(Trial.id == trial_id)
        .values(ended_at=ended, status=status, environment=environment, pid=None)
    )


def trial_progress(conn: Connection, trial_id: int, status: str, last_end: datetime) -> None:
    """The status and end of a trial still open, as of its last finished cell."""
    conn.execute(
        update(Trial)
        .where(Trial.id == trial_id, Trial.pid.is_not(None))
        .values(status=status, ended_at=last_end)
    )


def rename_trial(conn: Connection, trial_id: int, name: str) -> None:
    conn.execute(update(Trial).where(Trial.id == trial_id).values(name=name))


def set_environment(conn: Connection, trial_id: int, environment: dict[str, Any]) -> None:
    conn.execute(update(Trial).where(Trial.id == trial_id).values(environment=environment))


def tag_variable(
    conn: Connection, trial_id: int, name: str, role: str, direction: str | None = None
) -> None:
    # A new tag replaces the old one whole: its role and direction hold from now on.
    conn.execute(
        delete(VariableTag).where(VariableTag.trial_id == trial_id, VariableTag.name == name)
    )
    conn.execute(
        insert(VariableTag).values(trial_id=trial_id, name=name, role=role, direction=direction)
    )


def mark_dead_trials(conn: Connection, host: str, current: int) -> None:
    """Trials left running by killed kernels on this host become ``interrupted``."""
    rows = conn.execute(
        select(Trial.id, Trial.status, Trial.host, Trial.pid).where(
            Trial.status == "running", Trial.host == host, Trial.id != current
        )
    ).all()
    dead = [row.id for row in rows if kernel_gone(row.status, row.host, row.pid)]
    if dead:
        conn.execute(update(Trial).where(Trial.id.in_(dead)).values(status="interrupted"))
        conn.execute(
            update(Activation)
            .where(Activation.trial_id.in_(dead), Activation.status == "running")
            .values(status="interrupted")
        )


def insert_values(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(_INSERT_VALUE, rows)


def replace_value(conn: Connection, activation_id: int, row: dict[str, Any]) -> None:
    """The value a cell stored for ``row["name"]`` replaced by ``row``'s."""
    conn.execute(
        update(Value)
        .where(Value.activation_id == activation_id, Value.name == row["name"])
        .values(value=row["value"], exact=row["exact"], fingerprint=row["fingerprint"])
    )


def claim_trial(store: Store, token: str, name: str | None) -> Trial | None:
    """Find the trial the kernel recorded under ``token`` and give it its real name.

    The kernel learns its trial name from the environment; a unique token lets this
    process find exactly the trial its kernel made, even when other runs of the same
    notebook record into the same store at the same time.
    """
    with store.session() as session:
        trial = session.scalars(select(Trial).where(Trial.name == token)).first()
        if trial is None:
            return None
        session.execute(update(Trial).where(Trial.id == trial.id).values(name=name))
        session.commit()
        session.refresh(trial)
        session.expunge(trial)
        return trial
