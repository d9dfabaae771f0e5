"""Running bench tasks on a `concurrent.futures` executor, with failure isolation and caching.

`run_task` is the function shipped to workers: it never raises (a failure becomes a record with
verdict "failed" and the reason). Errors of the executor itself (a worker process that died, a
task the cluster lost) become "failed" records too, marked transient so that the next run
retries them. Executors: inline (`workers=1`), local processes (default), or a Dask cluster.
"""

from __future__ import annotations

import os
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ..errors import QuantcorrError
from ..jsonio import to_jsonable
from .cache import ResultsCache
from .suites import Task


class SchedulerError(QuantcorrError):
    """The Dask scheduler cannot be used (dask missing, address unreachable)."""


RESULT_FIELDS = ("verdict", "rigor", "value", "quantities", "message")
THRESHOLD_FIELDS = ("estimate", "lower", "upper", "lower_rigor", "upper_rigor", "method", "table", "quantities",
                    "message")


def _base(task: Task) -> dict[str, Any]:
    e = task.entry
    return {"key": task.key, "kind": task.kind, "problem": e.problem.name, "solver": e.solver, "v": task.v,
            "options": to_jsonable(e.options.to_dict())}


def failed_record(task: Task, message: str, wall_time_s: float = 0.0, transient: bool = False) -> dict[str, Any]:
    """The record of a task that did not produce a result."""
    rec = {**_base(task), "verdict": "failed", "status": "failed", "message": message, "wall_time_s": wall_time_s}
    return {**rec, "transient": True} if transient else rec


