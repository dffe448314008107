"""The monthly cross-referral report: a pure fold over ledger events, then tables."""
