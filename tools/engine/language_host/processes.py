"""Child processes (programs, plugins, pip): started, tracked for shutdown, streamed, stopped."""

import os
import queue
import signal
import subprocess
import threading
from typing import Iterator


class Children:
    """Processes we started (programs, plugins, pip), so shutdown can stop them too."""

    _lock = threading.Lock()
    _running: set = set()

    @classmethod
    def popen(cls, command: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(command, **kwargs)
        with cls._lock:
            cls._running.add(proc)
        return proc

    @classmethod
    def wait(cls, proc: subprocess.Popen) -> int:
        try:
            return proc.wait()
        finally:
            with cls._lock:
                cls._running.discard(proc)

    @classmethod
    def stop_all(cls) -> None:
        with cls._lock:
            running = list(cls._running)
        threads = [threading.Thread(target=stop_process, args=(p,)) for p in running]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def pump_pipes(proc: subprocess.Popen, on_stdout, on_stderr) -> None:
    """Forward a child's stdout/stderr chunks as they arrive, until both pipes close."""

    def pump(pipe, sink):
        for chunk in iter(lambda: os.read(pipe.fileno(), 65536), b""):
            sink(chunk)
        pipe.close()

    threads = [
        threading.Thread(target=pump, args=(proc.stdout, on_stdout), daemon=True),
        threading.Thread(target=pump, args=(proc.stderr, on_stderr), daemon=True),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def stream_process(proc: subprocess.Popen, make_message) -> Iterator:
    """Yield make_message(stdout=..)/make_message(stderr=..) for a child's output, in arrival order."""
    chunks: "queue.Queue" = queue.Queue()
    pumper = threading.Thread(
        target=lambda: (
            pump_pipes(proc, lambda b: chunks.put(("stdout", b)), lambda b: chunks.put(("stderr", b))),
            chunks.put(None),
        ),
        daemon=True,
    )
    pumper.start()
    while (item := chunks.get()) is not None:
        yield make_message(**{item[0]: item[1]})


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
