"""Hidden checks for question 6 of lab 04: threads per depth, walked recursively.

Run the reference query and the student's on a dataset the student never saw, and compare.
"""

from prodev.checking import assert_rows, check

REFERENCE = """
WITH RECURSIVE thread(root_message_id, message_id, depth) AS (
    SELECT message_id, message_id, 0
    FROM messages
    WHERE parent_message_id IS NULL
    UNION ALL
    SELECT t.root_message_id, m.message_id, t.depth + 1
    FROM messages AS m
    JOIN thread AS t ON m.parent_message_id = t.message_id
),
per_thread AS (
    SELECT root_message_id, count(*) AS messages, max(depth) AS depth
    FROM thread
    GROUP BY root_message_id
)
SELECT depth, count(*) AS threads, sum(messages) AS messages
FROM per_thread
GROUP BY depth
ORDER BY depth
"""

COLUMNS = ["depth", "threads", "messages"]


@check("q6", points=1)
def test_q6_on_unseen_data(student, stayhub_unseen, reference):
    """The same result as the reference on other data, in the same order."""
    expected = reference(REFERENCE, stayhub_unseen)
    actual = student.sql("q6", stayhub_unseen)
    assert_rows(
        actual,
        expected.rows,
        columns=COLUMNS,
        ordered=True,
        hint=(
            "on a dataset you have not seen, your counts differ: check how replies at every "
            "depth are followed, and the order"
        ),
        counts=False,
    )


ALL_MESSAGES = "SELECT count(*) FROM messages"


@check("q6", points=1)
def test_q6_every_message_is_in_a_thread(student, stayhub_unseen, reference):
    """Each message belongs to exactly one thread, so the threads hold every message once."""
    rows = student.sql("q6", stayhub_unseen).rows
    assert rows and len(rows[0]) == 3, "expected three columns: depth, threads, messages"
    if not all(isinstance(r[2], int | float) for r in rows):
        raise AssertionError("the messages column should hold numbers")
    total = reference(ALL_MESSAGES, stayhub_unseen).rows[0][0]
    counted = sum(r[2] for r in rows)
    assert counted == total, (
        "your threads do not hold every message of the dataset exactly once: follow replies to "
        "every depth, not just one level"
    )


@check("q6", points=1)
def test_q6_on_planted_cases(student, planted):
    """The same result as the reference on hand-made rows holding the cases the question names:
    threads that branch, a conversation holding three threads, a chain four replies deep and
    messages nobody answered."""
    assert_rows(
        planted.student(student, "q6"),
        planted.reference(REFERENCE).rows,
        columns=COLUMNS,
        ordered=True,
        hint=(
            "on hand-made rows with the cases the question names, your result differs: "
            "check that each thread is measured from its first message down its longest chain"
            " of replies"
        ),
        counts=False,
    )
