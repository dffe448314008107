"""Ways in: the `pathways ledger` command and the HTTP API."""
