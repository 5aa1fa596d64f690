"""Benchmarks of runri-qa's retrieval stack on public data sets (run with `python -m bench.<name>`)."""
