"""`jishi serve` keeps its worker running: an exited worker is reaped and restarted, with backoff."""

from __future__ import annotations

import os
import subprocess
import sys

from jishi.core.worker import SupervisedProcess, backoff

EXITS_AT_ONCE = [sys.executable, "-c", "raise SystemExit(3)"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _exits(process: subprocess.Popen[bytes]) -> None:
    """Wait until the child has exited, leaving it unreaped (a zombie) for the supervisor to collect."""
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # no such child any more: its status was collected, no zombie is left
        return True
    return False


def test_backoff_doubles_up_to_its_cap() -> None:
    delays = backoff(0.5, 30)
    assert [next(delays) for _ in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_an_exited_worker_is_reaped_and_restarted_after_a_growing_delay() -> None:
    clock = Clock()
    lines: list[str] = []
    worker = SupervisedProcess(EXITS_AT_ONCE, name="worker", clock=clock, log=lines.append)
    worker.start()
    try:
        first = worker.process
        assert first is not None
        _exits(first)
        worker.check()
        assert worker.process is first and worker.restarts == 0  # waits 1 s before the first restart
        assert _reaped(first.pid)
        assert lines == ["worker exited with status 3; restarting it in 1 s"]
        clock.now += 1
        worker.check()
        second = worker.process
        assert second is not first and worker.restarts == 1
        assert second is not None
        _exits(second)
        worker.check()
        clock.now += 1.5
        worker.check()
        assert worker.process is second, "the second restart waits 2 s, not 1 s: no hot loop"
        clock.now += 0.5
        worker.check()
        assert worker.process is not second and worker.restarts == 2
        assert _reaped(second.pid)
    finally:
        worker.stop()


def test_a_worker_that_ran_for_a_while_is_restarted_after_the_shortest_delay() -> None:
    clock = Clock()
    worker = SupervisedProcess(EXITS_AT_ONCE, name="worker", clock=clock, log=lambda line: None)
    worker.delays = backoff(32, 60)  # as after several quick failures
    worker.start()
    try:
        assert worker.process is not None
        _exits(worker.process)
        clock.now += SupervisedProcess.HEALTHY_AFTER
        worker.check()
        assert worker.restart_at == clock.now + SupervisedProcess.RESTART_FIRST
    finally:
        worker.stop()


def test_stop_terminates_and_reaps_a_running_worker() -> None:
    worker = SupervisedProcess([sys.executable, "-c", "import time; time.sleep(60)"], name="worker")
    worker.start()
    process = worker.process
    assert process is not None
    worker.stop()
    assert process.returncode is not None and _reaped(process.pid)
    worker.check()  # stopped: nothing is restarted
    assert worker.process is None
