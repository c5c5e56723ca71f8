"""One module per `prodev` subcommand; see prodev/cli.py."""
