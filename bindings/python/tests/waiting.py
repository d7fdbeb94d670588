"""Bounded waits for the threaded tests: a hang fails the test instead of blocking CI."""

from __future__ import annotations

import threading
import time
from typing import Callable

TIMEOUT = 60.0


def join(t: threading.Thread, timeout: float = TIMEOUT) -> None:
    t.join(timeout)
    assert not t.is_alive(), f"a thread still runs after {timeout} s (deadlock or starvation)"


def until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Polls ``condition`` until it holds; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.0005)
