"""An idle client connection outlives the clients' own keep-alive pools: a request sent on a
connection left idle for longer than httpx's and the OpenAI SDKs' 5 s is answered on that same
connection, not met by a close (which a client sees as a reset or a read error)."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

from tests.harness import Stack

IDLE_S = 6.0  # past uvicorn's default of 5 s


def test_a_connection_idle_for_six_seconds_is_still_served(stack: Stack) -> None:
    key = stack.new_tenant_key("1")
    url = urlsplit(stack.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    body = json.dumps(
        {"model": "fast", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    )
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        answers = []
        for _ in range(2):
            conn.request("POST", f"{url.path}/chat/completions", body=body, headers=headers)
            resp = conn.getresponse()
            answers.append((resp.status, resp.getheader("connection"), resp.read()))
            socket_before = conn.sock
            time.sleep(IDLE_S)
        assert [a[0] for a in answers] == [200, 200], answers
        assert conn.sock is socket_before  # the same connection carried both requests
        assert all(a[1] != "close" for a in answers), answers
    finally:
        conn.close()
