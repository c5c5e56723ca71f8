"""prodev lab [--port P]"""

import json
import os
import shutil
import socket
import sys
from pathlib import Path

from prodev.errors import UserError


def add_parser(sub) -> None:
    p = sub.add_parser("lab", help="start JupyterLab on this course at http://127.0.0.1:PORT/lab")
    p.add_argument(
        "--port", type=int, default=8888, help="the port (default 8888; with make: PORT=8899)"
    )
    p.add_argument("--no-browser", action="store_true", help="do not try to open a browser")
    p.set_defaults(func=run)


def course_environment(base: dict[str, str]) -> dict[str, str]:
    """`base` with this Python's environment (the course's venv) first on PATH, as if activated,
    and named in PRODEV_BIN: JupyterLab's terminals inherit it, so `prodev` and `python` there
    are the course's."""
    bin_dir = str(Path(sys.executable).parent)  # not resolved: a venv's python is a symlink
    rest = [p for p in base.get("PATH", os.defpath).split(os.pathsep) if p and p != bin_dir]
    env = dict(base, PATH=os.pathsep.join([bin_dir, *rest]), PRODEV_BIN=bin_dir)
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    return env


# bash reads this instead of ~/.bashrc, and it reads ~/.bashrc before putting the venv first.
_BASH_RC = Path(__file__).with_name("terminal.bashrc")


def terminal_shell(env: dict[str, str]) -> list[str]:
    """The command JupyterLab's terminals run: the user's shell, interactive but not a login
    shell. A login shell (JupyterLab's choice when it has no terminal of its own, as under
    `make lab` in Docker or a hub) reads /etc/profile, which resets PATH and drops the venv."""
    shell = env.get("SHELL") or shutil.which("bash", path=env.get("PATH")) or "/bin/sh"
    if Path(shell).name == "bash":
        return [shell, "--rcfile", str(_BASH_RC), "-i"]
    return [shell, "-i"]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server will: a port that a stopped server left in TIME_WAIT is free to it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def run(args) -> int:
    import secrets

    from prodev.course.paths import project_root

    if not port_is_free(args.port):
        raise UserError(
            f"port {args.port} is busy (another JupyterLab, or another program, uses it): "
            f"stop that one, or pick another port: `make lab PORT={args.port + 11}` "
            f"or `prodev lab --port {args.port + 11}`"
        )
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(16)
    env = dict(
        course_environment(dict(os.environ)),
        JUPYTER_TOKEN=token,
        PLOOMBER_STATS_ENABLED="false",
        PLOOMBER_VERSION_CHECK_DISABLED="true",
    )
    print(f"JupyterLab: http://127.0.0.1:{args.port}/lab?token={token}", flush=True)
    settings = {"shell_command": terminal_shell(env)}
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--ip=127.0.0.1",
        f"--port={args.port}",
        "--port-retries=0",
        f"--ServerApp.root_dir={project_root()}",
        f"--ServerApp.terminado_settings={json.dumps(settings)}",
    ]
    if args.no_browser:
        cmd.append("--no-browser")
    if os.geteuid() == 0:  # containers and CI run as root; JupyterLab refuses without this
        cmd.append("--allow-root")
    os.chdir(project_root())  # nbgrader reads nbgrader_config.py from the working directory
    os.execve(sys.executable, cmd, env)
    return 0  # not reached