def run_task(task: Task) -> dict[str, Any]:
    """Run one task (in whatever process the executor chose) and return its JSON record."""
    start = time.perf_counter()
    e = task.entry
    try:
        certifier = e.certifier()
        if task.kind == "cell":
            res = certifier.certify(e.problem.target_at(task.v), e.options)
            rec = res.to_json()
            rec = {k: rec[k] for k in RESULT_FIELDS}
            rec["status"] = "failed" if res.verdict.value == "failed" else "ok"
            rec["wall_time_s"] = res.wall_time_s
        else:
            from ..threads import thread_limit

            family, measurements = e.problem.threshold_args()
            with thread_limit():
                thr = certifier.critical_visibility(family, measurements, e.options)
            rec = {k: to_jsonable(getattr(thr, k)) for k in THRESHOLD_FIELDS}
            rec["status"] = "ok"
            rec["wall_time_s"] = thr.wall_time_s or time.perf_counter() - start
    except (Exception, SystemExit) as exc:  # anything a solver raises (sys.exit too), in certify or elsewhere
        return failed_record(task, f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
    return {**_base(task), **rec}


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (`--workers 1`)."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:
            fut.set_exception(exc)
        return fut


def _init_worker(parent: int, threads: int) -> None:
    """Worker initializer: share the CPUs between workers (OMP/MKL/OpenBLAS threads, unless the
    user set them) and exit when the bench process dies, even by SIGKILL."""
    import threading

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class ProcessPool(Executor):
    """Local worker processes with at most `workers` tasks in flight. When a worker process
    dies, the tasks in flight fail and a fresh pool runs the others."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        return ProcessPoolExecutor(self.workers, initializer=_init_worker, initargs=(os.getpid(), threads))

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        return self._pool.submit(fn, *args, **kwargs)

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new()

    def kill(self) -> None:
        """Kill the worker processes (a task that hangs) and start a fresh pool."""
        for proc in list(getattr(self._pool, "_processes", {}).values()):
            proc.kill()
        self.restart()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


@contextmanager
def make_executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[Executor]:
    """An executor for bench tasks: a Dask cluster at `scheduler`, inline for `workers=1`,
    else local processes (`workers`, default: the CPU count)."""
    if scheduler:
        try:
            from dask.distributed import Client
        except ImportError:
            raise SchedulerError("--scheduler needs dask.distributed: pip install 'quantcorr[dask]'") from None
        try:
            client = Client(scheduler, timeout=30)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        with client:
            yield client.get_executor()
        return
    if workers == 1:
        yield InlineExecutor()
        return
    pool = ProcessPool(workers or os.cpu_count() or 1)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _submit(executor: Executor, task: Task) -> Future:
    """Submit one task; a submission error (e.g. a task that cannot be serialised for a cluster)
    comes back as a failed future."""
    try:
        return executor.submit(run_task, task)
    except Exception as exc:
        fut: Future = Future()
        fut.set_exception(exc)
        return fut


class TaskTimeout(Exception):
    """A task ran longer than the bench's --timeout."""


def _timed_out(seconds: float) -> Future:
    fut: Future = Future()
    fut.set_exception(TaskTimeout(f"stopped after the time limit of {seconds:g} s (--timeout)"))
    return fut


def _run_inline(executor: Executor, task: Task, timeout: float | None) -> Future:
    """Run one task in this process, stopped by SIGALRM after `timeout` seconds (main thread
    on Unix; elsewhere without a limit)."""
    import signal
    import threading

    if not timeout or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return executor.submit(run_task, task)

    def alarm(signum, frame):
        raise _Alarm()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return executor.submit(run_task, task)
    except _Alarm:
        return _timed_out(timeout)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class _Alarm(BaseException):
    """Raised by SIGALRM inside an inline task (a BaseException, so solvers cannot swallow it)."""


def _completed(executor: Executor, tasks: list[Task], timeout: float | None = None) -> Iterator[tuple[Task, Future]]:
    """(task, finished future) pairs in completion order. Inline tasks run one at a time, so
    each is cached before the next starts; a `ProcessPool` gets at most `workers` at a time and
    is restarted when a worker dies; other executors (Dask) get every task at once. A task
    running longer than `timeout` seconds comes back as a TaskTimeout failure; in a process
    pool its worker processes are killed and the other tasks in flight are resubmitted."""
    if isinstance(executor, InlineExecutor):
        for t in tasks:
            yield t, _run_inline(executor, t, timeout)
        return
    window = executor.workers if isinstance(executor, ProcessPool) else len(tasks)
    todo = deque(tasks)
    running: dict[Future, Task] = {}
    started: dict[Future, float] = {}
    try:
        while todo or running:
            while todo and len(running) < window:
                t = todo.popleft()
                fut = _submit(executor, t)
                running[fut], started[fut] = t, time.monotonic()
            wait_for = None
            if timeout:
                wait_for = max(0.05, min(started[f] for f in running) + timeout - time.monotonic())
            done, _ = wait(running, timeout=wait_for, return_when=FIRST_COMPLETED)
            if not done and timeout:
                now = time.monotonic()
                overdue = [f for f in running if now - started[f] >= timeout]
                for f in overdue:
                    started.pop(f)
                    yield running.pop(f), _timed_out(timeout)
                if isinstance(executor, ProcessPool) and overdue:
                    innocent = list(running.values())
                    running.clear()
                    started.clear()
                    executor.kill()
                    todo.extendleft(reversed(innocent))
                else:
                    for f in overdue:
                        f.cancel()
                continue
            if isinstance(executor, ProcessPool) and any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                done, _ = wait(running)  # every task in flight fails with the pool
                executor.restart()
            for fut in done:
                started.pop(fut, None)
                yield running.pop(fut), fut
    finally:
        for fut in running:
            fut.cancel()


def run_tasks(tasks: list[Task], cache: ResultsCache, executor: Executor,
              on_done: Callable[[dict[str, Any]], None] | None = None,
              timeout: float | None = None) -> dict[str, dict[str, Any]]:
    """Run the tasks missing from `cache`, storing each record as it finishes; return the
    records of all `tasks` by key (cached ones included). Timed-out tasks are recorded as
    failed but not cached (transient), so a later run with a longer --timeout retries them."""
    records = {t.key: cache.get(t.key) for t in tasks if t.key in cache}
    for task, fut in _completed(executor, [t for t in tasks if t.key not in cache], timeout):
        try:
            rec = fut.result()
        except TaskTimeout as exc:
            rec = failed_record(task, str(exc), transient=True)
        except BrokenProcessPool:
            rec = failed_record(task, "worker process died while this task ran (this task or one running "
                                "beside it crashed the process)", transient=True)
        except Exception as exc:  # the executor failed (cluster error, serialisation), not the solver
            rec = failed_record(task, f"executor error {type(exc).__name__}: {exc}", transient=True)
        cache.put(rec)
        records[task.key] = rec
        if on_done:
            on_done(rec)
    return records
