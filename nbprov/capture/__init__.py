"""What the hooks take from a cell: source hashes, value summaries, environment facts."""
