"""The StayHub world: the dataset generator, the Django ORM app and the practice API."""
