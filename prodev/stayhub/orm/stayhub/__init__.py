"""The StayHub Django app of module 09: models over the StayHub tables in SQLite."""
