"""Where datasets live and how they are written: atomically, and built once under a lock.

A build writes to a temporary file beside the target and renames it into place at the end, so
an interrupted or concurrent build never leaves a half-written database under the real name.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import sys
import time
from pathlib import Path

from prodev.course.paths import PUBLIC_SEED, data_dir

# Bump when the generator changes what it writes: dataset_path() then rebuilds older files.
GENERATOR_VERSION = "3"

# A build's temp file, and the .wal file and .tmp spill folder DuckDB may put beside it.
_TEMP_PATTERN = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]+\.tmp(\.wal|\.tmp)?$")


def default_path(seed: int = PUBLIC_SEED, size: str = "small", *, opaque: bool = False) -> Path:
    """`data/stayhub_<size>_seed<seed>.duckdb` in the course's data folder; with `opaque`, a name
    made from a hash of the seed instead, which does not show it (for a secret seed: the file is
    visible inside the grading sandbox)."""
    if opaque:
        digest = hashlib.sha256(f"stayhub dataset {int(seed)}".encode()).hexdigest()[:16]
        return data_dir() / f"stayhub_{size}_{digest}.duckdb"
    return data_dir() / f"stayhub_{size}_seed{int(seed)}.duckdb"


def build(
    seed: int = PUBLIC_SEED,
    size: str = "small",
    out: Path | None = None,
    *,
    threads: int | None = None,
) -> Path:
    """Generate the StayHub database for `seed` and `size` at `out` (default: `default_path`),
    replacing any file there; return its path. `threads` caps DuckDB's threads (the rows are
    the same for any value; it exists to prove that and to share a busy machine)."""
    import duckdb

    from prodev.stayhub.data.generate import generate
    from prodev.stayhub.data.sizes import get_size

    spec = get_size(size)  # fail on a bad size before touching the disk
    target = Path(out) if out is not None else default_path(seed, size)
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target)
    temp = target.parent / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        con = duckdb.connect(str(temp))
        try:
            con.execute("SET enable_progress_bar = false")
            if threads is not None:
                con.execute(f"SET threads = {int(threads)}")
            generate(con, int(seed), spec)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(temp, target)
        _write_version(target)
    finally:
        for leftover in (temp, Path(f"{temp}.wal")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(f"{temp}.tmp", ignore_errors=True)
    return target


def dataset_path(seed: int = PUBLIC_SEED, size: str = "small", *, opaque: bool = False) -> Path:
    """The default dataset path for `seed` and `size` (see `default_path` for `opaque`), building
    it first if it is missing.

    Cheap when the file exists (one stat, no DuckDB import). When several processes ask at once,
    one builds under a lock file and the others wait and reuse its file."""
    path = default_path(seed, size, opaque=opaque)
    if _is_current(path):
        return path
    lock_path = path.parent / f".{path.name}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(lock_path, "a")  # closed by the `with` below
    except OSError as error:
        if path.is_file():  # a read-only copy (shared course folder): use it as it is
            print(f"note: using {path} as it is ({error.strerror})", file=sys.stderr)
            return path
        raise OSError(
            f"cannot create the StayHub dataset in {path.parent} ({error.strerror}): "
            "set PRODEV_DATA_DIR to a folder you can write to"
        ) from error
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not _is_current(path):
                build(seed, size, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def _version_path(path: Path) -> Path:
    return path.parent / f".{path.name}.version"


def _write_version(path: Path) -> None:
    """Record which generator wrote `path` (atomically, like the database itself)."""
    marker = _version_path(path)
    temp = marker.parent / f"{marker.name}.{os.getpid()}.tmp"
    temp.write_text(GENERATOR_VERSION + "\n")
    os.replace(temp, marker)


def _is_current(path: Path) -> bool:
    """True if `path` exists and was written by this generator version."""
    try:
        return path.is_file() and _version_path(path).read_text().strip() == GENERATOR_VERSION
    except OSError:
        return False


def _remove_stale_temps(target: Path, min_age_s: float = 1.0) -> None:
    """Delete temp files of earlier builds of `target` whose process is gone (e.g. killed)."""
    if not target.parent.is_dir():
        return
    for entry in target.parent.iterdir():
        match = _TEMP_PATTERN.match(entry.name)
        if not match or match["name"] != target.name:
            continue
        if _process_alive(int(match["pid"])):
            continue
        try:
            if time.time() - entry.stat().st_mtime >= min_age_s:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
        except FileNotFoundError:
            pass


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
