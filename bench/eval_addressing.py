"""Evaluate the addressing classifier.

1. Accuracy and confusion matrix on the hand-labelled German/English corpus
   ``tests/corpus/addressing/cases.yaml`` (fictional company Optiklinse GmbH).
2. Recall of ADDRESSED/DIRECT on customer turns of the IBM Twitter customer-care data
   (``/work/shared/data/addressing/ibm_twitter_customer_care_train.jsonl``, the dev split;
   labels come from the author's role, see its README). Reported twice: with the text
   alone, and with the pipeline's conversation memory (``sphere.pipeline.threads``)
   fed the conversation's turns in order — the agent's turns as posts of the company
   account, the customer's as posts of one customer — so the company takes part once
   its agent replied, and a conversation the customer opened by addressing the company
   carries their follow-ups before the agent answered. Also reported: recall on the
   turns a conversation-aware classifier can know about (the turn @-mentions the
   company, or an earlier turn of the conversation addressed it or was the agent's).

Run: ``.venv/bin/python bench/eval_addressing.py [--ibm PATH]``
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sphere.channels import CompanyProfile, ThreadContext, classify
from sphere.domain import Addressing, Author, Channel, Observation, ObservationKind
from sphere.domain.facts import Visibility
from sphere.pipeline.threads import ThreadMemory
from sphere.storage.crypto import Keyring, MasterKey

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
    return profile, thread_of(doc["thread"]), doc["cases"]


def thread_of(spec: dict[str, Any]) -> ThreadContext:
    """The corpus's ``thread:`` section as a ThreadContext."""
    return ThreadContext(
        company_post_ids=frozenset(spec.get("company_post_ids", ())),
        company_conversation_ids=frozenset(spec.get("company_conversation_ids", ())),
        company_thread_post_ids=frozenset(spec.get("company_thread_post_ids", ())),
        opened_conversations={
            k: frozenset(v) for k, v in (spec.get("opened_conversations") or {}).items()
        },
        opened_post_ids={k: frozenset(v) for k, v in (spec.get("opened_post_ids") or {}).items()},
    )


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


class _NoMarks:
    """Stands in for the marks table: the bench keeps everything in memory."""

    def present(self, keys: Any, *, now: datetime) -> set[str]:
        return set()

    def mark(self, kinds: Any, *, expires_at: datetime) -> None:
        return None


def _memory() -> ThreadMemory:
    keyring = Keyring(MasterKey(bytes(32)), b"bench-pseudonym-secret-0123456789")
    return ThreadMemory(_NoMarks(), keyring, keep_for=timedelta(days=180))  # type: ignore[arg-type]


def evaluate_ibm(path: Path) -> dict[str, float | int]:
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    conversations: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        conversations.setdefault(record["conversation_id"], []).append(record)
    positive = {Addressing.ADDRESSED, Addressing.DIRECT}
    hits_text = hits_thread = total = 0
    reachable = hits_reachable = agent_flagged = agents = 0
    for turns in conversations.values():
        memory = _memory()  # one conversation's memory (ids do not collide across them)
        addressed_before = False
        for record in sorted(turns, key=lambda r: r["turn"]):
            company = record["company"]
            profile = CompanyProfile.build(accounts={Channel.X: [company]})
            is_agent = record["role"] == "agent"
            author = company if is_agent else f"customer-{record['conversation_id']}"
            obs = Observation(
                channel=Channel.X,
                kind=ObservationKind.POST,
                source_id=record["id"],
                created_at=WHEN,
                author=Author(author, handle=author),
                text=record["text"],
                conversation_id=record["conversation_id"],
            )
            alone = Observation(  # the text alone: no author, no conversation
                channel=Channel.X,
                kind=ObservationKind.POST,
                source_id=record["id"],
                created_at=WHEN,
                text=record["text"],
            )
            result = classify(obs, profile, thread=memory.context)
            memory.learn(obs, result, company_post=is_agent)
            if is_agent:
                agents += 1
                agent_flagged += classify(alone, profile).addressing in positive
                addressed_before = True
                continue
            total += 1
            hit = result.addressing in positive
            hits_text += classify(alone, profile).addressing in positive
            hits_thread += hit
            if record["mentions_company_handle"] or addressed_before:
                reachable += 1
                hits_reachable += hit
            addressed_before = addressed_before or hit
    return {
        "customer_turns": total,
        "recall_text_only": hits_text / total,
        "recall_with_thread": hits_thread / total,
        "reachable_turns": reachable,
        "recall_reachable": hits_reachable / reachable if reachable else 0.0,
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
            f"  recall on turns that @-mention the company or follow an addressed or agent "
            f"turn ({figures['reachable_turns']}): {figures['recall_reachable']:.3f}"
        )
        print(
            f"  agent replies flagged ADDRESSED (weak negatives, {figures['agent_turns']}): "
            f"{figures['agent_turns_flagged']:.3f}"
        )
    else:
        print(f"IBM data not found at {args.ibm}; skipped")


if __name__ == "__main__":
    main()
