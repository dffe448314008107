"""The ledger's rules: canonical JSON, the hash chain and how it is verified. No I/O here."""
