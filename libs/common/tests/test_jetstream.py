from tokaroo_common.jetstream import dead_letter_headers


def test_dead_letter_copy_gets_a_fresh_identity() -> None:
    out = dead_letter_headers({"Nats-Msg-Id": "r1", "traceparent": "00-x"}, "d", "7")
    assert out == {
        "Tokaroo-Original-Msg-Id": "r1",
        "traceparent": "00-x",
        "Nats-Msg-Id": "d/dlq/r1",
    }
    assert dead_letter_headers(None, "d", "7") == {
        "Tokaroo-Original-Msg-Id": "",
        "Nats-Msg-Id": "d/dlq/7",
    }


async def test_first_connect_gives_up_at_its_deadline() -> None:
    import time

    import pytest
    from tokaroo_common.jetstream import connect

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await connect("nats://127.0.0.1:1", "t", first_connect_timeout_s=1.0)
    assert time.monotonic() - started < 5
