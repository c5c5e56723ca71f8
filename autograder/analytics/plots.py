"""The report's plots, as PNG bytes, drawn with matplotlib's Agg renderer (no display, no
network: the page embeds them). Each takes the numbers `report.analyse` computed."""

from __future__ import annotations

import io

PUBLIC = "#0969da"
HIDDEN = "#8250df"
FLAGGED = "#cf222e"
PLAIN = "#57606a"


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def scores(numbers: dict) -> bytes:
    """How many students scored how much."""
    bins = numbers["scores"]["histogram"]
    figure = _figure(7, 3)
    axes = figure.subplots()
    width = (bins[0]["to"] - bins[0]["from"]) or 1
    axes.bar(
        [b["from"] for b in bins],
        [b["students"] for b in bins],
        width=width,
        align="edge",
        color=PUBLIC,
        edgecolor="white",
    )
    axes.set_xlabel(f"score (out of {numbers['scores']['max_score']:g})")
    axes.set_ylabel("students")
    axes.set_title(f"Scores of {numbers['students']} submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def questions(numbers: dict) -> bytes:
    """Per question: the share of public and of hidden check runs passed."""
    rows = numbers["questions"]
    figure = _figure(max(5, 0.9 * len(rows) + 2), 3.2)
    axes = figure.subplots()
    positions = range(len(rows))
    for offset, kind, colour in ((-0.2, "public", PUBLIC), (0.2, "hidden", HIDDEN)):
        rates = [100 * (r[kind]["pass_rate"] or 0) for r in rows]
        axes.bar([p + offset for p in positions], rates, width=0.4, color=colour, label=kind)
    for p, row in zip(positions, rows, strict=True):
        if row["flagged"]:
            axes.annotate("!", (p + 0.2, 102), ha="center", color=FLAGGED, weight="bold")
    axes.set_xticks(list(positions), [r["question"] for r in rows])
    axes.set_ylim(0, 110)
    axes.set_ylabel("checks passed (%)")
    axes.set_title("Pass rate per question: public and hidden checks (! = flagged)")
    axes.legend(loc="lower right")
    return _png(figure)


def checks(numbers: dict) -> bytes:
    """Per check: its pass rate; flagged hidden checks stand out."""
    rows = numbers["checks"]
    figure = _figure(8, max(2.5, 0.22 * len(rows) + 1))
    axes = figure.subplots()
    colours = [
        FLAGGED if r.get("flagged") else (PUBLIC if r["visibility"] == "public" else HIDDEN)
        for r in rows
    ]
    axes.barh(range(len(rows)), [100 * (r["pass_rate"] or 0) for r in rows], color=colours)
    axes.set_yticks(range(len(rows)), [r["name"] for r in rows], fontsize=7)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("students who passed (%)")
    axes.set_title("Pass rate per check (blue public, purple hidden, red flagged)")
    return _png(figure)


def times(numbers: dict) -> bytes:
    """Seconds per submission, slowest first; those that hit a limit in red."""
    by_student = numbers["time"]["by_student"]
    limited = {h["student"] for h in numbers["time"]["hit_limit"]}
    order = sorted(by_student, key=lambda s: -by_student[s]["execution_time"])
    figure = _figure(7, 3)
    axes = figure.subplots()
    axes.bar(
        range(len(order)),
        [by_student[s]["execution_time"] for s in order],
        color=[FLAGGED if s in limited else PLAIN for s in order],
        width=1.0 if len(order) > 60 else 0.8,
    )
    if len(order) <= 40:
        axes.set_xticks(range(len(order)), order, rotation=90, fontsize=7)
    else:
        axes.set_xticks([])
        axes.set_xlabel(f"{len(order)} submissions, slowest first")
    axes.set_ylabel("seconds")
    axes.set_title("Grading time per submission (red: ran into a limit)")
    return _png(figure)
