"""Evaluate the addressing classifier.

1. Accuracy and confusion matrix on the hand-labelled German/English corpus
   ``tests/corpus/addressing/cases.yaml`` (fictional company Optiklinse GmbH).
2. Recall of ADDRESSED/DIRECT on customer turns of the IBM Twitter customer-care data
   (``/work/shared/data/addressing/ibm_twitter_customer_care_train.jsonl``, the dev split;
   labels come from the author's role, see its README). Reported twice: with the text
   alone, and with a ThreadContext that says the company takes part in the conversation
   once its agent has replied (what a caller with the conversation ids knows).

Run: ``.venv/bin/python bench/eval_addressing.py [--ibm PATH]``
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sphere.channels import CompanyProfile, ThreadContext, classify
from sphere.domain import Addressing, Author, Channel, Observation, ObservationKind
from sphere.domain.facts import Visibility

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "corpus" / "addressing" / "cases.yaml"
IBM = Path("/work/shared/data/addressing/ibm_twitter_customer_care_train.jsonl")
WHEN = datetime(2026, 5, 1, tzinfo=UTC)


def load_corpus(path: Path = CASES) -> tuple[CompanyProfile, ThreadContext, list[dict[str, Any]]]:
    doc = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    company = doc["company"]
    profile = CompanyProfile.build(
        accounts=company["accounts"],
        brand_names=company["brand_names"],
        product_names=company["product_names"],
        hashtags=company["hashtags"],
        page_ids=company["page_ids"],
    )
    thread = ThreadContext(
        company_post_ids=frozenset(doc["thread"]["company_post_ids"]),
        company_conversation_ids=frozenset(doc["thread"]["company_conversation_ids"]),
    )
    return profile, thread, doc["cases"]


def observation_of(case: dict[str, Any]) -> Observation:
    author = case.get("author", "2999999999")
    return Observation(
        channel=Channel(case.get("channel", "x")),
        kind=ObservationKind(case.get("kind", "post")),
        source_id=case["id"],
        created_at=WHEN,
        author=Author(author, handle=author),
        text=case["text"],
        visibility=Visibility(case.get("visibility", "public")),
        language=case.get("lang"),
        mentions=tuple(case.get("mentions", ())),
        in_reply_to_id=case.get("in_reply_to_id"),
        in_reply_to_user_id=case.get("in_reply_to_user_id"),
        quoted_id=case.get("quoted_id"),
        conversation_id=case.get("conversation_id"),
        on_company_page=bool(case.get("on_company_page", False)),
        container_id=case.get("container_id"),
    )


def evaluate_corpus() -> tuple[float, Counter[tuple[str, str]], list[str]]:
    profile, thread, cases = load_corpus()
    confusion: Counter[tuple[str, str]] = Counter()
    misses = []
    for case in cases:
        got = classify(observation_of(case), profile, thread=thread).addressing.value
        confusion[(case["expected"], got)] += 1
        if got != case["expected"]:
            misses.append(f"{case['id']}: expected {case['expected']}, got {got}")
    correct = sum(n for (want, got), n in confusion.items() if want == got)
    return correct / len(cases), confusion, misses


def evaluate_ibm(path: Path) -> dict[str, float | int]:
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    agent_turns: dict[str, list[int]] = {}
    for record in records:
        if record["role"] == "agent":
            agent_turns.setdefault(record["conversation_id"], []).append(record["turn"])
    hits_text = hits_thread = total = 0
    agent_flagged = agents = 0
    for record in records:
        profile = CompanyProfile.build(accounts={Channel.X: [record["company"]]})
        obs = Observation(
            channel=Channel.X,
            kind=ObservationKind.POST,
            source_id=record["id"],
            created_at=WHEN,
            text=record["text"],
            conversation_id=record["conversation_id"],
        )
        positive = {Addressing.ADDRESSED, Addressing.DIRECT}
        if record["role"] == "agent":
            agents += 1
            agent_flagged += classify(obs, profile).addressing in positive
            continue
        total += 1
        hits_text += classify(obs, profile).addressing in positive
        earlier = any(t < record["turn"] for t in agent_turns.get(record["conversation_id"], []))
        thread = ThreadContext(
            company_conversation_ids=frozenset({record["conversation_id"]} if earlier else set())
        )
        hits_thread += classify(obs, profile, thread=thread).addressing in positive
    return {
        "customer_turns": total,
        "recall_text_only": hits_text / total,
        "recall_with_thread": hits_thread / total,
        "agent_turns": agents,
        "agent_turns_flagged": agent_flagged / agents if agents else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ibm", type=Path, default=IBM)
    args = parser.parse_args()
    accuracy, confusion, misses = evaluate_corpus()
    labels = [a.value for a in Addressing]
    print(f"hand-labelled corpus: accuracy {accuracy:.3f} ({sum(confusion.values())} cases)")
    width = max(map(len, labels)) + 1
    print("expected \\ got".ljust(width) + "".join(label[:10].rjust(11) for label in labels))
    for want in labels:
        row = "".join(str(confusion[(want, got)]).rjust(11) for got in labels)
        print(want.ljust(width) + row)
    for miss in misses:
        print("  miss", miss)
    if args.ibm.exists():
        figures = evaluate_ibm(args.ibm)
        print(f"IBM customer-care (dev split), {figures['customer_turns']} customer turns:")
        print(f"  recall ADDRESSED/DIRECT, text only:        {figures['recall_text_only']:.3f}")
        print(f"  recall ADDRESSED/DIRECT, with thread ctx:  {figures['recall_with_thread']:.3f}")
        print(
            f"  agent replies flagged ADDRESSED (weak negatives, {figures['agent_turns']}): "
            f"{figures['agent_turns_flagged']:.3f}"
        )
    else:
        print(f"IBM data not found at {args.ibm}; skipped")


if __name__ == "__main__":
    main()
