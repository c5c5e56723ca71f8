"""A generated class for lab 04, for the tests and the benchmark of `prodev report` and
`prodev similarity`.

Every student answers each question with one answer from a pool: the reference answer
(solutions/), the correct rewrites in tests/fixtures/lab04_advanced_sql/rewrites/ (each proven by
tests/content/test_labs.py) and the wrong answers in .../wrong/, or leaves it blank; and writes it
in a style of their own (keyword case, indentation, aliases or table names, the order of joins,
`count(1)` for `count(*)`). Planted pairs
copy another student's whole submission (or half of it) and disguise it: renamed aliases,
reordered clauses, added comments, or all three. So independent students often share an answer
to one question, as real students do, while a copier shares all of them.

Submissions are written in nbgrader's layout from the release (labs/), and results documents are
synthesised with the grader's own `scoring.grade` from the lab's real check names and points
(public from solutions/LAB/checks/, hidden from autograder/checks/LAB/), so they are valid
results documents; which checks fail is synthetic but fixed by the answer chosen. A few students
run into a time or memory limit and a few submit late (`DUE` is the due date).

    klass = generate_class(40, planted=4, seed=1)
    write_submissions(klass, tmp / "submitted")
    write_results(klass, tmp / "results")          # results/LAB/<student>.json and grades.csv
"""

from __future__ import annotations

import ast
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from autograder.results.document import ResultsDocument
from autograder.results.document import write_results as write_document
from autograder.results.scoring import SubmissionFacts, grade, write_grades_csv
from autograder.results.shards import Shard
from prodev.checking.checkrun import CheckResult

ROOT = Path(__file__).resolve().parents[1]
LAB = "lab04_advanced_sql"
FIXTURES = ROOT / "tests" / "fixtures" / LAB
DUE = datetime(2026, 3, 20, 17, 0, 0)
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
NOT_ANSWERED = "not answered yet: replace `raise NotImplementedError()` with your code"
DISGUISES = ("renamed", "reordered", "commented", "all three")
_CELL = re.compile(r'^\s*(?:#[^\n]*\n\s*)*(\w+)\s*=\s*"""(.*)"""\s*$', re.S)
_KEYWORDS = re.compile(
    r"\b(select|from|where|join|inner|left|on|and|or|not|exists|group|by|having|order|as|with|"
    r"recursive|union|all|over|partition|desc|asc|count|sum|avg|max|rank|lag|round|is|null|in|"
    r"between|date|window|qualify|using|except|distinct)\b",
    re.I,
)
_COMMENTS = [
    "my own approach",
    "filter first",
    "join the tables we need",
    "TODO tidy up",
    "checked on the sample data",
    "aggregate per group",
    "this was the tricky part",
]


@dataclass
class Student:
    name: str
    answers: dict[str, str]  # question -> the answer cell's source
    picks: dict[str, str]  # question -> the pool answer used ("reference", "rewrite:..", ...)
    copied_from: str | None = None
    disguise: str | None = None
    copied: list[str] = field(default_factory=list)  # the questions copied from `copied_from`
    limit: str | None = None  # "time" or "memory": ran into that limit on one question
    public_only: set[str] = field(default_factory=set)  # passes public checks, fails hidden
    late_hours: float = 0.0  # submitted this long after DUE (0: on time)


@dataclass
class GeneratedClass:
    students: list[Student]
    questions: list[str]

    @property
    def planted(self) -> list[tuple[str, str]]:
        """(original, copy) for every planted pair."""
        return [(s.copied_from, s.name) for s in self.students if s.copied_from]

    def student(self, name: str) -> Student:
        return next(s for s in self.students if s.name == name)


# ---- the pool of answers -----------------------------------------------------------------------
def _source_notebook() -> dict:
    return json.loads((ROOT / "solutions" / LAB / f"{LAB}.ipynb").read_text(encoding="utf-8"))


def _answer_grade_id(cell: dict) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id") if meta.get("solution") else None


def reference_answers() -> dict[str, str]:
    """The reference answer cells, without nbgrader's solution markers."""
    found = {}
    for cell in _source_notebook()["cells"]:
        if gid := _answer_grade_id(cell):
            text = "".join(cell["source"])
            found[gid] = re.sub(r"^[^\n]*### (BEGIN|END) SOLUTION[^\n]*\n", "", text, flags=re.M)
    return found


def answer_pool() -> dict[str, list[tuple[str, str, int]]]:
    """Per question: (label, answer cell, weight); the reference is the likeliest answer."""
    pool: dict[str, list[tuple[str, str, int]]] = {}
    for question, text in reference_answers().items():
        pool[question] = [("reference", text, 3)]
    for kind, weight in (("rewrites", 2), ("wrong", 1)):
        for path in sorted((FIXTURES / kind).glob("q*_*.py")):
            question = path.name.split("_", 1)[0]
            label = f"{kind.rstrip('s')}:{path.stem}"
            pool[question].append((label, path.read_text(encoding="utf-8"), weight))
    return pool


