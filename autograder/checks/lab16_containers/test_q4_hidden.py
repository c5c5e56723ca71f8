"""Hidden checks of question 4: start order by health, and what the file keeps private."""

import re

from prodev.checking import check
from prodev.kits import dockerfiles

STORES = ("db", "redis")
SECRET_NAME = re.compile(r"PASSWORD|SECRET", re.I)


def _services(student):
    text = dockerfiles.student_text(student, "compose", "compose file")
    try:
        compose = dockerfiles.load_compose(text)
    except ValueError as exc:
        raise AssertionError(str(exc)) from None
    services = compose.get("services") or {}
    missing = {"app", "worker", *STORES} - set(services)
    assert not missing, f"the services {sorted(missing)} are missing"
    return compose, services


@check("q4", points=2)
def test_app_and_worker_wait_for_healthy_stores(student):
    _, services = _services(student)
    for name in STORES:
        check_ = services[name].get("healthcheck") or {}
        assert check_.get("test") and not check_.get("disable"), (
            f"`{name}` has no health check, so nothing can wait for it to be ready"
        )
    for name in ("app", "worker"):
        waits = dockerfiles.depends_on(services[name])
        for store in STORES:
            assert store in waits, f"`{name}` does not depend on `{store}`"
            assert waits[store] == "service_healthy", (
                f"`{name}` waits for `{store}` only to be {waits[store].removeprefix('service_')}"
                ", not healthy: it can start before the store accepts connections"
            )


def _environment(service):
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)
    return raw


@check("q4", points=1)
def test_data_volume_private_stores_and_no_passwords(student):
    compose, services = _services(student)
    declared = set(compose.get("volumes") or {})
    mounts = [str(v if isinstance(v, str) else v.get("source", "")) + ":"
              + str("" if isinstance(v, str) else v.get("target", ""))
              for v in services["db"].get("volumes") or []]  # fmt: skip
    named = [m for m in mounts if m.split(":")[0] in declared and "/var/lib/postgresql" in m]
    assert named, "PostgreSQL's data is not in a named volume declared under `volumes:`"
    for name, service in services.items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(str(key)) and value not in (None, ""):
                assert str(value).strip().startswith("${"), (
                    f"`{name}` writes the value of {key} into the compose file"
                )
        if name != "app":
            assert not service.get("ports"), f"`{name}` publishes a port on the host"
        networks = service.get("networks") or []
        networks = set(networks) if isinstance(networks, list) else set(networks)
        if name in (*STORES, "worker"):
            assert networks == {"backend"}, f"`{name}` should be on the backend network only"
