"""The ledger's database: schema and append-only guards, and the store that appends and reads."""
