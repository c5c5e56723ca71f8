"""The teaching notebooks in course/ follow the lesson format readers rely on.

nbval itself runs every notebook (pytest collects course/ with --nbval-lax); this checks what it
cannot: the lesson's frame, with questions and objectives up front and key points at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prodev.runtime.notebook import cell_source, read_notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "course").glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))


def notebook_id(path: Path) -> str:
    return path.parent.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_lesson_opens_with_questions_and_objectives_and_closes_with_key_points(
    path: Path,
) -> None:
    cells = read_notebook(path)["cells"]
    markdown = [cell_source(c) for c in cells if c["cell_type"] == "markdown"]
    assert markdown and markdown[0].startswith("# "), f"{path.name}: start with a # title cell"
    assert "**Questions**" in markdown[0] and "**Objectives**" in markdown[0], (
        f"{path.name}: the title cell should list **Questions** and **Objectives**"
    )
    assert any("Key points" in text for text in markdown[-2:]), (
        f"{path.name}: close with a Key points cell"
    )
