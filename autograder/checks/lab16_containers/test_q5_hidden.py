"""Hidden check of question 5: Ctrl-C (SIGINT) stops the server as cleanly as SIGTERM."""

from prodev.checking import check
from prodev.kits import dockerfiles


@check("q5", points=1)
def test_sigint_ends_the_server_cleanly(student):
    program = dockerfiles.student_text(student, "entrypoint", "program")
    report = dockerfiles.stop_entrypoint(student, program, "SIGINT", requests=3)
    problem = dockerfiles.stop_problem(report, "SIGINT")
    assert problem is None, problem
