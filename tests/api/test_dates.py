"""Dates in requests are YYYY-MM-DD strings, never numbers read as Unix timestamps (schemathesis once
sent `date_from=0.0` to /search and got a 200 filtering from 1970-01-01)."""

import pytest


@pytest.mark.parametrize("value", ["0.0", "0", "86400", "1e3", "2025-7-2", "20250702", "last year", "2025-13-01"])
@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_search_refuses_a_date_that_is_not_yyyy_mm_dd(small_client, name, value):
    response = small_client.get("/search", params={"q": "Japan", name: value})
    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith(f"{name}: ")


@pytest.mark.parametrize("value", [0, 0.0, "0.0", "2025/07/02"])
def test_ask_filters_refuse_a_date_that_is_not_yyyy_mm_dd(small_client, value):
    response = small_client.post("/ask", json={"question": "Japan?", "filters": {"date_from": value}})
    assert response.status_code == 422 and "filters.date_from: " in response.json()["message"]


def test_a_real_date_filters(small_client):
    response = small_client.get("/search", params={"q": "Japan", "date_from": "2025-06-01", "k": 50})
    assert response.status_code == 200
    assert {p["doc_id"] for p in response.json()["passages"]} == {"run-to-japan"}
