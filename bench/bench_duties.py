"""Art. 14 duties: what ``due_duties`` and ``send_notices`` cost on a stored state.

    .venv/bin/python bench/bench_duties.py --url postgresql+psycopg://…/<state> --repeat 5

The state is one ``bench_oversight.py --phase build`` left (``--keep``), or a copy of it.
Each call runs in its own transaction, as ``sphere notices due`` / ``send`` do: the list
of open duties is committed (it may create duties and move the sync mark, like the
command); the notice to one contact and the bare syncs (full, incremental) are rolled
back, so every call finds the same duties.
Per call: wall and CPU seconds and the number of SQL statements.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_oversight import _audited, _settings  # noqa: E402
from sqlalchemy import event  # noqa: E402

from sphere.dsr.notice import Party  # noqa: E402
from sphere.governance.policy_versions import active_policy  # noqa: E402
from sphere.rights.notices import due_duties, send_notices, sync_duties  # noqa: E402
from sphere.storage.db import make_engine  # noqa: E402


def _timed(engine: Any, call: Callable[[], Any]) -> dict[str, float]:
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return {
        "wall": round(time.perf_counter() - started, 3),
        "cpu": round(time.process_time() - cpu, 3),
        "statements": statements,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--now", default="2026-12-02T12:00:00+00:00")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    engine = make_engine(args.url)
    with tempfile.TemporaryDirectory(prefix="sphere-bench-home-") as home:
        factory = _audited(_settings(Path(home), args.url), engine)
        result = _measure(engine, factory, now, args.repeat)
    print(json.dumps(result, indent=1))


def _measure(engine: Any, factory: Any, now: datetime, repeat: int) -> dict[str, Any]:
    party = Party("Example GmbH", "privacy@example.com")
    calls: dict[str, list[dict[str, float]]] = {
        "due_duties": [], "send_notices one": [], "sync full": [], "sync incremental": []
    }  # fmt: skip
    found: list[Any] = []
    for _ in range(repeat):
        with factory() as session, session.begin():
            found.clear()
            call = partial(due_duties, session, active_policy(session), now=now)
            calls["due_duties"].append(_timed(engine, lambda c=call: found.extend(c())))
        contact = found[0].contact_id if found else None
        rolled_back = {
            "send_notices one": partial(
                send_notices, template=None, now=now, actor="bench", controller=party,
                supervisory_authority=party, contact_id=contact,
            ),
            "sync full": partial(sync_duties, incremental=False),
            "sync incremental": partial(sync_duties, incremental=True),
        }  # fmt: skip
        for name, operation in rolled_back.items():
            with factory() as session:
                session.begin()
                call = partial(operation, session, active_policy(session))
                calls[name].append(_timed(engine, call))
                session.rollback()
    load = os.getloadavg()
    result: dict[str, Any] = {"load": [round(x, 2) for x in load], "open_duties": len(found)}
    for name, runs in calls.items():
        walls = [r["wall"] for r in runs]
        result[name] = {
            "first": runs[0],
            "median_wall_after_first": statistics.median(walls[1:]) if len(walls) > 1 else None,
            "runs": runs,
        }
    return result


if __name__ == "__main__":
    main()
