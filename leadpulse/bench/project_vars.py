"""The dbt project's vars as a dict, for the references the benchmark compares."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

from leadpulse import paths


def load_project_vars(as_of: datetime.date | str) -> dict[str, Any]:
    """``vars:`` of dbt_project.yml with ``as_of_date`` set to ``as_of`` (YYYY-MM-DD)."""
    project_file = Path(paths.project_dir()) / "dbt_project.yml"
    with project_file.open(encoding="utf-8") as handle:
        project = yaml.safe_load(handle)
    project_vars = dict(project.get("vars") or {})
    project_vars["as_of_date"] = as_of if isinstance(as_of, str) else as_of.isoformat()
    return project_vars
