"""Benchmarks and calibration: `python -m benchmarks.<name>` from the project root (see docs/benchmarks.md)."""
