"""Real NATS JetStream and PostgreSQL for the stream tests (no mocks).

``nats_url``: the machine's NATS (``SPHERE_TEST_NATS_URL``, default
nats://127.0.0.1:4222); skipped when unreachable, FAILS under CI=true. Every test uses a
stream of its own (``T<random>``), deleted afterwards. ``pg_url``: a schema of its own in
the session's PostgreSQL test database. ``private_nats`` and ``private_postgres`` start
throwaway servers on free ports for the tests that restart them (the shared ones are
used by other people's tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sphere.domain import FrozenClock
from sphere.governance.sources import add_source
from sphere.runtime import Runtime, open_runtime
from sphere.settings import Settings
from tests.conftest import TEST_MASTER_KEY, TEST_PSEUDONYM_SECRET, _in_ci, _new_database
from tests.factories import COMPANY_YAML, mastodon_status

NATS_SERVER = "/usr/sbin/nats-server"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def run_async(coro: Any) -> Any:
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright (sync API)
    keeps an event loop running in the main thread for the whole session, where
    ``asyncio.run`` refuses to start."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _missing(message: str) -> None:
    if _in_ci():
        pytest.fail(f"{message} (CI=true requires it)")
    pytest.skip(message)


async def _nats_ok(url: str) -> bool:
    import nats

    try:
        client = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    except Exception:
        return False
    try:
        await client.jetstream().account_info()
        return True
    except Exception:
        return False
    finally:
        await client.close()


@pytest.fixture(scope="session")
def nats_url() -> str:
    url = os.environ.get("SPHERE_TEST_NATS_URL", "nats://127.0.0.1:4222")
    if not run_async(_nats_ok(url)):
        _missing(f"NATS with JetStream unreachable at {url}")
    return url


@pytest.fixture
def stream_name(nats_url: str) -> Iterator[str]:
    name = f"T{uuid.uuid4().hex[:10].upper()}"
    yield name
    run_async(_delete_stream(nats_url, name))


async def _delete_stream(url: str, name: str) -> None:
    import nats

    try:
        client = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    except Exception:
        return
    try:
        await client.jetstream().delete_stream(name)
    except Exception:
        pass
    finally:
        await client.close()


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    request.getfixturevalue("pg_admin_url")
    yield from _new_database("postgresql", request, tmp_path)


def stream_settings(
    settings: Settings, db_url: str, nats: str | None, stream: str, **extra: Any
) -> Settings:
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "company.yaml").write_text(COMPANY_YAML, encoding="utf-8")
    return settings.model_copy(
        update={"database_url": db_url, "nats_url": nats, "nats_stream": stream, **extra}
    )


def open_stream_runtime(settings: Settings, sources: tuple[tuple[str, str], ...]) -> Runtime:
    runtime = open_runtime(settings, clock=FrozenClock())
    with runtime.session() as session:
        for name, channel in sources:
            add_source(
                session,
                name,
                channel=channel,
                collection="official_api",
                actor="test",
                at=runtime.clock.now(),
            )
    return runtime


def worker_env(settings: Settings) -> dict[str, str]:
    """Environment for a `sphere worker` subprocess on the same database and stream."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPHERE_")}
    env.update(
        SPHERE_ENV="test",
        SPHERE_HOME=str(settings.home),
        SPHERE_DATABASE_URL=str(settings.database_url),
        SPHERE_NATS_URL=str(settings.nats_url),
        SPHERE_NATS_STREAM=settings.nats_stream,
        SPHERE_MASTER_KEY=TEST_MASTER_KEY,
        SPHERE_PSEUDONYM_SECRET=TEST_PSEUDONYM_SECRET,
        SPHERE_WORKER_BATCH_SIZE=str(settings.worker_batch_size),
        SPHERE_WORKER_MAX_DELIVERIES=str(settings.worker_max_deliveries),
    )
    return env


def sphere_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "sphere", *args]


def mixed_posts(n: int, *, start: int = 0) -> list[dict[str, Any]]:
    """Posts of two kinds: every third one addresses the company (stored, pseudonymised),
    the others only name the brand in public (counted anonymously, nothing stored)."""
    out = []
    for i in range(start, start + n):
        status_id = str(300000000000000000 + i)
        if i % 3 == 0:
            out.append(
                mastodon_status(
                    status_id,
                    f"Frage {i}: mein Tele 70-200 klappert",
                    account_id=str(900000000000000000 + i),
                    username=f"kunde{i}",
                    mention_company=True,
                )
            )
        else:
            out.append(
                mastodon_status(
                    status_id,
                    f"Optiklinse Objektiv Nummer {i} gefällt mir",
                    account_id=str(800000000000000000 + i),
                    username=f"fan{i}",
                )
            )
    return out


def expected_counts(n: int, *, start: int = 0) -> tuple[int, int]:
    """(stored interactions, anonymous count) for ``mixed_posts(n, start=start)``."""
    stored = sum(1 for i in range(start, start + n) if i % 3 == 0)
    return stored, n - stored


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def table_counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            one = connection.execute
            return {
                "interactions": one(text("SELECT count(*) FROM interactions")).scalar_one(),
                "aggregate_sum": one(
                    text("SELECT coalesce(sum(count), 0) FROM aggregates")
                ).scalar_one(),
                "receipts": one(text("SELECT count(*) FROM stream_receipts")).scalar_one(),
                "quarantine": one(text("SELECT count(*) FROM quarantine")).scalar_one(),
                "decisions": one(text("SELECT count(*) FROM decisions")).scalar_one(),
            }
    finally:
        engine.dispose()


# --- throwaway servers -----------------------------------------------------------------------


class PrivateNats:
    def __init__(self, store: Path) -> None:
        self.port, self.store = _free_port(), store
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if run_async(_nats_ok(self.url)):
                return
            time.sleep(0.2)
        raise RuntimeError("private nats-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


@pytest.fixture
def private_nats(nats_url: str, tmp_path: Path) -> Iterator[PrivateNats]:
    if not Path(NATS_SERVER).exists():
        _missing(f"{NATS_SERVER} not installed")
    server = PrivateNats(tmp_path / "nats-store")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class PrivatePostgres:
    """A throwaway cluster (initdb) on a free port, run as the postgres OS user."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, _free_port()
        self.data = root / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                  "-l", str(self.root / "log"), "start")  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def private_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists():
        _missing(f"{PG_BIN}/initdb not installed")
    root = Path(f"/tmp/sphere-pg-{uuid.uuid4().hex[:8]}")
    server = PrivatePostgres(root)
    try:
        server.init()
        server.start()
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        _missing(f"cannot start a private PostgreSQL: {exc}")
    try:
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


def url_with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)
