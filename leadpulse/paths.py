"""Where things live: the dbt project, the DuckDB warehouse file, artifacts, reports.

The dbt profile reads the warehouse location from environment variables with
paths relative to the directory dbt runs in. The harness resolves them to
absolute paths once (``configure_environment``) so the CLI works from any
working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR_ENV = "LEADPULSE_PROJECT_DIR"
DUCKDB_PATH_ENV = "LEADPULSE_DUCKDB_PATH"
DUCKDB_TEMP_DIR_ENV = "LEADPULSE_DUCKDB_TEMP_DIR"
TARGET_DIR_ENV = "LEADPULSE_TARGET_DIR"  # dbt artifacts; default <project>/target
LOG_DIR_ENV = "LEADPULSE_LOG_DIR"  # dbt.log; default <project>/logs
SERVING_PATH_ENV = "LEADPULSE_SERVING_PATH"  # default serving.duckdb beside the warehouse
PARQUET_DIR_ENV = "LEADPULSE_PARQUET_DIR"  # Parquet exports of the marts; unset: none
SPARK_DIR_ENV = "LEADPULSE_SPARK_DIR"  # spark target: warehouse + metastore; see spark_dir()
TARGET_ENV = "LEADPULSE_TARGET"  # the profiles.yml output dbt uses: duckdb (default) or spark
# The day the models compute as of (macro as_of_date); the harness sets it per dbt call.
AS_OF_DATE_ENV = "LEADPULSE_AS_OF_DATE"
DEFAULT_SPARK_DIR = Path("warehouse") / "spark"
DEFAULT_DUCKDB_PATH = Path("warehouse") / "leadpulse.duckdb"

# The temp dir this process derived and exported itself (not a user's choice):
# it follows the warehouse when the warehouse moves.
_derived_temp_dir: str | None = None


def project_dir() -> Path:
    """The dbt project root: $LEADPULSE_PROJECT_DIR, else the parent of this package."""
    override = os.environ.get(PROJECT_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parent.parent


def _in_project(path: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else (project_dir() / path).resolve()


def duckdb_path() -> Path:
    """The warehouse file; a relative $LEADPULSE_DUCKDB_PATH is relative to the project dir."""
    return _in_project(Path(os.environ.get(DUCKDB_PATH_ENV) or DEFAULT_DUCKDB_PATH))


def duckdb_temp_dir() -> Path:
    """DuckDB's spill directory: $LEADPULSE_DUCKDB_TEMP_DIR, else ``tmp`` beside the warehouse.

    For the default warehouse that is ``warehouse/tmp``, the profile's default.
    """
    override = os.environ.get(DUCKDB_TEMP_DIR_ENV)
    if override and override != _derived_temp_dir:
        return _in_project(Path(override))
    return duckdb_path().parent / "tmp"


def set_duckdb_path(path: str | Path) -> Path:
    """Point the warehouse at ``path`` (relative to the current directory); return it absolute."""
    resolved = Path(path).expanduser().resolve()
    os.environ[DUCKDB_PATH_ENV] = str(resolved)
    return resolved


def configure_environment() -> Path:
    """Make the env vars dbt reads absolute, create the warehouse dirs; return the db path."""
    global _derived_temp_dir
    user_temp = os.environ.get(DUCKDB_TEMP_DIR_ENV)
    db = duckdb_path()
    tmp = duckdb_temp_dir()
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    os.environ[DUCKDB_PATH_ENV] = str(db)
    os.environ[DUCKDB_TEMP_DIR_ENV] = str(tmp)
    if os.environ.get(TARGET_ENV) == "spark":
        spark = spark_dir()
        spark.mkdir(parents=True, exist_ok=True)
        os.environ[SPARK_DIR_ENV] = str(spark)
    if not user_temp or user_temp == _derived_temp_dir:
        _derived_temp_dir = str(tmp)
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return db


def serving_path() -> Path:
    """The serving file BI tools read: $LEADPULSE_SERVING_PATH, else beside the warehouse."""
    override = os.environ.get(SERVING_PATH_ENV)
    if override:
        return _in_project(Path(override))
    return duckdb_path().parent / "serving.duckdb"


def parquet_dir() -> Path | None:
    """Where the marts are exported as Parquet: $LEADPULSE_PARQUET_DIR; None when unset."""
    override = os.environ.get(PARQUET_DIR_ENV)
    return _in_project(Path(override)) if override else None


def spark_dir() -> Path:
    """The spark target's folder: $LEADPULSE_SPARK_DIR, else ``warehouse/spark``.

    It holds the table files (``spark-warehouse/``) and the embedded Derby
    metastore (``metastore_db/``, ``derby.log``); profiles.yml reads the same
    variable.
    """
    return _in_project(Path(os.environ.get(SPARK_DIR_ENV) or DEFAULT_SPARK_DIR))


def target_dir() -> Path:
    """dbt's artifacts directory (run_results.json, manifest.json): $LEADPULSE_TARGET_DIR."""
    return _in_project(Path(os.environ.get(TARGET_DIR_ENV) or "target"))


def log_dir() -> Path:
    """Where dbt writes dbt.log: $LEADPULSE_LOG_DIR, default ``logs`` in the project."""
    return _in_project(Path(os.environ.get(LOG_DIR_ENV) or "logs"))


def run_results_path() -> Path:
    return target_dir() / "run_results.json"


def default_report_path() -> Path:
    return project_dir() / "reports" / "leadpulse_report.html"
