"""The grading engine: sandboxed answers, checks, scores and nbgrader glue."""
