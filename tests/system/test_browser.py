"""A student's view, in a real browser: JupyterLab in Chromium runs a lab and its check cells
show the same results as `prodev check` on the same notebook.

Drives Debian's /usr/bin/chromium with Playwright (never a downloaded browser) against a real
JupyterLab serving a fresh student bundle. One lab is used: lab04 when it is released, else the
first released lab. Its first question is answered with the reference solution and the rest are
left blank: every blank question must fail, and every result must be what `prodev check` says.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from prodev.course.bundle import write_student_bundle

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "tests" / "output"
PREFERRED_LAB = "lab04_advanced_sql"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BUDGET_S = 90  # the whole browser session, start to finish
# Render every cell (JupyterLab 4 otherwise only renders the cells in view) and ask no questions
# about news or updates, which would put a notification over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}: apt-get install chromium"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pick_lab() -> str:
    labs = sorted(p.name for p in (ROOT / "labs").glob("lab*") if (p / f"{p.name}.ipynb").exists())
    if not labs:
        pytest.skip("labs/ holds no released lab yet")
    return PREFERRED_LAB if PREFERRED_LAB in labs else labs[0]


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def answer_first_question(released: Path, solution: Path) -> str:
    """Put the reference answer of the lab's first question into the released notebook."""
    nb = json.loads(released.read_text())
    reference = {_grade_id(c): c for c in json.loads(solution.read_text())["cells"]}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            lines = _source(reference[meta["grade_id"]]).splitlines(keepends=True)
            cell["source"] = [
                ln
                for ln in lines
                if "### BEGIN SOLUTION" not in ln and "### END SOLUTION" not in ln
            ]
            released.write_text(json.dumps(nb, indent=1))
            return meta["grade_id"]
    raise AssertionError(f"{released} has no answer cell")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict:
    """A student bundle with one lab partly answered, and the environment both sides use."""
    tmp = tmp_path_factory.mktemp("browser")
    bundle = write_student_bundle(tmp / "course", root=ROOT).out
    lab = _pick_lab()
    notebook = bundle / "labs" / lab / f"{lab}.ipynb"
    answered = answer_first_question(notebook, ROOT / "solutions" / lab / f"{lab}.ipynb")
    env = dict(
        os.environ,
        PYTHONPATH=str(bundle),
        PRODEV_HOME=str(bundle),
        PRODEV_DATA_DIR=str(tmp / "data"),
        PLOOMBER_STATS_ENABLED="false",
        PLOOMBER_VERSION_CHECK_DISABLED="true",
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp / "rt"),
    )
    settings = tmp / "lab-settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    return {"bundle": bundle, "lab": lab, "notebook": notebook, "answered": answered, "env": env}


def cli_results(course: dict) -> dict[str, bool]:
    """`prodev check --json` on the same notebook: {check name: passed}."""
    result = subprocess.run(
        [sys.executable, "-m", "prodev", "check", "--json", str(course["notebook"])],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=course["bundle"],
        env=course["env"],
    )
    assert result.returncode in (0, 1), result.stderr
    return {
        f"{c['question']}:{c['name']}": c["passed"] for c in json.loads(result.stdout)["checks"]
    }


