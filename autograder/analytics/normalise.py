"""An answer reduced to what survives copying: a stream of tokens without the names the student
chose, literals, comments or formatting.

Python answers go through `ast`: every name the answer binds (variables, parameters, functions,
`as` targets) becomes `v`, numbers become `0`, short strings `'s'`, docstrings and type hints go,
and `ast.unparse` fixes the layout. Names the answer only uses (built-ins, the lab's imports,
methods) stay, since renaming cannot change them. A long string is content, not a literal: a SQL
query is parsed with sqlglot, its aliases (tables, CTEs, columns) become `_`, its literals `'s'`
and `0`, the operands of AND, OR and `=` are put in a fixed order, and it is printed back in one
layout; any other long text (a diagram) keeps its words. Code that does not parse falls back to
a looser tokenisation, so a broken answer is still compared.

Nothing here runs student code: it is read as text.
"""

from __future__ import annotations

import ast
import functools
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

# Longer answers are cut: a lab's answer is a few dozen lines.
MAX_ANSWER_CHARS = 100_000
# A string at least this long, or spanning lines, is the answer's content (a query, a diagram).
LONG_TEXT = 40
_SQL_START = re.compile(
    r"^\s*(?:(?:--[^\n]*|/\*.*?\*/)\s*)*"
    r"(SELECT|WITH|FROM|CREATE|INSERT|UPDATE|DELETE|ALTER|DROP|EXPLAIN|PRAGMA|VALUES|SET)\b",
    re.I | re.S,
)
_TEXT_SLOT = re.compile(r"^_text(\d+)_$")
_LOOSE = re.compile(
    r"(?P<comment>#[^\n]*)"
    r"|(?P<string>\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*')"
    r"|(?P<number>\d[\w.]*)|(?P<name>[A-Za-z_]\w*)|(?P<op>[^\s\w])"
)
_WORD = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Normalised:
    """An answer's token stream, and the names it chose (lower case), which display needs."""

    tokens: tuple[str, ...]
    names: frozenset[str]


def looks_like_sql(text: str) -> bool:
    """True if `text` starts, after comments, with a SQL statement's first keyword."""
    return bool(_SQL_START.match(text))


def normalise(code: str) -> Normalised:
    """The tokens of one answer cell (Python, possibly with IPython magics, or SQL in strings)."""
    code = code[:MAX_ANSWER_CHARS]
    stripped = code.lstrip()
    if stripped.startswith("%%sql"):
        tokens, names = sql_tokens(stripped.split("\n", 1)[1] if "\n" in stripped else "")
        return Normalised(tuple(tokens), frozenset(names))
    python, magic_sql = _split_magics(code)
    try:
        tokens, names = _python_tokens(python)
    except (SyntaxError, ValueError, RecursionError, MemoryError, tokenize.TokenError):
        tokens, names = _loose_tokens(python)
    for text in magic_sql:
        more, aliases = sql_tokens(text)
        tokens += more
        names |= aliases
    return Normalised(tuple(tokens), frozenset(names))


def _split_magics(code: str) -> tuple[str, list[str]]:
    """The cell with IPython line magics and shell lines blanked, and the SQL of `%sql` lines."""
    lines, sql = [], []
    for line in code.splitlines():
        text = line.lstrip()
        if text.startswith("%sql "):
            sql.append(text[len("%sql ") :])
        if text.startswith(("%", "!")):
            line = ""
        lines.append(line)
    return "\n".join(lines), sql


