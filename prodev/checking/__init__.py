"""What check authors use (`check`, `fingerprint`, `assert_rows`, `rows_problem`) and how checks
run: the `Student` handle (`student`), the pytest runner (`checkrun`), self-check (`selfcheck`).
"""

from prodev.checking.checks import MARKER, assert_rows, check, fingerprint, rows_problem

__all__ = ["MARKER", "assert_rows", "check", "fingerprint", "rows_problem"]
