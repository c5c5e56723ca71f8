"""The StayHub schema: one CREATE TABLE per table, parents before children.

Lessons, labs and the practice API rely on these table and column names: add columns if needed,
never rename. Money is DECIMAL(10,2); ids are INTEGER starting at 1.
"""

from __future__ import annotations

TABLES: list[str] = [
    "users",
    "properties",
    "bookings",
    "payments",
    "reviews",
    "conversations",
    "messages",
]

PRIMARY_KEYS: dict[str, str] = {
    "users": "user_id",
    "properties": "property_id",
    "bookings": "booking_id",
    "payments": "payment_id",
    "reviews": "review_id",
    "conversations": "conversation_id",
    "messages": "message_id",
}

DDL: dict[str, str] = {
    "users": """
CREATE TABLE users (
    user_id     INTEGER PRIMARY KEY,
    first_name  VARCHAR NOT NULL,
    last_name   VARCHAR NOT NULL,
    email       VARCHAR NOT NULL UNIQUE,
    phone       VARCHAR,
    role        VARCHAR NOT NULL CHECK (role IN ('guest', 'host', 'admin')),
    city        VARCHAR NOT NULL,
    country     VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL
)""",
    "properties": """
CREATE TABLE properties (
    property_id      INTEGER PRIMARY KEY,
    host_id          INTEGER NOT NULL REFERENCES users (user_id),
    name             VARCHAR NOT NULL,
    description      VARCHAR NOT NULL,
    city             VARCHAR NOT NULL,
    country          VARCHAR NOT NULL,
    price_per_night  DECIMAL(10, 2) NOT NULL CHECK (price_per_night > 0),
    bedrooms         INTEGER NOT NULL CHECK (bedrooms >= 1),
    max_guests       INTEGER NOT NULL CHECK (max_guests >= 1),
    created_at       TIMESTAMP NOT NULL
)""",
    "bookings": """
CREATE TABLE bookings (
    booking_id   INTEGER PRIMARY KEY,
    property_id  INTEGER NOT NULL REFERENCES properties (property_id),
    guest_id     INTEGER NOT NULL REFERENCES users (user_id),
    start_date   DATE NOT NULL,
    end_date     DATE NOT NULL,
    nights       INTEGER NOT NULL CHECK (nights >= 1),
    status       VARCHAR NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled')),
    total_price  DECIMAL(10, 2) NOT NULL CHECK (total_price >= 0),
    created_at   TIMESTAMP NOT NULL,
    CHECK (end_date = start_date + nights)
)""",
    "payments": """
CREATE TABLE payments (
    payment_id  INTEGER PRIMARY KEY,
    booking_id  INTEGER NOT NULL REFERENCES bookings (booking_id),
    amount      DECIMAL(10, 2) NOT NULL CHECK (amount >= 0),
    method      VARCHAR NOT NULL CHECK (method IN ('credit_card', 'paypal', 'stripe')),
    status      VARCHAR NOT NULL CHECK (status IN ('completed', 'failed', 'refunded', 'pending')),
    paid_at     TIMESTAMP
)""",
    "reviews": """
CREATE TABLE reviews (
    review_id    INTEGER PRIMARY KEY,
    booking_id   INTEGER NOT NULL UNIQUE REFERENCES bookings (booking_id),
    property_id  INTEGER NOT NULL REFERENCES properties (property_id),
    guest_id     INTEGER NOT NULL REFERENCES users (user_id),
    rating       INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment      VARCHAR,
    created_at   TIMESTAMP NOT NULL
)""",
    "conversations": """
CREATE TABLE conversations (
    conversation_id  INTEGER PRIMARY KEY,
    property_id      INTEGER REFERENCES properties (property_id),
    guest_id         INTEGER NOT NULL REFERENCES users (user_id),
    host_id          INTEGER NOT NULL REFERENCES users (user_id),
    created_at       TIMESTAMP NOT NULL
)""",
    "messages": """
CREATE TABLE messages (
    message_id         INTEGER PRIMARY KEY,
    conversation_id    INTEGER NOT NULL REFERENCES conversations (conversation_id),
    sender_id          INTEGER NOT NULL REFERENCES users (user_id),
    recipient_id       INTEGER NOT NULL REFERENCES users (user_id),
    body               VARCHAR NOT NULL,
    sent_at            TIMESTAMP NOT NULL,
    is_read            BOOLEAN NOT NULL,
    parent_message_id  INTEGER REFERENCES messages (message_id),
    CHECK (sender_id <> recipient_id)
)""",
}
