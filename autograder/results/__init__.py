"""What grading produces: scores and results files (`scoring`), the gradebook (`gradebook`),
feedback pages (`feedback`), shards and their merge (`shards`)."""
