"""The ledger's use cases: record events, verify the chain, read a referral's trail."""
