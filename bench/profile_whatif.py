"""The what-if preview called directly on a built state (``bench_oversight.py --phase
build``), with the PostgreSQL backend's own CPU per call and per statement.

    PYTHONPATH=src .venv/bin/python bench/profile_whatif.py URL [--calls 3] [--show 12]
        [--explain 30ms] [--out result.json]

Per call: wall seconds, the calling process's CPU and the backend's (``/proc/<pid>/stat``;
0 on SQLite, whose work is the process's), the load, and a digest of the result (its
JSON without the policy diff) — two code states that decide alike print the same digest.
``--show`` lists the costliest statements by backend CPU; ``--explain`` logs the plans
of statements slower than that through ``auto_explain`` (PostgreSQL). Read-only: every
call is rolled back.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_oversight import _audited, _settings  # noqa: E402
from sqlalchemy import event  # noqa: E402

from sphere.cockpit.whatif import draft_without_rule, what_if  # noqa: E402
from sphere.governance.policy_versions import active_policy  # noqa: E402
from sphere.storage.crypto import Keyring  # noqa: E402
from sphere.storage.db import make_engine, session_scope  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--rule", default="customer-care.addressed", help="rule the draft drops")
    parser.add_argument("--now", default="2026-12-02T12:00:00+00:00")
    parser.add_argument("--show", type=int, default=0, help="costliest statements to list")
    parser.add_argument("--explain", help="auto_explain.log_min_duration, e.g. 30ms")
    parser.add_argument("--out", help="write the last result's JSON here")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    settings = _settings(Path(tempfile.mkdtemp(prefix="sphere-whatif-")), args.url)
    engine = make_engine(args.url)
    postgres = engine.dialect.name == "postgresql"
    factory = _audited(settings, engine)
    keyring = Keyring.from_settings(settings)
    statements: list[tuple[float, float, str]] = []

    def pid_of(cursor: Any) -> int | None:
        return cursor.connection.info.backend_pid if postgres else None

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, *_: Any) -> None:
        conn.info["t0"], conn.info["c0"] = time.perf_counter(), backend_cpu(pid_of(cursor))

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        cpu = backend_cpu(pid_of(cursor)) - conn.info["c0"]
        wall = time.perf_counter() - conn.info["t0"]
        statements.append((cpu, wall, " ".join(statement.split())[:150]))

    if args.explain and postgres:

        @event.listens_for(engine, "connect")
        def explain(dbapi: Any, _record: Any) -> None:
            dbapi.add_notice_handler(lambda d: print(d.message_primary, file=sys.stderr))
            with dbapi.cursor() as cursor:
                cursor.execute("LOAD 'auto_explain'")
                for name, value in (
                    ("log_min_duration", args.explain),
                    ("log_analyze", "on"),
                    ("log_level", "notice"),
                    ("log_buffers", "on"),
                ):
                    cursor.execute(f"SET auto_explain.{name} = '{value}'")
            dbapi.commit()  # a SET in a transaction rolled back later would be undone

    for call in range(args.calls):
        statements.clear()
        with session_scope(factory) as session:
            draft = draft_without_rule(active_policy(session), args.rule)
            dbapi: Any = session.connection().connection.dbapi_connection
            pid = dbapi.info.backend_pid if postgres else None
            c0, t0, p0 = backend_cpu(pid), time.perf_counter(), time.process_time()
            result = what_if(session, keyring, draft, now=now)
            wall, cpu = time.perf_counter() - t0, time.process_time() - p0
            db_cpu = backend_cpu(pid) - c0
            session.rollback()
        found = result.to_dict()
        found.pop("diff")
        text = json.dumps(found, sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        print(
            f"call {call}: wall {wall:.2f} s, process CPU {cpu:.2f} s, backend CPU {db_cpu:.2f} s, "
            f"load {os.getloadavg()[0]:.1f}; result {digest} ({found['records']} records, "
            f"{found['changed']} changed, {found['contacts_affected']} contacts)"
        )
        for s_cpu, s_wall, statement in sorted(statements, reverse=True)[: args.show]:
            print(f"  backend CPU {s_cpu:5.2f} s  wall {s_wall:6.3f} s  {statement}")
        if args.out:
            Path(args.out).write_text(json.dumps(found, sort_keys=True, default=str, indent=1))
    engine.dispose()


if __name__ == "__main__":
    main()
