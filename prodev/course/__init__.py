"""Course operations: where things live on disk, releasing labs, the student bundle."""
