"""The pandas reference (leadpulse.bench.pandas_reference) agrees with the mart.

The benchmark (issue 5) times the dbt build against a pandas version of
`marts.fct_lead_engagement`; that only means something if both compute the
same thing. Here both run on the session's generated warehouse and on the
hand-built leads (every segment value, messy timestamps and phones, device
stitching, consent), as of two days: same leads, same dtypes, every column
equal (floats within 1e-9 relative).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import hand_built_leads as hb
import numpy as np
import pandas as pd
import pytest

from leadpulse import paths
from leadpulse.bench.pandas_reference import MART_COLUMNS, compute, row_fingerprints
from leadpulse.bench.project_vars import load_project_vars

MART = "marts.fct_lead_engagement"
SEGMENT_COLUMNS = ["activity_segment", "lifecycle_state", "rfm_segment"]


def _mart(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(f"select * from {MART} order by lead_id").df()


def _differences(got: pd.DataFrame, want: pd.DataFrame) -> list[str]:
    """Every way the reference's frame differs from the mart's (empty when they agree)."""
    if list(got.columns) != list(want.columns):
        return [f"columns differ: {list(got.columns)} vs {list(want.columns)}"]
    if got["lead_id"].tolist() != want["lead_id"].tolist():
        extra = sorted(set(got["lead_id"]) ^ set(want["lead_id"]))
        return [f"lead ids differ ({len(got)} vs {len(want)} rows): {extra[:10]}"]
    problems = []
    for column in want.columns:
        ours, theirs = got[column], want[column]
        if str(ours.dtype) != str(theirs.dtype):
            problems.append(f"{column}: dtype {ours.dtype} vs {theirs.dtype}")
            continue
        both_null = (ours.isna() & theirs.isna()).to_numpy(bool)
        if theirs.dtype == "float64":
            same = np.isclose(ours, theirs, rtol=1e-9, atol=0.0) | both_null
        else:
            same = (ours.astype(object) == theirs.astype(object)).to_numpy(bool) | both_null
        if not same.all():
            sample = pd.DataFrame({"lead_id": want["lead_id"], "pandas": ours, "mart": theirs})[
                ~same
            ].head(5)
            problems.append(f"{column}: {int((~same).sum())} rows differ\n{sample.to_string()}")
    return problems


def _assert_agree(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert len(want) > 0
    problems = _differences(got, want)
    assert not problems, "\n".join(problems)
    for column in SEGMENT_COLUMNS:
        assert got[column].tolist() == want[column].tolist()


def test_reference_returns_the_mart_columns_in_order(wh_con: duckdb.DuckDBPyConnection) -> None:
    names = [d[0] for d in wh_con.execute(f"select * from {MART} limit 0").description]
    assert [column for column, _ in MART_COLUMNS] == names


def test_agrees_with_mart_on_generated_warehouse(warehouse, wh_con) -> None:  # noqa: ANN001
    assert warehouse.build_ok, warehouse.build_error
    got = compute(wh_con, warehouse.as_of, load_project_vars(warehouse.as_of))
    want = _mart(wh_con)
    _assert_agree(got, want)
    # The data is varied enough for the comparison to mean something.
    for column in SEGMENT_COLUMNS:
        assert want[column].nunique() >= 3, column


def test_comparison_catches_a_changed_value(warehouse, wh_con) -> None:  # noqa: ANN001
    want = _mart(wh_con)
    got = want.copy()
    got.loc[0, "engagement_score"] = got.loc[0, "engagement_score"] * (1 + 1e-6) + 1e-6
    got.loc[1, "lifecycle_state"] = "zzz"
    problems = _differences(got, want)
    assert [p.split(":")[0] for p in problems] == ["engagement_score", "lifecycle_state"]


@pytest.mark.parametrize(
    ("table", "base_model"),
    [
        ("leads", "base_crm__leads"),
        ("message_events", "base_messaging__message_events"),
        ("app_events", "base_app__events"),
        ("web_events", "base_web__events"),
        ("calls", "base_telephony__calls"),
        ("orders", "base_commerce__orders"),
        ("privacy_requests", "base_crm__privacy_requests"),
    ],
)
def test_row_fingerprints_match_staging(
    wh_con: duckdb.DuckDBPyConnection, table: str, base_model: str
) -> None:
    """The dedup tie-break: the reference hashes raw rows as the row_fingerprint macro does."""
    raw = wh_con.execute(f"select * from raw.{table}").df()
    ours = sorted(row_fingerprints(raw, table))
    theirs = sorted(
        wh_con.execute(f"select row_fingerprint from staging.{base_model}").df()["row_fingerprint"]
    )
    assert len(ours) > 0
    assert ours == theirs


@pytest.fixture(scope="module", params=[hb.AS_OF, hb.EARLY_AS_OF])
def hand_built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, date]]:
    """The hand-built leads, built up to the mart (no data or unit tests) as of one day."""
    from leadpulse import dbt

    as_of = request.param
    root = tmp_path_factory.mktemp(f"pandas_reference_{as_of}")
    db_path = root / "leadpulse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(paths.DUCKDB_PATH_ENV, str(db_path))
        mp.setenv(paths.DUCKDB_TEMP_DIR_ENV, str(root / "tmp"))
        mp.setenv(paths.TARGET_DIR_ENV, str(root / "target"))
        mp.setenv(paths.LOG_DIR_ENV, str(root / "logs"))
        mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        paths.configure_environment()
        con = duckdb.connect(str(db_path))
        try:
            hb.load_raw(con)
        finally:
            con.close()
        run = dbt.build(
            as_of=as_of,
            full_refresh=True,
            select=[f"+{MART.split('.')[1]}"],
            exclude=["resource_type:test", "resource_type:unit_test"],
            quiet=True,
        )
        assert run.success, run.error_message
    yield db_path, date.fromisoformat(as_of)


def test_agrees_with_mart_on_hand_built_leads(hand_built: tuple[Path, date]) -> None:
    db_path, as_of = hand_built
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        got = compute(con, as_of, load_project_vars(as_of))
        want = _mart(con)
    finally:
        con.close()
    _assert_agree(got, want)
