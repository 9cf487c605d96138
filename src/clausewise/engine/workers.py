"""Worker processes: both cores, and hard time and memory limits per evaluation.

clingo cannot be interrupted while it grounds, and a Python thread cannot be stopped, so an
evaluation with a limit (or with more than one worker) runs its chunks of entities in forked
child processes. The parent waits with a deadline and kills the workers when it passes; each
worker caps its own address space (``RLIMIT_AS``) so that an evaluation that needs more memory
fails in that worker instead of taking the machine down. Either way the caller gets a
:class:`LimitExceeded` naming the limit, never a hang.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import time
import traceback
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterator, Sequence, TypeVar, cast

from clausewise.language.diagnostics import ClausewiseError

T = TypeVar("T")
#: The work of one evaluation, set in the parent just before forking; workers inherit it.
_WORK: Callable[[int], Any] | None = None


class LimitExceeded(ClausewiseError):
    """An evaluation reached its time or memory limit."""


def _vm_size() -> int:
    """The current virtual memory size of this process in bytes (0 if unknown)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _worker(items: Sequence[int], out: Connection, memory_limit: int | None) -> None:
    if memory_limit is not None:
        ceiling = _vm_size() + memory_limit
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    try:
        assert _WORK is not None
        for index in items:
            out.send(("item", index, _WORK(index)))
        out.send(("done", None, None))
    except MemoryError:
        out.send(("memory", None, None))
    except RuntimeError as err:
        if "bad_alloc" in str(err):  # clingo's C++ allocation failure
            out.send(("memory", None, None))
        else:
            out.send(("bug", None, traceback.format_exc()))
    except ClausewiseError as err:
        out.send(("user", None, err.diagnostics))
    except BaseException:  # an engine bug: carry the traceback to the parent
        out.send(("bug", None, traceback.format_exc()))
    finally:
        out.close()


def _limit_error(what: str, hint: str) -> LimitExceeded:
    return LimitExceeded(ClausewiseError.simple("<evaluation>", what, hint).diagnostics)


def run_chunks(work: Callable[[int], Any], count: int, workers: int = 1, time_limit: float | None = None,
               memory_limit: int | None = None, smaller: str = "") -> list[Any]:
    """``[work(0), ..., work(count - 1)]`` computed in ``workers`` child processes, within the limits.

    ``time_limit`` is in seconds for the whole call; ``memory_limit`` is in bytes, the memory
    each worker may allocate beyond what it inherited from the parent. ``smaller``: how the
    command can be given less to do, which the hint of a limit reached offers besides raising it
    (empty: the limit alone).
    """
    return list(iter_chunks(work, count, workers, time_limit, memory_limit, smaller))


def run_limited(fn: Callable[[], T], time_limit: float | None = None, memory_limit: int | None = None) -> T:
    """``fn()`` within the limits: in one child process when a limit is given, else here.
    The analysis commands (what-if) run their whole search this way; ``fn``'s result must pickle."""
    if time_limit is None and memory_limit is None:
        return fn()
    return run_chunks(lambda _: fn(), 1, 1, time_limit, memory_limit)[0]


def iter_chunks(work: Callable[[int], Any], count: int, workers: int = 1, time_limit: float | None = None,
                memory_limit: int | None = None, smaller: str = "") -> Iterator[Any]:
    """Like :func:`run_chunks`, but yields ``work(0)``, ``work(1)``, ... in order as soon as each is ready.

    Worker ``w`` computes items ``w``, ``w + workers``, ... in that order, so only the results that
    arrive ahead of their turn are held in memory.
    """
    global _WORK
    ctx = mp.get_context("fork")
    workers = max(1, min(workers, count)) if count else 1
    deadline = time.monotonic() + time_limit if time_limit is not None else None
    results: dict[int, Any] = {}
    next_index = 0
    processes: list[mp.process.BaseProcess] = []
    pending: dict[Connection, mp.process.BaseProcess] = {}
    _WORK = work
    try:
        for w in range(workers):
            items = list(range(w, count, workers))
            receive, send = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_worker, args=(items, send, memory_limit), daemon=True)
            process.start()
            send.close()
            processes.append(process)
            pending[receive] = process
        while pending:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = wait(list(pending), timeout)
            if not ready:
                raise _limit_error(f"the evaluation did not finish within the time limit of {time_limit:g} s",
                                   _hint("--time-limit", smaller))
            for ready_one in ready:
                conn = cast(Connection, ready_one)  # wait() was given the pipes' receiving ends only
                try:
                    kind, index, payload = conn.recv()
                except EOFError:
                    stopped = pending.pop(conn)
                    stopped.join()
                    if stopped.exitcode not in (0, None) and memory_limit is not None:
                        raise _limit_error(_memory_message(memory_limit), _hint("--memory-limit", smaller)) from None
                    raise RuntimeError(f"an evaluation worker stopped unexpectedly (exit code {stopped.exitcode})") from None
                if kind == "item":
                    results[index] = payload
                    while next_index in results:
                        yield results.pop(next_index)
                        next_index += 1
                elif kind == "done":
                    pending.pop(conn)
                elif kind == "memory":
                    raise _limit_error(_memory_message(memory_limit or 0), _hint("--memory-limit", smaller))
                elif kind == "user":
                    raise ClausewiseError(payload)
                else:
                    raise RuntimeError(f"an evaluation worker failed:\n{payload}")
    finally:
        _WORK = None
        for started in processes:
            if started.is_alive():
                started.kill()
            started.join()
    while next_index in results:  # defensive: every item has been yielded above
        yield results.pop(next_index)
        next_index += 1


def _memory_message(limit: int) -> str:
    return f"the evaluation needed more memory than the limit of {limit / 2**20:g} MiB"


def _hint(limit: str, smaller: str) -> str:
    """The hint of a limit reached: raise it, or (when the command can be given less) do less."""
    return f"raise {limit}, or {smaller}" if smaller else f"raise {limit}"


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
