"""prodev services start|status [--json]|stop"""

from __future__ import annotations

import argparse
import json


def add_parser(sub) -> None:
    p = sub.add_parser(
        "services",
        help="start, show or stop the embedded PostgreSQL and Redis",
        description="The course's own PostgreSQL (with StayHub loaded) and Redis, started from "
        "Python packages: `start` starts both (notebooks start them on first use too), `status` "
        "shows what runs, `stop` stops both. State lives in <data dir>/services/.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("start", help="start PostgreSQL and Redis unless they run already")
    show = actions.add_parser("status", help="show what runs, with URLs, pids and memory")
    show.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    actions.add_parser("stop", help="stop both servers (a later start reuses their data)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from prodev import services

    # A ServiceError is a UserError: prodev.cli.main prints it and exits 2.
    if args.action == "start":
        pg, cache = services.postgres(), services.redis()
        print(f"PostgreSQL {pg.version}: {pg.url}")
        print(f"Redis {cache.version}: {cache.url}")
    elif args.action == "status":
        report = services.status()
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            for entry in report.values():
                print(_line(entry))
    else:
        for line in services.stop():
            print(line)
    return 0


def _line(entry: dict) -> str:
    name = {"postgres": "PostgreSQL", "redis": "Redis"}[entry["service"]]
    if entry["running"]:
        text = (
            f"{name} {entry['version']}: running, pid {entry['pid']}, port {entry['port']}, "
            f"{entry['memory_mb']} MB resident, {entry['url']}"
        )
    else:
        text = f"{name}: stopped (data in {entry['data_directory']})"
    if entry["external"]:
        text += f"; notebooks use the external server {entry['url']} (set by environment)"
    return text
