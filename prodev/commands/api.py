"""prodev api [--port P] [--seed N] [--latency S] [--error-rate R] [--rate-limit N/S]
[--require-auth]: the practice API in the foreground."""

from __future__ import annotations

import argparse
import signal
import time
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "api",
        help="run the StayHub practice API (REST + GraphQL) in the foreground",
        description="Serve the StayHub practice API on 127.0.0.1 until Ctrl+C, printing each "
        "request. See docs/api.md.",
    )
    p.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    # Defaults are practice_api()'s own (seed 42, small): an option left out is not passed.
    p.add_argument("--seed", type=int, help="dataset seed (default 42, the public seed)")
    p.add_argument("--size", choices=["small", "large"], help="dataset size (default small)")
    p.add_argument(
        "--latency",
        default=None,
        metavar="S",
        help="seconds added to every request: 0.5, or a random range 0.1-0.5",
    )
    p.add_argument(
        "--error-rate",
        type=float,
        metavar="R",
        help="share of requests answered 500/503, e.g. 0.2",
    )
    p.add_argument(
        "--rate-limit",
        default=None,
        metavar="N/S",
        help="at most N requests per S seconds, then 429 + Retry-After, e.g. 10/1",
    )
    p.add_argument("--require-auth", action="store_true", help="reads need a token too")
    p.add_argument("--quiet", action="store_true", help="do not print each request")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from prodev.stayhub.api import practice_api

    given = {
        "seed": args.seed,
        "size": args.size,
        "port": args.port,
        "latency": args.latency,
        "error_rate": args.error_rate,
        "rate_limit": args.rate_limit,
        "require_auth": args.require_auth or None,
    }
    api = practice_api(**{name: value for name, value in given.items() if value is not None})

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"StayHub practice API (seed {api.seed}, {api.size}) on {api.url}", flush=True)
    print(f"  REST     {api.url}/api/   schema {api.url}/api/schema/")
    print(f"  GraphQL  {api.url}/graphql")
    print(f"  login    username={api.username} password={api.password}")
    print(f"  token    Authorization: Token {api.token}")
    print(f"  switches {api.switches}")
    print("Press Ctrl+C to stop.", flush=True)
    shown = 0
    try:
        while True:
            time.sleep(0.2)
            for r in api.requests[shown:]:
                shown += 1
                if not args.quiet:
                    query = f"?{r.query}" if r.query else ""
                    print(
                        f"{r.method:6} {r.status} {r.duration * 1000:7.1f} ms "
                        f"in-flight={r.in_flight:<3} {r.path}{query}",
                        flush=True,
                    )
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
    print(f"stopped after {len(api.requests)} requests", flush=True)
    return 0