# ---- how a student writes, and how a copier disguises ------------------------------------------
def _split(cell: str) -> tuple[str, str]:
    match = _CELL.match(cell)
    assert match, f'not a `qN = """..."""` answer cell:\n{cell}'
    return match.group(1), match.group(2).strip("\n")


def _join(name: str, sql: str, header: str = "") -> str:
    return f'{header}{name} = """\n{sql.strip()}\n"""\n'


@dataclass(frozen=True)
class Habits:
    """How one student writes SQL: layout (which normalisation removes) and small structural
    choices that independent students make differently (which it keeps)."""

    upper: bool  # keywords in upper case
    indent: int  # spaces per level of continued lines
    count_one: bool  # count(1) for count(*)
    no_aliases: bool  # `bookings.status` rather than `b.status`
    swap_joins: bool  # the same joins in another order
    order_rows: bool  # ORDER BY 1 where the order does not matter

    @classmethod
    def draw(cls, rng: random.Random) -> Habits:
        return cls(
            upper=rng.random() < 0.6,
            indent=rng.choice([2, 4]),
            count_one=rng.random() < 0.25,
            no_aliases=rng.random() < 0.3,
            swap_joins=rng.random() < 0.4,
            order_rows=rng.random() < 0.3,
        )


UNORDERED = ("q1", "q3", "q4", "q7")  # the questions whose row order does not matter
_JOIN_LINE = re.compile(r"^\s*(?:INNER\s+)?JOIN\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?\s+ON\b", re.I)


def drop_aliases(sql: str) -> str:
    """`FROM bookings AS b ... b.status` -> `FROM bookings ... bookings.status`, when every
    table appears once."""
    import sqlglot
    from sqlglot import exp

    tables = [t for t in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Table)]
    names = [t.name for t in tables]
    if len(set(names)) != len(names):
        return sql
    for table in tables:
        alias = table.alias
        if not alias or alias == table.name:
            continue
        sql = re.sub(rf"\b{table.name}\s+(?:AS\s+)?{alias}\b", table.name, sql, flags=re.I)
        sql = re.sub(rf"(?<![\w']){alias}\.", f"{table.name}.", sql)
    return sql


def swap_joins(sql: str) -> str:
    """Two consecutive one-line inner joins swapped when the second does not use the first."""
    lines = sql.splitlines()
    for i in range(len(lines) - 1):
        first, second = _JOIN_LINE.match(lines[i]), _JOIN_LINE.match(lines[i + 1])
        if first and second:
            alias = first.group(2) or first.group(1)
            if not re.search(rf"\b{alias}\.", lines[i + 1]):
                lines[i], lines[i + 1] = lines[i + 1], lines[i]
                break
    return "\n".join(lines)


def restyle(sql: str, question: str, habits: Habits) -> str:
    """The answer as this student would write it."""
    if habits.no_aliases:
        sql = drop_aliases(sql)
    if habits.swap_joins:
        sql = swap_joins(sql)
    if habits.count_one:
        sql = re.sub(r"(?i)count\(\*\)", "count(1)", sql)
    if habits.order_rows and question in UNORDERED and "ORDER BY" not in sql.upper():
        sql = sql.rstrip() + "\nORDER BY 1"
    sql = _KEYWORDS.sub(lambda m: m.group().upper() if habits.upper else m.group().lower(), sql)
    lines = []
    for line in sql.splitlines():
        stripped = line.lstrip()
        depth = (len(line) - len(stripped) + 3) // 4
        lines.append(" " * (habits.indent * depth) + stripped)
    return "\n".join(lines)


def rename_aliases(sql: str, rng: random.Random) -> str:
    """Every table alias and CTE name replaced by another name, as a copier does first."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    names = {n.name for n in tree.find_all(exp.TableAlias) if n.name}
    words = set(re.findall(r"\w+", sql))
    for name in sorted(names, key=len, reverse=True):
        new = name
        while new in words:
            new = rng.choice(["my_", "t_", "x_", "src_"]) + name + rng.choice(["", "2", "_a"])
        words.add(new)
        sql = re.sub(rf"(?<![\w']){re.escape(name)}(?![\w'])", new, sql)
    return sql


def reorder_clauses(sql: str, rng: random.Random) -> str:
    """Conditions joined by AND or OR shuffled and the sides of `=` swapped, printed again."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    for node in list(tree.find_all(exp.Connector, exp.EQ)):
        if isinstance(node, exp.EQ):
            if rng.random() < 0.7:
                left, right = node.this, node.expression
                node.set("this", right.copy())
                node.set("expression", left.copy())
        elif type(node.parent) is not type(node):
            operands = [o.copy() for o in node.flatten()]
            rng.shuffle(operands)
            if len(operands) > 1 and [o.sql() for o in operands] == [
                o.sql() for o in node.flatten()
            ]:
                operands.reverse()
            chain = operands[0]
            for operand in operands[1:]:
                chain = type(node)(this=chain, expression=operand)
            node.replace(chain)
    return tree.sql(dialect="duckdb", pretty=True)


