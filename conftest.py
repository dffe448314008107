"""Fixtures for the real broker and databases, shared by every package's tests."""
pytest_plugins = ["pathways_shared.testing.fixtures"]
