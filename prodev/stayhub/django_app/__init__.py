"""StayHub as one Django app (label `stayhub`): the models of the course dataset's tables, used
by the practice API, the module 09 lesson and lab, and the grader. `models.py` mirrors
`prodev.stayhub.data.schema.DDL` column by column (a test holds them together); `migrations/`
creates the same tables on PostgreSQL or SQLite."""
