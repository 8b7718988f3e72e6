"""Request bodies are bounded and the API key comes first: a huge body is refused with 413
before it is parsed or stored, and with a wrong key not a single body byte is read."""
from __future__ import annotations

import json
import sys

from sqlalchemy import func, select

from core.tradein.models import TradeInCase
from tests.web.conftest import API_KEY
from tests.web.test_api import VALUATION

KEY = {"X-API-Key": API_KEY}
MB = 1024 * 1024
CHUNK = 64 * 1024
JSON = {"Content-Type": "application/json"}


class StreamedBody:
    """A chunked request body (no Content-Length): valid JSON padded with whitespace to
    `size` bytes; records how many bytes the server pulled from it."""

    def __init__(self, size: int) -> None:
        self.head = json.dumps(VALUATION).encode()
        self.size = size
        self.pulled = 0

    async def __aiter__(self):
        yield self._pull(self.head)
        while self.pulled < self.size:
            yield self._pull(b" " * min(CHUNK, self.size - self.pulled))

    def _pull(self, chunk: bytes) -> bytes:
        self.pulled += len(chunk)
        return chunk


def padded(size: int) -> bytes:
    """The valuation as JSON, padded with whitespace to `size` bytes (still valid JSON)."""
    body = json.dumps(VALUATION).encode()
    return body + b" " * (size - len(body))


def cases(web) -> int:
    with web.db.session() as session:
        return session.scalar(select(func.count()).select_from(TradeInCase))


async def test_api_body_over_1_mb_is_413_in_german_and_stores_nothing(web):
    response = await web.api.post("/api/v1/tradein/valuations", content=padded(2 * MB),
                                  headers=KEY | JSON)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "Die Anfrage ist zu groß: höchstens 1 MB sind erlaubt."}
    assert cases(web) == 0


async def test_chunked_body_over_1_mb_is_stopped_while_it_streams(web):
    body = StreamedBody(2 * MB)
    response = await web.api.post("/api/v1/tradein/valuations", content=body,
                                  headers=KEY | JSON)
    assert response.status_code == 413
    assert "zu groß" in response.json()["detail"]
    assert body.pulled <= MB + CHUNK  # reading stopped at the limit, not at the end
    assert cases(web) == 0


async def test_wrong_key_with_a_huge_body_is_401_without_reading_the_body(web):
    for headers in ({"X-API-Key": "falsch"}, {}):
        body = StreamedBody(50 * MB)
        response = await web.api.post("/api/v1/tradein/valuations", content=body,
                                      headers=headers | JSON)
        assert response.status_code == 401
        assert "API-Schlüssel" in response.json()["detail"]
        assert body.pulled == 0
    declared = await web.api.post("/api/v1/tradein/valuations", content=padded(2 * MB),
                                  headers={"X-API-Key": "falsch"} | JSON)
    assert declared.status_code == 401  # the key is checked before the size
    assert cases(web) == 0


async def test_body_just_under_the_limit_is_still_accepted(web):
    response = await web.api.post("/api/v1/tradein/valuations", content=padded(MB - 1024),
                                  headers=KEY | JSON)
    assert response.status_code == 201, response.text
    assert cases(web) == 1


async def test_uploads_have_the_import_pages_own_limit(web, monkeypatch):
    # Larger than the API's 1 MB but within the import page's limit: not refused for size
    # (this upload address belongs to no page, hence 404).
    address = "/_nicegui/client/no-such-client/upload/1"
    response = await web.api.post(address, content=b"x" * (2 * MB))
    assert response.status_code == 404
    # Over the import page's limit: 413 before anything is read.
    monkeypatch.setattr(sys.modules["pages.imports"], "MAX_UPLOAD_BYTES", MB)
    response = await web.api.post(address, content=b"x" * (2 * MB))
    assert response.status_code == 413
    assert response.json() == {
        "detail": "Die Anfrage ist zu groß: höchstens 1 MB sind erlaubt."}
