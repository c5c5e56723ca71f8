"""One HTML feedback page per student, built only from their results file.

The page shows each question's score and every failed check's message. It is built from the
results document alone, which names hidden checks generically and holds only their messages, so
no hidden check's code or data can appear in it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from jinja2 import Environment, StrictUndefined

from autograder.results.document import ResultsDocument, read_results_if_valid, results_files
from prodev.course.layout import CourseError

# Autoescape: every value from the results document (the student's id, a check's message, a
# cell's error, which can quote student code) is HTML-escaped, never pasted in as markup.
_TEMPLATE = Environment(autoescape=True, undefined=StrictUndefined).from_string(
    """<!doctype html><html lang='en'><head><meta charset='utf-8'>
<title>{{ lab }}: feedback for {{ student }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; color: #1f2328; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border-bottom: 1px solid #d0d7de; padding: .4rem .6rem; text-align: left; }
.ok { color: #1a7f37; } .ko { color: #cf222e; } .muted { color: #57606a; }
</style></head><body>
<h1>{{ lab }}</h1><p class='muted'>Feedback for {{ student }}</p>
{%- if late and late.seconds_late > 0 %}
<p>Checks: {{ score }} / {{ max_score }}. Submitted {{ late.how_late }} after the due date
({{ late.due }}; submitted {{ late.submitted }}): late penalty {{ late.penalty }}.</p>
<p><b>Final score: {{ late.final_score }} / {{ max_score }}</b></p>
{%- else %}
<p><b>Score: {{ score }} / {{ max_score }}</b></p>
{%- endif %}
<table><thead><tr><th>question</th><th>points</th><th>why points were lost</th></tr></thead><tbody>
{%- for q in questions %}
<tr><td>{{ q.name }}</td><td class='{{ q.css }}'>{{ q.score }} / {{ q.max_score }}</td>
<td>{{ q.why }}</td></tr>
{%- endfor %}
</tbody></table>
{%- if failed %}
<h2>Checks that failed</h2><ul>
{%- for t in failed %}
<li><b>{{ t.name }}</b> ({{ t.max_score }} pt): {{ t.output }}</li>
{%- endfor %}
</ul>
<p class='muted'>Hidden checks run your code on data you have not seen; only their messages are
shown.</p>
{%- endif %}
{%- if notes %}
<h2>Notes</h2><ul>
{%- for note in notes %}
<li>{{ note }}</li>
{%- endfor %}
</ul>
{%- endif %}
{%- if cell_errors %}
<h2>Cells that raised an error</h2><ul>
{%- for error in cell_errors %}
<li><code>{{ error }}</code></li>
{%- endfor %}
</ul>
{%- endif %}
</body></html>
"""
)


def _points(value: float) -> str:
    return f"{value:g}"


def _duration(seconds: float) -> str:
    """`seconds` as days, hours and minutes, the largest two that are not zero."""
    minutes = int(seconds // 60)
    parts = [(minutes // 1440, "d"), (minutes // 60 % 24, "h"), (minutes % 60, "min")]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return " ".join(shown) or f"{seconds:.0f} s"


def render(document: ResultsDocument, lab: str) -> str:
    """The feedback page for one results document."""
    questions = []
    for name, t in document.get("questions", {}).items():
        full = t["score"] >= t["max_score"] and t["max_score"]
        questions.append(
            {
                "name": name,
                "css": "ok" if full else "ko",
                "score": _points(t["score"]),
                "max_score": _points(t["max_score"]),
                "why": (t.get("reason") or "") if t["score"] < t["max_score"] else "",
            }
        )
    failed = [
        {"name": t["name"], "max_score": _points(t["max_score"]), "output": t.get("output") or ""}
        for t in document.get("tests", [])
        if t.get("status") != "passed"
    ]
    late = document.get("late")
    return _TEMPLATE.render(
        lab=lab,
        student=document["student"],
        late=late
        and {
            "seconds_late": late["seconds_late"],
            "how_late": _duration(late["seconds_late"]),
            "due": late["due"] or "unknown",
            "submitted": late["submitted"] or "unknown",
            "penalty": _points(late["penalty"]),
            "final_score": _points(late["final_score"]),
        },
        score=_points(document["score"]),
        max_score=_points(document["max_score"]),
        questions=questions,
        failed=failed,
        notes=document.get("notes", []),
        cell_errors=document.get("cell_errors", []),
    )


def write_feedback(results_dir: Path, lab: str, target: Path | None = None) -> list[Path]:
    """Write <target>/<student>.html for every results file in results_dir/LAB/."""
    folder = Path(results_dir) / lab
    if not folder.is_dir():
        raise CourseError(
            f"no results for {lab} in {folder}: run `prodev grade {lab}` first "
            "(or pass the same --out you graded with)"
        )
    target = Path(target) if target else folder / "feedback"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for path in results_files(folder):
        document = read_results_if_valid(path)
        if document is None:
            continue
        page = target / f"{path.stem}.html"
        page.write_text(render(document, lab), encoding="utf-8")
        written.append(page)
    return written


# What nbgrader's release_feedback reads beside each page (nbgrader collect puts both there).
_RELEASE_FILES = ("timestamp.txt", "submission_secret.txt")


def write_nbgrader_feedback(
    pages: list[Path], lab: str, submitted: Path, feedback_root: Path
) -> list[Path]:
    """Copy each page to feedback_root/<student>/LAB/LAB.html, where `nbgrader release_feedback`
    looks, with the submission's timestamp.txt and submission_secret.txt; only for students
    whose submission came through nbgrader's exchange (the folder holds both files)."""
    copied = []
    for page in pages:
        student = page.stem
        collected = Path(submitted) / student / lab
        if not all((collected / name).is_file() for name in _RELEASE_FILES):
            continue
        target = Path(feedback_root) / student / lab
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target / f"{lab}.html")
        for name in _RELEASE_FILES:
            shutil.copyfile(collected / name, target / name)
        copied.append(target / f"{lab}.html")
    return copied
