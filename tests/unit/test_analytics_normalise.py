"""autograder/analytics/normalise.py and fingerprints.py: what a copier changes disappears, what
an independent author writes differently stays."""

from __future__ import annotations

import random

import pytest

from autograder.analytics.fingerprints import WINDOW, K, fingerprints, kgram_hashes, winnow
from autograder.analytics.normalise import looks_like_sql, normalise, sql_tokens

BATCHED = '''
def batched(iterable, size):
    """Yield lists of up to `size` items."""
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch
'''

BATCHED_COPY = """
# my own solution!
def batched(things,   n):
    if n < 1:   # guard
        raise ValueError("bad size")
    it = iter(things)

    while chunk := list(islice(it, n)):
        yield chunk   # done
"""

BATCHED_OTHER = """
def batched(iterable, size):
    if size < 1:
        raise ValueError("size must be at least 1")
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
"""

Q1 = '''q1 = """
-- ### BEGIN SOLUTION
SELECT b.booking_id, u.email AS guest_email, p.city, b.start_date, b.total_price
FROM bookings AS b
JOIN users AS u ON u.user_id = b.guest_id
JOIN properties AS p ON p.property_id = b.property_id
WHERE b.status = 'confirmed'
  AND b.start_date >= DATE '2024-03-01' AND b.start_date < DATE '2024-04-01'
-- ### END SOLUTION
"""'''

# The same query: other aliases, conditions in another order, `=` sides swapped, comments,
# lower-case keywords, no AS, another layout.
Q1_DISGUISED = '''# q1, done on my own
q1 = """
select bk.booking_id, guest.email guest_email, prop.city, bk.start_date, bk.total_price  -- all
from bookings bk join users guest on bk.guest_id = guest.user_id
  join properties prop on prop.property_id = bk.property_id
-- only March
where bk.start_date < date '2024-04-01' and bk.status = 'confirmed'
  and bk.start_date >= date '2024-03-01'
"""'''

# A different query for the same question: an anti-pattern the copier would not produce.
Q1_OTHER = '''q1 = """
WITH march AS (
    SELECT * FROM bookings WHERE status = 'confirmed' AND strftime(start_date, '%Y-%m') = '2024-03'
)
SELECT m.booking_id, (SELECT email FROM users WHERE user_id = m.guest_id) AS guest_email,
       properties.city, m.start_date, m.total_price
FROM march AS m JOIN properties USING (property_id)
"""'''


def test_renamed_variables_comments_and_layout_normalise_away():
    assert normalise(BATCHED).tokens == normalise(BATCHED_COPY).tokens


def test_another_way_to_write_the_same_function_stays_different():
    assert normalise(BATCHED).tokens != normalise(BATCHED_OTHER).tokens
    assert fingerprints(normalise(BATCHED).tokens) != fingerprints(normalise(BATCHED_OTHER).tokens)


def test_names_the_answer_binds_go_and_names_it_uses_stay():
    tokens = normalise("def total(rows):\n    return sum(len(r) for r in rows)\n").tokens
    assert "total" not in tokens and "rows" not in tokens and "r" not in tokens
    assert "sum" in tokens and "len" in tokens
    assert normalise("x = sorted(y)").tokens != normalise("x = reversed(y)").tokens


def test_literals_and_docstrings_go():
    one = normalise('def f(n):\n    """Doc."""\n    return n + 1 if n > 10 else "small"\n')
    two = normalise("def g(m):\n    return m + 7 if m > 99 else 'tiny'\n")
    assert one.tokens == two.tokens
    assert "Doc" not in " ".join(one.tokens)


def test_the_names_an_answer_chose_are_kept_for_display():
    assert {"batched", "iterable", "size", "iterator", "batch"} <= normalise(BATCHED).names
    assert {"b", "u", "p", "guest_email", "q1"} <= normalise(Q1).names


def test_sql_aliases_clause_order_comments_and_case_normalise_away():
    assert normalise(Q1).tokens == normalise(Q1_DISGUISED).tokens


