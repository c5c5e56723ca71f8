"""What a grading run prints beside the grades: the time left, and why a regrade happens."""


def test_the_progress_line_says_the_time_left_at_the_pace_so_far():
    from autograder.runner import _time_left

    assert _time_left(10.0, 2, 6) == ", about 20 s left"
    assert _time_left(60.0, 1, 4) == ", about 3 min left"
    assert _time_left(5.0, 4, 4) == ""


def test_a_regrade_names_the_files_that_changed_and_never_the_seed(tmp_path):
    from autograder.results.changes import lab_changes, save_lab_version

    before = {"source/lab.ipynb": "a", "hidden/test_q1.py": "b"}
    save_lab_version(tmp_path, "k1", before)
    after = {"source/lab.ipynb": "a", "hidden/test_q2.py": "c"}
    assert (
        lab_changes(tmp_path, "k1", after) == "hidden/test_q1.py removed, hidden/test_q2.py added"
    )
    # same files, another key: only the seed (or the results format) can have changed
    assert lab_changes(tmp_path, "k1", before) == (
        "no file changed, so the hidden seed (or the results format) did"
    )
    assert lab_changes(tmp_path, "unknown", after) is None
    assert "seed" not in (tmp_path / "lab-versions" / "k1.json").read_text()
