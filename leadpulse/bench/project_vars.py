"""The dbt project's vars as the benchmark references see them.

The hand-written SQL and the pandas reference must use the same thresholds as
the models, so both read ``vars:`` from ``dbt_project.yml`` instead of
repeating the values.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

from leadpulse import paths


def load_project_vars(
    as_of: datetime.date | str | None, project_dir: Path | None = None
) -> dict[str, Any]:
    """``vars`` of dbt_project.yml, with ``as_of_date`` resolved to a ``datetime.date``.

    ``as_of`` (a date or YYYY-MM-DD) wins; else the project's ``as_of_date`` var
    when set; else today in UTC, as the ``as_of_date()`` macro does.
    """
    root = project_dir or paths.project_dir()
    with open(root / "dbt_project.yml", encoding="utf-8") as handle:
        project = yaml.safe_load(handle) or {}
    project_vars: dict[str, Any] = dict(project.get("vars") or {})
    value = as_of if as_of else project_vars.get("as_of_date")
    if not value:
        resolved = datetime.datetime.now(datetime.UTC).date()
    elif isinstance(value, datetime.date):
        resolved = value
    else:
        resolved = datetime.date.fromisoformat(str(value))
    project_vars["as_of_date"] = resolved
    return project_vars
