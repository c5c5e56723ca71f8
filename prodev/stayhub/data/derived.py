"""Derived files: a file (or folder) made from others, rebuilt when stale, built once at a time.

The StayHub datasets, their SQLite and Parquet copies, the Django-shaped copy for module 09 and
the practice API's template are all derived files. One function makes each of them: it builds
into a temporary name beside the target and renames it into place, so a reader sees the old copy
or the new one, never half of one; and it builds under a lock file, so when several processes
(grading slots, test workers, notebooks) ask at once, one builds and the others wait and reuse it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from filelock import FileLock

# `.<name>.<pid>.<random>.tmp`: a build in progress (or of a process that was killed).
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]+\.tmp(\.wal|\.tmp)?$")
FALLBACK_DIR = "prodev-derived"  # in the temp folder, when the target's folder is read-only


def stamp_path(target: Path) -> Path:
    """Where the stamp (the version of what built `target`) is kept: `.<name>.version`."""
    return target.parent / f".{target.name}.version"


def temp_path(target: Path) -> Path:
    """A fresh temporary name beside `target` for one build."""
    return target.parent / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"


def is_current(target: Path, sources: Sequence[Path] = (), stamp: str | None = None) -> bool:
    """True if `target` exists, is no older than any source, and carries `stamp` (if given)."""
    try:
        built = target.stat().st_mtime
        if any(built < Path(source).stat().st_mtime for source in sources):
            return False
        return stamp is None or stamp_path(target).read_text().strip() == stamp
    except OSError:
        return False


def derived_file(
    target: Path,
    build: Callable[[Path], Any],
    *,
    sources: Sequence[Path] = (),
    stamp: str | None = None,
    fallback: bool = True,
) -> Path:
    """`target`, built by `build(temporary_path)` unless it is current (see `is_current`).

    If `target`'s folder cannot be written, the copy goes to <tmp>/prodev-derived/ instead (unless
    `fallback` is False); the path actually used is returned.
    """
    target = Path(target)
    candidates = [target]
    if fallback:
        candidates.append(Path(tempfile.gettempdir()) / FALLBACK_DIR / target.name)
    for candidate in candidates:
        if is_current(candidate, sources, stamp):
            return candidate
        try:
            candidate.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate.parent, os.W_OK):
            return _build_locked(candidate, build, sources, stamp)
    raise OSError(
        f"cannot write {target.name} beside {target.parent} or in the temp folder: "
        "make one of them writable (or set PRODEV_DATA_DIR to a folder you can write to)"
    )


def _build_locked(
    target: Path, build: Callable[[Path], Any], sources: Sequence[Path], stamp: str | None
) -> Path:
    with FileLock(target.parent / f".{target.name}.lock"):
        if is_current(target, sources, stamp):  # another process built it while we waited
            return target
        remove_stale_temps(target)
        temp = temp_path(target)
        try:
            build(temp)
            replace(temp, target)
            if stamp is not None:
                write_stamp(target, stamp)
        finally:
            _remove(temp)
            for leftover in (Path(f"{temp}.wal"), Path(f"{temp}.tmp")):
                _remove(leftover)
    return target


def write_stamp(target: Path, stamp: str) -> None:
    """Record that `target` was built by version `stamp` (atomically, like the file itself)."""
    marker = stamp_path(target)
    temp = temp_path(marker)
    temp.write_text(stamp + "\n")
    os.replace(temp, marker)


def replace(temp: Path, target: Path) -> None:
    """Move `temp` to `target` in one rename; a folder replaces an older folder as well."""
    if temp.is_dir() and target.is_dir():
        old = target.parent / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        os.replace(target, old)
        os.replace(temp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(temp, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_stale_temps(target: Path, min_age_s: float = 1.0) -> None:
    """Delete temporary files of earlier builds of `target` whose process is gone (killed)."""
    if not target.parent.is_dir():
        return
    for entry in target.parent.iterdir():
        match = _TEMP.match(entry.name)
        if not match or match["name"] != target.name or _process_alive(int(match["pid"])):
            continue
        try:
            if time.time() - entry.stat().st_mtime >= min_age_s:
                _remove(entry)
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
