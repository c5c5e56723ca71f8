"""Course operations: the course model (layout.py: where things live, from nbgrader_config.py),
releasing labs, the student bundle."""