@contextlib.contextmanager
def jupyterlab(course: dict) -> Iterator[str]:
    """A JupyterLab server on a free port, stopped (with its kernels) whatever happens."""
    port, token = _free_port(), secrets.token_hex(16)
    log = open(course["bundle"].parent / "jupyterlab.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("jupyter")),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--port-retries=0",
            f"--ServerApp.token={token}",
            f"--ServerApp.root_dir={course['bundle']}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=course["env"],
        cwd=course["bundle"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError(
                        "JupyterLab did not start:\n" + Path(log.name).read_text()[-3000:]
                    ) from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", token
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the server's own group: it and its kernels
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()


# JavaScript run in the page: the state of each code cell and the rows of its results table.
CELLS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].map(cell => ({
  source: cell.querySelector('.jp-InputArea-editor')?.innerText ?? '',
  prompt: cell.querySelector('.jp-InputArea-prompt')?.innerText ?? '',
  text: cell.querySelector('.jp-OutputArea')?.innerText ?? '',
  rows: [...cell.querySelectorAll('.jp-OutputArea table tbody tr')].map(
    tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim())),
}))"""


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def _wait_idle(page, timeout_ms: int) -> None:
    """Until no cell is queued or running and the kernel reports idle."""
    page.wait_for_function(
        """() => {
          const prompts = [...document.querySelectorAll('.jp-Notebook .jp-InputArea-prompt')];
          const busy = prompts.some(p => p.innerText.includes('*'));
          const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
          const idle = !status || status.getAttribute('data-status') === 'idle';
          return !busy && idle;
        }""",
        timeout=timeout_ms,
    )


def run_everything(page, deadline: float) -> list[dict]:
    """Run All Cells, then, since a failing check cell stops the run, carry on from the first
    cell left unrun with Run Selected Cell and All Below, as a student would."""
    _menu(page, "Run", "Run All Cells")
    for _ in range(60):
        page.wait_for_timeout(300)
        _wait_idle(page, int(max(1.0, deadline - time.monotonic()) * 1000))
        cells = page.evaluate(CELLS_JS)
        unrun = [i for i, c in enumerate(cells) if re.fullmatch(r"\[\s*\]:", c["prompt"].strip())]
        if not unrun:
            return cells
        dialog = page.locator(".jp-Dialog")
        if dialog.count():
            raise AssertionError(f"JupyterLab shows a dialog: {dialog.first.inner_text()!r}")
        page.locator(".jp-Notebook .jp-CodeCell").nth(unrun[0]).locator(
            ".jp-InputArea-prompt"
        ).click()
        _menu(page, "Run", "Run Selected Cell and All Below")
    raise AssertionError("cells were still left unrun after 60 rounds")


def browser_results(cells: list[dict]) -> dict[str, bool]:
    """{question:check name: passed} from the tables the check cells displayed."""
    seen: dict[str, bool] = {}
    for cell in cells:
        if "prodev.check(" not in cell["source"]:
            continue
        for row in cell["rows"]:
            question, points, check = row[0], row[1], row[2]
            seen[f"{question}:{check}"] = points.startswith("✔")
    return seen


def test_check_cells_in_jupyterlab_match_prodev_check(course):
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    deadline = started + BUDGET_S
    OUTPUT.mkdir(parents=True, exist_ok=True)
    screenshot = OUTPUT / f"browser_{course['lab']}.png"
    relative = course["notebook"].relative_to(course["bundle"]).as_posix()
    with jupyterlab(course) as (url, token), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            page.goto(f"{url}/lab/tree/{relative}?token={token}")
            page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
            # The kernel has started and connected when the status bar reads "... | Idle".
            page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\| Idle$")).wait_for()
            cells = run_everything(page, deadline)
            checks = [c for c in cells if "prodev.check(" in c["source"]]
            page.locator(".jp-OutputArea table").last.scroll_into_view_if_needed()
        finally:
            with contextlib.suppress(Exception):  # keep what the page showed, pass or fail
                page.screenshot(path=str(screenshot))
                (OUTPUT / f"browser_{course['lab']}_cells.json").write_text(
                    json.dumps(page.evaluate(CELLS_JS), indent=1)
                )
            browser.close()
    elapsed = time.monotonic() - started

    assert checks, "no check cells were found in the notebook"
    assert all(c["rows"] for c in checks), "every check cell should show its results table"
    in_browser = browser_results(cells)
    on_cli = cli_results(course)
    assert in_browser == on_cli, (
        f"JupyterLab and `prodev check` disagree:\nbrowser: {in_browser}\ncli: {on_cli}"
    )
    answered = course["answered"]
    unanswered = {k: ok for k, ok in on_cli.items() if k.split(":")[0] != answered}
    assert unanswered and not any(unanswered.values()), "a blank question passed a check"
    assert any(k.split(":")[0] == answered for k in on_cli), f"no checks ran for {answered}"
    for cell in checks:  # a cell with a failing check says so under its table, and only then
        failed = any(row[1].startswith("✘") for row in cell["rows"])
        assert ("checks failed" in cell["text"]) == failed, cell["text"][-300:]
    assert screenshot.stat().st_size > 10_000
    print(f"the browser session took {elapsed:.0f} s")  # a figure, not a verdict