def add_comments(sql: str, rng: random.Random) -> str:
    """Comment lines and end-of-line comments scattered through the query."""
    lines = []
    for line in sql.splitlines():
        if rng.random() < 0.3:
            lines.append(f"-- {rng.choice(_COMMENTS)}")
        lines.append(line + (f"  -- {rng.choice(_COMMENTS)}" if rng.random() < 0.2 else ""))
    return "\n".join(lines)


def disguise(cell: str, how: str, rng: random.Random) -> str:
    """A copied answer cell, disguised `how` (one of DISGUISES)."""
    if cell.strip().endswith(STUB.splitlines()[-1]) or "NotImplementedError" in cell:
        return cell
    name, sql = _split(cell)
    header = ""
    if how in ("reordered", "all three"):
        sql = reorder_clauses(sql, rng)
    if how in ("renamed", "all three"):
        sql = rename_aliases(sql, rng)
    if how in ("commented", "all three"):
        sql = add_comments(sql, rng)
        header = f"# {rng.choice(_COMMENTS)}\n"
    return _join(name, sql, header)


# ---- the class ---------------------------------------------------------------------------------
def _answer_all(questions: list[str], pool: dict, habits: Habits, rng: random.Random) -> Student:
    """A student who answers on their own: an answer from the pool per question, in their style,
    or (rarely) nothing."""
    answers, picks = {}, {}
    for question in questions:
        if rng.random() < 0.03:
            answers[question], picks[question] = f'{question} = """\n{STUB}\n"""', "blank"
            continue
        label, cell, _ = rng.choices(pool[question], [w for *_, w in pool[question]])[0]
        name, sql = _split(cell)
        answers[question], picks[question] = _join(name, restyle(sql, question, habits)), label
    return Student("", answers, picks)


