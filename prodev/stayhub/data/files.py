"""Where datasets live and how they are written: atomically, and built once under a lock.

A build writes to a temporary file beside the target and renames it into place at the end, so
an interrupted or concurrent build never leaves a half-written database under the real name
(`prodev.stayhub.data.derived` does this for every derived file).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

from prodev.course.paths import PUBLIC_SEED, data_dir
from prodev.stayhub.data.derived import (
    derived_file,
    is_current,
    remove_stale_temps,
    temp_path,
    write_stamp,
)

# Bump when the generator changes what it writes: dataset_path() then rebuilds older files.
GENERATOR_VERSION = "3"


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
    record_version: bool = True,
) -> Path:
    """Generate the StayHub database for `seed` and `size` at `out` (default: `default_path`),
    replacing any file there; return its path. `threads` caps DuckDB's threads (the rows are
    the same for any value; it exists to prove that and to share a busy machine).
    `record_version` marks the file as this generator's, so `dataset_path` reuses it."""
    import duckdb

    from prodev.stayhub.data.generate import generate
    from prodev.stayhub.data.sizes import get_size

    spec = get_size(size)  # fail on a bad size before touching the disk
    target = Path(out) if out is not None else default_path(seed, size)
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    temp = temp_path(target)
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
        if record_version:  # so that dataset_path() knows this file is current
            write_stamp(target, GENERATOR_VERSION)
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
    if is_current(path, stamp=GENERATOR_VERSION):
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        writable = os.access(path.parent, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        if path.is_file():  # a read-only copy (shared course folder): use it as it is
            print(f"note: using {path} as it is (its folder is read-only)", file=sys.stderr)
            return path
        raise OSError(
            f"cannot create the StayHub dataset in {path.parent}: "
            "set PRODEV_DATA_DIR to a folder you can write to"
        )
    return derived_file(
        path,
        lambda temp: build(seed, size, temp, record_version=False),
        stamp=GENERATOR_VERSION,
        fallback=False,
    )
