"""Benchmarks: `python -m devtools.benchmarks.<name>` from the project root (docs/benchmarks.md)."""
