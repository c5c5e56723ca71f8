"""nbgrader's filesystem exchange, adapted to a hub that runs every student under a uid of their
own (docs/deployment.md, "The class hub").

- `PrivateSubmit` (students): nbgrader leaves each submission folder in `inbound/` world-writable
  (0777), so whoever learns its name can read or replace it. `inbound/` is a set-group-id drop
  box of the staff group, so every folder of a submission belongs to that group; this closes them
  to everyone else (0770). The files keep nbgrader's 0444: some are written as the student's group
  (nbgrader adds timestamp.txt after copying), and the folders already keep everyone else out.
- `CheckedCollect` (staff): nbgrader takes a submission's student from the folder's name, which
  its author chose. This takes it from the folder's owner, a uid the kernel sets, looked up in
  the roster that the hub writes when it starts a student's server (`roster/<uid>` holds the hub
  user's name). A folder named for someone else counts as its author's; a symbolic link, which
  would make collect copy whatever it points to in the staff's pod, is refused, and so is a
  folder whose name holds no time (nbgrader's collect would stop there for the whole class).
  A submission is copied from its folder opened once, links kept as links, and the copy is
  dropped if it holds anything but folders and regular files: its author may still change it.

The hub's nbgrader configuration selects them (`c.ExchangeFactory.submit`, `.collect`).
"""

from __future__ import annotations

import glob
import os
import shutil
import stat

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange import ExchangeError
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import check_mode, ignore_patterns

FOLDER_MODE = 0o770  # the author and the staff group (the drop box's group) only


class PrivateSubmit(ExchangeSubmit):
    def copy_files(self):
        super().copy_files()
        submission = os.path.join(self.inbound_path, self.assignment_filename)
        for folder, _, _ in os.walk(submission):
            os.chmod(folder, FOLDER_MODE)


class CheckedCollect(ExchangeCollect):
    def init_src(self):
        if not self.coursedir.course_id:
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            try:
                self.duedate = gradebook.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        student = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, f"{student}+{self.coursedir.assignment_id}+*")
        by_author: dict[str, list[dict]] = {}
        for path in sorted(glob.glob(pattern)):
            record = self._authored_record(path)
            if record is not None:
                by_author.setdefault(record["username"], []).append(record)
        self.src_records = [self._choose(records) for records in by_author.values()]

    def _authored_record(self, path: str) -> dict | None:
        """The submission's record, named for its author, or None (and why) to leave it out."""
        if os.path.islink(path) or not os.path.isdir(path):
            self.log.error("%s is not a folder a student submitted: not collected", path)
            return None
        try:
            record = self._path_to_record(path)
        except (ExchangeError, ValueError, OverflowError):
            self.log.error("%s does not name a student and a time: not collected", path)
            return None
        owner = os.lstat(path).st_uid
        author = self._roster_name(owner)
        if author is None:
            self.log.error(
                "%s was made by uid %d, which the hub's roster does not name: not collected",
                path,
                owner,
            )
            return None
        if author != record["username"]:
            self.log.warning(
                "%s is named for %s but was made by %s: collected as %s's",
                path,
                record["username"],
                author,
                author,
            )
            record["username"] = author
        return record

    def do_copy(self, src: str, dest: str):
        """Copy a submission that its author may still be changing: from the folder opened once
        (a link put in its place later is not followed), keeping links as links, then keep the
        copy only if it holds nothing but folders and regular files."""
        folder = os.open(src, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            pinned = f"/proc/self/fd/{folder}"
            limit = 1000 * self.coursedir.max_dir_size
            if self.get_size(pinned) > limit:
                raise OSError(f"it is larger than {limit} bytes")
            shutil.copytree(
                pinned,
                dest,
                symlinks=True,
                ignore=ignore_patterns(
                    exclude=self.coursedir.ignore,
                    include=self.coursedir.include,
                    max_file_size=self.coursedir.max_file_size,
                    log=self.log,
                ),
            )
            odd = next(_not_plain(dest), None)
            if odd is not None:
                raise OSError(f"it holds {os.path.relpath(odd, dest)}, neither a folder nor a file")
        except (OSError, shutil.Error) as exc:
            shutil.rmtree(dest, ignore_errors=True)
            self.log.error("%s is not collected: %s", src, exc)
        finally:
            os.close(folder)

    def _roster_name(self, uid: int) -> str | None:
        entry = os.path.join(self.root, self.coursedir.course_id, "roster", str(uid))
        try:
            with open(entry) as file:
                return file.read().strip() or None
        except FileNotFoundError:
            return None

    def _choose(self, records: list[dict]) -> dict:
        """The latest submission, or with --before-duedate the latest one on time, if any."""
        latest_first = self._sort_by_timestamp(records)
        if self.duedate is not None and self.before_duedate:
            on_time = [r for r in latest_first if r["timestamp"] <= self.duedate]
            if on_time:
                return on_time[0]
        return latest_first[0]


def _not_plain(top: str):
    """Every path under top that is neither a real folder nor a regular file."""
    for folder, folders, files in os.walk(top):
        for name in folders + files:
            path = os.path.join(folder, name)
            mode = os.lstat(path).st_mode
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                yield path
