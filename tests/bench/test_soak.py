"""The soak run's pure parts: the RSS slope and reading an exposition."""

from __future__ import annotations

from bench.soak import after_warmup, metric_value, slope_per_hour


def test_slope_per_hour_of_a_steady_climb_and_of_noise() -> None:
    climb = [(t, 100 + t / 360) for t in range(0, 1800, 5)]  # +10 MB/hour
    assert abs(slope_per_hour(climb) - 10.0) < 1e-6
    flat = [(t, 100.0 + (0.5 if (t // 5) % 2 else -0.5)) for t in range(0, 1800, 5)]
    assert abs(slope_per_hour(flat)) < 0.1
    assert slope_per_hour([(0, 1.0), (5, 2.0)]) == 0.0  # too few points to say
    assert after_warmup(climb, 1791) == [(1795, 100 + 1795 / 360)]


def test_metric_value_reads_unlabelled_samples() -> None:
    text = (
        "# HELP tokaroo_asyncio_tasks x\ntokaroo_asyncio_tasks 17.0\n"
        'tokaroo_outbox_pending{replica="a"} 3.0\n'
    )
    assert metric_value(text, "tokaroo_asyncio_tasks") == 17.0
    assert metric_value(text, "tokaroo_outbox_pending") is None


def test_descriptors_are_told_apart_by_kind_and_folder() -> None:
    from bench.soak import fd_kind

    home = "/tmp/tk-soak-x"
    assert fd_kind("socket:[123]", home) == "socket"
    assert fd_kind("pipe:[9]", home) == "pipe"
    assert fd_kind("anon_inode:[eventpoll]", home) == "anon_inode"
    assert fd_kind("/dev/null", home) == "/dev"
    assert fd_kind("/tmp/tk-soak-x/clickhouse/store/abc/data.bin", home) == "home:clickhouse"
    assert fd_kind("/usr/lib/x.so", home) == "other-file"
    assert fd_kind("/proc/42/task/43/stat", home) == "/proc"


def test_resident_memory_is_split_into_anonymous_and_file_backed() -> None:
    import os

    from bench.soak import resident_kinds_mb, status_kb

    status = "Name:\tx\nRssAnon:\t   2048 kB\nRssFile:\t    512 kB\n"
    assert (status_kb(status, "RssAnon"), status_kb(status, "RssFile")) == (2048, 512)
    assert status_kb(status, "RssShmem") == 0
    mine = resident_kinds_mb({"me": os.getpid()})["me"]
    assert mine["rss_anon_mb"] > 1 and mine["rss_file_mb"] > 1


def test_warmup_is_a_third_of_the_run_at_most_ten_minutes() -> None:
    from bench.soak import warmup_seconds

    assert warmup_seconds(12) == 240
    assert warmup_seconds(30) == 600
    assert warmup_seconds(120) == 600


def test_floor_slope_reads_through_a_sawtooth() -> None:
    from bench.soak import window_floor

    # Flat lows with 10 MB teeth every 100 s: the raw slope swings, the floor's is flat.
    saw = [(float(t), 100.0 + (t % 100) / 10) for t in range(0, 1800, 5)]
    lows = window_floor(saw, 120)
    assert len(lows) == 15 and all(v == 100.0 for _, v in lows)
    assert abs(slope_per_hour(lows)) < 0.1
    # A leak under the teeth shows in the floor at its own rate.
    leak = [(t, v + t / 360) for t, v in saw]  # +10 MB/hour
    assert abs(slope_per_hour(window_floor(leak, 120)) - 10.0) < 1.0
    assert window_floor([], 120) == [] and window_floor(saw[:3], 0) == saw[:3]


def test_summary_reports_the_floor_slope_next_to_the_raw_one() -> None:
    from bench.soak import summarize

    saw = [(float(t), 100.0 + (t % 100) / 10) for t in range(0, 1800, 5)]
    row = summarize({"analytics": {"rss_mb": saw, "rss_anon_mb": saw}}, 600)["analytics"]
    assert "rss_slope_mb_per_hour" in row
    assert abs(row["rss_floor_slope_mb_per_hour"]) < 0.1
    assert abs(row["rss_anon_floor_slope_mb_per_hour"]) < 0.1
