"""Engine of the community safety dashboard: contract, store, queries, stats, charts, command line."""
