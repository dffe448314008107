"""Test and demo support shared by every service's tests (fixtures, synthetic households)."""
