"""The store's schema as SQLAlchemy 2 typed models.

Provenance is split three ways: *definition* (``code``: each distinct cell source once),
*deployment* (``trial.environment``: the facts of where it ran), and *execution*
(``activation``, ``access``, ``value``: what ran, what it touched, what values came out).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class JSONText(TypeDecorator[Any]):
    """JSON kept as TEXT on every database.

    SQLite gives a column declared JSON numeric affinity, which turns the text ``1.0``
    into the integer 1; TEXT keeps floats floats, and reads the same everywhere.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        # JSON's null is a value like any other (``best = None``): stored as the text
        # ``null``, never as SQL NULL, which NOT NULL columns refuse.
        return json.dumps(value, sort_keys=True)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Key/value facts about the store itself (schema version)."""

    __tablename__ = "nbprov_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Trial(Base):
    """One run of a notebook in one kernel, from load (or ``%trial new``) to shutdown."""

    __tablename__ = "trial"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str | None] = mapped_column(String(200), index=True)
    notebook: Mapped[str | None] = mapped_column(Text, index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    # running | ok | error | interrupted
    status: Mapped[str] = mapped_column(String(16), default="running")
    environment: Mapped[dict[str, object]] = mapped_column(JSONText, default=dict)
    # Where the kernel runs, so a reader can tell a live trial from one whose kernel died.
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)


class Code(Base):
    """Each distinct cell source, stored once, keyed by the SHA-256 of its text."""

    __tablename__ = "code"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(Text)


class Activation(Base):
    """One executed cell."""

    __tablename__ = "activation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trial.id", ondelete="CASCADE"))
    execution_count: Mapped[int | None] = mapped_column(Integer)
    # Order of execution within the trial (execution_count can repeat or be missing).
    seq: Mapped[int] = mapped_column(Integer)
    cell_id: Mapped[str | None] = mapped_column(String(128))
    cell_hash: Mapped[str] = mapped_column(ForeignKey("code.hash"))
    stage: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    duration: Mapped[float | None] = mapped_column(Float)
    # running | ok | error | interrupted
    status: Mapped[str] = mapped_column(String(16))
    error_type: Mapped[str | None] = mapped_column(String(200))
    error_message: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_activation_trial_seq", "trial_id", "seq"),)


class Access(Base):
    """A name an activation read, bound, mutated or deleted (see lineage.protocol)."""

    __tablename__ = "access"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    activation_id: Mapped[int] = mapped_column(ForeignKey("activation.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(8))

    __table_args__ = (Index("ix_access_activation", "activation_id"),)


class Value(Base):
    """A recorded value of a variable after an activation.

    ``value`` is the exact JSON value when ``exact`` is true (scalars, small lists and dicts
    of them), else a summary object: ``{"type", "repr", "len"?, "shape"?, "dtype"?}``.
    """

    __tablename__ = "value"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trial.id", ondelete="CASCADE"))
    activation_id: Mapped[int | None] = mapped_column(
        ForeignKey("activation.id", ondelete="CASCADE")
    )
    execution_count: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(512))
    value: Mapped[object] = mapped_column(JSONText)
    exact: Mapped[bool] = mapped_column(Boolean)
    fingerprint: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_value_trial_name", "trial_id", "name"),
        # Filtering and sorting trials by one tagged value looks values up by name.
        Index("ix_value_name_trial", "name", "trial_id"),
    )


class VariableTag(Base):
    """A variable's role in a trial (hyperparam, metric, or any other name).

    ``direction`` is how a metric improves, ``max`` or ``min``, when the tag said so
    (``--max`` / ``--min``); NULL leaves it to the metric's name.
    """

    __tablename__ = "variable_tag"
    trial_id: Mapped[int] = mapped_column(
        ForeignKey("trial.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(512), primary_key=True)
    role: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str | None] = mapped_column(String(3))


class StudyTrial(Base):
    """A trial that is a point of a search (``nbprov sweep``): its study and number.

    ``study`` is the Optuna study's name and ``number`` the point's trial number in it;
    the study itself is in Optuna's own tables of the same database.
    """

    __tablename__ = "study_trial"
    trial_id: Mapped[int] = mapped_column(
        ForeignKey("trial.id", ondelete="CASCADE"), primary_key=True
    )
    study: Mapped[str] = mapped_column(String(200))
    number: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_study_trial_study", "study", "number"),)
