from tokaroo_edge.ratelimit import WINDOW_S, window_keys


def test_window_keys_slide() -> None:
    cur, prev, weight = window_keys("req", "key1", 10 * WINDOW_S + 15)
    assert cur.endswith(":10") and prev.endswith(":9")
    assert "{key1}" in cur
    assert abs(weight - 0.75) < 1e-9
    _, _, start = window_keys("req", "key1", 11 * WINDOW_S)
    assert start == 1.0
