"""The ingestion pipeline: parse → classify → link → detect → gate → apply → store.

Each stage is a module with one public function; ``runner`` wires them, owns the
batching, the transactions and the quarantine.
"""
