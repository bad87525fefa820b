"""Labelled evaluation data and scoring for the PII analyzer (pure code, no analyzer import).

``labels`` holds the value types and JSONL I/O, ``metrics`` the precision/recall/F1 rules,
``synthetic`` and ``dataset`` rebuild ``eval/pii/*.jsonl``. See docs/pii-evaluation.md.
"""
