"""Event contracts and the plumbing every Family Pathways service shares."""
