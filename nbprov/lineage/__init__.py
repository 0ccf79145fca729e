"""Lineage: what each cell read, bound, mutated and deleted, and backward slices over it."""