# ---- Python ------------------------------------------------------------------------------------
def _bound_names(tree: ast.AST) -> set[str]:
    """Names the answer itself binds: renaming them is what a copier does first."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias) and node.asname:
            names.add(node.asname)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    return names


class _Canonical(ast.NodeTransformer):
    """Rewrites a parsed answer into its canonical form; long strings become `_textN_` slots."""

    def __init__(self, names: set[str]):
        self.names = names
        self.texts: list[str] = []

    def _name(self, name: str | None) -> str | None:
        return "v" if name in self.names else name

    def _slot(self, text: str) -> ast.AST:
        self.texts.append(text)
        return ast.Name(id=f"_text{len(self.texts) - 1}_", ctx=ast.Load())

    def _drop_docstring(self, node: ast.AST) -> None:
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            if isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]

    def visit_Module(self, node: ast.Module) -> ast.AST:
        self._drop_docstring(node)
        return self.generic_visit(node)

    def _visit_definition(self, node: ast.AST) -> ast.AST:
        self._drop_docstring(node)
        node.name = self._name(node.name)
        if hasattr(node, "returns"):
            node.returns = None
        return self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_definition

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._name(node.arg)
        node.annotation = None
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        self.generic_visit(node)
        if node.value is None:
            return ast.Expr(value=node.target)
        return ast.Assign(targets=[node.target], value=node.value)

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        node.arg = self._name(node.arg)
        return self.generic_visit(node)

    def visit_alias(self, node: ast.alias) -> ast.AST:
        node.asname = self._name(node.asname)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        node.name = self._name(node.name)
        return self.generic_visit(node)

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> ast.AST:
        node.names = [self._name(n) for n in node.names]
        return node

    visit_Nonlocal = visit_Global

    def visit_MatchAs(self, node: ast.MatchAs | ast.MatchStar) -> ast.AST:
        node.name = self._name(node.name)
        return self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node: ast.MatchMapping) -> ast.AST:
        node.rest = self._name(node.rest)
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, str):
            if len(value) >= LONG_TEXT or "\n" in value.strip():
                return self._slot(value)
            return ast.Constant("s")
        if isinstance(value, bytes):
            return ast.Constant(b"")
        if isinstance(value, int | float | complex) and not isinstance(value, bool):
            return ast.Constant(0)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        # An f-string's text with each `{...}` as `_`: a query built with f-strings is still SQL.
        text = "".join(
            part.value if isinstance(part, ast.Constant) else "_" for part in node.values
        )
        if len(text) >= LONG_TEXT or "\n" in text.strip():
            return self._slot(text)
        return ast.Constant("s")


def _python_tokens(code: str) -> tuple[list[str], set[str]]:
    tree = ast.parse(code)
    names = _bound_names(tree)
    canonical = _Canonical(names)
    text = ast.unparse(ast.fix_missing_locations(canonical.visit(tree)))
    found = {n.lower() for n in names}
    tokens: list[str] = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        kind = token.type
        if kind in (tokenize.NL, tokenize.COMMENT, tokenize.ENCODING, tokenize.ENDMARKER):
            continue
        if kind == tokenize.NEWLINE:
            tokens.append(";")
        elif kind == tokenize.INDENT:
            tokens.append("{")
        elif kind == tokenize.DEDENT:
            tokens.append("}")
        elif kind == tokenize.NAME and (slot := _TEXT_SLOT.match(token.string)):
            more, aliases = text_tokens(canonical.texts[int(slot.group(1))])
            tokens += more
            found |= aliases
        else:
            tokens.append(token.string)
    return tokens, found


def _loose_tokens(code: str) -> tuple[list[str], set[str]]:
    """Tokens of code that does not parse: keywords kept, other names `v`, literals replaced."""
    tokens: list[str] = []
    found: set[str] = set()
    for match in _LOOSE.finditer(code):
        kind, value = match.lastgroup, match.group()
        if kind == "comment":
            continue
        if kind == "string":
            body = value.strip("\"'")
            if len(body) >= LONG_TEXT or "\n" in body.strip():
                more, aliases = text_tokens(body)
                tokens += more
                found |= aliases
            else:
                tokens.append("'s'")
        elif kind == "number":
            tokens.append("0")
        elif kind == "name":
            if keyword.iskeyword(value):
                tokens.append(value)
            else:
                tokens.append("v")
                found.add(value.lower())
        else:
            tokens.append(value)
    return tokens, found


# ---- SQL and other text ------------------------------------------------------------------------
def text_tokens(text: str) -> tuple[list[str], set[str]]:
    """Tokens of a long string: SQL through sqlglot, anything else as its words."""
    if looks_like_sql(text):
        return sql_tokens(text)
    return word_tokens(text), set()


def word_tokens(text: str) -> list[str]:
    """Words and punctuation, lower case, numbers as `0`."""
    return ["0" if w[0].isdigit() else w.lower() for w in _WORD.findall(text)]


def sql_tokens(text: str) -> tuple[list[str], set[str]]:
    """The canonical tokens of one or more SQL statements, and their aliases (lower case)."""
    tokens, aliases = _sql_tokens_cached(text[:MAX_ANSWER_CHARS])
    return list(tokens), set(aliases)


@functools.lru_cache(maxsize=4096)  # a class shares many queries; parsing is the slow part
def _sql_tokens_cached(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    import sqlglot

    try:
        statements = sqlglot.parse(text, read="duckdb")
    except Exception:  # sqlglot raises several kinds (parse, token, value errors) on bad SQL
        return tuple(_sql_words(text)), frozenset()
    tokens: list[str] = []
    aliases: set[str] = set()
    for statement in statements:
        if statement is None:
            continue
        try:
            found = _aliases(statement)
            canonical = _canonical_sql(statement, found)
            printed = canonical.sql(dialect="duckdb", comments=False)
            tokens += [_sql_token(t) for t in sqlglot.tokenize(printed, read="duckdb")]
        except Exception:  # a statement sqlglot parses but cannot print: compare its words
            found = set()
            tokens += _sql_words(statement.sql(dialect="duckdb", comments=False))
        tokens.append(";")
        aliases |= found
    return tuple(tokens), frozenset(aliases)


def _aliases(statement) -> set[str]:
    """The names a query chooses: table aliases, CTE names and their columns, column aliases."""
    from sqlglot import exp

    found: set[str] = set()
    for node in statement.find_all(exp.TableAlias, exp.Alias):
        if isinstance(node, exp.TableAlias):
            if node.name:
                found.add(node.name.lower())
            found.update(c.name.lower() for c in node.columns if c.name)
        elif node.alias:
            found.add(node.alias.lower())
    return found


def _canonical_sql(statement, aliases: set[str]):
    from sqlglot import exp

    def rename(node):
        if isinstance(node, exp.Identifier) and node.name.lower() in aliases:
            return exp.to_identifier("_")
        if isinstance(node, exp.Literal):
            return exp.Literal.string("s") if node.is_string else exp.Literal.number(0)
        return node

    tree = statement.transform(rename, copy=False)  # the tree is ours: parsed just now
    # Deepest first (reversed breadth-first order), so nested conditions are sorted before the
    # conditions that hold them are compared.
    for node in reversed(list(tree.find_all(exp.Connector, exp.EQ, exp.NEQ))):
        if isinstance(node, exp.EQ | exp.NEQ):
            left, right = node.this, node.expression
            if left is not None and right is not None and _shape(left) > _shape(right):
                node.set("this", right)
                node.set("expression", left)
        elif type(node.parent) is not type(node):
            operands = sorted(node.flatten(), key=_shape)
            chain = operands[0]
            for operand in operands[1:]:
                chain = type(node)(this=chain, expression=operand)
            node.replace(chain)
    return tree


def _shape(expression) -> str:
    """A key that orders operands the same way whatever order they were written in (printing
    each operand would do too, at several times the cost)."""
    return " ".join(f"{type(n).__name__}:{n.name}" for n in expression.walk())


def _sql_token(token) -> str:
    kind = token.token_type.name
    if kind == "STRING":
        return "'s'"
    if kind == "NUMBER":
        return "0"
    return token.text.lower()


def _sql_words(text: str) -> list[str]:
    """SQL sqlglot cannot parse: its tokens if it can tokenise them, else its words."""
    import sqlglot

    try:
        return [_sql_token(t) for t in sqlglot.tokenize(text, read="duckdb")]
    except Exception:  # not even tokens: fall back to words
        return word_tokens(text)
