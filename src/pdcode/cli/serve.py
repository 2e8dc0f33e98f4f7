"""`pdcode serve` (being written)."""
