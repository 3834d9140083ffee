"""Budget periods of an API key, pure: when the UTC day or month containing a moment starts
and ends. `total` has no start (every day counts) and never resets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

PERIODS = ("day", "month", "total")
_EPOCH = date(1970, 1, 1)


def period_start(period: str, now: datetime) -> datetime | None:
    """The UTC start of the period containing `now`; None for `total`."""
    now = now.astimezone(UTC)
    if period == "day":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "month":
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return None


def period_reset(period: str, now: datetime) -> datetime | None:
    """When the period containing `now` ends (its spend starts again from zero); None for
    `total`, which never resets."""
    start = period_start(period, now)
    if start is None:
        return None
    if period == "day":
        return start + timedelta(days=1)
    if start.month == 12:
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


def day_number(day: date) -> int:
    """Days since 1970-01-01: how periods are compared where dates are not at hand (Lua)."""
    return (day - _EPOCH).days


def period_start_day(period: str, now: datetime) -> int:
    """The day number of the period's first day; 0 for `total`."""
    start = period_start(period, now)
    return 0 if start is None else day_number(start.date())
