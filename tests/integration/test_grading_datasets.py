"""Before any sandbox starts, the grader builds every dataset a notebook may read, derived copies
included: the sandbox mounts the data folder read-only, so a lab 06 setup cell that reads the
public dataset's Parquet copy (built on a student's machine the first time it is asked for)
would find nothing there on a grading machine that never ran the lab."""

from __future__ import annotations

from autograder.runner import _prepare_datasets, grading_dataset


def test_public_and_hidden_datasets_come_with_their_copies(tmp_path, monkeypatch):
    monkeypatch.setenv("PRODEV_DATA_DIR", str(tmp_path))
    public, hidden = _prepare_datasets(grading_dataset, hidden_seed=1234)
    for dataset in public + hidden:
        assert dataset.parent == tmp_path, dataset
        parquet = dataset.with_name(dataset.stem + "_parquet")
        assert any((parquet / "bookings").rglob("*.parquet")), f"no Parquet copy of {dataset.name}"
        assert dataset.with_suffix(".sqlite").is_file(), f"no SQLite copy of {dataset.name}"
