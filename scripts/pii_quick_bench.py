"""Quick local throughput check for ``sphere.pii`` (the formal bench lives in bench/).

Generates N fictional short posts (Faker, fixed seed) and times analyze + anonymize.
Usage: ``python scripts/pii_quick_bench.py [N] [--no-ner]``
"""

from __future__ import annotations

import sys
import time

from faker import Faker

from sphere.pii.analyzer import build_analyzer
from sphere.pii.anonymizer import anonymize


def make_posts(n: int) -> list[str]:
    de, en = Faker("de_DE"), Faker("en_US")
    de.seed_instance(7)
    en.seed_instance(7)
    posts = []
    for i in range(n):
        f = de if i % 2 else en
        kind = i % 4
        if kind == 0:
            posts.append(f"{f.sentence(nb_words=10)} {f.first_name()} {f.last_name()}")
        elif kind == 1:
            posts.append(f"Hallo {f.first_name()}, ruf an: {f.phone_number()} {f.sentence()}")
        elif kind == 2:
            posts.append(f"{f.sentence(nb_words=12)} Mail: {f.user_name()}@example.com")
        else:
            posts.append(f"{f.sentence(nb_words=15)} {f.street_address()}")
    return posts


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 5000
    use_ner = "--no-ner" not in sys.argv
    posts = make_posts(n)
    start = time.perf_counter()
    analyzer = build_analyzer(use_ner=use_ner)
    analyzer.analyze("warm up Anna 0170 1234567")
    ready = time.perf_counter()
    entities = 0
    for post in posts:
        spans = analyzer.analyze(post)
        entities += len(spans)
        anonymize(post, spans)
    done = time.perf_counter()
    print(
        f"ner={use_ner} posts={n} startup={ready - start:.2f}s "
        f"run={done - ready:.2f}s rate={n / (done - ready):.0f} posts/s entities={entities}"
    )


if __name__ == "__main__":
    main()
