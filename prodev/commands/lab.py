"""prodev lab [--port P]"""

import os
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("lab", help="start JupyterLab on this course at http://127.0.0.1:PORT/lab")
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--no-browser", action="store_true", help="do not try to open a browser")
    p.set_defaults(func=run)


def run(args) -> int:
    import secrets

    from prodev.course.paths import project_root

    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_TOKEN=token,
        PLOOMBER_STATS_ENABLED="false",
        PLOOMBER_VERSION_CHECK_DISABLED="true",
    )
    print(f"JupyterLab: http://127.0.0.1:{args.port}/lab?token={token}", flush=True)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--ip=127.0.0.1",
        f"--port={args.port}",
        "--port-retries=0",
        f"--ServerApp.root_dir={project_root()}",
    ]
    if args.no_browser:
        cmd.append("--no-browser")
    if os.geteuid() == 0:  # containers and CI run as root; JupyterLab refuses without this
        cmd.append("--allow-root")
    os.chdir(project_root())  # nbgrader reads nbgrader_config.py from the working directory
    os.execve(sys.executable, cmd, env)
    return 0  # not reached
