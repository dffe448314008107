"""Builders of ledger events for tests and the benchmark (real payload models, real envelopes)."""
