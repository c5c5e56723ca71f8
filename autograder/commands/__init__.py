"""The grading engine's `prodev` subcommands; absent from the student bundle, so absent
from its `prodev --help`."""
