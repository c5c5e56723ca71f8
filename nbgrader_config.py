# nbgrader reads this from the course root: solutions/ holds each lab's source, labs/ its release.
import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

# The folder of this file, absolute (a relative root makes every nbgrader command warn).
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    ".pytest_cache",
]
# Scores come from prodev's checks, not from the check cells' exit status.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Grading with prodev: where the hidden checks live and the seed of the data they run on.
# autograder/checks/ and its seed are a public sample; a course points the grader at a private
# folder and a secret per-term seed (docs/grading.md). Never write the seed's number here:
# students receive this file. PRODEV_HIDDEN_CHECKS and PRODEV_HIDDEN_SEED override these.
c.ProdevGrader.hidden_checks = "autograder/checks"
# c.ProdevGrader.hidden_seed = int(pathlib.Path("/srv/prodev-private/seed").read_text())

# Formgrader's Autograde and Generate Feedback buttons (and `nbgrader autograde` /
# `generate_feedback`) grade with prodev in the sandbox and write prodev's feedback page
# (autograder/formgrader.py). A student's copy of this file has no autograder/: nbgrader's own
# steps stay, and students never run those two commands.
try:
    from autograder.formgrader import GradeWithProdev, ProdevFeedbackPage
except ImportError:
    pass
else:
    c.Autograde.sanitize_preprocessors = []  # prodev restores locked cells itself
    c.Autograde.autograde_preprocessors = [GradeWithProdev]
    c.GenerateFeedback.preprocessors = []
    c.GenerateFeedback.exporter_class = ProdevFeedbackPage
