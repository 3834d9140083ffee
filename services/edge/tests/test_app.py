"""What the app's lifespan does once startup is done."""

from __future__ import annotations

import gc

from tokaroo_edge.app import freeze_startup_heap


def test_the_startup_heap_is_hidden_from_the_collector() -> None:
    startup = [[i] for i in range(3)]  # containers: tracked by the cyclic collector
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() >= len(startup)
        assert all(o is not startup for o in gc.get_objects())  # a full collection skips it
    finally:
        gc.unfreeze()
    assert any(o is startup for o in gc.get_objects())
