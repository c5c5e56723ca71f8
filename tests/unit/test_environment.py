"""environment.yml (conda) installs exactly what requirements.lock pins."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(lines: list[str], where: str) -> dict[str, str]:
    """`name==version` lines as {normalised name: version}; anything else is an error."""
    pins: dict[str, str] = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("-e "):
            continue
        match = PIN.match(line)
        assert match, f"{where}: {line!r} is not an exact `name==version` pin"
        name = _normalise(match.group(1))
        assert name not in pins, f"{where}: {match.group(1)} is listed twice"
        pins[name] = match.group(2)
    return pins


def lock_pins() -> dict[str, str]:
    return parse_pins((ROOT / "requirements.lock").read_text().splitlines(), "requirements.lock")


def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def environment_pins() -> dict[str, str]:
    deps = environment()["dependencies"]
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml needs exactly one `pip:` section"
    return parse_pins(pip_sections[0], "environment.yml")


def test_conda_part_is_python_311_and_pip():
    deps = environment()["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    assert "python=3.11" in conda, f"conda dependencies: {conda}"
    assert "pip" in conda


def differences(lock: dict[str, str], env: dict[str, str]) -> list[str]:
    """What environment.yml lacks, adds or pins differently, one line each."""
    out = [f"missing {n}=={lock[n]}" for n in sorted(set(lock) - set(env))]
    out += [f"extra {n}=={env[n]}" for n in sorted(set(env) - set(lock))]
    out += [
        f"{n}: lock {lock[n]}, environment.yml {env[n]}"
        for n in sorted(set(lock) & set(env))
        if lock[n] != env[n]
    ]
    return out


def test_environment_mirrors_the_lock_exactly():
    lock = lock_pins()
    assert len(lock) > 50, "requirements.lock should pin every transitive dependency"
    problems = differences(lock, environment_pins())
    assert not problems, (
        "environment.yml is out of step with requirements.lock; copy the lock's pins into its "
        "pip section:\n  " + "\n  ".join(problems)
    )


def test_environment_installs_the_course_package():
    pip_lines = [d for d in environment()["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip_lines


def test_drift_is_caught():
    """The comparison is not vacuous: a changed, a dropped and an added pin all show up."""
    lock = lock_pins()
    first, second = sorted(lock)[:2]
    env = dict(lock, **{first: lock[first] + ".post99"}, **{"left-pad": "1.0"})
    del env[second]
    assert differences(lock, env) == [
        f"missing {second}=={lock[second]}",
        "extra left-pad==1.0",
        f"{first}: lock {lock[first]}, environment.yml {lock[first]}.post99",
    ]
    assert parse_pins(["Foo_Bar==1.0"], "x") == {"foo-bar": "1.0"}
