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
