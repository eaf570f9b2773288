"""Benchmark of the dbt build against a hand-written DuckDB script and pandas (issue 5)."""
