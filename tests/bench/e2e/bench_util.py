"""Small helpers of the end-to-end benchmark: messages, errors, commands with
timeouts, and the processes the benchmark starts (agents, Debezium Server),
with a /proc sampler of their CPU time and memory."""

import os
import signal
import subprocess
import sys
import threading
import time

PROG = "bench"
# PIDs of the database and Kafka servers (deploy/local/bench passes them):
# their CPU time counts as the benchmark's own, not as other work.
SERVER_PIDS = []


class BenchError(Exception):
    """A failure that ends the run with one line on stderr."""


def log(message):
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def first_line(text, limit=300):
    """The first non-empty line of text, shortened, for one-line errors."""
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[:limit] + "..."
    return ""


def last_error_line(text, limit=300):
    """The last line that looks like an error, else the last non-empty line."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    for line in reversed(lines):
        low = line.lower()
        if "error" in low or "fatal" in low or "exception" in low:
            return line if len(line) <= limit else line[:limit] + "..."
    if lines:
        return lines[-1] if len(lines[-1]) <= limit else lines[-1][:limit] + "..."
    return ""


def run(args, what, timeout, input_text=None, env=None, check=True):
    """Runs a command to its end (at most `timeout` seconds) and returns its
    CompletedProcess; a failure or a timeout is a BenchError naming `what`."""
    try:
        result = subprocess.run(args, input=input_text, capture_output=True, text=True,
                                timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{what}: no result after {timeout:.0f} s") from None
    except FileNotFoundError:
        raise BenchError(f"{what}: {args[0]} not found; run deploy/local/install-packages") from None
    except OSError as e:
        raise BenchError(f"{what}: cannot run {args[0]}: {e.strerror}") from None
    if check and result.returncode != 0:
        detail = first_line(result.stderr) or first_line(result.stdout) or f"exit {result.returncode}"
        raise BenchError(f"{what}: {detail}")
    return result


def wait_until(predicate, timeout, what, interval=0.1, alive=None):
    """Calls predicate() until it returns a true value, which is returned.
    Fails after `timeout` seconds with a message naming `what`; alive(), when
    given, is called each round and may raise to end the wait early."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if alive is not None:
            alive()
        if time.monotonic() >= deadline:
            raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def _children(pid):
    out = []
    tasks = f"/proc/{pid}/task"
    try:
        tids = os.listdir(tasks)
    except OSError:
        return out
    for tid in tids:
        text = _read(f"{tasks}/{tid}/children")
        if text:
            out.extend(int(x) for x in text.split())
    return out


def process_tree(pid):
    """pid and all its descendants that are alive now."""
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in tree:
            continue
        tree.append(p)
        todo.extend(_children(p))
    return tree


def _cpu_ticks(pid):
    """utime + stime + cutime + cstime of one process (its threads and its
    reaped children included), or None when it is gone."""
    text = _read(f"/proc/{pid}/stat")
    if not text:
        return None
    fields = text[text.rfind(")") + 2:].split()
    # After the command: state is field 3 of stat, so utime (14) is index 11.
    return sum(int(x) for x in fields[11:15])


def _status_kb(pid, key):
    text = _read(f"/proc/{pid}/status")
    if not text:
        return None
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


