from tokaroo_common.jetstream import dead_letter_headers


def test_dead_letter_copy_gets_a_fresh_identity() -> None:
    out = dead_letter_headers({"Nats-Msg-Id": "r1", "traceparent": "00-x"})
    assert out == {"Tokaroo-Original-Msg-Id": "r1", "traceparent": "00-x"}
    assert dead_letter_headers(None) == {}
