"""`prodev new-lab labNN_slug`: a new lab that passes the course's own tests as it is generated.

It writes, from the templates in `autograder/templates/new_lab/`, every part a lab needs: the
nbgrader source notebook (setup, one SQL question, one Python question, each with its hint ladder,
answer cell and check cell), its public checks, its hidden checks with planted rows, one wrong
answer per question, and the release in labs/. The public checks' expected row count and
fingerprints are computed here, from the reference answers on the course dataset, exactly as an
author computes them for a question of their own.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodev.course.layout import Course, CourseError, Lab

TEMPLATES = Path(__file__).with_name("templates") / "new_lab"
MAX_NAME = 40
NAME = re.compile(r"lab(?P<number>\d\d)_(?P<slug>[a-z][a-z0-9]*(?:_[a-z0-9]+)*)")


class ScaffoldError(CourseError):
    """The lab cannot be created as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Question:
    """One question of the template: its id and points; its cells are the template files
    `<qid>_question.md` and `<qid>_answer.py`."""

    qid: str
    points: int


QUESTIONS = (Question("q1", 4), Question("q2", 4))


def check_name(name: str, course: Course) -> re.Match[str]:
    """ScaffoldError unless `name` has the form labNN_slug, fits, and its module has no lab."""
    match = NAME.fullmatch(name)
    if match is not None and len(name) > MAX_NAME:
        raise ScaffoldError(
            f"{name!r} is {len(name)} characters long: keep a lab's name to {MAX_NAME} (it heads "
            "files, lines and folders), e.g. by shortening the slug"
        )
    if match is None:
        raise ScaffoldError(
            f"{name!r} is not a lab name: write labNN_slug, two digits for the module and a "
            "lower-case slug of letters, digits and single underscores (e.g. lab07_http_clients)"
        )
    taken = [lab for lab in course.labs() if lab[3:5] == match["number"] and lab != name]
    if taken:
        raise ScaffoldError(
            f"module {match['number']} already has {taken[0]}: a module has one lab "
            "(pick another number, or edit that lab)"
        )
    return match


def _parts(course: Course, name: str) -> dict[str, Path]:
    """Where each generated part of lab `name` goes."""
    lab = Lab(course, name)
    return {
        "source": lab.source_dir,
        "release": lab.release_dir,
        "hidden": lab.hidden_checks,
        "fixtures": course.root / "tests" / "fixtures" / name,
    }


def _template(relative: str, **values: Any) -> str:
    return string.Template((TEMPLATES / relative).read_text(encoding="utf-8")).substitute(values)


def _cell(kind: str, grade_id: str, source: str, **nbgrader: Any) -> dict[str, Any]:
    meta = {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3}
    meta["solution"] = False
    meta.update(nbgrader)
    cell: dict[str, Any] = {
        "cell_type": kind,
        "id": grade_id.replace("_", "-"),
        "metadata": {"nbgrader": dict(sorted(meta.items()))},
        "source": source.rstrip("\n").splitlines(keepends=True),
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def build_notebook(name: str, number: str, title: str) -> dict[str, Any]:
    """The nbgrader source notebook of the new lab (no outputs)."""
    values = {"lab": name, "number": number, "title": title}
    cells = [
        _cell("markdown", "intro", _template("intro.md", **values)),
        _cell("code", "setup", _template("setup.ipy", **values)),
    ]
    for question in QUESTIONS:
        q = question.qid
        cells += [
            _cell("markdown", f"{q}_question", _template(f"{q}_question.md", **values)),
            _cell("code", q, _template(f"{q}_answer.py", **values), locked=False, solution=True),
            _cell("code", f"{q}_check", f'prodev.check("{q}")', grade=True, points=question.points),
        ]
    cells += [
        _cell("markdown", "check_all_intro", _template("check_all.md", **values)),
        _cell("code", "check_all", "prodev.check()"),
        _cell("markdown", "key_points", _template("key_points.md", **values)),
    ]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def notebook_text(nb: dict[str, Any]) -> str:
    """The notebook as Jupyter itself writes it, so that saving it in JupyterLab changes nothing."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def public_figures(dataset: Path) -> dict[str, Any]:
    """What the public checks compare with, computed from the reference answers (the answer
    cells of the template) on the course dataset: counts and fingerprints, never the rows."""
    from prodev.checking import fingerprint
    from prodev.checking.reference import reference_call, reference_rows

    answers: dict[str, Any] = {}
    for question in QUESTIONS:
        exec((TEMPLATES / f"{question.qid}_answer.py").read_text(encoding="utf-8"), answers)
    rows = reference_rows(answers["q1"], dataset).rows
    # The city with the most bookings: the public check of q2 asks about it.
    city = reference_call(
        lambda con: con.execute(
            "SELECT p.city FROM bookings AS b JOIN properties AS p USING (property_id) "
            "GROUP BY p.city ORDER BY count(*) DESC, p.city LIMIT 1"
        ).fetchone()[0],
        dataset,
    )
    longest = reference_call(answers["longest_stay"], dataset, city)
    return {
        "q1_rows": len(rows),
        "q1_fingerprint": fingerprint(rows),
        "q1_fingerprint_in_order": fingerprint(rows, ordered=True),
        "q2_city": city,
        "q2_fingerprint": fingerprint([longest]),
    }


def title_of(slug: str) -> str:
    """`http_clients` -> `Http clients`: a first title for the author to improve."""
    return slug.replace("_", " ").capitalize()


def new_lab(name: str, root: Path | None = None, release: bool = True) -> list[Path]:
    """Create lab `name` in the course at `root` and return the files written. Nothing is
    written if the name is malformed, its module number is taken, or any part already exists."""
    course = Course.load(root)
    match = check_name(name, course)
    parts = _parts(course, name)
    existing = [str(path) for path in parts.values() if path.exists()]
    if existing:
        raise ScaffoldError(
            f"{name} already exists ({', '.join(existing)}): pick another name, or remove "
            "those folders first"
        )
    from prodev.stayhub.data import dataset_path

    values = {"lab": name, **public_figures(dataset_path())}
    files = {
        parts["source"] / f"{name}.ipynb": notebook_text(
            build_notebook(name, match["number"], title_of(match["slug"]))
        ),
        parts["source"] / "checks" / "test_q1.py": _template("checks/test_q1.py.tmpl", **values),
        parts["source"] / "checks" / "test_q2.py": _template("checks/test_q2.py.tmpl", **values),
        parts["hidden"] / "conftest.py": _template("hidden/conftest.py.tmpl", **values),
        parts["hidden"] / "test_q1_hidden.py": _template("hidden/test_q1_hidden.py.tmpl", **values),
        parts["hidden"] / "test_q2_hidden.py": _template("hidden/test_q2_hidden.py.tmpl", **values),
    }
    for wrong in sorted((TEMPLATES / "wrong").glob("q*_*.py")):
        files[parts["fixtures"] / "wrong" / wrong.name] = wrong.read_text(encoding="utf-8")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    written = list(files)
    if release:
        from prodev.course.release import release as release_labs

        written += sorted(p for p in release_labs([name], course.root)[0].rglob("*") if p.is_file())
    return written
