"""The report's outputs: canonical JSON, one CSV per table, and a self-contained HTML page."""
