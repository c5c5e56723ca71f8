"""Read the student's own cells for code that reaches into the grader's modules.

Some facts a check needs happen only inside the student's process: whether an exception left a
`with` block, whether a wait yielded to the event loop. A notebook that rewrites the grader's
modules there (`prodev.runtime`, `prodev.probes`, `prodev.checking`) can change what those
checks are told, and no observer outside the process would know. The notebook's source is
outside its reach, though: the grader reads it here, before anything runs, and says what it
found as an "integrity:" note for the instructor. No lab's answer needs these modules.

It is a reading of the code, not a proof: code that hides what it imports (`exec` of a built
string) is named by the escape hatch it uses; a cell that does not parse cannot run either, so
it is not read.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

# The grader's own modules: a student's answer has no use for them.
GRADER_MODULES = ("prodev.runtime", "prodev.probes", "prodev.checking", "autograder")
# Ways to reach a module or an object without naming it in an import.
ESCAPE_HATCHES = {
    "sys.modules": "looks modules up in sys.modules",
    "__import__": "imports by a name built at run time (__import__)",
    "importlib": "imports by a name built at run time (importlib)",
    "gc.get_objects": "walks every live object (gc.get_objects)",
    "gc.get_referrers": "walks every live object (gc.get_referrers)",
    "ctypes": "writes to memory directly (ctypes)",
    "exec": "runs code built at run time (exec)",
    "eval": "runs code built at run time (eval)",
}


def _grader_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in GRADER_MODULES)


def _dotted(node: ast.AST) -> str | None:
    """`a.b.c` for an attribute chain on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _python_lines(source: str) -> str | None:
    """The cell as Python: IPython's line magics and shell escapes blanked; None for a cell
    magic (`%%sql`...), whose body is not Python."""
    if source.lstrip().startswith("%%"):
        return None
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append("" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def findings(source: str) -> list[str]:
    """What one cell does that reaches the grader, in words; empty when nothing does."""
    python = _python_lines(source)
    if python is None:
        return []
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return []  # it cannot run either: the cell's error is reported as such
    found: list[str] = []

    def add(text: str) -> None:
        if text not in found:
            found.append(text)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _grader_module(alias.name):
                    add(f"imports {alias.name}")
                elif alias.name.split(".")[0] in ("importlib", "ctypes"):
                    add(ESCAPE_HATCHES[alias.name.split(".")[0]])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _grader_module(node.module):
                add(f"imports {node.module}")
            for alias in node.names:  # from prodev import probes
                if _grader_module(f"{node.module}.{alias.name}"):
                    add(f"imports {node.module}.{alias.name}")
            if node.module.split(".")[0] in ("importlib", "ctypes"):
                add(ESCAPE_HATCHES[node.module.split(".")[0]])
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted and _grader_module(dotted) and dotted.startswith("prodev."):
                add(f"reaches {'.'.join(dotted.split('.')[:2])}")
            if dotted in ESCAPE_HATCHES:
                add(ESCAPE_HATCHES[dotted])
        elif isinstance(node, ast.Name) and node.id in ("__import__", "exec", "eval"):
            add(ESCAPE_HATCHES[node.id])
    return found


def reach_notes(cells: Iterable[tuple[str, str]]) -> list[str]:
    """One "integrity:" note per student-written cell (label, source) that reaches the grader."""
    notes = []
    for label, source in cells:
        found = findings(source)
        if found:
            where = label if label.startswith("extra") else f"the answer cell `{label}`"
            notes.append(
                f"integrity: {where} {'; '.join(found)}: code there can change what the checks "
                "are told, so review this notebook's score by hand"
            )
    return notes
