"""tokaroo_cli.infra: pure spec builders, readiness waiters, the supervisor, and real NATS,
Valkey and PostgreSQL servers started from the installed wheels (no server left running)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import nats
import pytest
import valkey
from tokaroo_cli.infra import (
    InfraError,
    ManagedProcess,
    NotReadyError,
    ProcessExitedError,
    Servers,
    ServerSpec,
    database_dsn,
    ensure_database,
    free_port,
    nats_server,
    nats_spec,
    postgres_bin_dir,
    postgres_initdb,
    postgres_spec,
    running_servers,
    valkey_server,
    valkey_spec,
)
from tokaroo_cli.infra.postgres import quote_ident
from tokaroo_cli.infra.ready import poll_until, wait_redis, wait_tcp, wait_tcp_sync
from tokaroo_cli.infra.specs import drop_privileges_prefix, initdb_argv


@pytest.fixture(scope="module")
def base_dir() -> Iterator[Path]:
    # Short on purpose: PostgreSQL's unix socket lives in its data directory.
    d = Path(tempfile.mkdtemp(prefix="tk-infra-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def servers(base_dir: Path) -> Iterator[Servers]:
    with running_servers(base_dir / "all") as s:
        yield s


# ---- pure parts ------------------------------------------------------------------------------


def test_binaries_are_found() -> None:
    for exe in (
        nats_server(),
        valkey_server(),
        postgres_bin_dir() / "postgres",
        postgres_bin_dir() / "initdb",
    ):
        assert exe.is_file() and os.access(exe, os.X_OK), exe


def test_nats_spec() -> None:
    spec = nats_spec(Path("/d/nats"), 4222, 8222, binary=Path("/bin/nats-server"))
    assert spec.argv == [
        "/bin/nats-server",
        "-js",
        "-sd",
        "/d/nats",
        "-a",
        "127.0.0.1",
        "-p",
        "4222",
        "-m",
        "8222",
    ]
    assert spec.name == "nats" and spec.env == {} and spec.data_dir == Path("/d/nats")


@pytest.mark.parametrize("persist, aof", [(True, "yes"), (False, "no")])
def test_valkey_spec(persist: bool, aof: str) -> None:
    spec = valkey_spec(Path("/d/v"), 6390, persist, binary=Path("/bin/valkey-server"))
    argv = spec.argv
    assert argv[0] == "/bin/valkey-server"
    assert argv[argv.index("--port") + 1] == "6390"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1"
    assert argv[argv.index("--dir") + 1] == "/d/v"
    assert argv[argv.index("--save") + 1] == ""
    assert argv[argv.index("--appendonly") + 1] == aof


def test_postgres_spec_unprivileged_and_settings() -> None:
    bin_dir = Path("/pg/bin")
    plain = postgres_spec(Path("/d/pg"), 5433, bin_dir=bin_dir, unprivileged=False)
    assert plain.argv == [
        "/pg/bin/postgres",
        "-D",
        "/d/pg",
        "-p",
        "5433",
        "-h",
        "127.0.0.1",
        "-k",
        "/d/pg",
    ]
    assert plain.cwd == Path("/d/pg")
    dropped = postgres_spec(
        Path("/d/pg"), 5433, bin_dir=bin_dir, unprivileged=True, settings={"fsync": "off"}
    )
    prefix = drop_privileges_prefix()
    assert dropped.argv[: len(prefix)] == prefix
    assert dropped.argv[len(prefix) :] == plain.argv + ["-c", "fsync=off"]
    init = initdb_argv(Path("/d/pg"), bin_dir=bin_dir, unprivileged=False)
    assert init[:7] == ["/pg/bin/initdb", "-D", "/d/pg", "-U", "postgres", "--auth=trust", "-E"]


def test_server_spec_positional_constructor() -> None:
    spec = ServerSpec("edge", ["python", "-m", "x"], {"A": "1"}, None)
    assert spec.data_dir is None


def test_database_dsn_and_quote_ident() -> None:
    assert (
        database_dsn("postgresql://postgres@127.0.0.1:5/postgres", "tokaroo")
        == "postgresql://postgres@127.0.0.1:5/tokaroo"
    )
    assert (
        database_dsn("postgresql://u:p@h:5/postgres?sslmode=disable", "x")
        == "postgresql://u:p@h:5/x?sslmode=disable"
    )
    assert quote_ident('a"b') == '"a""b"'


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_servers_not_started_raise(tmp_path: Path) -> None:
    s = Servers(tmp_path, None, None, None)
    for attr in ("nats_url", "redis_url", "postgres_dsn"):
        with pytest.raises(InfraError):
            getattr(s, attr)


# ---- readiness and supervision ---------------------------------------------------------------


def test_sync_waiter_times_out() -> None:
    with pytest.raises(NotReadyError):
        wait_tcp_sync("127.0.0.1", free_port(), 0.3)


async def test_async_waiters_time_out() -> None:
    port = free_port()
    with pytest.raises(NotReadyError):
        await wait_tcp("127.0.0.1", port, 0.3)
    with pytest.raises(TimeoutError):  # NotReadyError is a TimeoutError
        await wait_redis(port, 0.3)


def test_process_that_dies_fails_fast(tmp_path: Path) -> None:
    spec = ServerSpec(
        "dies", [sys.executable, "-c", "print('boom'); raise SystemExit(3)"], {}, None
    )
    proc = ManagedProcess(spec, tmp_path, ready=lambda p: p.wait_ready_tcp(free_port(), 30))
    with pytest.raises(ProcessExitedError, match="boom"):
        proc.start()
    assert proc.returncode == 3


def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('up', flush=True); time.sleep(60)"
    )
    spec = ServerSpec("stubborn", [sys.executable, "-c", code], {}, None)
    with ManagedProcess(
        spec,
        tmp_path,
        stop_timeout=0.5,
        ready=lambda p: poll_until(lambda _: "up" in p.log_tail(), 10, "handler installed"),
    ) as proc:
        assert proc.running
    assert proc.returncode == -signal.SIGKILL


def test_env_is_exactly_base_plus_spec(tmp_path: Path) -> None:
    code = "import os; print(sorted(k for k in os.environ if k.startswith('TK_')))"
    spec = ServerSpec("env", [sys.executable, "-c", code], {"TK_B": "2"}, None)
    proc = ManagedProcess(spec, tmp_path, base_env={"TK_A": "1"}).start()
    assert proc._proc is not None and proc._proc.wait(10) == 0
    assert "['TK_A', 'TK_B']" in proc.log_tail()


# ---- real servers ----------------------------------------------------------------------------


async def test_nats_jetstream_survives_restart_and_kill(servers: Servers) -> None:
    assert servers.nats is not None
    nc = await nats.connect(servers.nats_url)
    js = nc.jetstream()
    await js.add_stream(name="INFRA", subjects=["infra.>"])
    ack = await js.publish("infra.one", b"hello")
    assert ack.stream == "INFRA"
    await nc.close()

    for crash in (servers.nats.restart, lambda: (servers.nats.kill(), servers.nats.start())):
        crash()
        nc = await nats.connect(servers.nats_url)
        js = nc.jetstream()
        info = await js.stream_info("INFRA")
        assert info.state.messages == 1
        msg = await js.get_msg("INFRA", seq=ack.seq)
        assert msg.data == b"hello"
        await nc.close()


def test_valkey_ping_set_get_and_kill(servers: Servers) -> None:
    assert servers.valkey is not None
    client = valkey.Valkey.from_url(servers.redis_url)
    try:
        assert client.ping() is True
        client.set("k", "v")
        assert client.get("k") == b"v"
    finally:
        client.close()
    servers.valkey.kill()
    assert not servers.valkey.running
    servers.valkey.start()
    client = valkey.Valkey.from_url(servers.redis_url)
    try:
        assert client.ping() is True
        assert client.get("k") is None  # the test stack keeps no data
    finally:
        client.close()


def test_valkey_persists_when_asked(base_dir: Path) -> None:
    with running_servers(
        base_dir / "persist", nats=False, postgres=False, valkey_persist=True
    ) as s:
        assert s.valkey is not None
        client = valkey.Valkey.from_url(s.redis_url)
        client.set("kept", "1")
        client.close()
        s.valkey.restart()
        client = valkey.Valkey.from_url(s.redis_url)
        assert client.get("kept") == b"1"
        client.close()


async def test_postgres_vector_and_crash_recovery(servers: Servers) -> None:
    assert servers.postgres is not None
    assert await ensure_database(servers.postgres_dsn, "tk_infra") is True
    assert await ensure_database(servers.postgres_dsn, "tk_infra") is False
    dsn = database_dsn(servers.postgres_dsn, "tk_infra")
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        await conn.execute("CREATE TABLE items (id int PRIMARY KEY, embedding vector(3))")
        await conn.execute(
            "INSERT INTO items VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0,0,1]')"
        )
        nearest = await conn.fetchval(
            "SELECT id FROM items ORDER BY embedding <-> '[0.1,0.9,0]' LIMIT 1"
        )
        assert nearest == 2
    finally:
        await conn.close()

    servers.postgres.kill()  # no shutdown: the next start replays the WAL
    servers.postgres.start()
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM items") == 3
    finally:
        await conn.close()
    assert "automatic recovery" in servers.postgres.log_tail(20000)


def test_postgres_initdb_is_idempotent(servers: Servers) -> None:
    assert servers.postgres is not None
    data_dir = servers.base_dir / "postgres"
    assert (data_dir / "PG_VERSION").exists()
    assert postgres_initdb(data_dir) is False
    if os.geteuid() == 0:
        assert data_dir.stat().st_uid != 0
        assert "setpriv" in servers.postgres.spec.argv[0]


def test_running_servers_stops_everything(base_dir: Path) -> None:
    with running_servers(base_dir / "short") as s:
        procs = [p for p in (s.nats, s.valkey, s.postgres) if p is not None]
        assert all(p.running for p in procs)
    assert not any(p.running for p in procs)
    assert s.postgres is not None and s.postgres.returncode == 0
    assert "fast shutdown" in s.postgres.log_tail()
