"""Module 17's grader-side tools: review Kubernetes manifests, and simulate what a cluster does.

Manifests are judged offline: each document against the Kubernetes API's JSON schema
(kubernetes-validate, strict, schemas bundled in the pinned wheel), then by semantic rules a
reviewer applies to the parsed objects (a schema cannot see that a Service selects no pod).
The simulations stand in for a cluster: a Deployment's rolling update, event by event, and a
load balancer spreading requests over backends of unequal speed. Both are seeded and call a
strategy or policy the caller passes, so a check can run them on the student's answer.

Nothing here knows a lab's answer: it measures, and the checks decide.
"""

from __future__ import annotations

import heapq
import math
import random
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from prodev.errors import UserError
from prodev.kits import yamltext

# A Kubernetes version whose schemas the pinned kubernetes-validate bundles (no download).
KUBERNETES_VERSION = "1.34.0"
# The validator quotes the offending value whole; a message keeps this much of it.
MESSAGE_CHARS = 300

# The StayHub practice API (`prodev api`): the paths it answers with 200 to a plain GET, and the
# one meant for probes. tests/integration/test_probe_paths.py asks the running server to prove it.
STAYHUB_API_PATHS = ("/", "/api/", "/api/health/", "/api/schema/")
STAYHUB_API_HEALTH = "/api/health/"


class Problem(str):
    """One finding of a review: the whole sentence, and `what` was wrong without naming the
    object (a hidden check words its own message: the object's name is the student's text)."""

    what: str

    def __new__(cls, where: str, what: str, joiner: str = ": ") -> Problem:
        problem = super().__new__(cls, f"{where}{joiner}{what}")
        problem.what = what
        return problem


class ManifestError(UserError, ValueError, AssertionError):
    """The text is not a list of Kubernetes objects that can be reviewed; says why.

    It is an AssertionError so that a check reviewing a student's manifests fails with this
    message, written for the student, rather than erroring."""


# ---------------------------------------------------------------------------------------------
# Parsing and schema validation


def load_documents(text: Any) -> list[dict[str, Any]]:
    """The YAML documents of `text` that are not empty, each a mapping with kind and name."""
    import yaml

    if not isinstance(text, str) or not text.strip():
        raise ManifestError("the manifests should be a non-empty string of YAML")
    if "NotImplementedError" in text:
        raise ManifestError("not answered yet: write your manifests in the string")
    try:
        loaded = yamltext.safe_load_all(text, "the manifests' YAML")
        documents = [d for d in loaded if d is not None]
    except yamltext.TooLarge as exc:
        raise ManifestError(str(exc)) from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" near line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", exc)
        raise ManifestError(f"the YAML does not parse{line}: {problem}") from None
    for number, doc in enumerate(documents, 1):
        if not isinstance(doc, dict):
            raise ManifestError(f"document {number} is a {type(doc).__name__}, not a mapping")
        if not isinstance(doc.get("kind"), str) or not isinstance(doc.get("metadata"), dict):
            raise ManifestError(f"document {number} has no kind or no metadata")
    return documents


def describe(doc: dict[str, Any]) -> str:
    """`Deployment/stayhub-api`: how messages name an object."""
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name', '?')}"


def schema_problems(doc: dict[str, Any], version: str = KUBERNETES_VERSION) -> list[Problem]:
    """What the Kubernetes API would reject in `doc` (strict: unknown fields too)."""
    try:
        import kubernetes_validate
    except ImportError:
        raise ManifestError(
            "kubernetes-validate is not installed: run `make setup` (it is pinned in "
            "requirements.lock) to validate manifests offline"
        ) from None
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        where = ".".join(str(p) for p in exc.path) or "(top level)"
        message = exc.message
        if len(message) > MESSAGE_CHARS:
            message = message[:MESSAGE_CHARS] + "..."
        return [Problem(describe(doc), f"at {where}: {message}")]
    except kubernetes_validate.SchemaNotFoundError:
        return [
            f"{describe(doc)}: Kubernetes {version} has no kind {doc.get('kind')!r} in "
            f"apiVersion {doc.get('apiVersion')!r}"
        ]
    except (KeyError, TypeError):
        return [Problem(describe(doc), "no apiVersion")]
    return []


