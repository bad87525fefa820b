"""Sphere's PII scrubbing throughput and peak memory on a 20,000-post corpus, one core.

    .venv/bin/python bench/bench_pii.py                  # 20,000 posts
    .venv/bin/python bench/bench_pii.py --posts 5000 --no-ner

The corpus is generated deterministically (``sphere.pii.eval.synthetic.throughput_corpus``,
German and English alternating) into ``bench/out/`` on first use and reused after.
The measured command is the whole ``sphere scrub --input … --output …`` process,
start-up included, pinned to CPU 0; its peak RSS and its CPU time (user + system) come
from ``wait4``'s rusage. On a shared machine wall time depends on what else runs on
that core; CPU time is the work the command itself needed, so both are printed. When
the CLI command is not available the same work runs in a worker process of this script
(``build_analyzer`` + ``anonymize`` per post) and the output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "bench" / "out"
DEFAULT_POSTS = 20_000
CPU = 0


@dataclass(frozen=True)
class Run:
    """One measured process: what ran, how long (wall, start-up included), peak RSS."""

    label: str
    posts: int
    seconds: float
    peak_rss_mb: float
    returncode: int
    note: str = ""
    #: user + system CPU time of the child: what one core spent, whatever else ran
    cpu_seconds: float = 0.0

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0

    @property
    def posts_per_cpu_second(self) -> float:
        return self.posts / self.cpu_seconds if self.cpu_seconds else 0.0


def corpus_path(posts: int) -> Path:
    """The throughput corpus as JSONL (``id``, ``lang``, ``text``, gold ``spans``); built once."""
    path = OUT_DIR / f"pii_corpus_{posts}.jsonl"
    if not path.exists():
        from sphere.pii.eval.labels import write_posts
        from sphere.pii.eval.synthetic import throughput_corpus

        tmp = path.with_suffix(".tmp")
        write_posts(tmp, throughput_corpus(posts))
        tmp.replace(path)
    return path


def pin_to_cpu() -> None:
    """Run the child on one core (what ``taskset -c 0`` does), before it execs."""
    os.sched_setaffinity(0, {CPU})


def measure(label: str, command: Sequence[str], *, posts: int, note: str = "") -> Run:
    """Run ``command`` pinned to one core; wall time from spawn to exit, rusage of that child."""
    started = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - fixed argv built by this script
        list(command), preexec_fn=pin_to_cpu, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        note = (note + " | " if note else "") + "FAILED: " + " / ".join(tail)
    cpu = usage.ru_utime + usage.ru_stime
    return Run(label, posts, seconds, usage.ru_maxrss / 1024, proc.returncode, note, cpu)


def sphere_cli() -> list[str] | None:
    """``[sphere, scrub]`` when the installed CLI has that command, else ``None``."""
    exe = shutil.which("sphere", path=str(Path(sys.executable).parent)) or shutil.which("sphere")
    if exe is None:
        return None
    probe = subprocess.run(  # noqa: S603
        [exe, "scrub", "--help"], capture_output=True, timeout=60, check=False
    )
    return [exe, "scrub"] if probe.returncode == 0 else None


def measure_sphere(
    corpus: Path, posts: int, *, use_ner: bool = True, force_worker: bool = False
) -> Run:
    """Sphere's whole scrub command on the corpus (CLI if present, else this script's worker)."""
    output = OUT_DIR / "pii_scrubbed_sphere.jsonl"
    cli = None if force_worker or not use_ner else sphere_cli()
    if cli is not None:
        command = [*cli, "--input", str(corpus), "--output", str(output)]
        run = measure("Sphere (sphere scrub CLI)", command, posts=posts)
        if run.returncode == 0:
            return run
        fallback_note = f"sphere scrub failed ({run.note}); in-process worker used instead"
    else:
        fallback_note = "sphere scrub CLI not available; analyzer+anonymizer in a worker process"
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--input",
        str(corpus),
        "--output",
        str(output),
    ]
    if not use_ner:
        command.append("--no-ner")
    return measure("Sphere (in-process worker)", command, posts=posts, note=fallback_note)


def measure_sphere_module(corpus: Path, posts: int) -> Run:
    """``python -m sphere.cli.scrub``: the same scrub command and code path, without the
    imports of the other ``sphere`` sub-commands (database, web) at start-up."""
    output = OUT_DIR / "pii_scrubbed_sphere_module.jsonl"
    command = [
        sys.executable, "-m", "sphere.cli.scrub", "--input", str(corpus), "--output", str(output)
    ]  # fmt: skip
    return measure("Sphere (python -m sphere.cli.scrub)", command, posts=posts)


def run_worker(corpus: Path, output: Path, *, use_ner: bool) -> int:
    """The measured work when the CLI is missing: analyze + anonymize every post."""
    from sphere.pii.analyzer import build_analyzer
    from sphere.pii.anonymizer import anonymize

    analyzer = build_analyzer(use_ner=use_ner)
    with corpus.open(encoding="utf-8") as src, output.open("w", encoding="utf-8") as out:
        for line in src:
            post = json.loads(line)
            spans = analyzer.analyze(post["text"], lang=post.get("lang"))
            result = anonymize(post["text"], spans)
            text = getattr(result, "text", result)
            out.write(json.dumps({"id": post["id"], "text": text}, ensure_ascii=False) + "\n")
    return 0


def load_note() -> str:
    """Load average and core count, printed with every measurement (shared machine)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def print_runs(runs: Sequence[Run]) -> None:
    print(
        f"\n{'command':<34}{'posts':>7}{'wall s':>8}{'posts/s':>9}"
        f"{'CPU s':>8}{'posts/CPU-s':>13}{'peak RSS MB':>13}"
    )
    for r in runs:
        print(
            f"{r.label:<34}{r.posts:>7}{r.seconds:>8.2f}{r.posts_per_second:>9.0f}"
            f"{r.cpu_seconds:>8.2f}{r.posts_per_cpu_second:>13.0f}{r.peak_rss_mb:>13.1f}"
        )
        if r.note:
            print(f"  note: {r.note}")
    print(f"  {load_note()} (wall time includes waiting for the core; CPU time does not)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS)
    parser.add_argument("--no-ner", action="store_true")
    parser.add_argument("--in-process", action="store_true", help="skip the CLI, use the worker")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.worker:
        return run_worker(args.input, args.output, use_ner=not args.no_ner)

    corpus = corpus_path(args.posts)
    print(f"corpus: {corpus} ({args.posts} posts, de/en alternating), pinned to CPU {CPU}")
    runs = [
        measure_sphere(corpus, args.posts, use_ner=not args.no_ner, force_worker=args.in_process)
    ]
    if not args.no_ner and not args.in_process:
        runs.append(measure_sphere_module(corpus, args.posts))
    print_runs(runs)
    return max(r.returncode for r in runs)


if __name__ == "__main__":
    sys.exit(main())
