"""No lesson hands out its lab's answers: no line of a reference answer (between the solution
markers) appears in the module's lesson, code cells and code in markdown alike, once whitespace
and names are normalised away. Lines of a few tokens (`break`, `async with gate:`,
`return response.json()`, `await asyncio.sleep(gap)`) are the idioms of an API, not answers,
and are not compared.

Modules join MODULES as their lessons are reworked to teach on a sibling problem.
"""

from __future__ import annotations

import io
import keyword
import re
import textwrap
import tokenize

import pytest
from labs_harness import ROOT, Lab, answer_cells, solution_body

from prodev.runtime.notebook import cell_source, read_notebook

MODULES = ["08"]
SHORTEST = 8  # tokens: shorter lines (one call with one argument) are idioms, not answers
FENCED = re.compile(r"```(?:python)?\n(.*?)```", re.S)


def normalised_lines(source: str) -> set[str]:
    """Each logical line as its tokens, with every name that is not an attribute and not a
    keyword replaced by `_` (so renaming variables does not hide a copied line)."""
    lines: set[str] = set()
    current: list[str] = []
    previous = ""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for token in tokens:
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            if len(current) >= SHORTEST:
                lines.add(" ".join(current))
            current = []
        elif token.type in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
            continue
        elif token.type == tokenize.NAME and not keyword.iskeyword(token.string):
            current.append(token.string if previous == "." else "_")
        else:
            current.append(token.string)
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.string
    return lines


def lesson_code(module: str) -> list[str]:
    """Every piece of code in the module's lesson: code cells and fenced code in markdown."""
    (path,) = (ROOT / "course").glob(f"{module}_*/{module}_*.ipynb")
    pieces = []
    for cell in read_notebook(path)["cells"]:
        text = cell_source(cell)
        if cell["cell_type"] == "code":
            pieces.append(re.sub(r"^\s*[%!].*$", "", text, flags=re.M))  # magics are not Python
        else:
            pieces.extend(FENCED.findall(text))
    return [textwrap.dedent(piece) + "\n" for piece in pieces]


def test_normalising_sees_through_renamed_variables():
    answer = normalised_lines("rows = await client.get(url, params=query)\n")
    lesson = normalised_lines("page = await session.get(link, params=wanted)\n")
    assert answer and answer == lesson
    assert not normalised_lines("break\n")


@pytest.mark.parametrize("module", MODULES)
def test_lesson_holds_no_line_of_its_labs_answers(module: str) -> None:
    in_lesson: set[str] = set()
    for piece in lesson_code(module):
        in_lesson |= normalised_lines(piece)
    labs = [Lab(p.name) for p in (ROOT / "solutions").glob(f"lab{module}_*")]
    assert labs, f"no lab for module {module}"
    leaked = {}
    for lab in labs:
        for question, cell in answer_cells(read_notebook(lab.source)).items():
            body = solution_body(cell_source(cell))
            for line in normalised_lines(textwrap.dedent(body)):
                if line in in_lesson:
                    leaked.setdefault(question, []).append(line)
    assert not leaked, f"lesson {module} holds lines of its lab's answers: {leaked}"