def test_a_different_sql_query_stays_different():
    assert normalise(Q1).tokens != normalise(Q1_OTHER).tokens
    shared = fingerprints(normalise(Q1).tokens) & fingerprints(normalise(Q1_OTHER).tokens)
    assert len(shared) < len(fingerprints(normalise(Q1).tokens)) / 2


def test_sql_literals_become_placeholders():
    one, _ = sql_tokens("SELECT * FROM t WHERE a = 'x' AND b > 3")
    two, _ = sql_tokens("SELECT * FROM t WHERE a = 'yyy' AND b > 41")
    assert one == two
    assert "'x'" not in one and "3" not in one


def test_sql_table_and_column_names_stay():
    one, _ = sql_tokens("SELECT city FROM properties")
    two, _ = sql_tokens("SELECT city FROM bookings")
    assert one != two


def test_an_f_string_query_is_read_as_sql():
    code = "def q(t):\n    return con.execute(f\"SELECT count(*) FROM {t} WHERE status = 'x'\")\n"
    tokens = normalise(code).tokens
    assert "select" in tokens and "count" in tokens


def test_an_sql_cell_magic_is_read_as_sql():
    cell = "%%sql\nSELECT b.booking_id FROM bookings AS b WHERE b.status = 'confirmed'"
    same = "%%sql\nselect x.booking_id from bookings x where x.status = 'cancelled'"
    assert normalise(cell).tokens == normalise(same).tokens
    assert "select" in normalise(cell).tokens


def test_code_that_does_not_parse_is_still_compared():
    broken = "def f(a, b:\n    return a + b  # oops\n"
    renamed = "def g(x, y:\n    return x + y\n"
    assert normalise(broken).tokens
    assert normalise(broken).tokens == normalise(renamed).tokens


def test_sql_that_does_not_parse_is_still_compared():
    tokens, _ = sql_tokens("SELECT FROM WHERE ((( garbage 12")
    assert tokens and "select" in tokens


def test_long_text_that_is_not_sql_keeps_its_words():
    diagram = 'er = """\nerDiagram\n    USERS ||--o{ BOOKINGS : makes\n"""'
    other = 'er = """\nerDiagram\n    USERS ||--o{ PAYMENTS : makes\n"""'
    assert normalise(diagram).tokens != normalise(other).tokens
    assert "bookings" in normalise(diagram).tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT 1", True),
        ("  -- a comment\n  with x as (select 1) select * from x", True),
        ("/* block */ FROM bookings SELECT *", True),
        ("erDiagram\n  USERS ||--o{ BOOKINGS : makes", False),
        ("Select the rows you need", True),
        ("the rows you need", False),
    ],
)
def test_what_looks_like_sql(text, expected):
    assert looks_like_sql(text) is expected


def test_a_shared_run_of_k_plus_window_minus_one_tokens_always_shares_a_fingerprint():
    rng = random.Random(7)
    vocabulary = [f"t{i}" for i in range(50)]
    for _ in range(200):
        shared = [rng.choice(vocabulary) for _ in range(K + WINDOW - 1)]
        a = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 40))]
        b = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 40))]
        cut_a, cut_b = rng.randrange(len(a) + 1), rng.randrange(len(b) + 1)
        one = a[:cut_a] + shared + a[cut_a:]
        two = b[:cut_b] + shared + b[cut_b:]
        assert fingerprints(one) & fingerprints(two), (one, two)


def test_winnowing_keeps_a_fraction_of_the_hashes_and_is_stable():
    tokens = [f"t{i % 37}" for i in range(500)]
    hashes = kgram_hashes(tokens)
    kept = winnow(hashes)
    assert len(hashes) == 500 - K + 1
    assert len(set(hashes)) > len(kept) > 0
    assert fingerprints(tokens) == fingerprints(list(tokens))  # no per-process hashing
    assert fingerprints([]) == frozenset()
    assert len(fingerprints(["a", "b"])) == 1
