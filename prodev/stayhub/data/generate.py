"""Fill an open DuckDB connection with StayHub rows, in SQL only.

Every random choice is `rnd(salt, id)`: a number in [0, 1) from DuckDB's `hash()`, computed as
hash(hash(seed, salt) XOR id), keeping the top 53 bits. (Hashing the three values in one call is
not enough: DuckDB combines them so weakly that different salts give correlated numbers.)
It depends on nothing but those three numbers, so the rows are the same on every machine and
for every thread count (unlike `random()`), and a new seed gives new rows with the same shape.
Each column that needs chance has its own salt (the integer literal passed to `rnd`).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from prodev.stayhub.data import sizes, vocab
from prodev.stayhub.data.schema import DDL, TABLES


def _seconds_between(start: str, end: str) -> int:
    return int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def _macros(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """rnd: uniform [0,1) from (seed, salt, id); zipf: index in [0, n) with P(k) ~ 1/(k+1)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP MACRO rnd(salt, id) AS
            (hash(xor(hash({int(seed)}::BIGINT, salt::BIGINT), id::UBIGINT)) >> 11)::DOUBLE
            / 9007199254740992.0;
        CREATE OR REPLACE TEMP MACRO pick(u, n) AS least(n - 1, floor(u * n)::BIGINT);
        CREATE OR REPLACE TEMP MACRO zipf(u, n) AS
            least(n - 1, floor(exp(u * ln(n + 1)))::BIGINT - 1);
        """
    )


def _vocabulary(con: duckdb.DuckDBPyConnection) -> None:
    """Word lists as temp tables: v_city(idx, ...), v_words (one list per kind of word) and
    v_text(kind, idx, text) for message and review texts."""
    con.execute(
        "CREATE TEMP TABLE v_city (idx INTEGER, city VARCHAR, country VARCHAR, cc VARCHAR,"
        " factor DOUBLE)"
    )
    con.executemany(
        "INSERT INTO v_city VALUES (?, ?, ?, ?, ?)",
        [(i, *row) for i, row in enumerate(vocab.CITIES)],
    )
    con.execute(
        "CREATE TEMP TABLE v_words AS SELECT ?::VARCHAR[] AS first_names,"
        " ?::VARCHAR[] AS last_names, ?::VARCHAR[] AS domains, ?::VARCHAR[] AS adjectives,"
        " ?::VARCHAR[] AS kinds, ?::VARCHAR[] AS features",
        [
            vocab.FIRST_NAMES,
            vocab.LAST_NAMES,
            vocab.EMAIL_DOMAINS,
            vocab.ADJECTIVES,
            vocab.KINDS,
            vocab.FEATURES,
        ],
    )
    # Texts that many rows draw from, one row each, to join by (kind, idx) rather than carry
    # the whole list along every row.
    con.execute("CREATE TEMP TABLE v_text (kind VARCHAR, idx BIGINT, text VARCHAR)")
    texts = {"guest": vocab.GUEST_MESSAGES, "host": vocab.HOST_MESSAGES}
    texts.update({f"rating{i + 1}": comments for i, comments in enumerate(vocab.COMMENTS)})
    con.executemany(
        "INSERT INTO v_text VALUES (?, ?, ?)",
        [(kind, idx, text) for kind, items in texts.items() for idx, text in enumerate(items)],
    )


def _users(con: duckdb.DuckDBPyConnection, size: sizes.Size) -> None:
    """Users sign up one after another (ids follow created_at); ~12% hosts, 5 admins, the rest
    guests. Trap: ~0.5% of guests are a near-duplicate of the user before them."""
    span = _seconds_between(sizes.USERS_FROM, sizes.USERS_TO)
    n_city = len(vocab.CITIES)
    con.execute(
        f"""
        CREATE TEMP TABLE u_base AS
        SELECT
            i AS user_id,
            CASE WHEN i <= 5 THEN 'admin' WHEN i = 6 THEN 'host'
                 WHEN rnd(1, i) < 0.12 THEN 'host' ELSE 'guest' END AS role,
            w.first_names[1 + pick(rnd(2, i), len(w.first_names))] AS first_name,
            w.last_names[1 + pick(rnd(3, i), len(w.last_names))] AS last_name,
            w.domains[1 + pick(rnd(4, i), len(w.domains))] AS domain,
            CASE WHEN rnd(5, i) < 0.45 THEN zipf(rnd(6, i), {n_city})
                 ELSE pick(rnd(6, i), {n_city}) END AS city_idx,
            CASE WHEN rnd(7, i) >= 0.08
                 THEN lpad(floor(rnd(8, i) * 1e9)::BIGINT::VARCHAR, 9, '0') END AS phone_digits,
            TIMESTAMP '{sizes.USERS_FROM}'
                + to_seconds(floor((i - 1 + rnd(9, i)) * {span} / {size.users})::BIGINT)
                AS created_at,
            rnd(10, i) < 0.006 AS dup_wanted,
            rnd(11, i) < 0.5 AS dup_by_case
        FROM range(1, {size.users} + 1) t(i), v_words w
        """
    )
    con.execute(
        """
        INSERT INTO users
        WITH marked AS (
            SELECT b.*, p.first_name AS p_first, p.last_name AS p_last, p.domain AS p_domain,
                   p.city_idx AS p_city_idx, p.phone_digits AS p_phone_digits,
                   coalesce(b.dup_wanted AND b.role = 'guest' AND p.role = 'guest'
                            AND NOT p.dup_wanted, false) AS is_dup
            FROM u_base b LEFT JOIN u_base p ON p.user_id = b.user_id - 1
        ),
        chosen AS (
            SELECT user_id, role, created_at, is_dup, dup_by_case,
                   CASE WHEN is_dup THEN p_first ELSE first_name END AS first_name,
                   CASE WHEN is_dup THEN p_last ELSE last_name END AS last_name,
                   CASE WHEN is_dup THEN p_domain ELSE domain END AS domain,
                   CASE WHEN is_dup THEN p_city_idx ELSE city_idx END AS city_idx,
                   CASE WHEN is_dup THEN p_phone_digits ELSE phone_digits END AS phone_digits,
                   CASE WHEN is_dup THEN user_id - 1 ELSE user_id END AS email_number
            FROM marked
        )
        SELECT
            c.user_id, c.first_name, c.last_name,
            CASE
                WHEN c.is_dup AND c.dup_by_case
                    THEN strip_accents(c.first_name) || '.' || strip_accents(c.last_name)
                         || c.email_number || '@' || c.domain
                WHEN c.is_dup
                    THEN strip_accents(lower(c.first_name)) || strip_accents(lower(c.last_name))
                         || c.email_number || '@' || c.domain
                ELSE strip_accents(lower(c.first_name)) || '.' || strip_accents(lower(c.last_name))
                     || c.email_number || '@' || c.domain
            END AS email,
            CASE WHEN c.phone_digits IS NOT NULL
                 THEN '+' || v.cc || ' ' || c.phone_digits END AS phone,
            c.role, v.city, v.country, c.created_at
        FROM chosen c JOIN v_city v ON v.idx = c.city_idx
        ORDER BY c.user_id
        """
    )


def _properties(con: duckdb.DuckDBPyConnection, size: sizes.Size) -> None:
    """Listings appear one after another; each host is drawn among hosts who had signed up by
    then, Zipf-skewed so a few hosts own many listings; cities are Zipf-skewed too."""
    span = _seconds_between(sizes.PROPERTIES_FROM, sizes.PROPERTIES_TO)
    n_city = len(vocab.CITIES)
    con.execute(
        """
        CREATE TEMP TABLE hosts AS
        SELECT row_number() OVER (ORDER BY user_id) AS host_rank, user_id, created_at
        FROM users WHERE role = 'host'
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE p_base AS
        SELECT
            i AS property_id,
            TIMESTAMP '{sizes.PROPERTIES_FROM}'
                + to_seconds(floor((i - 1 + rnd(20, i)) * {span} / {size.properties})::BIGINT)
                AS created_at,
            CASE WHEN rnd(21, i) < 0.85 THEN zipf(rnd(22, i), {n_city})
                 ELSE pick(rnd(22, i), {n_city}) END AS city_idx,
            1 + floor(pow(rnd(23, i), 1.6) * 5)::INTEGER AS bedrooms,
            pick(rnd(24, i), 2)::INTEGER AS extra_guest,
            0.7 + 0.8 * rnd(25, i) AS price_noise,
            w.adjectives[1 + pick(rnd(26, i), len(w.adjectives))] AS adjective,
            w.kinds[1 + pick(rnd(27, i), len(w.kinds))] AS kind,
            w.features[1 + pick(rnd(28, i), len(w.features))] AS feature
        FROM range(1, {size.properties} + 1) t(i), v_words w
        """
    )
    con.execute(
        """
        INSERT INTO properties
        WITH eligible AS (
            SELECT p.*, h.host_rank AS n_hosts
            FROM p_base p ASOF JOIN hosts h ON p.created_at >= h.created_at
        ),
        ranked AS (
            SELECT e.*,
                   1 + CASE WHEN rnd(29, property_id) < 0.6 THEN zipf(rnd(30, property_id), n_hosts)
                            ELSE pick(rnd(30, property_id), n_hosts) END AS host_rank
            FROM eligible e
        )
        SELECT
            r.property_id, h.user_id,
            r.adjective || ' ' || r.kind || ' in ' || v.city,
            'A ' || lower(r.adjective) || ' ' || r.kind || ' with ' || r.bedrooms
                || CASE WHEN r.bedrooms = 1 THEN ' bedroom' ELSE ' bedrooms' END
                || ' for up to ' || (2 * r.bedrooms + r.extra_guest) || ' guests in '
                || v.city || '. ' || r.feature,
            v.city, v.country,
            round(v.factor * (35 + 30 * r.bedrooms) * r.price_noise, 0)::DECIMAL(10, 2),
            r.bedrooms, 2 * r.bedrooms + r.extra_guest, r.created_at
        FROM ranked r
        JOIN hosts h ON h.host_rank = r.host_rank
        JOIN v_city v ON v.idx = r.city_idx
        ORDER BY r.property_id
        """
    )


GAP_DAYS = 1.0  # mean empty days between two candidate stays of an average listing


def _bookings(con: duckdb.DuckDBPyConnection, size: sizes.Size) -> None:
    """Each listing gets a calendar of back-to-back candidate stays (cumulative sums of nights
    and gaps, so stays of one listing never overlap), thinned by season (summer and December
    keep most), then exactly `size.bookings` are sampled. Each booking's guest is drawn among
    guests who had signed up by then, weighted by integer weights (exact cumulative sums).
    ~3% of listings and ~6% of guests never book. Trap: a handful of totals (1 in 2,500
    bookings, at least 5) carry a manual 15% discount, so total_price <> nights * price."""
    last_day = f"DATE '{sizes.AS_OF[:10]}'"
    con.execute(
        f"""
        CREATE TEMP TABLE bookable AS
        SELECT property_id, created_at,
               greatest(DATE '{sizes.STAYS_FROM}', CAST(created_at AS DATE) + 2) AS first_day,
               {GAP_DAYS} * (0.4 + 1.2 * rnd(40, property_id))
                   * CASE WHEN rnd(41, property_id) < 0.05 THEN 0.3 ELSE 1 END AS gap_mean
        FROM properties WHERE rnd(42, property_id) >= 0.03
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE booking_guests AS
        SELECT user_id, created_at,
               sum(weight) OVER (ORDER BY user_id ROWS UNBOUNDED PRECEDING) AS cum_weight
        FROM (
            SELECT user_id, created_at,
                   10 + floor(pow(rnd(43, user_id), 3) * 60)::BIGINT AS weight
            FROM users WHERE role = 'guest' AND rnd(44, user_id) >= 0.06
        )
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE b_base AS
        WITH slots AS (
            SELECT property_id, created_at AS listed_at, first_day, gap_mean,
                   unnest(range(0, ({last_day} - first_day) // 4 + 10)) AS k
            FROM bookable WHERE first_day <= {last_day}
        ),
        sized AS (
            SELECT *, property_id * 1024 + k AS slot_id,
                   1 + floor(pow(rnd(53, property_id * 1024 + k), 2.2) * 14)::INTEGER AS nights,
                   floor(-ln(1 - rnd(54, property_id * 1024 + k)) * gap_mean)::INTEGER AS gap
            FROM slots
        ),
        placed AS (
            SELECT *,
                   first_day + (sum(gap + nights) OVER (
                       PARTITION BY property_id ORDER BY k ROWS UNBOUNDED PRECEDING
                   ) - nights)::INTEGER AS start_date
            FROM sized
        ),
        kept AS (
            SELECT * FROM placed
            WHERE start_date <= {last_day}
              AND rnd(50, slot_id)
                  < CASE WHEN month(start_date) IN (6, 7, 8, 12) THEN 0.95 ELSE 0.3 END
        )
        SELECT slot_id, property_id, start_date, nights,
               greatest(
                   CAST(start_date - floor(pow(rnd(55, slot_id), 2) * 180)::INTEGER AS TIMESTAMP)
                       + to_seconds(floor(rnd(56, slot_id) * 86400)::BIGINT),
                   listed_at + INTERVAL 1 HOUR
               ) AS created_at
        FROM kept
        ORDER BY rnd(57, slot_id), slot_id
        LIMIT {size.bookings}
        """
    )
    made = con.execute("SELECT count(*) FROM b_base").fetchall()[0][0]
    if made != size.bookings:
        raise RuntimeError(
            f"the calendar held only {made} stays for {size.bookings} bookings: "
            "lower GAP_DAYS in prodev/stayhub/data/generate.py"
        )
    con.execute(
        f"""
        INSERT INTO bookings
        WITH numbered AS (
            SELECT row_number() OVER (ORDER BY created_at, slot_id)::INTEGER AS booking_id, *
            FROM b_base
        ),
        totals AS (
            SELECT n.*, bg.cum_weight AS guest_total
            FROM numbered n ASOF JOIN booking_guests bg ON n.created_at >= bg.created_at
        ),
        targets AS (
            SELECT t.*, floor(rnd(52, booking_id) * guest_total)::BIGINT AS guest_target
            FROM totals t
        ),
        discounted AS (
            SELECT booking_id FROM numbered
            ORDER BY rnd(59, booking_id), booking_id LIMIT {trap_count(size)}
        ),
        picked AS (
            SELECT t.*, bg.user_id AS guest_id
            FROM targets t ASOF JOIN booking_guests bg ON t.guest_target < bg.cum_weight
        )
        SELECT
            k.booking_id, k.property_id, k.guest_id, k.start_date,
            k.start_date + k.nights, k.nights,
            CASE
                WHEN rnd(58, k.booking_id) < 0.09 THEN 'cancelled'
                WHEN k.start_date >= DATE '2025-12-01' AND rnd(58, k.booking_id) < 0.45
                    THEN 'pending'
                WHEN rnd(58, k.booking_id) < 0.095 THEN 'pending'
                ELSE 'confirmed'
            END,
            CASE WHEN k.booking_id IN (SELECT booking_id FROM discounted)
                 THEN round(k.nights * p.price_per_night * 0.85, 2)
                 ELSE k.nights * p.price_per_night END::DECIMAL(10, 2),
            k.created_at
        FROM picked k JOIN properties p USING (property_id)
        ORDER BY k.booking_id
        """
    )


def _payments(con: duckdb.DuckDBPyConnection, size: sizes.Size) -> None:
    """Confirmed: completed (5% after a failed attempt). Pending: mostly a pending payment.
    Cancelled: refunded, failed or none. Trap: a handful of cancelled bookings (1 in 2,500
    bookings, at least 5) keep a completed payment: the refund was never processed."""
    method = (
        "CASE WHEN rnd({salt}, booking_id) < 0.6 THEN 'credit_card'"
        " WHEN rnd({salt}, booking_id) < 0.85 THEN 'paypal' ELSE 'stripe' END"
    )
    paid_at = (
        "least(created_at + to_seconds(60 + floor(rnd(62, booking_id) * 1800)::BIGINT),"
        f" TIMESTAMP '{sizes.AS_OF}')"
    )
    con.execute(
        f"""
        INSERT INTO payments
        WITH unrefunded AS (
            SELECT booking_id FROM bookings WHERE status = 'cancelled'
            ORDER BY rnd(66, booking_id), booking_id LIMIT {trap_count(size)}
        ),
        attempts AS (
            SELECT booking_id, 1 AS attempt, total_price AS amount,
                   {method.format(salt=60)} AS method, 'failed' AS status,
                   NULL::TIMESTAMP AS paid_at
            FROM bookings WHERE status = 'confirmed' AND rnd(61, booking_id) < 0.05
            UNION ALL
            SELECT booking_id, 2, total_price, {method.format(salt=63)},
                CASE
                    WHEN status = 'confirmed' THEN 'completed'
                    WHEN status = 'pending' THEN 'pending'
                    WHEN booking_id IN (SELECT booking_id FROM unrefunded) THEN 'completed'
                    WHEN rnd(64, booking_id) < 0.70 THEN 'refunded'
                    ELSE 'failed'
                END AS status,
                CASE
                    WHEN status = 'confirmed' THEN {paid_at}
                    WHEN booking_id IN (SELECT booking_id FROM unrefunded) THEN {paid_at}
                    WHEN status = 'cancelled' AND rnd(64, booking_id) < 0.70 THEN {paid_at}
                END
            FROM bookings
            WHERE (status = 'confirmed')
               OR (status = 'pending' AND rnd(65, booking_id) < 0.7)
               OR (status = 'cancelled' AND rnd(64, booking_id) < 0.85)
               OR booking_id IN (SELECT booking_id FROM unrefunded)
        )
        SELECT row_number() OVER (ORDER BY booking_id, attempt)::INTEGER,
               booking_id, amount, method, status, paid_at
        FROM attempts
        ORDER BY booking_id, attempt
        """
    )


def _reviews(con: duckdb.DuckDBPyConnection) -> None:
    """55% of confirmed, ended stays get a review within two weeks; listings differ in quality.
    Trap: ~15% of reviews have no comment (NULL)."""
    comment_counts = (
        "CASE r.rating "
        + " ".join(f"WHEN {i + 1} THEN {len(c)}" for i, c in enumerate(vocab.COMMENTS))
        + " END"
    )
    con.execute(
        f"""
        INSERT INTO reviews
        WITH candidates AS (
            SELECT b.booking_id, b.property_id, b.guest_id,
                   CAST(b.end_date AS TIMESTAMP)
                       + to_seconds(floor(rnd(70, b.booking_id) * 14 * 86400)::BIGINT)
                       AS created_at,
                   0.7 * rnd(71, b.booking_id) + 0.3 * rnd(72, b.property_id) AS score
            FROM bookings b
            WHERE b.status = 'confirmed' AND b.end_date <= DATE '{sizes.AS_OF[:10]}'
              AND rnd(73, b.booking_id) < 0.55
        ),
        rated AS (
            SELECT *,
                   CASE WHEN score < 0.05 THEN 1 WHEN score < 0.12 THEN 2
                        WHEN score < 0.27 THEN 3 WHEN score < 0.55 THEN 4 ELSE 5 END AS rating
            FROM candidates WHERE created_at <= TIMESTAMP '{sizes.AS_OF}'
        )
        SELECT row_number() OVER (ORDER BY r.created_at, r.booking_id)::INTEGER,
               r.booking_id, r.property_id, r.guest_id, r.rating,
               CASE WHEN rnd(74, r.booking_id) >= 0.15 THEN t.text END,
               r.created_at
        FROM rated r
        JOIN v_text t
          ON t.kind = 'rating' || r.rating
         AND t.idx = pick(rnd(75, r.booking_id), {comment_counts})
        ORDER BY r.created_at, r.booking_id
        """
    )


def _conversations(con: duckdb.DuckDBPyConnection) -> None:
    """25% of bookings start a conversation about the listing soon after booking; 4% lead to a
    general one (no listing, property_id NULL) within a month of the stay."""
    con.execute(
        f"""
        INSERT INTO conversations
        WITH started AS (
            SELECT b.booking_id, 1 AS kind, b.property_id, b.guest_id, p.host_id,
                   b.created_at + to_seconds(600 + floor(rnd(80, b.booking_id) * 3 * 86400)::BIGINT)
                       AS created_at
            FROM bookings b JOIN properties p USING (property_id)
            WHERE rnd(81, b.booking_id) < 0.25
            UNION ALL
            SELECT b.booking_id, 2, NULL, b.guest_id, p.host_id,
                   CAST(b.end_date AS TIMESTAMP)
                       + to_seconds(floor(rnd(82, b.booking_id) * 30 * 86400)::BIGINT)
            FROM bookings b JOIN properties p USING (property_id)
            WHERE rnd(83, b.booking_id) < 0.04
        )
        SELECT row_number() OVER (ORDER BY created_at, booking_id, kind)::INTEGER,
               property_id, guest_id, host_id, created_at
        FROM started
        WHERE created_at <= TIMESTAMP '{sizes.AS_OF}'
        ORDER BY created_at, booking_id, kind
        """
    )


MAX_MESSAGES = 6  # per conversation


def trap_count(size: sizes.Size) -> int:
    """How many rows each counted trap gets: 1 in 2,500 bookings, at least 5."""
    return max(5, size.bookings // 2500)


def _messages(con: duckdb.DuckDBPyConnection) -> None:
    """1..6 messages per conversation, guest and host taking turns, each replying to the one
    before (parent_message_id). The last message is unread 35% of the time."""
    con.execute(
        f"""
        CREATE TEMP TABLE m_stage AS
        WITH sized AS (
            SELECT c.*, 1 + floor(pow(rnd(90, conversation_id), 1.5) * {MAX_MESSAGES})::INTEGER
                        AS n_messages
            FROM conversations c
        ),
        exploded AS (
            SELECT s.*, unnest(range(1, n_messages + 1)) AS pos FROM sized s
        ),
        timed AS (
            SELECT e.*,
                   conversation_id * 8 + pos AS slot,
                   created_at + to_seconds(((pos - 1) * 7200
                       + floor(rnd(91, conversation_id * 8 + pos) * 3600))::BIGINT) AS sent_at
            FROM exploded e
        ),
        kept AS (
            SELECT * FROM timed WHERE sent_at <= TIMESTAMP '{sizes.AS_OF}'
        ),
        numbered AS (
            SELECT row_number() OVER (ORDER BY sent_at, conversation_id, pos)::INTEGER
                       AS message_id, *
            FROM kept
        )
        SELECT n.message_id, n.conversation_id, n.pos,
               CASE WHEN n.pos % 2 = 1 THEN n.guest_id ELSE n.host_id END AS sender_id,
               CASE WHEN n.pos % 2 = 1 THEN n.host_id ELSE n.guest_id END AS recipient_id,
               t.text AS body,
               n.sent_at,
               NOT (n.pos = n.n_messages AND rnd(93, n.conversation_id) < 0.35) AS is_read,
               parent.message_id AS parent_message_id
        FROM numbered n
        JOIN v_text t
          ON t.kind = CASE WHEN n.pos % 2 = 1 THEN 'guest' ELSE 'host' END
         AND t.idx = pick(rnd(92, n.slot),
                          CASE WHEN n.pos % 2 = 1 THEN {len(vocab.GUEST_MESSAGES)}
                               ELSE {len(vocab.HOST_MESSAGES)} END)
        LEFT JOIN numbered parent
               ON parent.conversation_id = n.conversation_id AND parent.pos = n.pos - 1
        """
    )
    # A message may only point at a message that is already stored, so insert in waves by
    # position in the conversation: first messages, then replies to them, and so on.
    for pos in range(1, MAX_MESSAGES + 1):
        con.execute(
            f"""
            INSERT INTO messages
            SELECT message_id, conversation_id, sender_id, recipient_id, body, sent_at, is_read,
                   parent_message_id
            FROM m_stage WHERE pos = {pos} ORDER BY message_id
            """
        )


def generate(con: duckdb.DuckDBPyConnection, seed: int, size: sizes.Size) -> None:
    """Create the StayHub tables in `con` and fill them for `seed` and `size`."""
    _macros(con, seed)
    _vocabulary(con)
    for table in TABLES:
        con.execute(DDL[table])
    _users(con, size)
    _properties(con, size)
    _bookings(con, size)
    _payments(con, size)
    _reviews(con)
    _conversations(con)
    _messages(con)
