"""The raw contract is stated once in Python and once in the dbt sources: keep them equal."""

from __future__ import annotations

from pathlib import Path

import yaml

from leadpulse.contract import RAW_SCHEMA, RAW_TABLES

ROOT = Path(__file__).resolve().parents[1]


def _declared_sources() -> dict[str, dict[str, str]]:
    declared: dict[str, dict[str, str]] = {}
    for path in sorted((ROOT / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            assert source["schema"] == RAW_SCHEMA, path
            for table in source["tables"]:
                declared[table["name"]] = {
                    column["name"]: column["data_type"] for column in table["columns"]
                }
    return declared


def test_sources_declare_exactly_the_contract() -> None:
    assert _declared_sources() == RAW_TABLES


def test_every_raw_table_has_freshness_on_loaded_at() -> None:
    for path in sorted((ROOT / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            config = source["config"]
            assert config["loaded_at_field"] == "_loaded_at", path
            assert config["freshness"]["error_after"], path


def test_only_staging_reads_sources() -> None:
    for path in (ROOT / "models").rglob("*.sql"):
        if "source(" in path.read_text():
            assert path.relative_to(ROOT / "models").parts[0] == "staging", path
