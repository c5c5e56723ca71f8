"""prodev.services on real servers: embedded PostgreSQL 18 and Redis started from their wheels,
reused from another process, stopped, recovered after kill -9, and replaced by an external URL.

One PostgreSQL and one Redis serve the whole module (a cold start loads StayHub); tests that need
a server of their own use a data directory of their own."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
import redis as redis_client

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = (
    "PRODEV_DATA_DIR",
    "PRODEV_POSTGRES_URL",
    "PRODEV_REDIS_URL",
    "PRODEV_POSTGRES_PORT",
    "PRODEV_REDIS_PORT",
)


def _scratch_dir() -> Path:
    """A folder of our own under the system temp dir. Not pytest's tmp_path: when the tests run
    as root, PostgreSQL's system user must pass through every folder above its data directory,
    and pytest resets its shared base folder to mode 700 whenever any session starts."""
    return Path(tempfile.mkdtemp(prefix="prodev-services-test-"))


def _python(code: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout
    )


def _prodev(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prodev", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def data_dir():
    """A data directory of this module's own; its servers are stopped at the end, whatever
    happened."""
    saved = {name: os.environ.pop(name, None) for name in VARIABLES}
    path = _scratch_dir()
    os.environ["PRODEV_DATA_DIR"] = str(path)
    try:
        yield path
    finally:
        from prodev import services

        os.environ["PRODEV_DATA_DIR"] = str(path)
        services.stop()
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def env(data_dir) -> dict[str, str]:
    """The environment for a child process using the module's data directory."""
    return {k: v for k, v in os.environ.items() if k not in VARIABLES} | {
        "PRODEV_DATA_DIR": str(data_dir)
    }


@pytest.fixture
def own_data_dir(monkeypatch):
    """A fresh data directory for one test; its servers are stopped afterwards."""
    from prodev import services

    path = _scratch_dir()
    monkeypatch.setenv("PRODEV_DATA_DIR", str(path))
    yield path
    monkeypatch.setenv("PRODEV_DATA_DIR", str(path))
    services.stop()
    shutil.rmtree(path, ignore_errors=True)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_first_call_starts_postgres_with_stayhub_and_says_so(data_dir, capsys):
    from prodev import services

    pg = services.postgres()
    said = capsys.readouterr().out
    assert "Started PostgreSQL 18" in said
    assert "Loading StayHub" in said
    with psycopg.connect(pg.url) as conn:
        assert conn.execute("SELECT version()").fetchone()[0].startswith("PostgreSQL 18.")
        assert conn.execute("SELECT count(*) FROM bookings").fetchone()[0] > 0
    assert "***" in repr(pg) and pg.url.split("@")[0].split(":")[-1] not in repr(pg)

    again = services.postgres()
    assert again.url == pg.url
    assert capsys.readouterr().out == "", "a second call should reuse the server silently"


def test_first_call_starts_redis_and_later_calls_reuse_it(data_dir, capsys):
    from prodev import services

    cache = services.redis()
    assert "Started Redis" in capsys.readouterr().out
    client = redis_client.Redis.from_url(cache.url)
    assert client.ping()
    client.set("greeting", "hello")
    assert services.redis().client(decode_responses=True).get("greeting") == "hello"
    assert capsys.readouterr().out == ""
    with pytest.raises(redis_client.AuthenticationError):  # the password is required
        redis_client.Redis(
            host="127.0.0.1", port=client.connection_pool.connection_kwargs["port"]
        ).ping()


def test_a_second_process_reuses_both_servers(data_dir, env):
    from prodev import services

    pg, cache = services.postgres(), services.redis()
    code = (
        "import json, prodev\n"
        "pg, r = prodev.services.postgres(), prodev.services.redis()\n"
        "print(json.dumps([pg.url, r.url, r.client().get('greeting').decode()]))\n"
    )
    services.redis().client().set("greeting", "from the first process")
    result = _python(code, env)
    assert result.returncode == 0, result.stderr
    *said, last = result.stdout.strip().splitlines()
    assert said == [], f"the second process started something: {said}"
    assert json.loads(last) == [pg.url, cache.url, "from the first process"]


def test_concurrent_first_calls_start_one_server(own_data_dir):
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env["PRODEV_DATA_DIR"] = str(own_data_dir)
    code = "import prodev; print('URL', prodev.services.redis().url)"
    children = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(3)
    ]
    outputs = [child.communicate(timeout=120)[0] for child in children]
    assert [child.returncode for child in children] == [0, 0, 0]
    assert sum("Started Redis" in out for out in outputs) == 1, outputs
    urls = {line for out in outputs for line in out.splitlines() if line.startswith("URL")}
    assert len(urls) == 1, urls


