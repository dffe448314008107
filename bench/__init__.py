"""`make bench`: benchmarks that measure the project's hot paths against a peer, on generated data."""
