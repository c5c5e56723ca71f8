"""The one base class of mistakes a person can fix: a wrong path, an unknown lab, a bad option.

Every user-facing error of `prodev` and the grading engine derives from `UserError`, so the
command line catches them in one place (`prodev.cli.main`) and prints the message without a
traceback. This module imports nothing: code that runs beside student code may use it.
"""


class UserError(Exception):
    """A mistake the person running the code can fix; the message says what to do."""
