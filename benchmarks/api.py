"""How fast the practice API starts and how much it serves.

    .venv/bin/python benchmarks/api.py [--seed 42] [--requests 300]

Prints the cold start-up (a fresh process) and warm start-up (same process) times, how long
`stop()` takes with a slow request in flight, how long 0.3 s of latency and 50 concurrent
requests with 0.5 s of latency take end to end, then
requests per second without latency, with 0.1 s of latency (where concurrency is what buys
throughput) and for GraphQL, with the most requests the server's own log saw in flight at once.
The server runs in this process, as in a notebook; each client runs in a process of its own, so
that client and server do not share one interpreter lock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import textwrap
import threading
import time

import httpx

import prodev

CLIENT = """
import asyncio, json, sys, time
import httpx

url, method, path = sys.argv[1:4]
n, width = int(sys.argv[4]), int(sys.argv[5])
body = {"query": "{ properties(first: 20) { items { name pricePerNight } } }"}

async def main():
    limits = httpx.Limits(max_connections=width, max_keepalive_connections=width)
    gate = asyncio.Semaphore(width)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        async def one():
            async with gate:
                if method == "POST":
                    response = await client.post(path, json=body)
                else:
                    response = await client.get(path)
                response.raise_for_status()
        await asyncio.gather(*(one() for _ in range(width)))  # open the connections
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return n / (time.perf_counter() - started)

print(json.dumps(asyncio.run(main())))
"""


def cold_start(seed: int) -> tuple[float, float]:
    """(wall, CPU) seconds `practice_api()` takes in a fresh Python process."""
    code = f"""
        import prodev
        api = prodev.practice_api(seed={seed})
        print(api.startup_seconds, api.startup_cpu_seconds)
        api.stop()
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    ).stdout
    wall, cpu = map(float, out.split())
    return wall, cpu


def rate(
    api: prodev.stayhub.api.PracticeAPI, path: str, n: int, width: int, method: str = "GET"
) -> float:
    """Requests per second of a client process sending `n` requests, `width` at a time, each
    of its `width` keep-alive connections reused."""
    args = [api.url, method, path, str(n), str(width)]
    out = subprocess.run(
        [sys.executable, "-c", CLIENT, *args], capture_output=True, text=True, check=True
    ).stdout
    return float(json.loads(out))


def stop_with_a_request_in_flight(seed: int) -> float:
    """Seconds `stop()` takes while a request held by 0.5 s of latency is in progress."""
    api = prodev.practice_api(seed=seed, latency=0.5)
    slow = threading.Thread(target=lambda: httpx.get(api.url + "/api/properties/1/", timeout=30))
    slow.start()
    while api.in_flight == 0:
        time.sleep(0.01)
    started = time.perf_counter()
    api.stop()
    elapsed = time.perf_counter() - started
    slow.join()
    return elapsed


def latency_walls(api: prodev.stayhub.api.PracticeAPI) -> tuple[float, float]:
    """(one request with 0.3 s latency, 50 concurrent requests with 0.5 s latency), seconds."""
    with api.switched(latency=0.3):
        started = time.perf_counter()
        httpx.get(api.url + "/api/properties/1/", timeout=30).raise_for_status()
        one = time.perf_counter() - started

    async def fifty() -> None:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=api.url, limits=limits, timeout=30) as client:
            await asyncio.gather(*(client.get(f"/api/properties/{i}/") for i in range(1, 51)))

    with api.switched(latency=0.5):
        started = time.perf_counter()
        asyncio.run(fifty())
        concurrent = time.perf_counter() - started
    return one, concurrent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement")
    args = parser.parse_args()
    n = args.requests

    prodev.practice_api(seed=args.seed).stop()  # data and template ready, Django imported
    wall, cpu = cold_start(args.seed)
    print(f"cold start-up (fresh process): {wall:.2f} s wall, {cpu:.2f} s CPU")
    api = prodev.practice_api(seed=args.seed)
    print(f"warm start-up (same process):  {api.startup_seconds * 1000:.0f} ms")
    api.stop()
    print(f"stop with a 0.5 s request in flight: {stop_with_a_request_in_flight(args.seed):.2f} s")
    api = prodev.practice_api(seed=args.seed)
    rows: list[tuple[str, float]] = []
    with api:
        one, fifty = latency_walls(api)
        print(f"one request, 0.3 s latency: {one:.2f} s")
        print(f"50 concurrent requests, 0.5 s latency: {fifty:.2f} s")
        rows.append(("detail, 1 connection", rate(api, "/api/properties/1/", n, 1)))
        rows.append(("detail, 10 concurrent", rate(api, "/api/properties/1/", n, 10)))
        rows.append(("list of 20, 1 connection", rate(api, "/api/bookings/", n, 1)))
        rows.append(("GraphQL list of 20, 1 connection", rate(api, "/graphql", n // 3, 1, "POST")))
        api.configure(latency=0.1)
        rows.append(("latency 0.1 s, 1 connection", rate(api, "/api/properties/1/", 20, 1)))
        for width in (10, 50, 100):
            api.clear_requests()
            per_second = rate(api, "/api/properties/1/", max(n, 3 * width), width)
            rows.append((f"latency 0.1 s, {width} concurrent", per_second))
            rows.append((f"  most in flight in the log (of {width})", float(api.max_in_flight)))
    print(f"{'measurement':42} {'requests/s':>10}")
    for name, value in rows:
        shown = f"{value:10.0f}" if "in flight" in name else f"{value:10.1f}"
        print(f"{name:42} {shown}")


if __name__ == "__main__":
    main()
