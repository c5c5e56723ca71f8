"""nbgrader's submit, with a submission that only its author and the course staff can open.

nbgrader's filesystem exchange leaves each submission folder in `inbound/` world-writable (0777):
whoever learns the folder's name can read or replace another student's work. On a hub where
every student runs under a uid of their own and `inbound/` is a set-group-id drop box owned by
the staff group (docs/deployment.md), each folder of a submission belongs to that group; this
closes them to everyone else: folders 0770. The files keep nbgrader's 0444: some are written as
the student's group (nbgrader adds timestamp.txt after copying), and the folders already keep out
everyone but the author and the staff.

The hub's nbgrader configuration selects it with
`c.ExchangeFactory.submit = "prodev.course.exchange.PrivateSubmit"`.
"""

from __future__ import annotations

import os

from nbgrader.exchange.default.submit import ExchangeSubmit

FOLDER_MODE = 0o770  # the author and the staff group (the drop box's group) only


class PrivateSubmit(ExchangeSubmit):
    def copy_files(self):
        super().copy_files()
        submission = os.path.join(self.inbound_path, self.assignment_filename)
        for folder, _, _ in os.walk(submission):
            os.chmod(folder, FOLDER_MODE)
