"""The Spark target's session and raw loader (optional: needs ``make spark-deps``).

dbt-spark in ``session`` mode runs Spark inside this Python process; its
session is configured by the ``spark`` output of ``profiles.yml``. The harness
opens the same session (same settings, read from that file, so there is one
place to change them) to load raw tables before dbt runs: whichever comes
first creates it, the other reuses it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import yaml

from leadpulse import paths
from leadpulse.contract import RAW_SCHEMA, RAW_TABLES

# Raw contract types (DuckDB spelling) as Spark SQL types.
SPARK_TYPES: dict[str, str] = {
    "varchar": "string",
    "timestamp": "timestamp",
    "boolean": "boolean",
    "integer": "int",
    "decimal(18,2)": "decimal(18,2)",
}


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise KeyError(f"env var {name} is not set and has no default in profiles.yml")
    return value


def spark_conf() -> dict[str, str]:
    """The ``server_side_parameters`` of profiles.yml's spark output, rendered.

    ``env_var()`` calls are resolved from the environment as dbt does, after
    ``paths.configure_environment`` has made the Spark folder absolute.
    """
    profile = yaml.safe_load((paths.project_dir() / "profiles.yml").read_text())
    params: dict[str, Any] = profile["leadpulse"]["outputs"]["spark"]["server_side_parameters"]
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["env_var"] = _env_var
    return {key: env.from_string(str(value)).render() for key, value in params.items()}


def session() -> Any:
    """The Spark session dbt-spark uses (created with profiles.yml's settings if none runs)."""
    os.environ[paths.TARGET_ENV] = "spark"
    paths.configure_environment()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def load_parquet_folder(folder: Path) -> dict[str, int]:
    """Replace Spark's ``raw`` tables with ``<folder>/<table>.parquet`` (as ``generate.export``
    writes them), cast to the raw contract's types. Returns the row count per table."""
    spark = session()
    spark.sql(f"create database if not exists {RAW_SCHEMA}")
    counts: dict[str, int] = {}
    for table, columns in RAW_TABLES.items():
        path = Path(folder) / f"{table}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no file for raw table {table}")
        frame = spark.read.parquet(str(path))
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{path}: missing columns {', '.join(missing)}")
        casts = [
            f"cast(`{column}` as {SPARK_TYPES[typ.replace(' ', '')]}) as `{column}`"
            for column, typ in columns.items()
        ]
        spark.sql(f"drop table if exists {RAW_SCHEMA}.{table}")
        frame.selectExpr(*casts).write.format("parquet").saveAsTable(f"{RAW_SCHEMA}.{table}")
        counts[table] = spark.table(f"{RAW_SCHEMA}.{table}").count()
    return counts
