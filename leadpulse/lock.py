"""One writer at a time: an exclusive ``flock`` on a lock file beside the warehouse.

``leadpulse build``, ``refresh``, ``backfill``, ``demo``, ``generate`` and
``load`` take it before they touch the warehouse. The kernel releases it when
the holder exits, however it exits (SIGKILL included), so a stale lock file
never blocks anyone; the file only says who holds the lock, for the message a
second run prints.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

LOCK_WAIT_ENV = "LEADPULSE_LOCK_WAIT_SECONDS"
POLL_SECONDS = 0.5


class WarehouseLocked(RuntimeError):
    """Another process holds the warehouse lock (and did not release it in time)."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "another process"
    if not info:
        return "another process"
    return (
        f"pid {info.get('pid', '?')} on {info.get('host', '?')} "
        f"({info.get('command', '?')}, since {info.get('started_at', '?')})"
    )


def default_wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_ENV) or 0))
    except ValueError:
        return 0.0


@contextlib.contextmanager
def warehouse_lock(db_path: Path, command: str, *, wait_seconds: float = 0.0) -> Iterator[Path]:
    """Hold the warehouse's lock for the block; wait up to ``wait_seconds`` for it.

    Raises ``WarehouseLocked`` naming the holder when it is not free in time.
    """
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise WarehouseLocked(
                        f"warehouse {db_path} is locked by {holder}; nothing was changed. "
                        f"Retry when it finishes, or wait for it with --wait SECONDS "
                        f"(or {LOCK_WAIT_ENV})"
                    ) from None
                if not announced:
                    print(f"waiting up to {wait_seconds:.0f}s for {holder} to finish", flush=True)
                    announced = True
                time.sleep(POLL_SECONDS)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "argv": sys.argv,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
