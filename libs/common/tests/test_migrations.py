"""The migration runner's pure parts: ordering, pending with checksums, legacy adoption, and
the runner over a fake store (the engines are tested against real servers in the services'
tests: services/ledger/tests/test_migrate.py, services/cache/tests/test_migrate.py,
services/ledger/tests/analytics/test_migrate.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from tokaroo_common.migrate_command import select
from tokaroo_common.migrations import (
    LegacyTable,
    Migration,
    MigrationError,
    MigrationSet,
    adopted_rows,
    migrate,
    ordered,
    pending,
)

A = Migration("0001_a", "CREATE TABLE a (x int);")
B = Migration("0002_b", "-- comment; not a statement\nCREATE TABLE b (x int);\nSELECT 1")


def test_ordered_sorts_by_prefix_and_refuses_bad_names() -> None:
    assert ordered([B, A]) == [A, B]
    with pytest.raises(MigrationError, match="named"):
        ordered([Migration("1_short", "")])
    with pytest.raises(MigrationError, match="unique"):
        ordered([A, Migration("0001_again", "")])


def test_pending_skips_applied_and_refuses_edited() -> None:
    assert pending([A, B], {}) == [A, B]
    assert pending([A, B], {A.version: A.checksum}) == [B]
    with pytest.raises(MigrationError, match="changed after it was applied"):
        pending([A, B], {A.version: "edited"})


def test_statements_drop_comment_lines() -> None:
    assert B.statements() == ["CREATE TABLE b (x int)", "SELECT 1"]


def test_adopted_rows_normalize_versions_and_fill_missing_checksums() -> None:
    rows = adopted_rows([A, B], [("0001_a.sql", "old"), ("0002_b", None)])
    assert rows == [("0001_a", "old"), ("0002_b", B.checksum)]


@dataclass
class FakeStore:
    rows: dict[tuple[str, str], str] = field(default_factory=dict)
    legacy: list[tuple[str, str | None]] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)

    async def applied(self, store: str) -> dict[str, str]:
        return {v: c for (s, v), c in self.rows.items() if s == store}

    async def adopt(self, store: str, legacy: LegacyTable, migrations: Sequence[Migration]) -> int:
        rows, self.legacy = adopted_rows(migrations, self.legacy), []
        for v, c in rows:
            self.rows.setdefault((store, v), c)
        return len(rows)

    async def apply(self, store: str, migration: Migration) -> None:
        self.ran.append(migration.version)
        self.rows[(store, migration.version)] = migration.checksum


@dataclass(frozen=True)
class InMemorySet(MigrationSet):
    files: tuple[Migration, ...] = ()

    def load(self) -> list[Migration]:
        return ordered(self.files)


async def test_migrate_adopts_then_applies_only_the_rest() -> None:
    mset = InMemorySet("s", "postgres", "unused", legacy=LegacyTable("old", "SELECT"), files=(A, B))
    db = FakeStore(legacy=[("0001_a.sql", A.checksum)])
    assert await migrate(db, mset) == ["0002_b"]
    assert await migrate(db, mset) == []
    assert db.ran == ["0002_b"]


def test_select_by_name_and_engine() -> None:
    sets = [MigrationSet("a", "postgres", "p"), MigrationSet("b", "clickhouse", "p")]
    assert select(sets, []) == sets
    assert [m.store for m in select(sets, [], "postgres")] == ["a"]
    assert [m.store for m in select(sets, ["b"])] == ["b"]
    with pytest.raises(SystemExit, match="unknown"):
        select(sets, ["c"])
