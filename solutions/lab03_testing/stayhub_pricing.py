"""StayHub pricing: what a stay costs, in euros or in the guest's own currency.

This is the component your tests are for. It is correct: your tests must pass on it. Grading also
runs them on broken copies of it (mutants), and each one must make at least one test fail.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

WEEKEND_NIGHTS = (4, 5)  # Friday and Saturday nights (date.weekday(): Monday is 0)
WEEKEND_UPLIFT = Decimal("1.25")  # weekend nights cost 25% more
WEEKLY_DISCOUNT = Decimal("0.10")  # stays of 7 nights or more
MONTHLY_DISCOUNT = Decimal("0.20")  # stays of 28 nights or more (instead of the weekly one)
INCLUDED_GUESTS = 2  # the nightly rate covers two guests
EXTRA_GUEST_FEE = Decimal("15.00")  # per extra guest, per night
CENT = Decimal("0.01")


def nights(check_in: date, check_out: date) -> int:
    """The number of nights of a stay; ValueError unless check-out is after check-in."""
    if check_out <= check_in:
        raise ValueError(f"check-out {check_out} must be after check-in {check_in}")
    return (check_out - check_in).days


def nightly_rate(base_rate: Decimal, night: date) -> Decimal:
    """The price of the night starting on `night`: 25% above the base rate on weekend nights."""
    if night.weekday() in WEEKEND_NIGHTS:
        return base_rate * WEEKEND_UPLIFT
    return base_rate


def stay_price(
    base_rate: Decimal, check_in: date, check_out: date, guests: int, max_guests: int
) -> Decimal:
    """The total price of a stay in euros, rounded half up to the cent.

    The sum of the nightly rates, less 10% for 7 nights or more (20% for 28 or more), plus
    15.00 per night for each guest beyond the first two. ValueError for fewer than one guest or
    more than the property's `max_guests`, and for a check-out that is not after the check-in.
    """
    if not 1 <= guests <= max_guests:
        raise ValueError(f"{guests} guests: this property takes 1 to {max_guests}")
    count = nights(check_in, check_out)
    subtotal = sum(
        (nightly_rate(base_rate, check_in + timedelta(days=i)) for i in range(count)), Decimal(0)
    )
    if count >= 28:
        subtotal *= 1 - MONTHLY_DISCOUNT
    elif count >= 7:
        subtotal *= 1 - WEEKLY_DISCOUNT
    extra_guests = max(0, guests - INCLUDED_GUESTS)
    total = subtotal + extra_guests * EXTRA_GUEST_FEE * count
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


class Rates(Protocol):
    """Anything that can tell how many units of `quote` one unit of `base` buys."""

    def rate(self, base: str, quote: str) -> Decimal: ...


def price_in(amount: Decimal, currency: str, rates: Rates) -> Decimal:
    """`amount` euros in `currency`, rounded half up to the cent.

    Asks `rates.rate("EUR", currency)` exactly once, and not at all when the currency is EUR.
    """
    if currency == "EUR":
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    rate = rates.rate("EUR", currency)
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


class UnknownCurrency(LookupError):
    """The rates service does not know this currency pair (it answered 404)."""


class RatesUnavailable(RuntimeError):
    """The rates service could not answer (an error status, a timeout, no connection)."""


class RatesClient:
    """Reads exchange rates from StayHub's rates service over HTTP.

    `GET {base_url}/rates/{base}/{quote}` answers `{"base": "EUR", "quote": "USD", "rate": 1.0842}`.
    Rates are parsed as exact decimals, never floats.
    """

    def __init__(self, base_url: str, timeout: float = 2.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def rate(self, base: str, quote: str) -> Decimal:
        """How many units of `quote` one `base` buys; UnknownCurrency or RatesUnavailable."""
        path = f"/rates/{urllib.parse.quote(base)}/{urllib.parse.quote(quote)}"
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=self.timeout) as response:
                body = json.load(response, parse_float=Decimal)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise UnknownCurrency(f"no rate for {base}/{quote}") from None
            raise RatesUnavailable(f"the rates service answered {exc.code}") from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise RatesUnavailable(f"the rates service did not answer: {exc}") from None
        return Decimal(body["rate"])
