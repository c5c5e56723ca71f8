"""The StayHub dataset: deterministic, the right shape, the documented traps, written safely,
exported faithfully. Real DuckDB and SQLite throughout; one small build reused per session."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

import prodev.stayhub.data as data
from prodev.stayhub.data.export import parquet_layout
from prodev.stayhub.data.generate import trap_count
from prodev.stayhub.data.schema import TABLES
from prodev.stayhub.data.sizes import SIZES
from prodev.stayhub.data.summary import row_counts, table_checksums

REPO = Path(__file__).resolve().parents[2]
# The `prodev` script beside this interpreter, wherever its environment lives.
PRODEV = Path(sysconfig.get_path("scripts")) / "prodev"
SMALL = SIZES["small"]

# Seed 42 (the public dataset) as the generator writes it today. If these change, every lab's
# public fingerprints change too: bump GENERATOR_VERSION and refresh the labs, never silently.
GOLDEN_SEED42_COUNTS = {
    "users": 2000,
    "properties": 500,
    "bookings": 20000,
    "payments": 20419,
    "reviews": 9556,
    "conversations": 5747,
    "messages": 16752,
}
GOLDEN_SEED42_MD5 = {
    "users": "b70fdbcd44ce7d2eb73b445510e7a418",
    "properties": "d9cdd0729e31935b596be3a19b17cf1d",
    "bookings": "6172c3c4fb2c229c6ddff3143528dd2b",
    "payments": "b17599e2b430924ff3fa2c5d5255deee",
    "reviews": "12766568fab56de5fa411ddf0eb791d1",
    "conversations": "5508cdc2d90232ae28f9555dafec6850",
    "messages": "3f30b5d0f859bfb0e7a1598762c22bd9",
}


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> Path:
    """The small dataset for seed 42, built once for this test session."""
    return data.build(42, "small", tmp_path_factory.mktemp("stayhub") / "small42.duckdb")


@pytest.fixture(scope="session", params=[42, 7], ids=["seed42", "seed7"])
def con(request, small: Path, tmp_path_factory):
    """A read-only connection to the small dataset; shape tests run on two seeds, since every
    seed must have the same statistics."""
    path = (
        small
        if request.param == 42
        else data.build(
            request.param,
            "small",
            tmp_path_factory.mktemp("stayhub") / f"small{request.param}.duckdb",
        )
    )
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def scalar(con, sql: str):
    return con.execute(sql).fetchall()[0][0]


def env_with_data_dir(folder: Path) -> dict[str, str]:
    return dict(os.environ, PRODEV_DATA_DIR=str(folder))


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_gives_identical_tables_for_any_thread_count(small, tmp_path):
    again = data.build(42, "small", tmp_path / "again.duckdb", threads=1)
    assert table_checksums(again) == table_checksums(small)


def test_public_seed_matches_the_recorded_dataset(small):
    assert row_counts(small) == GOLDEN_SEED42_COUNTS
    assert table_checksums(small) == GOLDEN_SEED42_MD5


def test_different_seed_gives_different_rows_with_the_same_shape(small, tmp_path):
    other = data.build(7, "small", tmp_path / "seed7.duckdb")
    ours, theirs = table_checksums(small), table_checksums(other)
    assert all(ours[t] != theirs[t] for t in TABLES), "seed 7 repeated a table of seed 42"
    counts, other_counts = row_counts(small), row_counts(other)
    for table in TABLES:
        assert abs(counts[table] - other_counts[table]) <= 0.1 * counts[table], table


# --- shape and statistics ---------------------------------------------------------------------


def test_row_counts_follow_the_size(con):
    assert scalar(con, "SELECT count(*) FROM users") == SMALL.users
    assert scalar(con, "SELECT count(*) FROM properties") == SMALL.properties
    assert scalar(con, "SELECT count(*) FROM bookings") == SMALL.bookings
    assert (
        0.9 * SMALL.bookings <= scalar(con, "SELECT count(*) FROM payments") <= 1.2 * SMALL.bookings
    )
    assert (
        0.3 * SMALL.bookings <= scalar(con, "SELECT count(*) FROM reviews") <= 0.7 * SMALL.bookings
    )
    assert scalar(con, "SELECT count(*) FROM conversations") >= 0.2 * SMALL.bookings
    assert scalar(con, "SELECT count(*) FROM messages") >= scalar(
        con, "SELECT count(*) FROM conversations"
    )


def test_ids_start_at_one_and_are_dense(con):
    for table in TABLES:
        key = f"{table[:-1]}_id" if table != "properties" else "property_id"
        low, high, n = con.execute(
            f"SELECT min({key}), max({key}), count(*) FROM {table}"
        ).fetchall()[0]
        assert (low, high) == (1, n), table


def test_columns_and_types_match_the_contract(con):
    types = dict(
        con.execute(
            "SELECT table_name || '.' || column_name, data_type FROM duckdb_columns() "
            "WHERE table_name IN ('users','properties','bookings','payments','reviews',"
            "'conversations','messages')"
        ).fetchall()
    )
    assert types["bookings.total_price"] == "DECIMAL(10,2)"
    assert types["payments.amount"] == "DECIMAL(10,2)"
    assert types["properties.price_per_night"] == "DECIMAL(10,2)"
    assert types["bookings.start_date"] == "DATE"
    assert types["messages.is_read"] == "BOOLEAN"
    assert types["payments.paid_at"] == "TIMESTAMP"
    assert types["users.user_id"] == "INTEGER"
    assert types["messages.parent_message_id"] == "INTEGER"
    assert len([k for k in types if k.startswith("users.")]) == 9


def test_constraints_are_declared(con):
    kinds = con.execute(
        "SELECT table_name, constraint_type, count(*) FROM duckdb_constraints() GROUP BY ALL"
    ).fetchall()
    declared = {(t, k): n for t, k, n in kinds}
    for table in TABLES:
        assert declared.get((table, "PRIMARY KEY")) == 1, table
    assert declared[("messages", "FOREIGN KEY")] == 4
    assert declared[("reviews", "FOREIGN KEY")] == 3
    assert declared[("reviews", "UNIQUE")] == 1
    assert declared[("users", "UNIQUE")] == 1
    assert declared[("bookings", "CHECK")] >= 2


def test_statuses_roles_and_methods_use_the_documented_values(con):
    assert {r[0] for r in con.execute("SELECT DISTINCT role FROM users").fetchall()} == {
        "guest",
        "host",
        "admin",
    }
    statuses = dict(con.execute("SELECT status, count(*) FROM bookings GROUP BY ALL").fetchall())
    assert set(statuses) == {"pending", "confirmed", "cancelled"}
    assert 0.05 <= statuses["cancelled"] / SMALL.bookings <= 0.15
    assert {r[0] for r in con.execute("SELECT DISTINCT status FROM payments").fetchall()} == {
        "completed",
        "failed",
        "refunded",
        "pending",
    }
    assert {r[0] for r in con.execute("SELECT DISTINCT method FROM payments").fetchall()} == {
        "credit_card",
        "paypal",
        "stripe",
    }


def test_dates_span_2023_to_2025_and_nothing_happens_after_the_end(con):
    first, last = con.execute("SELECT min(start_date), max(start_date) FROM bookings").fetchall()[0]
    assert date(2023, 1, 1) <= first < date(2023, 2, 1)
    assert date(2025, 12, 1) <= last <= date(2025, 12, 31)
    for table, column in [
        ("payments", "paid_at"),
        ("reviews", "created_at"),
        ("messages", "sent_at"),
        ("conversations", "created_at"),
    ]:
        assert (
            scalar(
                con,
                f"SELECT count(*) FROM {table} WHERE {column} > TIMESTAMP '2025-12-31 23:59:59'",
            )
            == 0
        ), table


def test_bookings_peak_in_summer_and_december(con):
    by_month = dict(
        con.execute("SELECT month(start_date), count(*) FROM bookings GROUP BY ALL").fetchall()
    )
    peak = [by_month[m] for m in (6, 7, 8, 12)]
    rest = [by_month[m] for m in (1, 2, 3, 4, 5, 9, 10, 11)]
    assert min(peak) > 2 * max(rest), by_month


def test_a_few_cities_and_hosts_get_far_more_bookings(con):
    cities = [
        r[0]
        for r in con.execute(
            "SELECT count(*) n FROM bookings JOIN properties USING (property_id) "
            "GROUP BY city ORDER BY n DESC"
        ).fetchall()
    ]
    assert cities[0] > 5 * cities[len(cities) // 2], cities
    hosts = [
        r[0]
        for r in con.execute(
            "SELECT count(*) n FROM bookings JOIN properties USING (property_id) "
            "GROUP BY host_id ORDER BY n DESC"
        ).fetchall()
    ]
    assert hosts[0] > 0.05 * SMALL.bookings
    assert hosts[0] > 20 * hosts[len(hosts) // 2], hosts[:5]


def test_foreign_keys_hold_and_follow_time(con):
    orphans = {
        "bookings.property_id": "SELECT count(*) FROM bookings ANTI JOIN properties "
        "USING (property_id)",
        "bookings.guest_id": "SELECT count(*) FROM bookings b ANTI JOIN users u "
        "ON u.user_id = b.guest_id",
        "payments.booking_id": "SELECT count(*) FROM payments ANTI JOIN bookings "
        "USING (booking_id)",
        "messages.parent": "SELECT count(*) FROM messages m ANTI JOIN messages p "
        "ON p.message_id = m.parent_message_id WHERE m.parent_message_id IS NOT NULL",
    }
    for name, sql in orphans.items():
        assert scalar(con, sql) == 0, name
    wrong_order = {
        "booked before sign-up": "SELECT count(*) FROM bookings b JOIN users u "
        "ON u.user_id = b.guest_id WHERE b.created_at < u.created_at",
        "booked before listing": "SELECT count(*) FROM bookings b JOIN properties p "
        "USING (property_id) WHERE b.created_at < p.created_at",
        "guest is not a guest": "SELECT count(*) FROM bookings b JOIN users u "
        "ON u.user_id = b.guest_id WHERE u.role <> 'guest'",
        "host is not a host": "SELECT count(*) FROM properties p JOIN users u "
        "ON u.user_id = p.host_id WHERE u.role <> 'host'",
        "reply before parent": "SELECT count(*) FROM messages m JOIN messages p "
        "ON p.message_id = m.parent_message_id WHERE m.sent_at <= p.sent_at",
    }
    for name, sql in wrong_order.items():
        assert scalar(con, sql) == 0, name


def test_a_listing_is_never_booked_twice_for_the_same_night(con):
    overlapping = scalar(
        con,
        "SELECT count(*) FROM bookings a JOIN bookings b ON a.property_id = b.property_id "
        "AND a.booking_id < b.booking_id "
        "AND a.start_date < b.end_date AND b.start_date < a.end_date",
    )
    assert overlapping == 0


def test_total_price_is_nights_times_price_except_the_discount_trap(con):
    mismatched = con.execute(
        "SELECT b.total_price, b.nights * p.price_per_night FROM bookings b "
        "JOIN properties p USING (property_id) WHERE b.total_price <> b.nights * p.price_per_night"
    ).fetchall()
    assert len(mismatched) == trap_count(SMALL)
    assert all(total < full for total, full in mismatched)
    assert (
        scalar(
            con,
            "SELECT count(*) FROM payments p JOIN bookings b USING (booking_id) "
            "WHERE p.amount <> b.total_price",
        )
        == 0
    )


def test_reviews_only_for_confirmed_stays_that_ended(con):
    assert (
        scalar(
            con,
            "SELECT count(*) FROM reviews r JOIN bookings b USING (booking_id) "
            "WHERE b.status <> 'confirmed' OR r.created_at < b.end_date "
            "OR r.guest_id <> b.guest_id OR r.property_id <> b.property_id",
        )
        == 0
    )
    ratings = dict(con.execute("SELECT rating, count(*) FROM reviews GROUP BY ALL").fetchall())
    assert set(ratings) == {1, 2, 3, 4, 5} and ratings[5] > ratings[1]


def test_cancelled_bookings_mostly_have_no_completed_payment(con):
    cancelled = scalar(con, "SELECT count(*) FROM bookings WHERE status = 'cancelled'")
    completed = scalar(
        con,
        "SELECT count(DISTINCT booking_id) FROM payments "
        "JOIN bookings b USING (booking_id) "
        "WHERE b.status = 'cancelled' AND payments.status = 'completed'",
    )
    assert completed == trap_count(SMALL) and completed < 0.02 * cancelled


def test_traps_are_present(con):
    assert (
        0.03 * SMALL.users
        < scalar(con, "SELECT count(*) FROM users WHERE phone IS NULL")
        < 0.15 * SMALL.users
    )
    assert scalar(con, "SELECT count(*) FROM reviews WHERE comment IS NULL") > 0
    near_duplicates = scalar(
        con,
        """
        SELECT count(*) FROM users a JOIN users b ON a.user_id < b.user_id
         AND a.first_name = b.first_name AND a.last_name = b.last_name
         AND lower(replace(a.email, '.', '')) = lower(replace(b.email, '.', ''))""",
    )
    assert near_duplicates >= 3
    assert scalar(con, "SELECT count(DISTINCT lower(email)) FROM users") < SMALL.users
    assert (
        scalar(con, "SELECT count(*) FROM properties p ANTI JOIN bookings b USING (property_id)")
        > 0
    )
    assert (
        scalar(
            con,
            "SELECT count(*) FROM users u ANTI JOIN bookings b ON b.guest_id = u.user_id "
            "WHERE u.role = 'guest'",
        )
        > 0
    )
    assert scalar(con, "SELECT count(*) FROM conversations WHERE property_id IS NULL") > 0


def test_an_unknown_size_is_refused_with_the_choices(tmp_path):
    with pytest.raises(ValueError, match="small, large"):
        data.build(1, "medium", tmp_path / "x.duckdb")
    assert list(tmp_path.iterdir()) == []


# --- safe writing -----------------------------------------------------------------------------


def _start_build(out: Path, size: str) -> subprocess.Popen:
    code = f"import prodev.stayhub.data as d; d.build(3, {size!r}, {str(out)!r})"
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO)


def _wait_for_temp(folder: Path, process: subprocess.Popen, wait_until) -> None:
    def writing() -> bool:
        assert process.poll() is None, "the build ended before it could be interrupted"
        return any(p.name.endswith(".tmp") for p in folder.iterdir())

    wait_until(writing, timeout=30, interval=0.02, what="the build to start writing")


def test_a_killed_build_leaves_the_old_file_whole_and_the_next_build_cleans_up(
    small, tmp_path, wait_until
):
    target = tmp_path / "stayhub.duckdb"
    target.write_bytes(small.read_bytes())
    before = table_checksums(target)
    process = _start_build(target, "large")
    try:
        _wait_for_temp(tmp_path, process, wait_until)
        time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert table_checksums(target) == before, "the interrupted build touched the real file"
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    time.sleep(1.1)  # temp files are cleaned once their process is gone and they are a second old
    data.build(3, "small", target)
    assert row_counts(target)["bookings"] == SMALL.bookings
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [target.name]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".wal"))]


def test_a_killed_first_build_leaves_no_database(tmp_path, wait_until):
    target = tmp_path / "fresh.duckdb"
    process = _start_build(target, "large")
    try:
        _wait_for_temp(tmp_path, process, wait_until)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert not target.exists()


def test_dataset_path_builds_once_when_two_processes_ask_at_once(tmp_path):
    code = (
        "import os, prodev.stayhub.data as d; p = d.dataset_path(5); "
        "print(p, os.stat(p).st_ino, flush=True)"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=REPO,
            env=env_with_data_dir(tmp_path),
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0].split() for p in processes]
    assert all(p.returncode == 0 for p in processes)
    expected = tmp_path / "stayhub_small_seed5.duckdb"
    assert outputs[0] == outputs[1], "the second process rebuilt the file the first had made"
    assert outputs[0][0] == str(expected)
    assert row_counts(expected)["bookings"] == SMALL.bookings
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".wal"))]


def test_dataset_path_is_cheap_when_the_file_exists(tmp_path):
    env = env_with_data_dir(tmp_path)
    first = subprocess.run(
        [sys.executable, "-c", "import prodev.stayhub.data as d; print(d.dataset_path(6))"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    code = (
        "import sys; import prodev.stayhub.data as d; "
        "p = d.dataset_path(6); print(p, 'duckdb' in sys.modules)"
    )
    second = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    path, imported = second.stdout.split()
    assert path == first.stdout.strip()
    assert imported == "False", "dataset_path imported duckdb although the file existed"


def test_dataset_path_rebuilds_a_file_from_an_older_generator(tmp_path, monkeypatch):
    monkeypatch.setenv("PRODEV_DATA_DIR", str(tmp_path))
    path = data.dataset_path(8)
    inode = path.stat().st_ino
    assert data.dataset_path(8).stat().st_ino == inode
    (tmp_path / f".{path.name}.version").write_text("0\n")
    assert data.dataset_path(8).stat().st_ino != inode
    assert row_counts(path)["bookings"] == SMALL.bookings


# --- exports ----------------------------------------------------------------------------------


def test_sqlite_export_has_every_row_and_declares_keys(small, tmp_path):
    out = data.export_sqlite(small, tmp_path / "stayhub.sqlite")
    lite = sqlite3.connect(out)
    try:
        counts = row_counts(small)
        for table in TABLES:
            assert lite.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == counts[table]
            primary = [r[1] for r in lite.execute(f"PRAGMA table_info({table})") if r[5]]
            assert len(primary) == 1, table
        references = {(r[2], r[3]) for r in lite.execute("PRAGMA foreign_key_list(messages)")}
        assert references == {
            ("conversations", "conversation_id"),
            ("users", "sender_id"),
            ("users", "recipient_id"),
            ("messages", "parent_message_id"),
        }
        assert {r[2] for r in lite.execute("PRAGMA foreign_key_list(reviews)")} == {
            "bookings",
            "properties",
            "users",
        }
        assert lite.execute("PRAGMA foreign_key_check").fetchall() == []
        lite.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(sqlite3.IntegrityError):
            lite.execute(
                "INSERT INTO payments VALUES (999999, 999999, 1, 'paypal', 'pending', NULL)"
            )
        with pytest.raises(sqlite3.IntegrityError):
            lite.execute("UPDATE bookings SET status = 'lost' WHERE booking_id = 1")
        money, day, stamp = lite.execute(
            "SELECT total_price, start_date, created_at FROM bookings WHERE booking_id = 1"
        ).fetchone()
        expected = (
            duckdb.connect(str(small), read_only=True)
            .execute(
                "SELECT total_price, start_date, created_at FROM bookings WHERE booking_id = 1"
            )
            .fetchall()[0]
        )
        assert float(money) == float(expected[0])
        assert day == expected[1].isoformat()
        assert stamp == expected[2].isoformat(sep=" ")
    finally:
        lite.close()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_parquet_export_partitions_bookings_by_year_and_month(small, tmp_path):
    out = data.export_parquet(small, tmp_path / "parquet")
    assert sorted(p.name for p in out.iterdir()) == sorted(parquet_layout())
    years = sorted(p.name for p in (out / "bookings").iterdir())
    assert years == ["year=2023", "year=2024", "year=2025"]
    months = sorted((out / "bookings" / "year=2024").iterdir(), key=lambda p: int(p.name[6:]))
    assert [p.name for p in months] == [f"month={m}" for m in range(1, 13)]
    reader = duckdb.connect()
    counts = row_counts(small)
    assert (
        reader.execute(
            f"SELECT count(*) FROM read_parquet('{out}/bookings/*/*/*.parquet', "
            "hive_partitioning = true)"
        ).fetchall()[0][0]
        == counts["bookings"]
    )
    july = reader.execute(
        f"SELECT count(*), min(month(start_date)), max(month(start_date)) "
        f"FROM read_parquet('{out}/bookings/year=2024/month=7/*.parquet')"
    ).fetchall()[0]
    assert july[0] > 0 and july[1:] == (7, 7)
    for table in TABLES:
        if table != "bookings":
            n = reader.execute(f"SELECT count(*) FROM '{out}/{table}.parquet'").fetchall()[0][0]
            assert n == counts[table], table
    data.export_parquet(small, out)  # a second export replaces the first
    assert sorted(p.name for p in out.iterdir()) == sorted(parquet_layout())


def test_parquet_export_never_overwrites_a_folder_of_other_files(small, tmp_path):
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    with pytest.raises(FileExistsError, match="not a StayHub Parquet export"):
        data.export_parquet(small, tmp_path)
    assert keep.read_text() == "mine"


# --- the command ------------------------------------------------------------------------------


def test_cli_builds_to_out_and_prints_the_path(tmp_path):
    out = tmp_path / "seven.duckdb"
    result = subprocess.run(
        [str(PRODEV), "data", "--seed", "7", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert row_counts(out)["bookings"] == SMALL.bookings


def test_cli_default_path_and_exports(tmp_path):
    env = env_with_data_dir(tmp_path)
    default = subprocess.run(
        [str(PRODEV), "data", "--seed", "9"], env=env, capture_output=True, text=True, timeout=120
    )
    assert default.stdout.strip() == str(tmp_path / "stayhub_small_seed9.duckdb")
    lite = subprocess.run(
        [str(PRODEV), "data", "--seed", "9", "--format", "sqlite"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert lite.returncode == 0, lite.stderr
    assert lite.stdout.strip() == str(tmp_path / "stayhub_small_seed9.sqlite")
    assert Path(lite.stdout.strip()).is_file()


def test_cli_rejects_an_unknown_size():
    result = subprocess.run(
        [str(PRODEV), "data", "--size", "huge"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "invalid choice: 'huge'" in result.stderr
