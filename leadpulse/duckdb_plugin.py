"""dbt-duckdb plugin: hand the pseudonymization key to DuckDB as a session variable.

The profile passes the secret (``DBT_ENV_SECRET_LEADPULSE_HASH_KEY``) in this
plugin's config; every connection and cursor dbt opens gets it with a bound
parameter (``SET VARIABLE leadpulse_hash_key = ?``). SQL reads it with
``getvariable('leadpulse_hash_key')``, so the key never appears in compiled
SQL, ``target/`` or dbt's logs. Without the env var a public development key
is set and a warning is logged.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger

HASH_KEY_ENV = "DBT_ENV_SECRET_LEADPULSE_HASH_KEY"
HASH_KEY_VARIABLE = "leadpulse_hash_key"
DEV_HASH_KEY = "leadpulse-dev-key-not-secret"

_logger = AdapterLogger("leadpulse")


def set_hash_key(con: Any, key: str) -> None:
    """Set the key on one DuckDB connection or cursor, as a bound parameter."""
    con.execute(f"SET VARIABLE {HASH_KEY_VARIABLE} = ?", [key])


class Plugin(BasePlugin):
    """Sets ``leadpulse_hash_key`` on every connection and cursor."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        key = str(plugin_config.get("hash_key") or "")
        if not key:
            _logger.warning(
                f"{HASH_KEY_ENV} is not set; phone, email and erasure hashes use the "
                "public development key. Set it to a secret before loading real contacts."
            )
            key = DEV_HASH_KEY
        self._key = key

    def configure_connection(self, conn: Any) -> None:
        set_hash_key(conn, self._key)

    def configure_cursor(self, cursor: Any) -> None:
        # Cursors are separate DuckDB sessions: variables do not carry over.
        set_hash_key(cursor, self._key)
