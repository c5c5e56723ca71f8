"""The practice API's endpoints, for real over loopback HTTP: REST (pagination, filters, ordering,
auth, ETags, idempotency, schema) and GraphQL. Switches and the log: test_api_switches.py;
start-up and shutdown: test_api_lifecycle.py."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest
import requests

import prodev

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def api():
    with prodev.practice_api(seed=42) as running:
        yield running


@pytest.fixture
def client(api):
    with httpx.Client(base_url=api.url, timeout=10) as c:
        yield c


@pytest.fixture
def authed(api):
    with httpx.Client(base_url=api.url, timeout=10, headers=api.auth_header) as c:
        yield c


# ------------------------------------------------------------------ list and detail


@pytest.mark.parametrize(
    ("resource", "key", "fields"),
    [
        ("properties", "property_id", {"host_id", "name", "city", "price_per_night"}),
        ("bookings", "booking_id", {"property_id", "guest_id", "nights", "status"}),
        ("reviews", "review_id", {"booking_id", "rating", "comment"}),
        ("users", "user_id", {"first_name", "email", "role"}),
        ("payments", "payment_id", {"booking_id", "amount", "method", "status"}),
    ],
)
def test_every_resource_has_list_and_detail(client, resource, key, fields):
    listing = client.get(f"/api/{resource}/")
    assert listing.status_code == 200
    assert listing.headers["content-type"] == "application/json"
    page = listing.json()
    assert page["count"] > 0 and len(page["results"]) == 20
    first = page["results"][0]
    assert fields <= set(first) and key in first
    detail = client.get(f"/api/{resource}/{first[key]}/")
    assert detail.status_code == 200
    assert detail.json() == first


def test_api_root_lists_the_resources(client):
    body = client.get("/api/").json()
    assert set(body) == {"properties", "bookings", "reviews", "users", "payments"}
    assert body["properties"].endswith("/api/properties/")


def test_detail_matches_the_dataset(client):
    import duckdb

    from prodev.stayhub.data import dataset_path

    with duckdb.connect(str(dataset_path(42)), read_only=True) as con:
        name, price, count = con.execute(
            "SELECT name, price_per_night, (SELECT count(*) FROM bookings) "
            "FROM properties WHERE property_id = 7"
        ).fetchone()
    body = client.get("/api/properties/7/").json()
    assert body["name"] == name and body["price_per_night"] == float(price)
    assert client.get("/api/bookings/", params={"page_size": 1}).json()["count"] >= count


def test_unknown_things_answer_json_errors(client):
    missing = client.get("/api/properties/999999/")
    assert missing.status_code == 404 and missing.json() == {
        "detail": "No Property matches the given query."
    }
    route = client.get("/api/nothing-here/")
    assert route.status_code == 404 and "detail" in route.json()
    method = client.delete("/api/properties/1/")
    assert method.status_code in (401, 405) and "detail" in method.json()
    bad_filter = client.get("/api/bookings/", params={"status": "lost"})
    assert bad_filter.status_code == 400 and "status" in bad_filter.json()


# ------------------------------------------------------------------ pagination


def test_page_number_pagination_with_links(client):
    first = client.get("/api/properties/", params={"page_size": 50})
    body = first.json()
    assert body["previous"] is None and "page=2" in body["next"]
    assert len(body["results"]) == 50
    links = first.links  # RFC 8288 Link header, parsed by httpx
    assert links["next"]["url"] == body["next"]
    assert f"page={-(-body['count'] // 50)}" in links["last"]["url"]
    assert first.headers["X-Total-Count"] == str(body["count"])
    second = client.get(body["next"])
    assert second.json()["previous"] is not None and "prev" in second.links
    ids = [p["property_id"] for p in body["results"] + second.json()["results"]]
    assert ids == sorted(ids) and len(set(ids)) == 100


def test_following_next_links_visits_every_row_once(api):
    seen: list[int] = []
    url = f"{api.url}/api/users/?role=admin&page_size=7"
    with requests.Session() as session:
        while url:
            response = session.get(url, timeout=10)
            seen += [u["user_id"] for u in response.json()["results"]]
            url = response.links.get("next", {}).get("url")
    total = httpx.get(f"{api.url}/api/users/?role=admin").json()["count"]
    assert len(seen) == len(set(seen)) == total


def test_cursor_pagination(client):
    page = client.get("/api/bookings/", params={"pagination": "cursor", "page_size": 30})
    body = page.json()
    assert set(body) == {"next", "previous", "results"} and "cursor=" in body["next"]
    assert page.links["next"]["url"] == body["next"]
    nxt = client.get(body["next"]).json()
    ids = [b["booking_id"] for b in body["results"] + nxt["results"]]
    assert ids == sorted(ids) and len(set(ids)) == 60
    assert nxt["previous"] is not None


def test_cursor_pagination_follows_ordering(client):
    body = client.get(
        "/api/properties/",
        params={"pagination": "cursor", "ordering": "-price_per_night", "page_size": 10},
    ).json()
    prices = [p["price_per_night"] for p in body["results"]]
    more = client.get(body["next"]).json()["results"]
    prices += [p["price_per_night"] for p in more]
    assert prices == sorted(prices, reverse=True)


def test_bad_pagination_requests(client):
    assert client.get("/api/properties/", params={"pagination": "offset"}).status_code == 400
    assert client.get("/api/properties/", params={"page": 10**6}).status_code == 404
    big = client.get("/api/properties/", params={"page_size": 10_000}).json()
    assert len(big["results"]) == 100  # max_page_size


# ------------------------------------------------------------------ filters and ordering


def test_filters(client):
    berlin = client.get("/api/properties/", params={"city": "berlin", "page_size": 100}).json()
    assert berlin["count"] > 0 and {p["city"] for p in berlin["results"]} == {"Berlin"}
    cheap = client.get("/api/properties/", params={"max_price": 80, "page_size": 100}).json()
    assert cheap["count"] > 0 and all(p["price_per_night"] <= 80 for p in cheap["results"])
    cancelled = client.get("/api/bookings/", params={"status": "cancelled"}).json()
    allb = client.get("/api/bookings/").json()
    assert 0 < cancelled["count"] < allb["count"]
    assert {b["status"] for b in cancelled["results"]} == {"cancelled"}
    five = client.get("/api/reviews/", params={"rating": 5}).json()
    assert {r["rating"] for r in five["results"]} == {5}
    hosts = client.get("/api/users/", params={"role": "host"}).json()
    assert {u["role"] for u in hosts["results"]} == {"host"}
    paypal = client.get("/api/payments/", params={"method": "paypal"}).json()
    assert {p["method"] for p in paypal["results"]} == {"paypal"}


def test_ordering(client):
    desc = client.get("/api/properties/", params={"ordering": "-price_per_night"}).json()
    prices = [p["price_per_night"] for p in desc["results"]]
    assert prices == sorted(prices, reverse=True)
    top = client.get("/api/properties/", params={"max_price": 1e9, "page_size": 100}).json()
    assert prices[0] >= max(p["price_per_night"] for p in top["results"])
    asc = client.get("/api/bookings/", params={"ordering": "start_date"}).json()
    dates = [b["start_date"] for b in asc["results"]]
    assert dates == sorted(dates)


# ------------------------------------------------------------------ auth


def test_writes_need_auth(client):
    response = client.post("/api/bookings/", json={})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_token_auth(api, client):
    bad = client.post("/api/auth/token/", json={"username": api.username, "password": "nope"})
    assert bad.status_code == 400
    good = client.post(
        "/api/auth/token/", json={"username": api.username, "password": api.password}
    )
    assert good.status_code == 200 and good.json() == {"token": api.token}
    forged = client.get("/api/payments/", headers={"Authorization": "Token not-a-token"})
    assert forged.status_code == 401 and forged.json() == {"detail": "Invalid token."}


def test_jwt_auth(api, client):
    pair = client.post("/api/auth/jwt/", json={"username": api.username, "password": api.password})
    assert pair.status_code == 200 and set(pair.json()) == {"access", "refresh"}
    access = pair.json()["access"]
    assert access.count(".") == 2
    booking = {
        "property_id": 11,
        "guest_id": 9,
        "start_date": "2031-03-01",
        "end_date": "2031-03-03",
    }
    created = client.post(
        "/api/bookings/", json=booking, headers={"Authorization": f"Bearer {access}"}
    )
    assert created.status_code == 201, created.text
    refreshed = client.post("/api/auth/jwt/refresh/", json={"refresh": pair.json()["refresh"]})
    assert refreshed.status_code == 200 and "access" in refreshed.json()
    broken = client.get("/api/users/1/", headers={"Authorization": f"Bearer {access}x"})
    assert broken.status_code == 401 and broken.json()["code"] == "token_not_valid"
    wrong = client.post("/api/auth/jwt/", json={"username": api.username, "password": "x"})
    assert wrong.status_code == 401


# ------------------------------------------------------------------ writes


def test_create_booking(authed):
    booking = {
        "property_id": 5,
        "guest_id": 12,
        "start_date": "2030-06-01",
        "end_date": "2030-06-05",
    }
    price = authed.get("/api/properties/5/").json()["price_per_night"]
    created = authed.post("/api/bookings/", json=booking)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["nights"] == 4 and body["status"] == "pending"
    assert body["total_price"] == pytest.approx(4 * price)
    assert created.headers["Location"].endswith(f"/api/bookings/{body['booking_id']}/")
    assert authed.get(f"/api/bookings/{body['booking_id']}/").json() == body
    overlap = authed.post(
        "/api/bookings/", json=booking | {"start_date": "2030-06-03", "end_date": "2030-06-07"}
    )
    assert overlap.status_code == 400 and "non_field_errors" in overlap.json()


def test_invalid_bookings_get_field_errors(authed):
    backwards = authed.post(
        "/api/bookings/",
        json={
            "property_id": 5,
            "guest_id": 12,
            "start_date": "2030-07-05",
            "end_date": "2030-07-01",
        },
    )
    assert backwards.status_code == 400 and "end_date" in backwards.json()
    missing = authed.post("/api/bookings/", json={"property_id": 999999})
    errors = missing.json()
    assert missing.status_code == 400
    assert {"property_id", "guest_id", "start_date", "end_date"} <= set(errors)
    garbage = authed.post(
        "/api/bookings/", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert garbage.status_code == 400 and "JSON parse error" in garbage.json()["detail"]


def test_writes_do_not_touch_the_dataset(api, authed):
    import duckdb

    from prodev.stayhub.data import dataset_path

    with duckdb.connect(str(dataset_path(42)), read_only=True) as con:
        (most,) = con.execute("SELECT max(payment_id) FROM payments").fetchone()
    payment = authed.post(
        "/api/payments/", json={"booking_id": 3, "amount": 10, "method": "stripe"}
    )
    assert payment.status_code == 201 and payment.json()["payment_id"] > most
    with duckdb.connect(str(dataset_path(42)), read_only=True) as con:
        assert con.execute("SELECT max(payment_id) FROM payments").fetchone() == (most,)


# ------------------------------------------------------------------ ETags


def test_etag_and_if_none_match(client):
    first = client.get("/api/properties/3/")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"] == "no-cache"
    again = client.get("/api/properties/3/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    weak = client.get("/api/properties/3/", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    other = client.get("/api/properties/3/", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.json() == first.json()
    assert client.get("/api/properties/4/").headers["ETag"] != etag


def test_etag_changes_when_the_resource_changes(authed):
    created = authed.post(
        "/api/bookings/",
        json={
            "property_id": 8,
            "guest_id": 20,
            "start_date": "2032-01-01",
            "end_date": "2032-01-02",
        },
    ).json()
    url = f"/api/bookings/{created['booking_id']}/"
    etag = authed.get(url).headers["ETag"]
    mutation = {"query": f"mutation {{ cancelBooking(id: {created['booking_id']}) {{ status }} }}"}
    assert authed.post("/graphql", json=mutation).json()["data"]["cancelBooking"]["status"] == (
        "cancelled"
    )
    after = authed.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag


# ------------------------------------------------------------------ idempotency


def test_idempotency_key_replays_and_never_duplicates(api, authed):
    payment = {"booking_id": 42, "amount": 99.5, "method": "paypal"}
    key = str(uuid.uuid4())
    before = authed.get("/api/payments/", params={"booking_id": 42}).json()["count"]
    first = authed.post("/api/payments/", json=payment, headers={"Idempotency-Key": key})
    second = authed.post("/api/payments/", json=payment, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    after = authed.get("/api/payments/", params={"booking_id": 42}).json()["count"]
    assert after == before + 1
    reused = authed.post(
        "/api/payments/", json=payment | {"amount": 1}, headers={"Idempotency-Key": key}
    )
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json()["detail"]
    fresh = authed.post("/api/payments/", json=payment, headers={"Idempotency-Key": key + "-2"})
    assert fresh.status_code == 201 and fresh.json()["payment_id"] != first.json()["payment_id"]


def test_concurrent_retries_with_one_key_make_one_payment(api):
    payment = {"booking_id": 77, "amount": 12.25, "method": "stripe"}
    key = str(uuid.uuid4())
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def pay() -> None:
        response = httpx.post(
            f"{api.url}/api/payments/",
            json=payment,
            timeout=10,
            headers=api.auth_header | {"Idempotency-Key": key},
        )
        with lock:
            results.append(response)

    threads = [threading.Thread(target=pay) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["payment_id"] for r in results}) == 1
    rows = httpx.get(f"{api.url}/api/payments/", params={"booking_id": 77, "amount": 12.25})
    assert sum(p["amount"] == 12.25 for p in rows.json()["results"]) == 1


def test_failed_payment_does_not_use_the_key_up(authed):
    key = str(uuid.uuid4())
    bad = authed.post(
        "/api/payments/",
        json={"booking_id": 42, "amount": -1, "method": "paypal"},
        headers={"Idempotency-Key": key},
    )
    assert bad.status_code == 400 and "amount" in bad.json()
    fixed = authed.post(
        "/api/payments/",
        json={"booking_id": 42, "amount": 1, "method": "paypal"},
        headers={"Idempotency-Key": key},
    )
    assert fixed.status_code == 201


# ------------------------------------------------------------------ OpenAPI


def test_openapi_schema(client):
    response = client.get("/api/schema/", params={"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for resource, key in [
        ("properties", "property_id"),
        ("bookings", "booking_id"),
        ("reviews", "review_id"),
        ("users", "user_id"),
        ("payments", "payment_id"),
    ]:
        assert f"/api/{resource}/" in paths and f"/api/{resource}/{{{key}}}/" in paths
    assert "post" in paths["/api/bookings/"] and "post" in paths["/api/payments/"]
    assert "post" not in paths["/api/properties/"]
    params = {p["name"] for p in paths["/api/properties/"]["get"]["parameters"]}
    assert {"page", "page_size", "pagination", "ordering", "city", "min_price"} <= params
    yaml = client.get("/api/schema/")
    assert yaml.text.startswith("openapi: 3")


# ------------------------------------------------------------------ GraphQL


def gql(client: httpx.Client, query: str, **variables) -> dict:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_graphql_query_with_filter_and_pagination(client):
    query = """
    query($after: String) {
      properties(where: {city: "Lisbon", minPrice: 50}, first: 5, after: $after,
                 orderBy: "-price_per_night") {
        totalCount
        items { propertyId city pricePerNight host { role } reviews(first: 2) { rating } }
        pageInfo { hasNextPage endCursor }
      }
    }"""
    page = gql(client, query)["data"]["properties"]
    rest = client.get("/api/properties/", params={"city": "Lisbon", "min_price": 50}).json()
    assert page["totalCount"] == rest["count"] > 5
    items = page["items"]
    assert len(items) == 5 and {i["city"] for i in items} == {"Lisbon"}
    prices = [i["pricePerNight"] for i in items]
    assert prices == sorted(prices, reverse=True) and min(prices) >= 50
    assert {i["host"]["role"] for i in items} <= {"host", "admin"}
    nxt = gql(client, query, after=page["pageInfo"]["endCursor"])["data"]["properties"]
    assert nxt["items"][0]["pricePerNight"] <= prices[-1]
    assert not {i["propertyId"] for i in nxt["items"]} & {i["propertyId"] for i in items}


def test_graphql_resources(client):
    data = gql(
        client,
        """{
      user(id: 3) { userId email }
      booking(id: 2) {
        bookingId nights guest { userId } property { propertyId } payments { amount }
      }
      reviews(where: {minRating: 5}, first: 3) { items { rating } }
      payments(where: {method: "stripe"}, first: 2) { items { method amount } }
      bookings(where: {status: "confirmed"}, first: 2) { totalCount items { status } }
      users(where: {role: "admin"}, first: 1) { items { role } }
    }""",
    )["data"]
    assert data["user"]["userId"] == 3
    rest = client.get("/api/bookings/2/").json()
    assert data["booking"]["nights"] == rest["nights"]
    assert data["booking"]["guest"]["userId"] == rest["guest_id"]
    assert {r["rating"] for r in data["reviews"]["items"]} == {5}
    assert {p["method"] for p in data["payments"]["items"]} == {"stripe"}
    assert {b["status"] for b in data["bookings"]["items"]} == {"confirmed"}
    assert data["users"]["items"][0]["role"] == "admin"


def test_graphql_mutation(api, client, authed):
    mutation = """mutation($input: BookingInput!) {
      createBooking(input: $input) { bookingId nights status totalPrice }
    }"""
    booking = {"propertyId": 4, "guestId": 30, "startDate": "2033-05-01", "endDate": "2033-05-04"}
    anonymous = gql(client, mutation, input=booking)
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    created = gql(authed, mutation, input=booking)["data"]["createBooking"]
    assert created["nights"] == 3 and created["status"] == "pending"
    rest = authed.get(f"/api/bookings/{created['bookingId']}/").json()
    assert rest["total_price"] == created["totalPrice"]
    again = gql(authed, mutation, input=booking)
    assert again["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "already booked" in again["errors"][0]["message"]


def test_graphql_errors_use_the_standard_shape(client):
    unknown = gql(client, "{ properties { nope } }")
    assert "data" not in unknown or unknown["data"] is None
    error = unknown["errors"][0]
    assert "nope" in error["message"] and error["locations"][0]["line"] == 1
    via_get = client.get("/graphql", params={"query": "{ user(id: 1) { userId } }"})
    assert via_get.json() == {"data": {"user": {"userId": 1}}}
    missing = gql(client, "{ property(id: 999999) { name } }")
    assert missing["data"] is None
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert missing["errors"][0]["path"] == ["property"]
    too_many = gql(client, "{ properties(first: 1000) { totalCount } }")
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    deep = "{ booking(id: 1) { property { reviews { booking { property { name } } } } } }"
    assert "errors" not in gql(client, deep)
    too_deep = (
        "{ booking(id: 1) { property { reviews { booking { property { reviews { booking {"
        " property { name } } } } } } } } }"
    )
    refused = gql(client, too_deep)
    assert "exceeds maximum operation depth" in refused["errors"][0]["message"]


# ------------------------------------------------------------------ HTTP details


def test_head_and_keep_alive(api, client):
    head = client.head("/api/properties/1/")
    get = client.get("/api/properties/1/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == str(len(get.content))
    # a body the API never reads must not spill into the next request on the connection
    assert client.post("/api/nope/", json={"x": "y" * 5000}).status_code == 404
    assert client.get("/api/properties/2/").json()["property_id"] == 2
    assert client.get("/api/properties").headers["Location"] == "/api/properties/"
    api_clients = {r.client for r in api.requests[-5:]}
    assert len(api_clients) == 1  # all five on one keep-alive connection
