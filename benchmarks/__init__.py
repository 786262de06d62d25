"""Benchmark harness: a seeded data generator and a load script (see benchmarks/README.md).

Scripts that print figures, never timed tests (DESIGN.md). Results go to BENCHMARKS.md.
"""
