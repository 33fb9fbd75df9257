"""tools/engine/language_host/processes.py: children tracked, streamed in order, stopped (SIGINT, then SIGKILL)."""

import subprocess
import sys
import time

from tools.engine.language_host.processes import Children, pump_pipes, stop_process, stream_process

PY = sys.executable


def test_children_are_tracked_until_waited_and_stop_all_stops_them():
    sleeper = Children.popen([PY, "-c", "import time; time.sleep(60)"])
    assert sleeper in Children._running
    started = time.monotonic()
    Children.stop_all()
    assert sleeper.poll() is not None and time.monotonic() - started < 10
    assert Children.wait(sleeper) != 0
    assert sleeper not in Children._running


def test_stop_process_sends_sigint_then_kills_what_ignores_it():
    polite = subprocess.Popen([PY, "-c", "import time\ntry:\n    print('ready', flush=True)\n    time.sleep(60)\n"
                               "except KeyboardInterrupt:\n    pass"], stdout=subprocess.PIPE, text=True)
    # Running our code means the interpreter has installed its SIGINT handler (KeyboardInterrupt) already.
    assert polite.stdout.readline() == "ready\n"
    stop_process(polite)
    assert polite.returncode == 0
    stubborn = subprocess.Popen([PY, "-c", "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                 "print('ready', flush=True)\ntime.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert stubborn.stdout.readline() == "ready\n"
    stop_process(stubborn)  # SIGINT ignored: killed after 5 s (reaped by whoever waits, as Children.wait does)
    assert stubborn.wait(timeout=5) == -9
    stop_process(stubborn)  # already gone: nothing to do


def test_output_is_pumped_and_streamed_as_it_arrives():
    script = "import sys\nsys.stdout.write('a'); sys.stdout.flush()\nsys.stderr.write('b'); sys.stderr.flush()"
    out, err = [], []
    proc = subprocess.Popen([PY, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pump_pipes(proc, out.append, err.append)
    assert (b"".join(out), b"".join(err), proc.wait()) == (b"a", b"b", 0)

    proc = subprocess.Popen([PY, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    messages = list(stream_process(proc, lambda **kw: kw))
    assert sorted(messages, key=str) == [{"stderr": b"b"}, {"stdout": b"a"}]