def find(docs: Iterable[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    """The object of that kind and name, if there is one."""
    for doc in docs:
        if doc.get("kind") == kind and doc.get("metadata", {}).get("name") == name:
            return doc
    return None


def require(docs: Iterable[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """The object of that kind and name; ManifestError naming what is missing otherwise."""
    found = find(docs, kind, name)
    if found is None:
        raise ManifestError(f"there is no {kind} named {name!r}")
    return found


# ---------------------------------------------------------------------------------------------
# Semantic rules on parsed objects. Each returns a list of problems, empty when all is well.


def _dig(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def template_labels(workload: dict[str, Any]) -> dict[str, str]:
    return _dig(workload, "spec", "template", "metadata", "labels") or {}


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return _dig(workload, "spec", "template", "spec", "containers") or []


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """True if a label selector (matchLabels and matchExpressions, or a Service's plain map)
    selects an object with `labels`. An empty selector selects nothing here: for a Service it
    means "no pods", and for a PDB or Deployment it is a mistake worth naming."""
    if not selector:
        return False
    if "matchLabels" in selector or "matchExpressions" in selector:
        plain = selector.get("matchLabels") or {}
        expressions = selector.get("matchExpressions") or []
    else:
        plain, expressions = selector, []
    if not plain and not expressions:
        return False
    if any(labels.get(k) != v for k, v in plain.items()):
        return False
    for expr in expressions:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def selector_problems(workload: dict[str, Any]) -> list[Problem]:
    """A Deployment's selector must select its own pod template (the API refuses it otherwise)."""
    selector = _dig(workload, "spec", "selector")
    if not selects(selector, template_labels(workload)):
        return [
            Problem(describe(workload), "spec.selector does not select the pod template's labels")
        ]
    return []


def container_ports(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for c in containers(workload) for p in c.get("ports") or []]


def _names_a_port(port: Any, workload: dict[str, Any]) -> bool:
    ports = container_ports(workload)
    if isinstance(port, str):
        return any(p.get("name") == port for p in ports)
    return any(p.get("containerPort") == port for p in ports)


def service_problems(service: dict[str, Any], workloads: Sequence[dict[str, Any]]) -> list[Problem]:
    """A Service must select pods of some workload, and each targetPort must be a port those
    pods' containers declare (by name when it is a string)."""
    selector = _dig(service, "spec", "selector")
    chosen = [w for w in workloads if selects(selector, template_labels(w))]
    if not chosen:
        return [Problem(describe(service), "its selector matches the pods of no Deployment")]
    problems = []
    for port in _dig(service, "spec", "ports") or []:
        target = port.get("targetPort", port.get("port"))
        for workload in chosen:
            if not _names_a_port(target, workload):
                problems.append(
                    Problem(
                        describe(service),
                        f"targetPort {target!r} is not a port that the containers of "
                        f"{describe(workload)} declare",
                    )
                )
    return problems


def selected_by(selector: Any, workloads: Sequence[dict[str, Any]]) -> list[str]:
    """The names of the workloads whose pods a selector selects."""
    return [w["metadata"]["name"] for w in workloads if selects(selector, template_labels(w))]


PROBES = ("livenessProbe", "readinessProbe")


def probe_problems(workload: dict[str, Any], served_paths: Iterable[str]) -> list[Problem]:
    """Every container has a liveness and a readiness probe; an HTTP probe asks a path the app
    serves, on a port the container declares."""
    served = set(served_paths)
    problems = []
    for c in containers(workload):
        for kind in PROBES:
            probe = c.get(kind)
            where = f"{describe(workload)} container {c.get('name')!r}"
            if not probe:
                problems.append(Problem(where, f"has no {kind}", " "))
                continue
            http = probe.get("httpGet")
            if http is None:
                continue
            path = str(http.get("path", "/")).split("?", 1)[0]
            if path not in served:
                problems.append(
                    Problem(where, f"the {kind} asks for {path}, which the app does not serve")
                )
            if not _names_a_port(
                http.get("port"), {"spec": {"template": {"spec": {"containers": [c]}}}}
            ):
                problems.append(
                    Problem(
                        where,
                        f"the {kind} uses port {http.get('port')!r}, which the container does "
                        "not declare",
                    )
                )
    return problems


_SUFFIXES = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1,
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
}  # fmt: skip
_QUANTITY = re.compile(
    r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$"
)


def parse_quantity(value: Any) -> Decimal:
    """A Kubernetes quantity ("500m", "1.5", "256Mi", "1G", 2) as a number of base units."""
    match = _QUANTITY.match(str(value).strip())
    if match is None:
        raise ManifestError(f"{value!r} is not a Kubernetes quantity")
    number, suffix = match.groups()
    try:
        return Decimal(number) * Decimal(_SUFFIXES[suffix or ""])
    except InvalidOperation:
        raise ManifestError(f"{value!r} is not a Kubernetes quantity") from None


def resource_problems(workload: dict[str, Any]) -> list[Problem]:
    """Every container requests and limits cpu and memory, and no limit is below its request."""
    problems = []
    for c in containers(workload):
        where = f"{describe(workload)} container {c.get('name')!r}"
        resources = c.get("resources") or {}
        for part in ("requests", "limits"):
            missing = [r for r in ("cpu", "memory") if r not in (resources.get(part) or {})]
            if missing:
                problems.append(Problem(where, f"sets no {part} for {' and '.join(missing)}", " "))
        for name, request in (resources.get("requests") or {}).items():
            limit = (resources.get("limits") or {}).get(name)
            try:
                if limit is not None and parse_quantity(limit) < parse_quantity(request):
                    problems.append(Problem(where, f"the {name} limit is below its request"))
            except ManifestError as exc:
                problems.append(Problem(where, str(exc)))
    return problems


def scaled(value: Any, total: int, round_up: bool) -> int:
    """An int-or-percent field resolved as Kubernetes does ("25%" of 10 is 3 rounded up, 2 down)."""
    if isinstance(value, bool):
        raise ManifestError(f"{value!r} is neither a number nor a percentage")
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"(\d+)%", str(value))
    if match is None:
        raise ManifestError(f"{value!r} is neither a whole number nor a percentage like '25%'")
    share = int(match.group(1)) * total
    return -(-share // 100) if round_up else share // 100


def pdb_disruptions(pdb: dict[str, Any], replicas: int) -> tuple[int, int]:
    """(voluntary evictions allowed, pods that must stay ready) for `replicas` healthy pods.

    minAvailable rounds a percentage up, maxUnavailable rounds it up too (the disruption
    controller's rule), and neither set means no eviction is refused."""
    spec = pdb.get("spec") or {}
    if "minAvailable" in spec:
        keep = scaled(spec["minAvailable"], replicas, round_up=True)
    elif "maxUnavailable" in spec:
        keep = replicas - scaled(spec["maxUnavailable"], replicas, round_up=True)
    else:
        keep = 0
    return max(0, replicas - keep), max(0, keep)


def pdb_problems(pdb: dict[str, Any], workload: dict[str, Any]) -> list[Problem]:
    """The budget selects the workload's pods, lets a node drain evict at least one of them, and
    keeps at least one ready."""
    if not selects(_dig(pdb, "spec", "selector"), template_labels(workload)):
        return [Problem(describe(pdb), f"does not select the pods of {describe(workload)}", " ")]
    replicas = _dig(workload, "spec", "replicas")
    replicas = 1 if replicas is None else replicas
    try:
        allowed, kept = pdb_disruptions(pdb, replicas)
    except ManifestError as exc:
        return [Problem(describe(pdb), str(exc))]
    problems = []
    if allowed < 1:
        problems.append(
            Problem(
                describe(pdb),
                f"with {replicas} replicas allows no eviction: a node drain would wait for ever",
                " ",
            )
        )
    if kept < 1:
        problems.append(
            Problem(
                describe(pdb), f"with {replicas} replicas lets every pod be evicted at once", " "
            )
        )
    return problems


def security_problems(workload: dict[str, Any]) -> list[Problem]:
    """Each container runs as non-root (its own or the pod's securityContext), cannot gain
    privileges, has a read-only root file system and drops every capability."""
    pod = _dig(workload, "spec", "template", "spec", "securityContext") or {}
    problems = []
    for c in containers(workload):
        where = f"{describe(workload)} container {c.get('name')!r}"
        own = c.get("securityContext") or {}
        non_root = own.get("runAsNonRoot", pod.get("runAsNonRoot"))
        user = own.get("runAsUser", pod.get("runAsUser"))
        if non_root is not True or user == 0:
            problems.append(Problem(where, "may run as root", " "))
        if own.get("allowPrivilegeEscalation") is not False:
            problems.append(Problem(where, "may gain privileges", " "))
        if own.get("readOnlyRootFilesystem") is not True:
            problems.append(Problem(where, "can write to its root file system", " "))
        dropped = _dig(own, "capabilities", "drop") or []
        if "ALL" not in dropped:
            problems.append(Problem(where, "keeps the runtime's default Linux capabilities", " "))
    return problems


# ---------------------------------------------------------------------------------------------
# A rolling update, simulated as the Deployment controller runs one


@dataclass
class Rollout:
    """What happened while `replicas` old pods were replaced by new ones."""

    replicas: int
    finished_at: float | None = None  # None: it got stuck
    min_available: int = 0
    max_pods: int = 0
    # (time, ready pods, all pods) after every step of the controller
    timeline: list[tuple[float, int, int]] = field(default_factory=list)


def rolling_update_fenceposts(strategy: Any, replicas: int) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) of a `rollingUpdate` mapping, resolved against `replicas` as
    the API does; raises ManifestError for what the API would reject."""
    if not isinstance(strategy, dict):
        raise ManifestError("the strategy should be a mapping with maxSurge and maxUnavailable")
    unknown = set(strategy) - {"maxSurge", "maxUnavailable"}
    if unknown:
        raise ManifestError(f"a rollingUpdate has no field {sorted(unknown)[0]!r}")
    surge = scaled(strategy.get("maxSurge", "25%"), replicas, round_up=True)
    unavailable = scaled(strategy.get("maxUnavailable", "25%"), replicas, round_up=False)
    if surge < 0 or unavailable < 0:
        raise ManifestError("maxSurge and maxUnavailable cannot be negative")
    if surge == 0 and unavailable == 0:
        raise ManifestError("maxSurge and maxUnavailable cannot both be 0: nothing could move")
    return surge, min(unavailable, replicas)


def simulate_rollout(
    replicas: int, max_surge: int, max_unavailable: int, ready_after: Sequence[float]
) -> Rollout:
    """Replace `replicas` ready old pods with new ones. The n-th new pod becomes ready
    `ready_after[n]` seconds after it is created; an old pod stops serving when it is told to
    terminate. After each event the controller scales the new ReplicaSet up as far as the surge
    allows and the old one down as far as the availability floor allows, as Kubernetes does."""
    if len(ready_after) < replicas:
        raise ValueError("need a readiness delay for every new pod")
    run = Rollout(replicas)
    old, new_ready, new_pending = replicas, 0, 0
    created = 0
    now = 0.0
    readiness: list[float] = []  # times at which pending new pods become ready
    floor = replicas - max_unavailable
    run.min_available = run.max_pods = replicas
    while True:
        while True:  # reconcile until neither ReplicaSet can move
            # Scale up: all pods (ready or not) may exceed the desired count by the surge.
            room = min(replicas + max_surge - (old + new_ready + new_pending), replicas - created)
            for _ in range(max(0, room)):
                heapq.heappush(readiness, now + ready_after[created])
                created += 1
                new_pending += 1
            # Scale down: keep at least `floor` pods ready.
            down = max(0, min(old, old + new_ready - floor))
            old -= down
            if room <= 0 and down == 0:
                break
        ready, total = old + new_ready, old + new_ready + new_pending
        run.timeline.append((now, ready, total))
        run.min_available = min(run.min_available, ready)
        run.max_pods = max(run.max_pods, total)
        if old == 0 and new_ready == replicas:
            run.finished_at = now
            return run
        if not readiness:
            return run  # nothing will ever change: stuck
        now = heapq.heappop(readiness)
        new_pending -= 1
        new_ready += 1
        while readiness and readiness[0] == now:  # pods ready at the same instant
            heapq.heappop(readiness)
            new_pending -= 1
            new_ready += 1


# ---------------------------------------------------------------------------------------------
# A load balancer in front of backends of unequal speed

Policy = Callable[[list[int], list[int]], Any]


class PolicyError(UserError, ValueError):
    """The policy answered something that is not a backend; says what and when."""


@dataclass(frozen=True)
class Backends:
    """Backends of a service: their relative speeds and how many requests each serves at once."""

    speeds: tuple[float, ...]
    workers: int = 2

    @property
    def capacity(self) -> float:
        """Requests per second of mean work 1 s that all backends finish at full load."""
        return sum(self.speeds) * self.workers


def simulate_balancer(
    policy: Policy,
    backends: Backends,
    *,
    arrival_rate: float,
    requests: int,
    seed: int,
) -> list[float]:
    """The latency (seconds) of each of `requests` requests sent by `policy`.

    Requests arrive as a Poisson stream; each carries exponentially distributed work (mean 1 s
    at speed 1). For each one the balancer calls `policy(in_flight, sampled)`: `in_flight[i]` is
    how many requests backend i holds (served or queued), `sampled` two distinct backends drawn
    at random for this request (for policies that want randomness: the draw is the simulation's,
    so the run is the same for the same seed). The policy returns a backend's index. A backend
    serves `workers` requests at once, first come first served."""
    rng = random.Random(seed)
    n = len(backends.speeds)
    in_flight = [0] * n
    queues: list[deque[tuple[float, float]]] = [deque() for _ in range(n)]
    busy = [0] * n
    done: list[tuple[float, int]] = []  # (finish time, backend)
    latencies: list[float] = []
    now = 0.0

    def start(backend: int, arrived: float, work: float, at: float) -> None:
        busy[backend] += 1
        finish = at + work / backends.speeds[backend]
        heapq.heappush(done, (finish, backend))
        latencies.append(finish - arrived)

    for number in range(requests):
        now += rng.expovariate(arrival_rate)
        work = rng.expovariate(1.0)
        sampled = rng.sample(range(n), 2)
        while done and done[0][0] <= now:
            at, backend = heapq.heappop(done)
            busy[backend] -= 1
            in_flight[backend] -= 1
            if queues[backend]:
                start(backend, *queues[backend].popleft(), at)
        choice = policy(list(in_flight), sampled)
        if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice < n:
            raise PolicyError(
                f"for request {number + 1} the policy answered {choice!r}, not a backend index "
                f"0..{n - 1}"
            )
        in_flight[choice] += 1
        if busy[choice] < backends.workers:
            start(choice, now, work, now)
        else:
            queues[choice].append((now, work))
    # Queued requests still finish: serve them in order.
    while done:
        at, backend = heapq.heappop(done)
        busy[backend] -= 1
        if queues[backend]:
            start(backend, *queues[backend].popleft(), at)
    return latencies


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0 < q <= 100) by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