def test_stop_then_start_keeps_the_data(data_dir, env):
    from prodev import services

    pg = services.postgres()
    services.redis()  # both running, whatever ran before this test
    port = int(pg.url.rsplit(":", 1)[1].split("/")[0])
    with psycopg.connect(pg.url) as conn:
        conn.execute(
            "DROP TABLE IF EXISTS kept; CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)"
        )

    result = _prodev("services", "stop", env=env)
    assert result.returncode == 0, result.stderr
    assert "Stopped PostgreSQL" in result.stdout and "Stopped Redis" in result.stdout
    assert not _accepts(port)
    report = json.loads(_prodev("services", "status", "--json", env=env).stdout)
    assert report["postgres"]["running"] is False and report["redis"]["running"] is False

    result = _prodev("services", "start", env=env)
    assert result.returncode == 0, result.stderr
    assert "Started PostgreSQL" in result.stdout and "no longer running" not in result.stdout
    with psycopg.connect(services.postgres().url) as conn:
        assert conn.execute("SELECT n FROM kept").fetchall() == [(7,)]


def test_status_json_describes_running_servers(data_dir, env):
    from prodev import services

    pg, cache = services.postgres(), services.redis()
    result = _prodev("services", "status", "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["postgres"]["running"] and report["postgres"]["url"] == pg.url
    assert report["postgres"]["version"].startswith("18.")
    assert report["postgres"]["memory_mb"] > 1
    assert report["redis"]["running"] and report["redis"]["url"] == cache.url
    text = _prodev("services", "status", env=env).stdout
    assert "PostgreSQL 18" in text and "running" in text


def test_recovery_after_kill_9(data_dir, capsys, wait_until):
    from prodev import services

    pg, cache = services.postgres(), services.redis()
    with psycopg.connect(pg.url) as conn:
        conn.execute("DROP TABLE IF EXISTS survivor; CREATE TABLE survivor (n int)")
        conn.execute("INSERT INTO survivor VALUES (42)")
    report = services.status()
    for name in ("postgres", "redis"):
        os.kill(report[name]["pid"], signal.SIGKILL)
    # SIGKILL takes effect when the killed process next runs, which a busy machine delays: wait
    # for both to be gone (the timeout bounds the wait, it is not what the test measures)
    wait_until(
        lambda: not any(services.status()[name]["running"] for name in ("postgres", "redis")),
        timeout=30,
        what="both servers to be seen stopped after kill -9",
    )
    capsys.readouterr()

    pg = services.postgres()
    said = capsys.readouterr().out
    assert "stopped without shutting down" in said and "postmaster.pid" in said
    with psycopg.connect(pg.url) as conn:
        assert conn.execute("SELECT n FROM survivor").fetchall() == [(42,)]
    cache = services.redis()
    assert "stopped without shutting down" in capsys.readouterr().out
    assert cache.client().ping()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


@pytest.mark.parametrize("service", ["postgres", "redis"])
def test_a_taken_port_moves_the_server_and_says_so(data_dir, capsys, monkeypatch, service):
    from prodev import services

    start = getattr(services, service)
    old_port = _port(start().url)
    services.stop()
    with socket.socket() as squatter:
        # Connections the server just closed may sit in TIME_WAIT on its port.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", old_port))
        squatter.listen()
        capsys.readouterr()
        moved = start()
        said = capsys.readouterr().out
        assert f"port {old_port}" in said and "taken" in said
        assert _port(moved.url) != old_port and _accepts(_port(moved.url))

        services.stop()
        variable = f"PRODEV_{service.upper()}_PORT"
        monkeypatch.setenv(variable, str(old_port))
        with pytest.raises(services.ServiceError, match=f"port {old_port} .* in use.*{variable}"):
            start()
    monkeypatch.delenv(variable)
    assert _port(start().url) == _port(moved.url), "the last port used is kept"


def test_a_data_directory_from_another_major_version_is_refused(own_data_dir):
    from prodev import services

    folder = own_data_dir / "services" / "postgres"
    folder.mkdir(parents=True)
    (folder / "PG_VERSION").write_text("17\n")
    with pytest.raises(services.ServiceError) as raised:
        services.postgres()
    message = str(raised.value)
    assert "PostgreSQL 17" in message and "PostgreSQL 18" in message
    assert f"rm -rf {folder}" in message and "PRODEV_POSTGRES_URL" in message
    assert not services.status()["postgres"]["running"]


def test_external_urls_are_used_instead_of_starting_servers(
    data_dir, own_data_dir, monkeypatch, capsys
):
    """Pointed at the embedded servers (as a CI service or a managed database would be), with a
    data directory of its own in which nothing must start."""
    from prodev import services

    monkeypatch.setenv("PRODEV_DATA_DIR", str(data_dir))  # the module's embedded servers
    embedded, cache = services.postgres(), services.redis()
    embedded.drop("external_db")
    with psycopg.connect(embedded.admin_url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE external_db")
    external_url = embedded.database_url("external_db")

    monkeypatch.setenv("PRODEV_DATA_DIR", str(own_data_dir))
    monkeypatch.setenv("PRODEV_POSTGRES_URL", external_url)
    monkeypatch.setenv("PRODEV_REDIS_URL", cache.url)
    capsys.readouterr()
    pg = services.postgres()
    assert pg.external and pg.url == external_url
    assert "Loading StayHub" in capsys.readouterr().out
    with psycopg.connect(pg.url) as conn, psycopg.connect(embedded.url) as reference:
        for table in ("users", "bookings", "messages"):
            count = f"SELECT count(*) FROM {table}"
            assert conn.execute(count).fetchone() == reference.execute(count).fetchone()
    assert services.postgres().url == external_url
    assert capsys.readouterr().out == "", "the second call must not load again"

    r = services.redis()
    assert r.external and r.url == cache.url and r.client().ping()
    assert not (own_data_dir / "services").exists(), "external servers need no local state"
    report = services.status()
    assert not report["postgres"]["running"] and not report["redis"]["running"]
    assert report["postgres"]["external"] and report["postgres"]["url"] == external_url
    with pytest.raises(services.ServiceError, match="did not start"):
        pg.reset()

    monkeypatch.setenv("PRODEV_POSTGRES_URL", "postgresql://nobody:wrong@127.0.0.1:1/none")
    with pytest.raises(services.ServiceError, match="cannot connect to PRODEV_POSTGRES_URL"):
        services.postgres()
    embedded.drop("external_db")


def test_a_cloned_database_is_independent_of_the_original(data_dir):
    from prodev import services

    pg = services.postgres()
    url = pg.clone("submission_1")
    try:
        with psycopg.connect(url) as conn:
            conn.execute("DELETE FROM reviews")
        with psycopg.connect(pg.url) as conn:
            assert conn.execute("SELECT count(*) FROM reviews").fetchone()[0] > 0
    finally:
        pg.drop("submission_1")
    with psycopg.connect(pg.admin_url) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = 'submission_1'")
        assert found.fetchone() is None


def test_reset_puts_the_stayhub_database_back(data_dir):
    from prodev import services

    pg = services.postgres()
    with psycopg.connect(pg.url) as conn:
        before = conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
        conn.execute("DELETE FROM reviews")
    pg.reset()
    with psycopg.connect(pg.url) as conn:
        assert conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == before > 0


def _checksum(rows) -> str:
    """SHA-256 of the rows as Python values: both drivers give int, str, Decimal, date,
    datetime and bool, so equal data gives equal sums whatever the engine."""
    import hashlib

    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_postgres_holds_the_same_rows_as_the_duckdb_dataset(data_dir):
    import duckdb

    from prodev import services
    from prodev.stayhub.data import dataset_path
    from prodev.stayhub.data.schema import PRIMARY_KEYS, TABLES

    pg = services.postgres()
    duck = duckdb.connect(str(dataset_path()), read_only=True)
    try:
        with psycopg.connect(pg.url) as conn:
            for table in TABLES:
                count = f"SELECT count(*) FROM {table}"
                assert conn.execute(count).fetchone() == duck.execute(count).fetchone(), table
            query = f"SELECT * FROM bookings ORDER BY {PRIMARY_KEYS['bookings']}"
            expected = _checksum(duck.execute(query).fetchall())
            assert _checksum(conn.execute(query).fetchall()) == expected
        # The checksum is not blind: one changed price in a copy changes it.
        url = pg.clone("checksum_probe")
        with psycopg.connect(url) as conn:
            conn.execute("UPDATE bookings SET total_price = total_price + 1 WHERE booking_id = 7")
            assert _checksum(conn.execute(query).fetchall()) != expected
    finally:
        duck.close()
        pg.drop("checksum_probe")


def test_sqlalchemy_and_django_spellings_of_the_url_connect(data_dir):
    import sqlalchemy

    from prodev import services

    pg = services.postgres()
    assert pg.sqlalchemy_url.startswith("postgresql+psycopg://")
    engine = pg.engine()
    try:
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("SELECT count(*) FROM users")).scalar() > 0
    finally:
        engine.dispose()
    settings = pg.django_database()
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    conninfo = {k.lower(): v for k, v in settings.items() if k != "ENGINE"}
    conninfo["dbname"] = conninfo.pop("name")
    with psycopg.connect(**conninfo) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("stayhub",)


def test_a_port_taken_between_the_check_and_the_start_is_detected(data_dir):
    """The race the port check cannot close: each server's own bind failure is recognised, so
    the start is retried on another port instead of failing."""
    from prodev import services
    from prodev.services import postgres_server, redis_server

    services.postgres()  # make sure the cluster exists
    services.stop()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(postgres_server.PortTaken):
            postgres_server._start_cluster(postgres_server.pgdata(), port)
        with pytest.raises(redis_server.PortTaken):
            redis_server._start(port, "unused-password")
    assert not services.status()["postgres"]["running"]


def test_another_seed_gets_its_own_database_with_other_rows(data_dir):
    from prodev import services

    public, other = services.postgres(), services.postgres(seed=7)
    assert public.url.endswith("/stayhub") and other.url.endswith("/stayhub_seed7")
    query = "SELECT * FROM users ORDER BY user_id LIMIT 50"
    with psycopg.connect(public.url) as a, psycopg.connect(other.url) as b:
        assert (
            a.execute("SELECT count(*) FROM users").fetchone()
            == b.execute("SELECT count(*) FROM users").fetchone()
        )
        assert a.execute(query).fetchall() != b.execute(query).fetchall()
        assert b.execute("SELECT seed FROM prodev.dataset").fetchone() == (7,)
