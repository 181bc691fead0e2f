"""Runs cdc-agent processes the way a supervisor would: start, restart after
any exit that the harness did not cause, and keep every exit's status and
error line for the report."""

import os
import re
import signal
import subprocess
import time

ERROR_LINE = re.compile(r"cdc-agent: error: .*|^\S+ (error|critical) \[.*")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+ ")


class AgentProcess:
    def __init__(self, number, args, env, log_path):
        self.number = number
        self.log_path = log_path
        self.started = time.monotonic()
        self.expected_exit = False   # set before the harness stops it
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env,
                                         start_new_session=True)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def returncode(self):
        return self.proc.poll()

    def kill9(self):
        self.expected_exit = True
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.proc.wait()

    def terminate(self, timeout=20.0):
        """SIGTERM, then SIGKILL after timeout. True if it exited by itself."""
        self.expected_exit = True
        if not self.alive():
            return True
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait()
            return False

    def log_text(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def error_line(self):
        """The last fatal line, else the last error-level log line, else ''."""
        fatal, other = "", ""
        for line in self.log_text().splitlines():
            if "cdc-agent: error:" in line:
                fatal = line[line.index("cdc-agent: error:"):]
            elif ERROR_LINE.search(line):
                other = line
        return fatal or other

    def describe_exit(self):
        rc = self.returncode()
        if rc is None:
            return "running"
        return f"killed by signal {-rc}" if rc < 0 else f"exit {rc}"


class Supervisor:
    """Keeps one agent running; records exits the harness did not cause."""

    def __init__(self, agent_bin, config_path, env, log_dir, log):
        self.agent_bin = agent_bin
        self.config_path = str(config_path)
        self.env = env
        self.log_dir = log_dir
        self.log = log
        self.procs = []
        self.all = []
        self.unexpected = []      # (process, description, error line)
        self.auto_restart = True
        self.fast_failures = 0
        self.restart_at = 0.0
        self.starts = 0

    def start(self, config_path=None):
        """Starts an agent on the configuration (default: the supervisor's)."""
        self.starts += 1
        args = [self.agent_bin, "run", "--config", config_path or self.config_path]
        p = AgentProcess(self.starts, args, self.env,
                         os.path.join(self.log_dir, f"agent-{self.starts:03d}.log"))
        self.procs.append(p)
        self.all.append(p)
        return p

    def current(self):
        """The newest running agent, or None."""
        alive = [p for p in self.procs if p.alive()]
        return alive[-1] if alive else None

    def tick(self):
        """Notes exits; starts a new agent when none runs (with a growing pause
        after agents that fail right after starting)."""
        for p in list(self.procs):
            if p.alive():
                continue
            self.procs.remove(p)
            if not p.expected_exit:
                line = p.error_line()
                self.unexpected.append((p, p.describe_exit(), line))
                self.log(f"agent run {p.number} (pid {p.pid}) ended: {p.describe_exit()}"
                         + (f": {line}" if line else ""))
                quick = time.monotonic() - p.started < 5.0
                self.fast_failures = self.fast_failures + 1 if quick else 0
                pause = min(8.0, 0.5 * (2 ** self.fast_failures)) if quick else 0.5
                self.restart_at = time.monotonic() + pause
        if self.auto_restart and not self.procs and time.monotonic() >= self.restart_at:
            self.start()

    def wait(self, seconds, until=None):
        """Supervises for `seconds`, or until until() is true; returns whether it was."""
        deadline = time.monotonic() + seconds
        while True:
            self.tick()
            if until is not None and until():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def wait_running(self, seconds=30.0):
        self.wait(seconds, until=lambda: self.current() is not None)
        return self.current()

    def kill_all(self):
        for p in list(self.procs):
            p.kill9()
        self.tick_quietly()

    def stop_all(self, timeout=20.0):
        """SIGTERM every agent; returns [(process, clean)]."""
        out = []
        for p in list(self.procs):
            clean = p.terminate(timeout)
            out.append((p, clean))
        self.tick_quietly()
        return out

    def tick_quietly(self):
        self.procs = [p for p in self.procs if p.alive()]


def error_summary(processes, limit=12):
    """Distinct error lines of all agent logs, with their counts, most frequent first."""
    counts = {}
    for p in processes:
        for line in p.log_text().splitlines():
            if ERROR_LINE.search(line):
                text = TIMESTAMP.sub("", line).strip()
                counts[text] = counts.get(text, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    return ranked[:limit], len(ranked)
