"""Starting and stopping the practice API: start-up in a fresh process, private data per server,
one server per process at a time, clean shutdown (no thread, connection or port left), and
`prodev api`."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import textwrap
import threading

import httpx
import pytest

import prodev
from prodev.stayhub.api import PracticeAPIError

pytestmark = pytest.mark.timeout(120)

BOOKING = {"property_id": 2, "guest_id": 3, "start_date": "2034-01-01", "end_date": "2034-01-03"}


def port_is_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_fresh_process_starts_and_stops_a_server():
    prodev.practice_api(seed=42).stop()  # the dataset and its template exist from here on
    result = run_python("""
        import httpx, prodev
        api = prodev.practice_api(seed=42)
        print(httpx.get(api.url + "/api/health/").json()["status"], api.startup_seconds > 0)
        api.stop()
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "True"]  # start-up times: benchmarks/api.py


def test_a_second_start_in_the_same_process_serves():
    prodev.practice_api(seed=42).stop()
    api = prodev.practice_api(seed=42)
    try:
        assert httpx.get(api.url + "/api/health/").json() == {"status": "ok"}
    finally:
        api.stop()


def test_stop_leaves_no_thread_port_or_file_behind(wait_until):
    threads_before = set(threading.enumerate())
    api = prodev.practice_api(seed=42, latency=0.5)
    port, database = api.port, api._database
    assert database is not None and database.exists()
    idle = httpx.Client(base_url=api.url)  # a keep-alive connection left open
    assert idle.get("/api/health/").status_code == 200
    slow: list[int] = []
    in_progress = threading.Thread(
        target=lambda: slow.append(httpx.get(api.url + "/api/properties/1/").status_code)
    )
    in_progress.start()
    wait_until(lambda: api.in_flight == 1, timeout=10, what="the slow request to arrive")
    api.stop()  # how long stopping takes: benchmarks/api.py
    in_progress.join(10)
    assert slow == [200]  # the request in progress was allowed to finish
    assert set(threading.enumerate()) == threads_before
    assert not port_is_open(port)
    assert not database.parent.exists()
    with pytest.raises(httpx.TransportError):
        idle.get("/api/health/")
    idle.close()
    api.stop()  # twice is fine


def test_connection_threads_close_their_database_connections(wait_until):
    def open_files(folder: str) -> int:
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                count += os.readlink(f"/proc/self/fd/{fd}").startswith(folder)
            except OSError:  # closed while we looked
                pass
        return count

    with prodev.practice_api(seed=42) as api:
        folder = str(api._database.parent)
        for i in range(1, 21):  # a new connection (and thread) each time
            assert httpx.get(f"{api.url}/api/users/{i}/").status_code == 200
        wait_until(lambda: open_files(folder) == 0, timeout=10, what="database files to close")


def test_each_server_has_its_own_copy_of_the_data():
    with prodev.practice_api(seed=42) as first:
        created = httpx.post(first.url + "/api/bookings/", json=BOOKING, headers=first.auth_header)
        assert created.status_code == 201
        booking_id = created.json()["booking_id"]
    with prodev.practice_api(seed=42) as second:
        assert httpx.get(f"{second.url}/api/bookings/{booking_id}/").status_code == 404
        again = httpx.post(second.url + "/api/bookings/", json=BOOKING, headers=second.auth_header)
        assert again.status_code == 201


def test_servers_for_different_seeds_one_after_another():
    names = []
    for seed in (42, 7, 42):
        with prodev.practice_api(seed=seed) as api:
            names.append(httpx.get(api.url + "/api/users/1/").json()["email"])
            assert api.switches.switch_seed == seed
    assert names[0] == names[2] != names[1]


def test_one_server_per_process_at_a_time():
    with prodev.practice_api(seed=42) as api:
        with pytest.raises(PracticeAPIError, match="already running in this process at http"):
            prodev.practice_api(seed=7)
        assert httpx.get(api.url + "/api/health/").status_code == 200


def test_starts_where_an_asyncio_loop_runs_as_in_jupyter():
    async def in_a_kernel() -> int:  # a notebook cell runs while the kernel's loop runs
        with prodev.practice_api(seed=42) as api:
            async with httpx.AsyncClient(base_url=api.url) as client:
                return (await client.get("/api/bookings/1/")).status_code

    assert asyncio.run(in_a_kernel()) == 200


def test_a_forgotten_server_can_be_found_and_stopped():
    api = prodev.practice_api(seed=42)
    assert prodev.stayhub.api.running_api() is api
    prodev.stayhub.api.stop_running()
    assert not api.running and prodev.stayhub.api.running_api() is None
    prodev.stayhub.api.stop_running()  # nothing running: nothing to do


def test_a_program_that_never_stops_its_server_still_exits():
    result = run_python("""
        import prodev
        api = prodev.practice_api(seed=42)
        print(api._database.parent)
    """)
    assert result.returncode == 0, result.stderr
    folder = result.stdout.strip()
    assert folder and not os.path.exists(folder)  # stopped at exit: its copy is gone


def test_a_taken_port_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PracticeAPIError, match=f"cannot listen on 127.0.0.1:{port}"):
            prodev.practice_api(seed=42, port=port)
    with prodev.practice_api(seed=42, port=port) as api:  # free again: that port is used
        assert api.url == f"http://127.0.0.1:{port}"


def test_django_configured_by_someone_else_is_a_clear_error():
    result = run_python("""
        from django.conf import settings
        settings.configure()
        import prodev
        try:
            prodev.practice_api(seed=42)
        except Exception as exc:
            print(type(exc).__name__, exc)
    """)
    assert "DjangoConflictError" in result.stdout and "fresh kernel" in result.stdout


def test_prodev_api_command_runs_in_the_foreground():
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prodev",
            "api",
            "--seed",
            "42",
            "--latency",
            "0.05",
            "--rate-limit",
            "100/1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        first = process.stdout.readline()
        assert "StayHub practice API" in first, first + process.stderr.read()
        url = first.split(" on ")[1].strip()
        header = [process.stdout.readline() for _ in range(6)]
        token = next(line for line in header if "Token" in line).split("Token ")[1].strip()
        response = httpx.get(
            url + "/api/bookings/?page_size=1", headers={"Authorization": f"Token {token}"}
        )
        assert response.status_code == 200 and response.headers["RateLimit-Limit"] == "100"
        line = process.stdout.readline()
        assert line.split()[:2] == ["GET", "200"] and "/api/bookings/?page_size=1" in line
    finally:
        # SIGTERM, not SIGINT: a shell ignores SIGINT in jobs it runs in the background.
        process.terminate()
        try:
            out, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
    assert process.returncode == 0, err
    assert "stopped after 1 requests" in out


def test_prodev_api_command_reports_bad_switches():
    result = subprocess.run(
        [sys.executable, "-m", "prodev", "api", "--rate-limit", "lots"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "rate limit must look like N/SECONDS" in result.stderr


def test_the_second_server_message_reaches_the_student_whole(tmp_path):
    """The error line of the cell that starts a second server (what `prodev check` and
    grading show) keeps the whole sentence, down to the way out."""
    from prodev.runtime.notebook import run_cells

    cells = [
        "import prodev\napi = prodev.practice_api(seed=42)",
        "prodev.practice_api(seed=7)",
        "api.stop()",
    ]
    errors = run_cells(cells, tmp_path).errors
    assert len(errors) == 1 and errors[0].startswith("code cell 2: PracticeAPIError: "), errors
    assert errors[0].endswith("or run one in a terminal with `prodev api --port P`"), errors
