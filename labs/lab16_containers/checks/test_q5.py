"""Question 5: the entrypoint serves /healthz and exits cleanly on SIGTERM."""

from prodev.checking import check
from prodev.kits import dockerfiles


@check("q5", points=2)
def test_sigterm_ends_the_server_cleanly(student):
    program = dockerfiles.student_text(student, "entrypoint", "program")
    report = dockerfiles.stop_entrypoint(student, program, "SIGTERM", requests=2)
    problem = dockerfiles.stop_problem(report, "SIGTERM")
    assert problem is None, problem
