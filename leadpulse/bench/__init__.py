"""Benchmark of the dbt build against hand-written references (issue 5)."""
