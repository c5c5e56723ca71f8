"""The similarity report: one offline HTML page with the pairs worth a look, best first, and
their answers side by side with the shared lines marked.

Every value that comes from a submission (student ids, code) is escaped by the template engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, StrictUndefined

from autograder.analytics.answers import ClassAnswers
from autograder.analytics.fragments import shared_lines
from autograder.analytics.similarity import Pair, Similarity

CAUTION = (
    "Similarity is a reason to look, not proof. Students who follow the same hint, the same "
    "worked example or the lab's reference write alike, and a short question leaves little room "
    "to differ. Read the two answers side by side, and talk with the students, before you "
    "conclude anything."
)

_TEMPLATE = Environment(autoescape=True, undefined=StrictUndefined).from_string(
    """{% macro code(lines) -%}
<pre>{% for line, marked in lines -%}
{% if marked %}<mark>{{ line }}</mark>{% else %}{{ line }}{% endif %}
{% endfor %}</pre>
{%- endmacro -%}
<!doctype html><html lang='en'><head><meta charset='utf-8'>
<title>{{ lab }}: similarity between submissions</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 84rem; margin: 2rem auto; color: #1f2328; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.caution { background: #fff8c5; border: 1px solid #d4a72c; padding: .8rem 1rem; }
.muted { color: #57606a; }
.side { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; font-size: .85rem; margin: 0; }
mark { background: #ffd8b5; }
h3 { margin-top: 2rem; }
</style></head><body>
<h1>{{ lab }}: similarity between submissions</h1>
<p class='caution'><b>{{ caution }}</b></p>
<p>{{ students }} submissions read{% if unreadable %}; {{ unreadable|length }} could not be read
({{ unreadable|join(', ') }}){% endif %}. Answers are compared after normalisation: the names
each student chose, literals, comments and layout are set aside (SQL is parsed and printed again,
with its conditions in a fixed order). <i>Similarity</i> is the share of code fragments two answers
have in common; <i>common</i> is the larger of two shares on that question, that of all pairs at
least as similar and that of the other answers at least as similar to one of the two, so that a
popular answer counts for little; <i>evidence</i> is similarity &times; &minus;ln(common), added
up over the questions. Marked lines are the lines the other answer holds too, wherever they sit.</p>

<h2>Questions</h2>
<table><thead><tr><th>question</th><th>answers compared</th><th>blank</th><th>pairs compared</th>
<th>pairs sharing code</th><th>largest group of identical answers</th><th>same as the reference</th>
</tr></thead><tbody>
{%- for q in questions %}
<tr><td><a href='#{{ q.name }}'>{{ q.name }}</a></td><td class='num'>{{ q.compared }}</td>
<td class='num'>{{ q.blank }}</td><td class='num'>{{ q.pairs }}</td>
<td class='num'>{{ q.sharing }}</td><td class='num'>{{ q.largest }}</td>
<td class='num'>{{ q.reference }}</td></tr>
{%- endfor %}
</tbody></table>

<h2>Pairs to look at first</h2>
{%- if overall %}
<table><thead><tr><th>#</th><th>students</th><th>evidence</th>
{%- for q in questions %}<th>{{ q.name }}</th>{% endfor %}</tr></thead><tbody>
{%- for p in overall %}
<tr><td class='num'>{{ loop.index }}</td>
<td><a href='#{{ p.anchor }}'>{{ p.a }} &amp; {{ p.b }}</a></td>
<td class='num'>{{ p.evidence }}</td>
{%- for cell in p.cells %}
<td class='num' title='{{ cell.title }}'>{{ cell.text }}</td>
{%- endfor %}</tr>
{%- endfor %}
</tbody></table>
<p class='muted'>Per question: similarity in percent (hover for how common that is).</p>
{%- else %}
<p>No pair stands out: what two submissions share, the rest of the class shares too (see the
identical answers below).</p>
{%- endif %}

{%- for q in questions %}
<h2 id='{{ q.name }}'>{{ q.name }}</h2>
{%- if q.groups %}
<p>Identical after normalisation:
{%- for g in q.groups %} <b>{{ g.students|join(', ') }}</b>{% if g.reference %} (the same as the
reference answer){% endif %}{% if not loop.last %};{% endif %}{% endfor %}.</p>
{%- endif %}
{%- if q.top %}
<table><thead><tr><th>students</th><th>similarity</th><th>fragments in common</th>
<th>common</th></tr></thead><tbody>
{%- for p in q.top %}
<tr><td><a href='#{{ p.anchor }}'>{{ p.a }} &amp; {{ p.b }}</a></td>
<td class='num'>{{ p.similarity }}</td><td class='num'>{{ p.shared }}</td>
<td class='num'>{{ p.share }}</td></tr>
{%- endfor %}
</tbody></table>
{%- else %}
<p class='muted'>No pair shares code on this question.</p>
{%- endif %}
{%- endfor %}

<h2>Side by side</h2>
{%- for block in blocks %}
<h3 id='{{ block.anchor }}'>{{ block.question }}: {{ block.a }} &amp; {{ block.b }}
<span class='muted'>(similarity {{ block.similarity }})</span></h3>
<div class='side'>
<div><b>{{ block.a }}</b>{{ code(block.left) }}</div>
<div><b>{{ block.b }}</b>{{ code(block.right) }}</div>
</div>
{%- endfor %}
<p class='caution'>{{ caution }}</p>
</body></html>
"""
)


@dataclass(frozen=True)
class _Shown:
    question: str
    a: str
    b: str


def _anchor(question: str, a: str, b: str) -> str:
    return f"{question}-{a}-{b}"


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _common(pair: Pair) -> str:
    return f"{100 * pair.common:.1f}%" if pair.common >= 0.001 else "<0.1%"


def render(similarity: Similarity, answers: ClassAnswers, top: int = 10) -> str:
    """The page: the `top` pairs over the lab and per question, and their answers side by side."""
    shown: dict[_Shown, Pair] = {}  # the blocks to show side by side, in order of appearance

    def show(question: str, pair: Pair) -> str:
        shown.setdefault(_Shown(question, pair.a, pair.b), pair)
        return _anchor(question, pair.a, pair.b)

    overall = []
    for p in similarity.ranked[:top]:
        for question, pair in p.by_question.items():
            show(question, pair)
        strongest = max(p.by_question, key=lambda q: p.by_question[q].evidence)
        cells = []
        for question in similarity.questions:
            pair = p.by_question.get(question)
            cells.append(
                {
                    "text": _percent(pair.similarity) if pair else "",
                    "title": f"common: {_common(pair)}" if pair else "",
                }
            )
        overall.append(
            {
                "a": p.a,
                "b": p.b,
                "evidence": f"{p.evidence:.1f}",
                "cells": cells,
                "anchor": _anchor(strongest, p.a, p.b),
            }
        )
    questions = []
    for name in similarity.questions:
        result = similarity.per_question[name]
        reference = set(result.identical_to_reference)
        questions.append(
            {
                "name": name,
                "compared": len(result.compared),
                "blank": len(result.blank),
                "pairs": result.pairs_compared,
                "sharing": len(result.ranked),
                "largest": max((len(g) for g in result.identical), default=1)
                if result.compared
                else 0,
                "reference": len(reference),
                "groups": [
                    {"students": g, "reference": bool(reference) and set(g) == reference}
                    for g in sorted(result.identical, key=len, reverse=True)
                ],
                "top": [
                    {
                        "a": p.a,
                        "b": p.b,
                        "similarity": _percent(p.similarity),
                        "shared": p.shared,
                        "share": _common(p),
                        "anchor": show(name, p),
                    }
                    for p in result.ranked[:top]
                ],
            }
        )
    blocks = [_block(similarity, answers, item, pair) for item, pair in shown.items()]
    return _TEMPLATE.render(
        lab=similarity.lab,
        caution=CAUTION,
        students=len(similarity.students),
        unreadable=sorted(similarity.unreadable),
        questions=questions,
        overall=overall,
        blocks=blocks,
    )


def _block(similarity: Similarity, answers: ClassAnswers, item: _Shown, pair: Pair) -> dict:
    """Both answers of a pair to one question, their shared lines marked."""
    code_a = answers.answers[item.a].get(item.question, "")
    code_b = answers.answers[item.b].get(item.question, "")
    names_a = similarity.normalised[(item.a, item.question)].names
    names_b = similarity.normalised[(item.b, item.question)].names
    marked_a, marked_b = shared_lines(
        code_a, code_b, names_a, names_b, answers.starter.get(item.question, "")
    )
    return {
        "anchor": _anchor(item.question, item.a, item.b),
        "question": item.question,
        "a": item.a,
        "b": item.b,
        "similarity": _percent(pair.similarity),
        "left": [(line, i in marked_a) for i, line in enumerate(code_a.splitlines())],
        "right": [(line, i in marked_b) for i, line in enumerate(code_b.splitlines())],
    }


def write_page(similarity: Similarity, answers: ClassAnswers, out: Path, top: int = 10) -> Path:
    """Write OUT/similarity.html and return its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    page = (out / "similarity.html").resolve()
    page.write_text(render(similarity, answers, top), encoding="utf-8")
    return page
