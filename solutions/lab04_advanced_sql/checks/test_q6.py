"""Public checks for question 6 of lab 04 (threads and their depth).

They run your query on the course dataset and compare the result with the expected one through a
hash (`fingerprint`), which says whether your rows match without saying what they should be.
"""

from prodev.checking import check, fingerprint
from prodev.checking.student import duckdb_script

COLUMNS = ["depth", "threads", "messages"]
ROWS = 6  # rows expected on the course dataset
FINGERPRINT = "bc218cebc39bbe47"  # of the expected rows, in any order
FINGERPRINT_IN_ORDER = "bc218cebc39bbe47"  # of the expected rows, in the order asked for
# Of the rows a query gives when its messages column leaves out the message starting each thread.
ROOTS_LEFT_OUT = "499d79e32d4c3e29"

# Every thread of the course dataset is a straight line (each message answers the one before),
# so a query that only counts messages per conversation looks right there. These few threads
# branch: message 5 gets two replies, and conversation 4 holds two threads.
BRANCHING_THREADS = """
CREATE TABLE messages (
    message_id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL,
    sender_id INTEGER NOT NULL, recipient_id INTEGER NOT NULL, body VARCHAR NOT NULL,
    sent_at TIMESTAMP NOT NULL, is_read BOOLEAN NOT NULL, parent_message_id INTEGER
);
INSERT INTO messages
SELECT id, conversation, 1 + id % 2, 2 - id % 2, 'hello',
       TIMESTAMP '2024-05-01' + id * INTERVAL 1 HOUR, true, parent
FROM (VALUES (1, 1, NULL), (2, 1, 1), (3, 1, 2),
             (4, 2, NULL), (5, 2, 4), (6, 2, 5), (7, 2, 5), (8, 2, 7),
             (9, 3, NULL),
             (10, 4, NULL), (11, 4, 10), (12, 4, NULL)) AS t(id, conversation, parent)
"""
BRANCHING_FINGERPRINT = "6cb59b40ad8bd309"  # of the expected rows on those threads, in order


@check("q6", points=1)
def test_q6_columns(student, stayhub):
    """The columns are the ones the question names, in its order."""
    columns = student.sql("q6", stayhub).columns
    assert [c.lower() for c in columns] == COLUMNS, (
        f"expected the columns {COLUMNS} in this order, got {columns}: name them with AS"
    )


@check("q6", points=1)
def test_q6_rows(student, stayhub):
    """The rows are the expected ones in the expected order."""
    rows = student.sql("q6", stayhub).rows
    assert len(rows) == ROWS, (
        f"expected {ROWS} rows, got {len(rows)}: one row per depth that some thread has"
    )
    assert fingerprint(rows) != ROOTS_LEFT_OUT, (
        "the depths and thread counts are right, but the messages column is short by one per "
        "thread: were the messages that start the threads left out of the count?"
    )
    assert fingerprint(rows) == FINGERPRINT, (
        "the right number of rows, but not the right rows: "
        "does your query follow replies to every depth (WITH RECURSIVE)?"
    )
    assert fingerprint(rows, ordered=True) == FINGERPRINT_IN_ORDER, (
        "the right rows, in the wrong order: sort by depth, smallest first"
    )


@check("q6", points=1)
def test_q6_branching_threads(student):
    """Threads that branch, and conversations with two threads, are measured by their longest
    chain of replies."""
    result = student.sql("q6", duckdb_script(BRANCHING_THREADS))
    assert fingerprint(result.rows, ordered=True) == BRANCHING_FINGERPRINT, (
        "on a few threads where a message gets two replies and a conversation holds two threads, "
        "your depths or counts differ: is the depth the longest chain of replies below each "
        "message that starts a thread, rather than a count of messages per conversation?"
    )
