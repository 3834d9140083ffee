"""`python paused_sink.py SECONDS`: the analytics sink, with a pause between each batch's insert
and its acks, so the crash test can kill it with work inserted but not acknowledged. The pause
is injected here, in the test's own launcher, so production settings carry no fault knob."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from nats.aio.msg import Msg
from tokaroo_ledger.analytics.__main__ import main
from tokaroo_ledger.analytics.sink import AnalyticsSink


def pause_before_acks(seconds: float) -> None:
    """Make every sink in this process wait `seconds` after a batch's insert, before its acks."""
    insert = AnalyticsSink.handle

    async def handle(self: AnalyticsSink, msgs: Sequence[Msg]) -> list[Msg]:
        poison = await insert(self, msgs)
        await asyncio.sleep(seconds)
        return poison

    AnalyticsSink.handle = handle  # type: ignore[method-assign]


if __name__ == "__main__":
    pause_before_acks(float(sys.argv[1]))
    sys.exit(main(["sink"]))
