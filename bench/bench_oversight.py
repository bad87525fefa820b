"""Oversight at scale: the cockpit, the what-if, the planning check and data-subject
requests over a large stored state (issue 12).

    .venv/bin/python bench/bench_oversight.py --records 1000000 --contacts 100000
    .venv/bin/python bench/bench_oversight.py --records 100000 --contacts 10000 --backend sqlite

A child process builds the state with bulk inserts through the project's own tables
(``bench/_oversight_state.py``: consistent decisions, provenance, consents, derived
attributes, requests, audit chain — not through the pipeline); a second child, pinned
to core 0, serves the real app in-process (``create_app`` + Starlette's TestClient, a
logged-in DPO, a logged-in data subject) and times every operation: p50/p95 over
repeated calls, with the process's CPU seconds. Operations that the app runs as
background jobs (HTTP 202 with a job) are timed until the job is done. Mutating
operations run last (erasure, retention, apply). The measuring child's peak RSS is
reported as the memory figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._bench_common import (  # noqa: E402
    BENCH_AUDIT_KEY,
    BENCH_MASTER_KEY,
    BENCH_PSEUDONYM_SECRET,
)
from bench._oversight_state import (  # noqa: E402
    CAMPAIGN,
    DPO_PASSWORD,
    DPO_USER,
    StateBuilder,
    measure_spec,
)
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from sphere.settings import load_settings  # noqa: E402
from sphere.storage.crypto import Keyring  # noqa: E402
from sphere.storage.db import make_engine, make_session_factory, session_scope, upgrade  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
OUT = Path(__file__).resolve().parent / "out"
# Targets of issue 12 (seconds); "page" applies to every cockpit page and staff API GET.
TARGETS = {
    "page": ("p95", 0.300),
    "whatif": ("p50", 10.0),
    "planning": ("p50", 2.0),
    "dry_run": ("p50", 5.0),
    "dsr_export": ("p95", 0.200),
    "erasure": ("p95", 1.0),
    "pdf": ("p50", 3.0),
}


# --- databases ------------------------------------------------------------------------
def create_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"sphere_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _settings(home: Path, url: str) -> Any:
    return load_settings(
        env="test",
        home=home,
        database_url=url,
        master_key=BENCH_MASTER_KEY,
        pseudonym_secret=BENCH_PSEUDONYM_SECRET,
        audit_key=BENCH_AUDIT_KEY,  # one key for build and every measure run on any copy
    )


def _audited(settings: Any, engine: Any) -> Any:
    """Sessions that key audit entries like the app's, with the pinned bench audit key
    (build and measure, so a copy of a built state verifies in any later measure run);
    older code has no audit keys."""
    try:
        from sphere.runtime import audited_session_factory
    except ImportError:
        return make_session_factory(engine)
    return audited_session_factory(settings, engine)


def _usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": ru.ru_utime + ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024}


# --- phase 1: build ----------------------------------------------------------------------
def build(url: str, records: int, contacts: int, now: datetime) -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sphere-bench-home-") as home:
        settings = _settings(Path(home), url)
        engine = make_engine(url)
        upgrade(engine)
        factory = _audited(settings, engine)
        builder = StateBuilder(
            factory,
            Keyring.from_settings(settings),
            records=records,
            contacts=contacts,
            now=now,
            progress=lambda m: print(m, file=sys.stderr, flush=True),
        )
        stats = builder.build()
        rebuilt = _rebuild_read_model(factory)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        else:
            with engine.connect() as c:
                c.execute(text("ANALYZE"))
        engine.dispose()
    return {
        "wall": round(time.perf_counter() - started, 1),
        **_usage(),
        "read_model_seconds": rebuilt,
        "stats": {k: v for k, v in vars_of(stats).items()},
    }


def vars_of(stats: Any) -> dict[str, Any]:
    return {name: getattr(stats, name) for name in stats.__slots__} | {"records": stats.records}


def _rebuild_read_model(factory: Any) -> float | None:
    """Bulk inserts bypass the incremental read model: rebuild it once (when it exists)."""
    try:
        from sphere.storage.repositories.readmodel import rebuild  # type: ignore[import-not-found]
    except ImportError:
        return None
    started = time.perf_counter()
    with session_scope(factory) as session:
        rebuild(session)
    return round(time.perf_counter() - started, 1)


# --- phase 2: measure --------------------------------------------------------------------
class Timer:
    """Times callables; keeps every duration and the CPU seconds spent."""

    def __init__(self, budget: float, only: tuple[str, ...] = ()) -> None:
        self.budget, self.only = budget, only
        self.results: dict[str, dict[str, Any]] = {}

    def wants(self, name: str) -> bool:
        return not self.only or any(part in name for part in self.only)

    def run(self, name: str, kind: str, call: Callable[[], Any], repeat: int) -> None:
        if not self.wants(name):
            return
        durations: list[float] = []
        cpu = 0.0
        error = None
        for _ in range(repeat):
            c0, t0 = time.process_time(), time.perf_counter()
            try:
                call()
            except Exception as exc:  # report and go on: one failing call is a finding
                error = f"{type(exc).__name__}: {str(exc)[:200]}"
                break
            durations.append(time.perf_counter() - t0)
            cpu += time.process_time() - c0
            if sum(durations) > self.budget:
                break  # too slow to repeat within the budget: say so, keep what we have
        entry: dict[str, Any] = {"kind": kind, "n": len(durations), "error": error}
        if durations:
            ordered = sorted(durations)
            entry["p50"] = statistics.median(ordered)
            entry["p95"] = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            entry["max"] = ordered[-1]
            entry["cpu"] = cpu / len(durations)
        self.results[name] = entry
        shown = f"p50 {entry.get('p50', 0):.3f}s p95 {entry.get('p95', 0):.3f}s n={len(durations)}"
        print(f"  {name:<40} {shown}{'  ERROR ' + error if error else ''}", file=sys.stderr)


def measure(url: str, now: datetime, args: argparse.Namespace) -> dict[str, Any]:
    os.sched_setaffinity(0, {args.core})
    from fastapi.testclient import TestClient

    from sphere.accounts import make_password_hasher
    from sphere.domain.time import FrozenClock
    from sphere.portal.sessions import open_portal_session
    from sphere.rights.erasure import erase_contact
    from sphere.rights.retention import run_retention
    from sphere.web.app import create_app
    from sphere.web.config import WebSettings

    timer = Timer(args.budget, tuple(p for p in (args.only or "").split(",") if p))
    with tempfile.TemporaryDirectory(prefix="sphere-bench-home-") as home:
        settings = _settings(Path(home), url)
        engine = make_engine(url)
        factory = _audited(settings, engine)
        keyring = Keyring.from_settings(settings)
        clock = FrozenClock(now)
        app = create_app(
            settings,
            web=WebSettings(cookie_secure=True),
            engine=engine,
            clock=clock,
            hasher=make_password_hasher(fast=True),
        )
        with TestClient(app, base_url="https://testserver") as client:
            login = client.post(
                "/api/v1/auth/login", json={"username": DPO_USER, "password": DPO_PASSWORD}
            )
            login.raise_for_status()
            csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
            ids = _pick_ids(engine)
            runner = Calls(client, csrf)

            def verify_chain() -> None:
                """The first audit page starts a verification of a large chain as a job;
                wait for it (timed), so later pages only check the tail."""
                runner.get("/api/v1/audit")
                for job in client.get("/api/v1/jobs?kind=audit_verify").json().get("jobs", []):
                    if job["state"] in ("queued", "running"):
                        runner.wait_for(job["id"])

            def snapshot_findings() -> None:
                """Above the inline limit the first findings view starts a snapshot job
                (sphere.jobs.findings); wait for it (timed), as for the chain."""
                runner.get("/api/v1/findings")
                for job in client.get("/api/v1/jobs?kind=findings").json().get("jobs", []):
                    if job["state"] in ("queued", "running"):
                        runner.wait_for(job["id"])

            if client.get("/api/v1/jobs").status_code == 200:
                timer.run("audit chain verification (job)", "job", verify_chain, 1)
                timer.run("findings snapshot (job)", "job", snapshot_findings, 1)

            pages = [
                ("cockpit /", "/cockpit/"),
                ("cockpit chart ingestion", "/cockpit/charts/ingestion.svg"),
                ("cockpit chart requests", "/cockpit/charts/requests.svg"),
                ("cockpit chart consent", "/cockpit/charts/consent.svg"),
                ("cockpit record", "/cockpit/record"),
                ("cockpit findings", "/cockpit/findings"),
                ("cockpit inventories", "/cockpit/inventories"),
                ("cockpit audit", "/cockpit/audit"),
                ("cockpit audit page 200", "/cockpit/audit?page=200"),
                ("cockpit policy", "/cockpit/policy"),
                ("cockpit policy versions", "/cockpit/policy/versions"),
                ("cockpit what-if form", "/cockpit/whatif"),
                ("cockpit requests", "/cockpit/requests"),
                ("cockpit contacts search", "/cockpit/contacts?q=person17%40example.com"),
                ("cockpit timeline", f"/cockpit/contacts/{ids['heavy']}/timeline"),
                ("cockpit planning form", "/cockpit/marketing/check"),
                ("cockpit dry-run form", "/cockpit/marketing/dry-run"),
                ("cockpit jobs", "/cockpit/jobs"),
                ("cockpit reviews", "/cockpit/reviews"),
                ("cockpit listening", "/cockpit/listening"),
                ("cockpit breaches", "/cockpit/breaches"),
                ("cockpit dpia", "/cockpit/dpia"),
                ("cockpit recipients", "/cockpit/recipients"),
                ("cockpit joint controllers", "/cockpit/joint-controllers"),
                ("cockpit toms", "/cockpit/toms"),
                ("cockpit connected systems", "/cockpit/systems"),
                ("public transparency", "/transparency"),
                ("api me", "/api/v1/me"),
                ("api record", "/api/v1/record"),
                ("api record.jsonld", "/api/v1/record.jsonld"),
                ("api findings", "/api/v1/findings"),
                ("api inventories", "/api/v1/inventories"),
                ("api audit", "/api/v1/audit"),
                ("api policy versions", "/api/v1/policy/versions"),
                ("api requests", "/api/v1/requests"),
                ("api measures", "/api/v1/measures"),
                ("api timeline", f"/api/v1/contacts/{ids['heavy']}/timeline"),
                ("api profile", f"/api/v1/contacts/{ids['heavy']}/profile"),
                ("api jobs", "/api/v1/jobs"),
                ("api reviews", "/api/v1/reviews"),
                ("api listening", "/api/v1/listening"),
                ("api record check", "/api/v1/record/check"),
                ("api breaches", "/api/v1/breaches"),
                ("api dpias", "/api/v1/dpias"),
                ("api recipients", "/api/v1/recipients"),
                ("api joint controllers", "/api/v1/joint-controllers"),
                ("api toms", "/api/v1/toms"),
                ("api connected systems", "/api/v1/connected-systems"),
                ("api transparency", "/api/v1/transparency"),
            ]
            print("cockpit pages and staff API GETs", file=sys.stderr)
            for name, path in pages:
                if not timer.wants(name) or client.get(path).status_code == 404:
                    continue  # not built (yet)
                timer.run(name, "page", lambda p=path: runner.get(p), args.repeat)
            timer.run("api record.pdf", "pdf", lambda: runner.get("/api/v1/record.pdf"), args.heavy)

            print("portal of one subject", file=sys.stderr)
            with session_scope(factory) as db:
                token = open_portal_session(db, ids["heavy"], at=now)
            client.cookies.set(app.state.runtime.portal_cookie, token)
            portal_csrf = {
                "X-CSRF-Token": client.get("/api/v1/portal/me/session").json()["csrf_token"]
            }
            for name, path in (
                ("portal overview", "/portal/overview"),
                ("portal consents", "/portal/consents"),
                ("portal requests", "/portal/requests"),
                ("portal receipts", "/portal/receipts"),
                ("portal api data (Art. 15)", "/api/v1/portal/me/data"),
                ("portal api consents", "/api/v1/portal/me/consents"),
                ("portal api requests", "/api/v1/portal/me/requests"),
            ):
                timer.run(name, "page", lambda p=path: runner.get(p), args.repeat)
            timer.run(
                "DSR access export (zip)",
                "dsr_export",
                lambda: runner.post("/api/v1/portal/me/export", headers=portal_csrf),
                args.repeat,
            )
            client.cookies.delete(app.state.runtime.portal_cookie)

            print("what-if, planning check, dry run", file=sys.stderr)
            timer.run(
                "what-if preview",
                "whatif",
                lambda: runner.post(
                    "/api/v1/policy/whatif", json={"disable_rule": args.whatif_rule}
                ),
                args.heavy,
            )
            timer.run(
                "planning check (all contacts)",
                "planning",
                lambda: runner.post("/api/v1/measures/check", json=measure_spec()),
                args.heavy,
            )
            timer.run(
                "campaign dry run (all contacts)",
                "dry_run",
                lambda: runner.post(f"/api/v1/campaigns/{CAMPAIGN.replace(' ', '%20')}/dry-run"),
                args.heavy,
            )

            print("erasure, retention, apply (mutating)", file=sys.stderr)
            victims = iter(ids["erase"])

            def erase_one() -> None:
                with session_scope(factory) as db:
                    erase_contact(db, keyring, next(victims), at=now, actor="bench")

            timer.run("erasure with full cascade", "erasure", erase_one, len(ids["erase"]))

            def retention() -> None:
                with session_scope(factory) as db:
                    run_retention(db, keyring, now=now, actor="bench")

            timer.run("retention run", "job", retention, 1)
            timer.run(
                "policy apply",
                "job",
                lambda: runner.post("/api/v1/policy/apply", json={"disable_rule": args.apply_rule}),
                1,
            )
        engine.dispose()
    return {"results": timer.results, **_usage()}


class Calls:
    """GET/POST through the TestClient; a 202 with a job is followed until the job ends."""

    def __init__(self, client: Any, csrf: dict[str, str]) -> None:
        self.client, self.csrf = client, csrf

    def _check(self, response: Any) -> Any:
        if response.status_code == 202:
            return self._wait(response)
        if response.status_code >= 400:
            body = response.text
            if "<main" in body:  # an HTML error page: its message, not its markup
                body = re.sub(r"<[^>]+>|\s+", " ", body.split("<main", 1)[1])
            raise RuntimeError(f"HTTP {response.status_code}: {body.strip()[:300]}")
        return response

    def _wait(self, response: Any) -> Any:
        job = response.json().get("job") or response.json()
        return self.wait_for(job["id"])

    def wait_for(self, job_id: str) -> Any:
        url = f"/api/v1/jobs/{job_id}"
        while True:
            state = self.client.get(url).json()
            if state["state"] in ("done", "failed", "cancelled"):
                if state["state"] != "done":
                    raise RuntimeError(f"job {state['state']}: {state.get('error')}")
                return state
            time.sleep(0.05)

    def get(self, path: str) -> Any:
        return self._check(self.client.get(path))

    def post(self, path: str, *, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._check(self.client.post(path, json=json, headers=headers or self.csrf))


def _pick_ids(engine: Any) -> dict[str, Any]:
    with engine.connect() as c:
        heavy = c.execute(
            text(
                "SELECT contact_id FROM interactions WHERE contact_id IS NOT NULL "
                "GROUP BY contact_id ORDER BY count(*) DESC, contact_id LIMIT 1"
            )
        ).scalar_one()
        erase = [
            row[0]
            for row in c.execute(
                text(
                    "SELECT contact_id FROM interactions WHERE contact_id IS NOT NULL "
                    "AND contact_id <> :heavy GROUP BY contact_id "
                    "ORDER BY count(*) DESC, contact_id LIMIT 5"
                ),
                {"heavy": heavy},
            )
        ]
    return {"heavy": heavy, "erase": erase}


# --- orchestration ----------------------------------------------------------------------
def run_child(args: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, __file__, *args]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed (exit {done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def verdict(kind: str, entry: dict[str, Any]) -> str:
    if entry.get("error"):
        return "error"
    target = TARGETS.get(kind)
    if target is None or not entry.get("n"):
        return ""
    stat, limit = target
    return "ok" if entry[stat] <= limit else f"over {limit:g} s"


def report(backend: str, built: dict[str, Any], measured: dict[str, Any], args: Any) -> None:
    stats = built["stats"]
    print(f"\n## {backend}: {stats['records']:,} records, {stats['contacts']:,} contacts\n")
    print(
        f"built in {built['wall']} s ({stats['interactions']:,} interactions, "
        f"{stats['events']:,} events, {stats['attributes']:,} attributes, "
        f"{stats['decisions']:,} decisions, {stats['audit_entries']:,} audit entries, "
        f"{stats['consents']:,} consents, {stats['requests']:,} requests); "
        f"read model rebuilt in {built['read_model_seconds']} s\n"
    )
    print("| operation | n | p50 s | p95 s | CPU s/call | target |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, entry in measured["results"].items():
        if not entry.get("n"):
            print(f"| {name} | 0 | – | – | – | {entry.get('error') or 'not run'} |")
            continue
        print(
            f"| {name} | {entry['n']} | {entry['p50']:.3f} | {entry['p95']:.3f} | "
            f"{entry['cpu']:.3f} | {verdict(entry['kind'], entry)} |"
        )
    print(f"\npeak RSS of the measuring process: {measured['peak_rss_mb']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("SPHERE_TEST_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--repeat", type=int, default=20, help="calls per page/GET")
    parser.add_argument("--heavy", type=int, default=3, help="calls per heavy operation")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per operation")
    parser.add_argument("--whatif-rule", default="customer-care.addressed")
    parser.add_argument("--apply-rule", default="enrichment.verified-product-content")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--core", type=int, default=0, help="CPU core the measuring runs on")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--only", help="measure only operations whose name contains one of these (comma-separated)"
    )
    parser.add_argument("--phase", choices=("build", "measure"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        now = datetime.fromisoformat(args.now)
        if args.phase == "build":
            result = build(args.url, args.records, args.contacts, now)
        else:
            result = measure(args.url, now, args)
        print(json.dumps(result, default=str))
        return

    # Noon UTC: quiet hours (20:00–08:00 Berlin) never hold the dry run back.
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    common = [
        "--now", now.isoformat(), "--records", str(args.records),
        "--contacts", str(args.contacts), "--repeat", str(args.repeat),
        "--heavy", str(args.heavy), "--budget", str(args.budget),
        "--whatif-rule", args.whatif_rule, "--apply-rule", args.apply_rule,
        "--core", str(args.core), *(["--only", args.only] if args.only else []),
    ]  # fmt: skip
    everything: dict[str, Any] = {}
    for backend in backends:
        OUT.mkdir(exist_ok=True)
        if backend == "sqlite":
            path = OUT / f"oversight-{args.records}-{args.contacts}-{uuid.uuid4().hex[:6]}.db"
            url, name = f"sqlite:///{path.as_posix()}", None
        else:
            name, url = create_pg_database(args.pg_url)
        try:
            built = run_child(["--phase", "build", "--url", url, *common])
            measured = run_child(["--phase", "measure", "--url", url, *common])
        finally:
            if not args.keep:
                if name:
                    drop_pg_database(args.pg_url, name)
                else:
                    for suffix in ("", "-wal", "-shm"):
                        Path(str(path) + suffix).unlink(missing_ok=True)
        everything[backend] = {"build": built, "measure": measured}
        report(backend, built, measured, args)
    load = os.getloadavg()
    print(f"\nload average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.json:
        print(json.dumps(everything, default=str))


if __name__ == "__main__":
    main()
