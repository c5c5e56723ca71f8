"""`prodev lab` starts a real JupyterLab on 127.0.0.1 and prints the URL with its token."""

import os
import re
import signal
import socket
import subprocess
import sys

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_prodev_lab_serves_jupyterlab_with_a_printed_token(tmp_path, wait_until):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_TOKEN"}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prodev", "lab", "--port", str(port), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        first_line = proc.stdout.readline()
        match = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=([0-9a-f]+)", first_line)
        assert match, f"no URL with a token in {first_line!r}"
        token = match.group(1)

        def answered() -> requests.Response | None:
            try:
                url = f"http://127.0.0.1:{port}/api/status"
                return requests.get(url, params={"token": token}, timeout=2)
            except requests.ConnectionError:
                return None

        status = wait_until(answered, timeout=60, interval=0.3, what="JupyterLab answering")
        assert status.status_code == 200
        lab = requests.get(f"http://127.0.0.1:{port}/lab", params={"token": token}, timeout=10)
        assert lab.status_code == 200 and "JupyterLab" in lab.text
        denied = requests.get(f"http://127.0.0.1:{port}/api/contents", timeout=5)
        assert denied.status_code == 403, "the server must refuse requests without the token"
        contents = requests.get(
            f"http://127.0.0.1:{port}/api/contents", params={"token": token}, timeout=5
        ).json()
        names = {item["name"] for item in contents["content"]}
        assert {"course", "labs", "README.md"} <= names, "JupyterLab should open on the course"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def terminal_says(port: int, token: str, command: str, timeout: float = 30) -> str:
    """Open a terminal through the server's REST API, type `command` into it over the terminal
    websocket, and return what the terminal printed between two markers."""
    import asyncio
    import json

    from tornado.websocket import websocket_connect

    made = requests.post(f"http://127.0.0.1:{port}/api/terminals?token={token}", timeout=10)
    name = made.json()["name"]

    async def talk() -> str:
        url = f"ws://127.0.0.1:{port}/terminals/websocket/{name}?token={token}"
        ws = await websocket_connect(url)
        await ws.write_message(json.dumps(["stdin", f"echo BEGIN-OUT; {command}; echo END-OUT\r"]))
        printed = ""
        while printed.count("END-OUT") < 2:  # once echoed as typed, once printed
            message = await asyncio.wait_for(ws.read_message(), timeout)
            assert message is not None, f"the terminal closed; it printed {printed!r}"
            kind, *rest = json.loads(message)
            if kind == "stdout":
                printed += rest[0]
        ws.close()
        return printed.rsplit("BEGIN-OUT", 1)[1].rsplit("END-OUT", 1)[0]

    try:
        return asyncio.run(talk())
    finally:
        requests.delete(f"http://127.0.0.1:{port}/api/terminals/{name}?token={token}", timeout=10)


def test_jupyterlab_terminals_have_the_course_environment(tmp_path, wait_until):
    """Started without the venv on PATH and without a terminal of its own (JupyterLab then runs
    login shells), by a user whose ~/.bashrc puts another `python` first, as pyenv does: a
    terminal in JupyterLab still finds the course's `prodev` and `python`."""
    home = tmp_path / "home"
    (home / "elsewhere").mkdir(parents=True)
    other = home / "elsewhere" / "python"
    other.write_text("#!/bin/sh\necho not the course python\n")
    other.chmod(0o755)
    (home / ".bashrc").write_text(f'export PATH="{other.parent}:$PATH"\n')
    port, token = free_port(), "terminal-test-token"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PRODEV_BIN")},
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "SHELL": "/bin/bash",
        "JUPYTER_TOKEN": token,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "prodev", "lab", "--port", str(port), "--no-browser"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    try:

        def answered() -> bool:
            try:
                url = f"http://127.0.0.1:{port}/api/status?token={token}"
                return requests.get(url, timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(answered, timeout=60, interval=0.3, what="JupyterLab answering")
        printed = terminal_says(port, token, "command -v prodev; command -v python")
        venv_bin = os.path.dirname(sys.executable)
        found = [line.strip() for line in printed.splitlines() if line.strip()]
        assert found == [f"{venv_bin}/prodev", f"{venv_bin}/python"], printed
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_a_busy_port_is_named_with_the_way_to_pick_another(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "prodev", "lab", "--port", str(port), "--no-browser"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"port {port} is busy" in result.stderr
    assert "make lab PORT=" in result.stderr and "prodev lab --port" in result.stderr


def test_another_port_is_documented_where_students_look():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    shown = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=root, capture_output=True, text=True
    )
    assert "make lab PORT=8899" in shown.stdout, shown.stdout
    with open(os.path.join(root, "README.md"), encoding="utf-8") as readme:
        assert "make lab PORT=8899" in readme.read()