def machine_cpu():
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat: busy is
    user, nice, system, irq and softirq time; total adds idle, iowait and
    the time the hypervisor gave to other machines (steal)."""
    text = _read("/proc/stat") or ""
    for line in text.splitlines():
        if line.startswith("cpu "):
            v = [int(x) for x in line.split()[1:9]] + [0] * 8
            busy = v[0] + v[1] + v[2] + v[5] + v[6]
            return busy, busy + v[3] + v[4] + v[7]
    return 0, 0


def tree_ticks(pids):
    """CPU clock ticks of the process trees of `pids` (each process with its
    reaped children), counted once each."""
    seen, ticks = set(), 0
    for pid in pids:
        for p in process_tree(pid):
            if p in seen:
                continue
            seen.add(p)
            t = _cpu_ticks(p)
            if t is not None:
                ticks += t
    return ticks


class CpuWindow:
    """The machine's CPU over a stretch of time: the share that was busy,
    and the share used by processes other than the benchmark's own (its
    process tree, which holds the readers and writers it started, and the
    trees of the database and Kafka servers it measures)."""

    def __init__(self):
        self.own_pids = [os.getpid()] + list(SERVER_PIDS)
        self.start = self._read()

    def _read(self):
        busy, total = machine_cpu()
        return busy, total, tree_ticks(self.own_pids)

    def shares(self):
        """(busy share, other work's share) since the window began."""
        busy, total, own = self._read()
        d_busy, d_total, d_own = busy - self.start[0], total - self.start[1], own - self.start[2]
        if d_total <= 0:
            return float("nan"), float("nan")
        return d_busy / d_total, max(0, d_busy - d_own) / d_total


class Sampler(threading.Thread):
    """Samples a process tree every `interval` seconds: the CPU seconds of
    the tree, the sum of its VmRSS (the peak of that sum is kept) and the
    main process's VmHWM (exact peak RSS of that process)."""

    def __init__(self, pid, interval=0.2):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.cpu_s = 0.0
        self.rss_kb = 0
        self.peak_tree_rss_kb = 0
        self.hwm_kb = 0
        self.sample()

    def sample(self):
        tree = process_tree(self.pid)
        ticks, rss = 0, 0
        for p in tree:
            t = _cpu_ticks(p)
            if t is not None:
                ticks += t
            r = _status_kb(p, "VmRSS")
            if r is not None:
                rss += r
        hwm = _status_kb(self.pid, "VmHWM")
        with self.lock:
            if ticks:
                self.cpu_s = max(self.cpu_s, ticks / _CLOCK_TICKS)
            if rss:
                self.rss_kb = rss
                self.peak_tree_rss_kb = max(self.peak_tree_rss_kb, rss)
            if hwm:
                self.hwm_kb = max(self.hwm_kb, hwm)
        return self.cpu_s

    def run(self):
        while not self.stopped.wait(self.interval):
            self.sample()

    def cpu_now(self):
        """The tree's CPU seconds, sampled now."""
        return self.sample()

    def stop(self):
        self.stopped.set()


class Proc:
    """A process the benchmark started, in its own session, its output in a
    log file. Every Proc is stopped at the end of the run if still alive."""

    running = []

    def __init__(self, name, args, log_path, env=None, cwd=None):
        self.name = name
        self.log_path = log_path
        self.started_wall = time.time()
        self.started = time.monotonic()
        with open(log_path, "wb") as out:
            try:
                self.popen = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                              start_new_session=True)
            except OSError as e:
                raise BenchError(f"cannot start {name} ({args[0]}): {e.strerror}") from None
        self.pid = self.popen.pid
        Proc.running.append(self)
        self.sampler = Sampler(self.pid)
        self.sampler.start()

    def alive(self):
        return self.popen.poll() is None

    def log_text(self):
        return _read(self.log_path) or ""

    def check_alive(self):
        """Raises a BenchError with the process's last error line if it ended."""
        if not self.alive():
            rc = self.popen.returncode
            how = f"killed by signal {-rc}" if rc < 0 else f"exit {rc}"
            line = last_error_line(self.log_text())
            raise BenchError(f"{self.name} ended ({how})" + (f": {line}" if line else "")
                             + f"; log: {self.log_path}")

    def stop(self, timeout=30.0):
        """SIGTERM to this process alone, SIGKILL after `timeout` seconds;
        returns its exit status."""
        self.sampler.stop()
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} (pid {self.pid}) did not stop within {timeout:.0f} s; killing it")
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=30)
        if self in Proc.running:
            Proc.running.remove(self)
        return self.popen.returncode

    @classmethod
    def stop_all(cls):
        for p in list(cls.running):
            p.stop(timeout=20.0)
