"""Proof that a wrong answer cannot move another question's score, without grading every other
question beside every wrong answer.

A wrong answer for question p could cost points on question q in three ways: p's cell rebinds a
name that q's answer or the setup defined (or, raising, leaves one unbound); q's answer reads a
name that p's cell binds; or p's cell changes state outside the namespace at run time. The first
two are proven for every wrong answer here, from the notebook run that grades it anyway: after
all cells ran, every name outside p's cell holds what it holds in the reference (`fingerprint`),
and no answer of another question reads a name of p's cell (`global_reads`), unless its question
is declared to build on p. The third is sampled by one cross pass of real checks
(labs_harness.cross_plan).
"""

from __future__ import annotations

import ast
import hashlib
import pathlib
import re
import types
from typing import Any

# Names IPython itself binds in a shell's namespace (output history, input history, helpers).
_IPYTHON_NAME = re.compile(r"_+|_i+|_i?\d+|_[ido]h|In|Out|get_ipython|exit|quit|__\w+__")
_PLAIN = (str, bytes, int, float, complex, bool, type(None), pathlib.PurePath)
_DEPTH = 6


def _code_digest(code: types.CodeType) -> str:
    """The code object's behaviour, not where it was compiled: IPython names each cell's file
    after the kernel's process, which differs between the pool's processes. (Constants go
    through `_digest`: a frozenset's repr follows the process's string hashing.)"""
    consts = [
        _code_digest(c) if isinstance(c, types.CodeType) else _digest(c) for c in code.co_consts
    ]
    parts = (code.co_name, code.co_code, code.co_names, code.co_varnames, code.co_freevars, consts)
    return repr(parts)


def _digest(value: Any, depth: int = 0, namespace: dict | None = None) -> str:
    """A description of `value` that is equal for equal definitions in two processes. Objects
    that are neither data nor definitions (connections, servers) are described by their type;
    the notebook's namespace itself (a helper may hold `globals()`) by its name only."""
    if namespace is not None and value is namespace:
        return "the notebook's namespace"
    if depth > _DEPTH:
        return type(value).__qualname__

    def inner(item: Any) -> str:
        return _digest(item, depth + 1, namespace)

    if isinstance(value, _PLAIN):
        return repr(value)
    if isinstance(value, list | tuple):
        return f"{type(value).__name__}[{', '.join(inner(v) for v in value)}]"
    if isinstance(value, set | frozenset):
        return f"set{{{', '.join(sorted(inner(v) for v in value))}}}"
    if isinstance(value, dict):
        return f"dict{{{', '.join(sorted(f'{inner(k)}: {inner(v)}' for k, v in value.items()))}}}"
    if isinstance(value, types.ModuleType):
        return f"module {value.__name__}"
    if isinstance(value, types.FunctionType):
        cells = [inner(c.cell_contents) for c in value.__closure__ or () if _filled(c)]
        defaults = inner(value.__defaults__), inner(value.__kwdefaults__)
        return f"function {_code_digest(value.__code__)} {defaults} {cells}"
    if isinstance(value, classmethod | staticmethod):
        return f"{type(value).__name__} {inner(value.__func__)}"
    if isinstance(value, property):
        return f"property {[inner(f) for f in (value.fget, value.fset, value.fdel)]}"
    if isinstance(value, type):
        if value.__module__ != "__main__":
            return f"class {value.__module__}.{value.__qualname__}"
        body = {k: v for k, v in vars(value).items() if k not in ("__dict__", "__weakref__")}
        return f"class {value.__qualname__} {inner(body)}"
    return f"instance of {type(value).__module__}.{type(value).__qualname__}"


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def fingerprint(namespace: dict[str, Any]) -> dict[str, str]:
    """Name -> digest, for every name the notebook's cells bound (IPython's own left out)."""
    return {
        name: hashlib.sha256(_digest(value, namespace=namespace).encode()).hexdigest()
        for name, value in namespace.items()
        if not _IPYTHON_NAME.fullmatch(name)
    }


def _code_reads(code: types.CodeType) -> set[str]:
    reads = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            reads |= _code_reads(const)
    return reads


def global_reads(namespace: dict[str, Any], names: set[str]) -> set[str]:
    """The global names that the functions and classes bound to `names` can read when called
    (attribute names are included too: a superset, which only makes the proof stricter)."""
    reads: set[str] = set()
    for name in names:
        value = namespace.get(name)
        if isinstance(value, types.FunctionType):
            reads |= _code_reads(value.__code__)
        elif isinstance(value, type) and value.__module__ == "__main__":
            for member in vars(value).values():
                func = getattr(member, "__func__", member)
                if isinstance(func, types.FunctionType):
                    reads |= _code_reads(func.__code__)
    return reads


def bound_names(source: str) -> set[str]:
    """The names a cell binds at its top level (definitions, assignments, imports, loop and
    `with` targets), read from its text. A cell that does not parse binds nothing we can see."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in _top_level(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
    return names


def _top_level(statements: list[ast.stmt]):
    """Every node of the module's top level, into `if`/`for`/`with`/`try` bodies but not into
    functions and classes (their local names are not the namespace's)."""
    for statement in statements:
        yield statement
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield from statement.decorator_list
            continue
        for child in ast.iter_child_nodes(statement):
            if isinstance(child, ast.stmt):
                yield from _top_level([child])
            else:
                yield from ast.walk(child)
