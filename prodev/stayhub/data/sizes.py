"""How many rows each dataset size has, and the fixed calendar every size shares."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    """Row targets for one dataset size (tables not listed here follow from bookings)."""

    name: str
    users: int
    properties: int
    bookings: int


SIZES: dict[str, Size] = {
    "small": Size("small", users=2_000, properties=500, bookings=20_000),
    "large": Size("large", users=100_000, properties=25_000, bookings=1_000_000),
}

# The calendar is fixed, never relative to today, so query results never drift.
USERS_FROM = "2022-01-01"  # first sign-up
USERS_TO = "2025-10-01"  # last sign-up
PROPERTIES_FROM = "2022-02-01"  # first listing
PROPERTIES_TO = "2025-11-01"  # last listing
STAYS_FROM = "2023-01-01"  # first check-in date
STAYS_DAYS = 1095  # check-in dates span STAYS_FROM .. 2025-12-31
AS_OF = "2025-12-31 23:59:59"  # the dataset's "now": nothing happens after it


def get_size(name: str) -> Size:
    """The Size called `name`, or a ValueError listing the sizes there are."""
    try:
        return SIZES[name]
    except KeyError:
        raise ValueError(
            f"unknown dataset size {name!r}: choose one of {', '.join(SIZES)}"
        ) from None
