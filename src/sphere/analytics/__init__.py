"""Anonymous figures released with formal guarantees (see docs/anonymisation.md)."""
