"""The results documents of a graded lab, wherever they are.

`prodev report` reads what any grading run left behind:
- a results folder as `prodev grade --out OUT` or `prodev merge-results --out OUT` writes it
  (OUT/LAB/<student>.json);
- a folder of shards, as `prodev grade --shard I/N --out DIR/shard-I` (or the Kubernetes
  grading Job) leaves them, read as a merge reads them, without writing anything;
- a folder that holds results documents itself (OUT/LAB/ copied from a pod, say).

A file that is not a valid results document is left out and named, rather than stopping the
report (in shards it stops, as a merge would).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.results.document import ResultsDocument, ResultsError, read_results, results_files
from autograder.results.shards import read_shards
from prodev.course.layout import CourseError


@dataclass
class ClassResults:
    """A lab's results documents by student, and where they came from."""

    lab: str
    home: Path  # the folder the results were found in
    sources: list[Path] = field(default_factory=list)  # the folders of documents read
    documents: dict[str, ResultsDocument] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)  # file -> why it was not used


def _read_folder(folder: Path, results: ClassResults) -> None:
    results.sources.append(folder)
    for path in results_files(folder):
        try:
            document = read_results(path)
        except ResultsError as exc:
            results.left_out[str(path)] = str(exc)
            continue
        student = document["student"]
        if student in results.documents:
            results.left_out[str(path)] = f"a second results document for {student}"
            continue
        results.documents[student] = document


def _holds_documents(folder: Path) -> bool:
    return any(path.suffix == ".json" for path in results_files(folder))


def load_results(lab: str, where: Path) -> ClassResults:
    """The results of `lab` under `where` (see the module's docstring for the layouts read)."""
    where = Path(where).resolve()
    if not where.is_dir():
        raise CourseError(
            f"{where} is not a folder: pass --results the folder `prodev grade --out` or "
            "`prodev merge-results --out` wrote, or a folder of shards"
        )
    if _holds_documents(where / lab):
        results = ClassResults(lab, where / lab)
        _read_folder(where / lab, results)
    elif _holds_documents(where):
        results = ClassResults(lab, where)
        _read_folder(where, results)
    elif any((p / lab).is_dir() for p in where.iterdir() if p.is_dir()):
        shards = read_shards([where], lab)
        results = ClassResults(lab, where, sources=[s / lab for s in shards.sources])
        results.documents = dict(sorted(shards.documents.items()))
    else:
        results = ClassResults(lab, where)
    if not results.documents:
        raise CourseError(
            f"no results documents for {lab} in {where}: grade the lab first "
            f"(`prodev grade {lab}`), or pass --results the folder holding them"
        )
    return results
