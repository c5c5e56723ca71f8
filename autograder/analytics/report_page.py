"""The class report: one offline HTML page, its plots embedded as PNG images (data: URLs), so
the file can be mailed or archived alone and opens without a network.

Every value that comes from a results document (student ids, check names, messages) is escaped
by the template engine.
"""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, StrictUndefined

from autograder.analytics import plots

_TEMPLATE = Environment(autoescape=True, undefined=StrictUndefined).from_string(
    """<!doctype html><html lang='en'><head><meta charset='utf-8'>
<title>{{ n.lab }}: class report</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; color: #1f2328; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left;
         vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.flag { color: #cf222e; font-weight: bold; }
.muted { color: #57606a; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; padding: .6rem 1rem; }
img { max-width: 100%; }
</style></head><body>
<h1>{{ n.lab }}: class report</h1>
<p>{{ n.students }} graded submissions, read from {{ n.read_from|join(', ') }}.</p>
{%- if n.lab_versions > 1 %}
<p class='warn'>These results come from {{ n.lab_versions }} versions of the lab (its notebook or
checks changed between grading runs): regrade with <code>prodev grade {{ n.lab }} --force</code>
before comparing them.</p>
{%- endif %}
{%- if n.left_out %}
<p class='warn'>Left out, not valid results documents:</p><ul>
{%- for file, why in n.left_out.items() %}<li><code>{{ file }}</code>: {{ why }}</li>{% endfor %}
</ul>
{%- endif %}

<h2>Scores</h2>
<p>Mean {{ pts(s.mean) }}, median {{ pts(s.median) }}, from {{ pts(s.min) }} to {{ pts(s.max) }}
out of {{ pts(s.max_score) }} (standard deviation {{ pts(s.stdev) }}); {{ s.full_marks }} with full
marks, {{ s.zero }} with none.</p>
<img alt='score distribution' src='data:image/png;base64,{{ images.scores }}'>

<h2>Questions</h2>
<table><thead><tr><th>question</th><th>points</th><th>mean</th><th>full marks</th><th>zero</th>
<th>public checks passed</th><th>hidden checks passed</th>
<th>passed every public check, failed a hidden one</th></tr></thead><tbody>
{%- for q in n.questions %}
<tr><td>{{ q.question }}</td><td class='num'>{{ pts(q.max_score) }}</td>
<td class='num'>{{ pts(q.mean) }}</td><td class='num'>{{ q.full_marks }}</td>
<td class='num'>{{ q.zero }}</td><td class='num'>{{ pct(q.public.pass_rate) }}</td>
<td class='num'>{{ pct(q.hidden.pass_rate) }}</td>
<td{% if q.flagged %} class='flag'{% endif %}>{{ q.public_pass_hidden_fail|length }} of
{{ q.passed_public }}{% if q.public_pass_hidden_fail %}: {{ names(q.public_pass_hidden_fail) }}
{%- endif %}</td></tr>
{%- endfor %}
</tbody></table>
<img alt='pass rate per question' src='data:image/png;base64,{{ images.questions }}'>
{%- if flagged %}
<h3 class='flag'>Hidden checks failed after the public ones passed</h3>
<p>These hidden checks fail for at least {{ flag_share }} of the students who passed every public
check of the question. Hidden checks run the same code on data students never saw: a gap this
size points at answers written for the visible data (hard-coded), or at a question whose public
checks do not pin it down.</p><ul>
{%- for c in flagged %}
<li><b>{{ c.name }}</b>: {{ c.failed_after_public_pass|length }} students
({{ names(c.failed_after_public_pass) }})</li>
{%- endfor %}</ul>
{%- endif %}

<h2>Checks</h2>
<table><thead><tr><th>check</th><th></th><th>points</th><th>passed</th><th>failed</th>
<th>pass rate</th><th>failed after passing the public checks</th></tr></thead><tbody>
{%- for c in n.checks %}
<tr><td>{{ c.name }}</td><td>{{ c.visibility }}</td><td class='num'>{{ pts(c.max_score) }}</td>
<td class='num'>{{ c.passed }}</td><td class='num'>{{ c.failed }}</td>
<td class='num'>{{ pct(c.pass_rate) }}</td>
<td{% if c.flagged %} class='flag'{% endif %}>
{%- if c.visibility == 'hidden' %}{{ c.failed_after_public_pass|length }}{% endif %}</td></tr>
{%- endfor %}
</tbody></table>
<img alt='pass rate per check' src='data:image/png;base64,{{ images.checks }}'>

<h2>Why points were lost</h2>
{%- if n.failure_reasons %}
<p class='muted'>Failed checks grouped by their message, numbers and quoted values set aside
(N stands for a number, … for a value); the most common first.</p>
<table><thead><tr><th>reason</th><th>students</th><th>failed checks</th><th>checks</th>
<th>for example</th></tr></thead><tbody>
{%- for r in n.failure_reasons %}
<tr><td>{{ r.reason }}</td><td class='num'>{{ r.students }}</td>
<td class='num'>{{ r.failures }}</td><td>{{ names(r.checks) }}</td>
<td class='muted'>{{ r.example if r.example != r.reason else '' }}</td></tr>
{%- endfor %}
</tbody></table>
{%- else %}
<p>No check failed.</p>
{%- endif %}

<h2>Time</h2>
<p>Per submission: {{ sec(t.execution_time.median) }} median, {{ sec(t.execution_time.max) }} at
most ({{ sec(t.total_seconds) }} in all); the notebook's own run
{{ sec(t.notebook_seconds.median) }} median, the checks {{ sec(t.check_seconds.median) }} median.
</p>
<img alt='grading time per submission' src='data:image/png;base64,{{ images.times }}'>
{%- if t.hit_limit %}
<table><thead><tr><th>student</th><th>limit</th><th>what the grader wrote</th><th>time</th>
</tr></thead><tbody>
{%- for h in t.hit_limit %}
<tr><td>{{ h.student }}</td><td>{{ h.limits|join(', ') }}</td><td>{{ h.detail }}</td>
<td class='num'>{{ sec(h.execution_time) }}</td></tr>
{%- endfor %}
</tbody></table>
{%- else %}
<p>No submission ran into a limit.</p>
{%- endif %}

<h2>Late submissions</h2>
{%- if l.due %}
<p>Due {{ l.due }} ({{ 'from --due' if l.due_from == '--due' else "from nbgrader's gradebook, with
each student's extension" }}): {{ l.late|length }} late, {{ l.on_time }} on time.</p>
{%- if l.late %}
<table><thead><tr><th>student</th><th>submitted</th><th>due</th><th>hours late</th>
<th>penalty</th><th>score before penalty</th></tr></thead><tbody>
{%- for row in l.late %}
<tr><td>{{ row.student }}</td><td>{{ row.submitted }}</td><td>{{ row.due }}</td>
<td class='num'>{{ row.hours_late }}</td>
<td class='num'>{{ '' if row.penalty is none else pts(row.penalty) }}</td>
<td class='num'>{{ pts(row.score) }}</td></tr>
{%- endfor %}
</tbody></table>
{%- endif %}
{%- else %}
<p>No due date is known: set one in nbgrader's gradebook (<code>nbgrader db assignment add
{{ n.lab }} --duedate="..."</code>) or pass <code>prodev report --due</code>.</p>
{%- endif %}
{%- if l.without_time %}
<p class='muted'>Without a submission time (no nbgrader timestamp.txt):
{{ names(l.without_time) }}.</p>
{%- endif %}
</body></html>
"""
)

NAMES_SHOWN = 12


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} s"


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


def render(numbers: dict) -> str:
    """The page for the numbers `report.analyse` computed."""
    from autograder.analytics.report import FLAG_SHARE

    images = {
        name: base64.b64encode(draw(numbers)).decode("ascii")
        for name, draw in (
            ("scores", plots.scores),
            ("questions", plots.questions),
            ("checks", plots.checks),
            ("times", plots.times),
        )
    }
    return _TEMPLATE.render(
        n=numbers,
        s=numbers["scores"],
        t=numbers["time"],
        l=numbers["late"],
        flagged=[c for c in numbers["checks"] if c.get("flagged")],
        flag_share=_percent(FLAG_SHARE),
        images=images,
        pts=_points,
        pct=_percent,
        sec=_seconds,
        names=_names,
    )


def write_page(numbers: dict, out: Path) -> Path:
    """Write OUT/report.html and return its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    page = (out / "report.html").resolve()
    page.write_text(render(numbers), encoding="utf-8")
    return page
