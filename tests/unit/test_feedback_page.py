"""The HTML feedback page: what it shows, and that text from a submission is never markup."""

from __future__ import annotations

from html.parser import HTMLParser

from autograder.results.feedback import render

ATTACK = "<script>alert('pwned')</script><img src=x onerror=alert(1)>"


class Elements(HTMLParser):
    """The tags of a page and its text, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> Elements:
    elements = Elements()
    elements.feed(page)
    return elements


def document(**changes) -> dict:
    base = {
        "student": "ann",
        "score": 3,
        "max_score": 6.5,
        "questions": {
            "q1": {"score": 1, "max_score": 2, "reason": "expected 5 rows, got 3"},
            "q2": {"score": 2, "max_score": 2, "reason": None},
        },
        "tests": [
            {"name": "q1: test_rows", "max_score": 1, "status": "failed", "output": "3 != 5"},
            {"name": "q2: test_ok", "max_score": 2, "status": "passed", "output": ""},
        ],
        "notes": ["the answer cell `q3` appears more than once; the first one ran"],
        "cell_errors": ["code cell 4: ZeroDivisionError: division by zero"],
    }
    return base | changes


def test_the_page_shows_scores_reasons_failed_checks_notes_and_cell_errors():
    page = render(document(), "lab04_advanced_sql")
    text = " ".join(" ".join(parse(page).text).split())
    assert "lab04_advanced_sql: feedback for ann" in text
    assert "Score: 3 / 6.5" in text
    assert "q1 1 / 2 expected 5 rows, got 3" in text
    assert "q1: test_rows (1 pt): 3 != 5" in text and "test_ok" not in text
    assert "appears more than once" in text and "ZeroDivisionError" in text
    assert "<td class='ko'>1 / 2</td>" in page and "<td class='ok'>2 / 2</td>" in page


def test_a_clean_page_has_no_failure_sections():
    clean = document(
        score=4,
        max_score=4,
        questions={"q1": {"score": 4, "max_score": 4, "reason": None}},
        tests=[{"name": "q1: t", "max_score": 4, "status": "passed", "output": ""}],
        notes=[],
        cell_errors=[],
    )
    page = render(clean, "lab04")
    assert "Checks that failed" not in page and "Notes" not in page and "raised" not in page


def test_text_a_student_controls_is_escaped_everywhere():
    """A cell's error and a check's message can quote the student's code; neither may run."""
    attack = document(
        questions={"q1": {"score": 0, "max_score": 2, "reason": ATTACK}},
        tests=[{"name": "q1: t", "max_score": 2, "status": "failed", "output": ATTACK}],
        notes=[ATTACK],
        cell_errors=[ATTACK],
    )
    page = render(attack, "lab04")
    elements = parse(page)
    assert "script" not in elements.tags and "img" not in elements.tags
    assert sum(ATTACK in t for t in elements.text) == 4, "the text must still be shown, as text"
    assert "&lt;script&gt;" in page and "<script>" not in page
    control = parse(render(document(), "lab04"))
    assert "script" not in control.tags  # the control page has no script element either
