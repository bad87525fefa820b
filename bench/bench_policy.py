"""Benchmark the policy engine: decisions per second on one core, compile time, table size.

Run: python bench/bench_policy.py [--n 1000000] [--policy FILE]
Facts are drawn uniformly from the whole fact space and generated BEFORE timing, so
the figure is the cost of ``Policy.evaluate`` alone (one index computation, one lookup).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from sphere.domain import Facts
from sphere.policy import default_policy_path, load_policy
from sphere.policy.space import AXES, SHAPE, SIZE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="decisions to time")
    parser.add_argument("--policy", type=Path, default=None, help="policy file (default: shipped)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    path = args.policy or default_policy_path()
    started = time.perf_counter()
    policy = load_policy(path)
    load_seconds = time.perf_counter() - started

    rng = random.Random(args.seed)
    facts = [Facts(**{a.name: rng.choice(a.values) for a in AXES}) for _ in range(args.n)]

    evaluate = policy.evaluate
    started = time.perf_counter()
    for item in facts:
        evaluate(item)
    single = time.perf_counter() - started

    started = time.perf_counter()
    policy.evaluate_many(facts)
    batched = time.perf_counter() - started

    table = policy.rule_table()
    print(f"policy         {path} (version {policy.version}, {len(policy.rules)} rules)")
    print(f"table          {SIZE:,} cells, shape {SHAPE}, {table.nbytes / 1e6:.1f} MB rule table")
    print(f"load+compile   {load_seconds * 1000:.0f} ms")
    print(f"evaluate       {args.n / single:,.0f} decisions/s (one core)")
    print(f"evaluate_many  {args.n / batched:,.0f} decisions/s (one core)")


if __name__ == "__main__":
    main()