def generate_class(
    n: int, planted: int = 4, partial: int = 0, seed: int = 0, limits: int = 2, late: int = 3
) -> GeneratedClass:
    """`n` students; the last `planted` (+ `partial`) copy an earlier student, whole (or half
    the questions), each disguised in turn as in DISGUISES; `limits` run into a limit, `late`
    submit after DUE, and about a third of those who answer q4 correctly pass its public checks
    but not its hidden ones (as if their answer were written for the visible data)."""
    rng = random.Random(seed)
    pool = answer_pool()
    questions = sorted(pool, key=lambda q: int(q[1:]))
    width = len(str(n))
    students: list[Student] = []
    independent = n - planted - partial
    for index in range(independent):
        student = _answer_all(questions, pool, Habits.draw(rng), rng)
        student.name = f"s{index:0{width}d}"
        students.append(student)
    originals = rng.sample(students, planted + partial)
    for offset, original in enumerate(originals):
        how = DISGUISES[offset % len(DISGUISES)]
        copied = questions if offset < planted else questions[: (len(questions) + 1) // 2]
        own = _answer_all(questions, pool, Habits.draw(rng), rng)
        answers, picks = own.answers, own.picks
        for question in copied:
            answers[question] = disguise(original.answers[question], how, rng)
            picks[question] = original.picks[question]
        name = f"s{independent + offset:0{width}d}"
        students.append(Student(name, answers, picks, original.name, how, copied=list(copied)))
    others = rng.sample(students, limits + late)
    for i, student in enumerate(others[:limits]):
        student.limit = "time" if i % 2 == 0 else "memory"
    for student in others[limits:]:
        student.late_hours = round(rng.uniform(1, 48), 2)
    for student in students:  # answers written for the visible data
        if not student.picks["q4"].startswith(("wrong", "blank")) and rng.random() < 0.3:
            student.public_only.add("q4")
    students.sort(key=lambda s: s.name)
    return GeneratedClass(students, questions)


def write_submissions(klass: GeneratedClass, folder: Path) -> Path:
    """folder/<student>/LAB/LAB.ipynb: the release with each student's answers, and nbgrader's
    timestamp.txt."""
    release = json.loads((ROOT / "labs" / LAB / f"{LAB}.ipynb").read_text(encoding="utf-8"))
    for student in klass.students:
        notebook = json.loads(json.dumps(release))
        for cell in notebook["cells"]:
            if (gid := _answer_grade_id(cell)) in student.answers:
                cell["source"] = student.answers[gid]
        target = Path(folder) / student.name / LAB
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{LAB}.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        (target / "timestamp.txt").write_text(timestamp(student) + "\n", encoding="utf-8")
    return Path(folder)


def timestamp(student: Student) -> str:
    """nbgrader's timestamp.txt: a day before the due date, or `late_hours` after it."""
    offset = int(student.name.lstrip("s") or 0)
    if student.late_hours:
        when = DUE + timedelta(hours=student.late_hours)
    else:
        when = DUE - timedelta(days=1, minutes=offset)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


# ---- results documents -------------------------------------------------------------------------
def _checks_in(folder: Path) -> list[tuple[str, str, float]]:
    """(question, check name, points) of every `@check("qN", points=P)` function in `folder`."""
    found = []
    for path in sorted(folder.glob("test_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "check":
                    question = deco.args[0].value
                    points = next(k.value.value for k in deco.keywords if k.arg == "points")
                    found.append((question, node.name, float(points)))
    return found


def lab_checks() -> dict[str, dict[str, list[tuple[str, float]]]]:
    """Per question: its public and hidden checks, (name, points), in file order."""
    checks: dict[str, dict[str, list[tuple[str, float]]]] = {}
    for kind, folder in (
        ("public", ROOT / "solutions" / LAB / "checks"),
        ("hidden", ROOT / "autograder" / "checks" / LAB),
    ):
        for question, name, points in _checks_in(folder):
            checks.setdefault(question, {"public": [], "hidden": []})[kind].append((name, points))
    return checks


def _outcomes(student: Student, question: str, checks: dict, rng: random.Random) -> list:
    """Synthetic CheckResults of one question, fixed by the answer the student chose."""
    pick = student.picks[question]
    results = []
    column_mistake = re.search(r"unnamed|unaliased|renamed|columns|named_rank", pick)
    for kind in ("public", "hidden"):
        for name, points in checks[question][kind]:
            if pick == "blank":
                message = NOT_ANSWERED
            elif pick.startswith("wrong:") and (
                kind == "hidden" or ("columns" in name) == bool(column_mistake)
            ):
                if "columns" in name:
                    message = "expected the columns in the order the question names: use AS"
                elif kind == "hidden":
                    message = "on a dataset you have not seen, your result differs"
                else:
                    expected = 200 + int(question[1:]) * 10
                    got = expected + rng.choice([-37, -12, -3, 4, 15, 61])
                    message = f"expected {expected} rows, got {got}: check the filter"
            elif kind == "hidden" and question in student.public_only:
                message = "on a dataset you have not seen, your result differs"
            else:
                message = ""
            results.append(
                CheckResult(question, name, points, not message, message, kind == "hidden")
            )
    return results


def results_document(student: Student, checks: dict, rng: random.Random) -> ResultsDocument:
    """The results document `prodev grade` would write for `student`, synthesised."""
    facts = SubmissionFacts(
        student=student.name,
        sha256=hashlib.sha256(student.name.encode()).hexdigest(),
        grading_key="0" * 64,
        seconds=round(rng.uniform(0.4, 2.5), 3),
        check_seconds=round(rng.uniform(0.5, 2.0), 3),
    )
    if student.limit == "time":
        facts.skipped_cells = {"q6": "ran past the notebook's time limit of 60 s"}
        facts.seconds = 60.0
    elif student.limit == "memory":
        facts.skipped_cells = {"q6": "used more memory than the 3 GB limit"}
    results = []
    for question in sorted(checks, key=lambda q: int(q[1:])):
        outcome = _outcomes(student, question, checks, rng)
        if student.limit and question == "q6":
            why = "a name the check asks for is not defined: run the cell that defines it"
            outcome = [
                CheckResult(r.question, r.name, r.points, False, why, r.hidden) for r in outcome
            ]
        results += outcome
    points = {q: sum(p for _, p in c["public"] + c["hidden"]) for q, c in checks.items()}
    document = grade(facts, results, points, facts.seconds + facts.check_seconds + 0.3)
    document["timestamp"] = timestamp(student)
    return document


def write_results(klass: GeneratedClass, out: Path, shards: int = 0, seed: int = 0) -> Path:
    """OUT/LAB/<student>.json and grades.csv, as `prodev grade --out OUT` writes them; with
    `shards`, OUT/shard-I/LAB/ for each shard, as the Kubernetes grading Job leaves them."""
    rng = random.Random(seed)
    checks = lab_checks()
    documents = {s.name: results_document(s, checks, rng) for s in klass.students}
    groups = {Path(out) / LAB: list(documents)}
    if shards:
        groups = {
            Path(out) / f"shard-{i}" / LAB: Shard(i, shards).select(list(documents))
            for i in range(shards)
        }
    for folder, students in groups.items():
        for name in students:
            write_document(folder / f"{name}.json", documents[name])
        write_grades_csv(folder / "grades.csv", [documents[n] for n in students])
    return Path(out)
