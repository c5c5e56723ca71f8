"""What grading produces: the results document, its type and schema (`document`), scores
(`scoring`), the gradebook (`gradebook`), feedback pages (`feedback`), shards and their merge
(`shards`)."""
