"""``nbprov trials`` and ``nbprov show``: the listing of trials, and one trial whole."""

from __future__ import annotations

import argparse
from typing import Any

from nbprov.cli.common import CommandError
from nbprov.cli.plot import add_plot_option, check_plot, write_plot
from nbprov.render.listings import print_listing
from nbprov.render.tables import format_value, render, terminal_width, to_json
from nbprov.render.terminal import cut, cut_left
from nbprov.render.times import duration_text, seconds_text, when_text


def cmd_trials(args: argparse.Namespace) -> int:
    check_plot(args)
    records = _quick_listing(args)
    if records is None:
        from nbprov.store import open_store

        with open_store(args.db) as store, store.session() as session:
            records = _select_trials(session, args)
    if not records:
        if args.filter or args.notebook:
            raise CommandError("no trial matches")
        raise CommandError("no trials recorded in this store yet")
    print_listing(records, args.format)
    write_plot(args, records, f"{len(records)} trials")
    return 0


def _plain_limit(args: argparse.Namespace) -> int | None:
    if args.limit is not None and args.limit < 0:
        raise CommandError("--limit must be zero or more")
    return None if args.limit is None else min(args.limit, 2**62)


def _quick_listing(args: argparse.Namespace) -> list[dict[str, Any]] | None:
    """The plain listing of a SQLite store, read without loading SQLAlchemy; None when
    the full path is needed (a filter, a sort, a server database, an unusual store)."""
    if args.filter is not None or args.sort_by is not None:
        return None
    from nbprov.store import quick_listing

    return quick_listing.list_trials(args.db, notebook=args.notebook, limit=_plain_limit(args))


def _select_trials(session: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.filter is None and args.sort_by is None:
        # The plain listing needs no filter language: skip loading it.
        from nbprov.store.queries import list_trials

        return list_trials(session, notebook=args.notebook, limit=_plain_limit(args))
    from nbprov.core.compare.facts import CompareError
    from nbprov.core.compare.selection import select_trials

    try:
        return select_trials(
            session,
            notebook=args.notebook,
            filter=args.filter,
            sort_by=args.sort_by,
            limit=args.limit,
        )
    except CompareError as exc:
        raise CommandError(str(exc)) from exc


def cmd_show(args: argparse.Namespace) -> int:
    from nbprov.core.trials import show_trial

    record = show_trial(args.trial, db=args.db)
    if args.format == "json":
        print(to_json(record))
        return 0
    from nbprov.capture.source import cell_label

    acts = [
        [
            "" if a["execution_count"] is None else str(a["execution_count"]),
            a["stage"] or "",
            str(a["status"]),
            seconds_text(a["duration_s"]),
            "(source missing)" if a["source"] is None else cell_label(a["source"], 60),
        ]
        for a in record["activations"]
    ]
    variables = [
        [
            v["name"],
            str(v["role"]) + (f" ({v['direction']})" if v.get("direction") else ""),
            format_value(v["value"]),
            "" if v["execution_count"] is None else str(v["execution_count"]),
            str(len(v["history"])),
        ]
        for v in record["variables"]
    ]
    act_headers = ["#", "stage", "status", "time", "code"]
    var_headers = ["variable", "role", "value", "at #", "versions"]
    if args.format == "csv":
        print(render("csv", act_headers, acts))
        print()
        print(render("csv", var_headers, variables))
        return 0
    env = record["environment"] if isinstance(record["environment"], dict) else {}
    git = env.get("git") if isinstance(env.get("git"), dict) else {}
    facts = [
        ("trial", f"{record['id']}" + (f" ({record['name']})" if record["name"] else "")),
        ("notebook", record["notebook"] or "(unknown)"),
        ("status", str(record["status"])),
        ("started", when_text(record["started_at"], "%Y-%m-%d %H:%M:%S UTC")),
        ("duration", duration_text(record["started_at"], record["ended_at"]) or "(running)"),
        ("python", f"{env.get('python', '?')} on {env.get('hostname', '?')}"),
    ]
    if git and git.get("commit"):
        dirty = " (dirty)" if git.get("dirty") else ""
        facts.append(("git", f"{str(git['commit'])[:12]}{dirty}"))
    if args.format == "md":
        print("\n".join(f"- **{k}**: {v}" for k, v in facts))
        print()
        print(render("md", act_headers, acts))
        print()
        print(render("md", var_headers, variables))
        return 0
    # Facts fit the terminal; a path keeps its end, where the notebook's name is.
    room = terminal_width() - 10
    print(
        "\n".join(
            f"{k + ':':<10}{cut_left(v, room) if k == 'notebook' else cut(v, room)}"
            for k, v in facts
        )
    )
    print()
    print(render("table", act_headers, acts))
    if variables:
        print()
        print(render("table", var_headers, variables))
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov trials`` and ``nbprov show`` to the ``nbprov`` command."""
    p = subparsers.add_parser("trials", parents=[common], help="list trials with tagged values")
    p.add_argument("--notebook", help="only trials of this notebook path")
    p.add_argument(
        "--limit", type=int, help="only the N most recent trials (with --sort-by: the first N)"
    )
    p.add_argument(
        "--filter",
        metavar="EXPR",
        help="only trials matching EXPR, e.g. 'metric.r2 > 0.4 and hyperparam.alpha < 1'",
    )
    p.add_argument(
        "--sort-by",
        metavar="KEY",
        help="order by ROLE.NAME, NAME or trial.FIELD: ascending, a metric best first; "
        "-KEY or KEY:desc for descending, +KEY or KEY:asc for ascending",
    )
    add_plot_option(p, "the listed trials")
    p.set_defaults(handler=cmd_trials)

    p = subparsers.add_parser("show", parents=[common], help="one trial: facts, cells, variables")
    p.add_argument("trial", help="id, name, 'latest', or -1 / -2 ... counting back")
    p.set_defaults(handler=cmd_show)
