"""Ctrl-C inside a training step: the step stops at its next chunk boundary.

While the main thread is inside a C step, Python runs no signal handler; but CPython's
C-level handler still writes the signal's number to the wakeup fd (``signal.set_wakeup_fd``).
During a step, a watcher thread reads that fd and, on SIGINT, calls ``rnnwf_vmc_cancel``:
the step returns RNNWF_ERR_CANCELLED with nothing changed, on the calling thread (so the
reduction hook stays there too). Python's own handler then runs as usual once the call has
returned.

The watcher calls ``rnnwf_vmc_cancel`` directly rather than through ``call``: the step holds
the Vmc's exclusive use, which ``call`` would wait for, and the C function is made to run
beside it (it only sets the request). The watcher exists only while the step holds that use,
so the handle cannot be freed under it.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from ._native import lib


def _cancels_steps(handler: Any) -> bool:
    """Whether a SIGINT handler means Ctrl-C should stop a running step: Python's own
    (KeyboardInterrupt) or Vmc.run's, not a host's."""
    return handler is signal.default_int_handler or getattr(handler, "cancels_rnnwf_steps", False)


class CancelOnCtrlC:
    """Context for one C step on ``handle`` (an ``rnnwf_vmc *``): on the main thread with a
    handler that stops steps, SIGINT cancels the step; elsewhere it does nothing. On exit a
    request the step never saw (Ctrl-C after its last check) is dropped: Python's handler
    delivers that interrupt, and it must not cancel the next step too."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._active = (threading.current_thread() is threading.main_thread()
                        and _cancels_steps(signal.getsignal(signal.SIGINT)))

    def __enter__(self) -> "CancelOnCtrlC":
        if not self._active:
            return self
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        try:
            self._previous = signal.set_wakeup_fd(self._write)
        except ValueError:  # not the main interpreter's main thread after all
            os.close(self._read)
            os.close(self._write)
            self._active = False
            return self
        self._watcher = threading.Thread(target=self._watch, name="rnnwf-ctrl-c", daemon=True)
        self._watcher.start()
        return self

    def _watch(self) -> None:
        while True:
            data = os.read(self._read, 64)
            if not data:  # the write end is closed: the step is over
                return
            if signal.SIGINT in data:
                lib.rnnwf_vmc_cancel(self._handle)
            if self._previous >= 0:  # another wakeup fd (asyncio's, say) sees its signals too
                try:
                    os.write(self._previous, data)
                except OSError:
                    pass

    def __exit__(self, *exc: object) -> None:
        if not self._active:
            return
        # A second Ctrl-C may raise KeyboardInterrupt in here: finish the clean-up first.
        interrupted: BaseException | None = None
        for step in (self._restore, self._stop_watcher, self._forget):
            while True:
                try:
                    step()
                    break
                except KeyboardInterrupt as e:
                    interrupted = e
        if interrupted is not None:
            raise interrupted

    def _restore(self) -> None:
        signal.set_wakeup_fd(self._previous)

    def _stop_watcher(self) -> None:
        if self._write >= 0:
            os.close(self._write)
            self._write = -1
        self._watcher.join()
        if self._read >= 0:
            os.close(self._read)
            self._read = -1

    def _forget(self) -> None:
        lib.rnnwf_vmc_clear_cancel(self._handle)
