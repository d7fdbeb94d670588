"""Ownership of a C handle, and the rule every call on it follows.

A handle is freed by close(), by a ``with`` block, or by a finalizer when the Python object
is collected, whichever comes first (the finalizer runs at most once).

Every C call goes through ``call``, which holds a *use* of each handle it passes, as the C
header's thread-safety rule asks: functions taking a ``const`` handle (sample, log_psi,
local_energies, ...) take a shared use, so they run concurrently on the same handle; those
taking a mutable one (set_params, step, load, set_*, ...) take an exclusive use, so they
wait for running readers and readers wait for them. Waiting calls enter in the order they
came (readers next in line together), so neither a writer in a loop nor a stream of
readers keeps the other out for longer than the calls ahead of it. close() refuses new
calls at once, waits for the running ones to return, then frees the handle: a handle is
never freed under a call. A thread that calls back into a handle its own running call
holds in a conflicting way (a reduction hook that steps, closes or re-configures its Vmc)
gets ReentryError instead of a deadlock or a crash.

A call takes its handles one at a time in one global order, so two calls cannot wait on
each other; a reduction hook's calls break that order (they run inside a call that holds
its handles), so a read by a thread that already holds uses of other handles does not queue
behind waiting writers while the handle has only readers: it could otherwise wait for a
writer that waits for a reader that waits for this thread.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections import deque
from typing import Any, Callable, ContextManager, Iterable, Iterator, TypeVar

from ._constants import ERR_NULL_POINTER, ERR_UNSUPPORTED
from ._errors import Error, check, error, invalid, last_error
from ._native import ffi, lib

H = TypeVar("H", bound="Handle")


class ClosedError(Error, ValueError):
    """A call on a closed Model, Hamiltonian or Vmc (status ERR_NULL_POINTER: the C call
    would get a NULL handle). Also a ValueError, like I/O on a closed file."""


class ReentryError(Error, RuntimeError):
    """A call back into a handle that a running call of the same thread holds in a way the
    new call conflicts with, e.g. a reduction hook that closes, steps or re-configures its
    own Vmc, or samples the model being updated (status ERR_UNSUPPORTED). Also a
    RuntimeError."""


class _Ticket:
    """A call waiting for its use of a Handle (its place in the line)."""

    __slots__ = ("exclusive",)

    def __init__(self, exclusive: bool) -> None:
        self.exclusive = exclusive


class Handle:
    """Base of Model, Hamiltonian and Vmc: owns one C handle and counts its uses."""

    def __init__(self, handle: Any, free: Callable[[Any], None]) -> None:
        self._handle: Any = handle
        self._finalizer = weakref.finalize(self, free, handle)
        # Not at interpreter exit: a call interrupted by Ctrl-C may still be running on
        # its worker thread then, and the process's end frees the memory anyway.
        self._finalizer.atexit = False
        self._cond = threading.Condition(threading.Lock())
        self._shared = 0  # running calls with a shared use
        self._exclusive = False  # a running call with the exclusive use
        self._queue: deque[_Ticket] = deque()  # waiting uses, first come first served
        self._holders: dict[int, int] = {}  # thread id -> uses it holds (re-entry check)
        self._closing = False

    def _name(self) -> str:
        return type(self).__name__

    def _refuse_closed(self, what: str) -> None:
        raise ClosedError(ERR_NULL_POINTER, f"{what}this {self._name()} is closed")

    @property
    def closed(self) -> bool:
        """Whether close() has been called (the handle is freed once running calls return)."""
        return self._handle is None or self._closing

    def _check_reentry(self, exclusive: bool, what: str) -> bool:
        """Under the lock: whether this thread already holds a use (then a nested shared
        use is granted at once); raises ReentryError when the new use would conflict."""
        me = threading.get_ident()
        if me not in self._holders:
            return False
        if exclusive or self._exclusive:
            raise ReentryError(
                ERR_UNSUPPORTED,
                f"{what}this {self._name()} is in use by a call running on this thread (a "
                "reduction hook or callback calling back into its own step?); it cannot be "
                + ("closed" if what == "close: " else "changed" if exclusive else "read")
                + " until that call returns")
        return True

    def _acquire(self, exclusive: bool, what: str) -> None:
        me = threading.get_ident()
        holding = _uses_held() > 0  # of other handles: a use of this one is re-entry
        with self._cond:
            if self.closed:
                self._refuse_closed(what)
            if self._check_reentry(exclusive, what):
                # A nested read by a thread already in: at once, even past a queued writer,
                # which waits for this thread's outer use anyway (queueing would deadlock).
                self._shared += 1
            elif holding and not exclusive and not self._exclusive:
                # A read by a thread that holds other handles joins the running readers at
                # once, past queued writers: waiting behind a writer that waits for those
                # readers, while holding a handle one of them waits for (a reduction hook
                # reading it), would close a cycle. Writers still enter when the readers
                # are gone; only reads made while holding other handles overtake them.
                self._shared += 1
            else:
                ticket = _Ticket(exclusive)
                try:
                    self._queue.append(ticket)
                    while not self._may_enter(ticket):
                        self._cond.wait()
                        if self.closed:
                            self._refuse_closed(what)
                finally:
                    # Granted, refused or interrupted (Ctrl-C while waiting): out of the
                    # line either way, so the next in line is not blocked by a ghost.
                    if ticket in self._queue:
                        self._queue.remove(ticket)
                    self._cond.notify_all()
                if exclusive:
                    self._exclusive = True
                else:
                    self._shared += 1
            self._holders[me] = self._holders.get(me, 0) + 1
        _held.uses = _uses_held() + 1

    def _may_enter(self, ticket: "_Ticket") -> bool:
        """Under the lock: whether ``ticket``, first in line, may take its use now. Only the
        first in line enters, so a use never overtakes an earlier one: readers arriving
        behind a waiting writer wait for it, and a writer coming back from its own call
        queues behind the readers that waited for that call."""
        if self._queue[0] is not ticket or self._exclusive:
            return False
        return not (ticket.exclusive and self._shared)

    def _release(self, exclusive: bool) -> None:
        me = threading.get_ident()
        with self._cond:
            if exclusive:
                self._exclusive = False
            else:
                self._shared -= 1
            left = self._holders[me] - 1
            if left:
                self._holders[me] = left
            else:
                del self._holders[me]
            self._cond.notify_all()
        _held.uses -= 1

    def close(self) -> None:
        """Frees the C handle: new calls on this object raise ClosedError at once; calls
        running on other threads finish first (close waits for them). Idempotent. Closing
        from inside a call that uses the handle (a reduction hook closing its Vmc) raises
        ReentryError and leaves the handle open."""
        with self._cond:
            if self._handle is None:
                return
            self._check_reentry(True, "close: ")
            self._closing = True
            self._cond.notify_all()  # waiting calls give up
            while self._shared or self._exclusive:
                self._cond.wait()
            self._handle = None
        self._finalizer()

    # Copies would share the C handle, each with its own use counts: closing one would free
    # it under the other. A handle is copied on purpose (Model.clone) or not at all.
    def __copy__(self) -> Any:
        raise TypeError(f"a {self._name()} cannot be copied (it owns a C handle)")

    def __deepcopy__(self, memo: dict) -> Any:
        return self.__copy__()

    def __reduce__(self) -> Any:
        raise TypeError(f"a {self._name()} cannot be pickled (it owns a C handle)")

    def __enter__(self: H) -> H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Calls (n) and uses of handles (uses) the current thread holds: nested calls (from a
# hook) run inline, and reads while holding other handles do not queue behind writers.
_held = threading.local()


def _holding() -> int:
    return getattr(_held, "n", 0)


def _uses_held() -> int:
    """Uses of handles the current thread holds (in its calls, and by hand in tests)."""
    return getattr(_held, "uses", 0)


@contextlib.contextmanager
def held(*handles: Handle, what: str = "") -> Iterator[None]:
    """Shared uses of ``handles`` across several calls of this thread (each of which then
    nests its own use), so that no call needing an exclusive use, such as a setter on another
    thread, runs between them: for a C call whose buffer size another call reads first."""
    taken: list[Handle] = []
    try:
        for h in sorted(set(handles), key=id):  # the global order of _invoke
            h._acquire(False, what)
            taken.append(h)
        yield
    finally:
        for h in reversed(taken):
            h._release(False)


def _invoke(fn: str, args: tuple, write: Iterable[Handle], what: str,
            then: Callable[[int], None] | None = None,
            during: Callable[[], ContextManager[Any]] | None = None) -> tuple[int, str]:
    """Holds the uses, calls ``fn`` with each Handle in ``args`` replaced by its pointer,
    and returns the status with this thread's error message (rnnwf_last_error is per
    thread). ``during()``, if given, is a context entered around the C call, under the
    uses."""
    writers = {id(h) for h in write}
    handles = {id(a): a for a in args if isinstance(a, Handle)}
    for h in write:
        handles[id(h)] = h
    # One global order, so that two multi-handle calls cannot wait on each other.
    order = sorted(handles.values(), key=id)
    taken: list[Handle] = []
    _held.n = _holding() + 1
    try:
        for h in order:
            h._acquire(id(h) in writers, what)
            taken.append(h)
        c_args = [a._handle if isinstance(a, Handle) else a for a in args]
        with during() if during is not None else contextlib.nullcontext():
            status = getattr(lib, fn)(*c_args)
        if then is not None:
            then(status)  # still under the uses
        return status, (last_error() if status != 0 else "")
    finally:
        for h in reversed(taken):
            h._release(id(h) in writers)
        _held.n -= 1


def call(fn: str, *args: Any, write: Iterable[Handle] = (), what: str = "",
         raw: bool = False, interruptible: bool = False,
         then: Callable[[int], None] | None = None,
         during: Callable[[], ContextManager[Any]] | None = None) -> int:
    """Calls the C function named ``fn`` with ``args`` under the uses its handles need (those in
    ``write`` exclusive, the other Handle arguments shared), and raises its Error unless
    ``raw`` (then the status is returned; the message is this thread's last_error).
    ``then(status)`` runs right after the C call, while the uses are still held, and the
    context ``during()`` around it (e.g. a watcher that may cancel it).

    ``interruptible``: on the main thread, the call runs on a worker thread while the main
    thread waits, so Ctrl-C (KeyboardInterrupt) is raised at once instead of when the
    call returns; meant for calls on ``const`` handles only, which change nothing. The
    worker keeps its uses until the C call returns, so close() still waits for it."""
    write = tuple(write)
    what = what or f"{fn}: "
    if not (interruptible and not raw and _holding() == 0
            and threading.current_thread() is threading.main_thread()):
        status, message = _invoke(fn, args, write, what, then, during)
        if not raw and status != 0:
            raise error(status, message)
        return status
    # Conflicts with this thread's own uses are impossible here (it holds none).
    result: list[Any] = []

    def work() -> None:
        try:
            result.append(_invoke(fn, args, write, what, then, during))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            result.append(exc)

    worker = threading.Thread(target=work, name="rnnwf-call", daemon=True)
    worker.start()
    worker.join()  # interruptible on the main thread: KeyboardInterrupt leaves the worker be
    outcome = result[0]
    if isinstance(outcome, BaseException):
        raise outcome
    status, message = outcome
    if status != 0:
        raise error(status, message)
    return status


# Calls on at least this many site values (rows times sites) run on a worker thread so
# that Ctrl-C stops them at once; below it (about a millisecond), starting the thread
# (0.1 ms) would cost more than waiting for the call.
LONG_CALL_SITES = 1 << 15


def long_call(site_values: int) -> bool:
    """Whether a call on ``site_values`` site values is worth making interruptible."""
    return site_values >= LONG_CALL_SITES


def new_handle(ctype: str, make: str, *args: Any, interruptible: bool = False) -> Any:
    """Calls ``make(*args, &out)`` (under the uses of its Handle arguments) and returns
    ``out``, a ``ctype *``."""
    out = ffi.new(f"{ctype} **")
    call(make, *args, out, interruptible=interruptible)
    return out[0]


def c_string(value: Any, what: str, path: bool = False) -> bytes:
    """A str (or path) as a NUL-terminated C string; an embedded NUL, which C would read as
    the end of the string, is refused (ValueError)."""
    b = os.fsencode(value) if path else value.encode()
    if b"\0" in b:
        invalid(f"{what}: {value!r} contains a NUL character, which would end it early in C")
    return b


__all__ = ["ClosedError", "Handle", "ReentryError", "call", "c_string", "check", "new_handle"]
