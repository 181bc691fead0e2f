"""Steady-state steps: the paced writer commits at a fixed rate for a while,
the agent runs (kafka.format json, exactly-once), and each change's latency
is the Kafka append time of its event (the topic has LogAppendTime) minus
the wall-clock time at which the writer's COMMIT returned. The events are
read back after the writer stops, so the reader takes no CPU from the agent
while it is measured."""

import math
import threading
from dataclasses import dataclass

from bench_db import LATENCY_TXN_ROWS, parse_commits
from bench_util import BenchError, CpuWindow, first_line, log

OPS = {b"insert": "I", b"update": "U", b"delete": "D"}
ID_BLOCK = 10 ** 9     # ids of one writer of one step: base + [0, 10^9)
STEP_BLOCK = 10 ** 10  # ids of one step
# A step whose writers commit less than this share of its rate ends the
# steps: the database, not the agent, is the limit from there on.
WRITER_SHORTFALL = 0.9


@dataclass
class Step:
    target: int
    seconds: float
    writers: int
    changes: int = 0
    achieved: float = 0.0
    delivered: int = 0
    expected_records: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    cpu_per_million: float = 0.0
    machine_busy: float = 0.0
    other_load: float = 0.0
    unmatched: int = 0
    verdict: str = ""
    ok: bool = False

    def as_dict(self):
        return dict(self.__dict__)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def run_writers(source, step_index, rate, seconds, writers):
    """Runs `writers` paced writer sessions at rate/writers each; returns
    {(op, first id): commit µs}."""
    per_writer = max(2, round(rate / writers * seconds / LATENCY_TXN_ROWS))
    sessions = []
    for w in range(writers):
        base = (step_index + 1) * STEP_BLOCK + w * ID_BLOCK
        sessions.append(source.paced_writer(base, rate / writers, per_writer))
    outputs = [None] * writers
    errors = []

    def drive(i, proc, sql):
        try:
            out, err = proc.communicate(sql, timeout=seconds * 3 + 120)
        except Exception as e:  # a timeout or a broken pipe: reported below
            proc.kill()
            proc.communicate()
            errors.append(f"writer {i}: {type(e).__name__}")
            return
        if proc.returncode != 0:
            errors.append(f"writer {i}: {first_line(err) or 'exit ' + str(proc.returncode)}")
        outputs[i] = out

    threads = [threading.Thread(target=drive, args=(i, p, sql), daemon=True)
               for i, (p, sql) in enumerate(sessions)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        # After an interruption: the clients go now; the database's cleanup
        # ends their sessions.
        for proc, _ in sessions:
            if proc.poll() is None:
                proc.kill()
    if errors:
        raise BenchError(f"paced writer failed: {errors[0]}")
    commits = {}
    for out in outputs:
        commits.update(parse_commits(out or ""))
    if len(commits) != per_writer * writers:
        raise BenchError(f"the paced writers reported {len(commits)} commits, "
                         f"expected {per_writer * writers}")
    return commits


def run_step(source, kafka, proc, topic, key_id, step_index, rate, seconds, writers, start_offset,
             series_path=None):
    """One step; returns (Step, the topic offset after it). With
    series_path, writes each matched event there as a CSV line: the commit
    time and the Kafka append time (ms since the epoch) and the offset."""
    step = Step(target=rate, seconds=seconds, writers=writers)
    cpu_before = proc.sampler.cpu_now()
    window = CpuWindow()
    commits = run_writers(source, step_index, rate, seconds, writers)
    step.machine_busy, step.other_load = window.shares()
    proc.check_alive()
    deletes = sum(1 for (op, _) in commits if op == "D")
    step.changes = len(commits) * LATENCY_TXN_ROWS
    # Each writer's first commit marks its start: the rate of the rest.
    span = (max(commits.values()) - min(commits.values())) / 1e6
    step.achieved = (step.changes - writers * LATENCY_TXN_ROWS) / span if span > 0 else 0.0
    step.expected_records = step.changes + deletes * LATENCY_TXN_ROWS
    latencies = []
    series = []
    unmatched = [0]

    def on_message(m):
        if m.value() is None:
            return
        op = None
        for name, value in m.headers() or ():
            if name == "cdc-op":
                op = OPS.get(value)
                break
        row_id = key_id(m.key())
        if op is None or row_id is None:
            unmatched[0] += 1
            return
        block = row_id - row_id % ID_BLOCK
        first = block + (row_id - block) // LATENCY_TXN_ROWS * LATENCY_TXN_ROWS
        committed = commits.get((op, first))
        if committed is None:
            unmatched[0] += 1
            return
        latencies.append(m.timestamp()[1] - committed / 1000.0)
        if series_path:
            series.append((committed / 1000.0, m.timestamp()[1], m.offset()))

    catch_up = max(30.0, seconds)
    scan = kafka.read(topic, start=start_offset, handler=on_message,
                      expect=step.expected_records, timeout=catch_up, idle=True)
    step.delivered = scan.records
    step.unmatched = unmatched[0]
    step.cpu_per_million = (proc.sampler.cpu_now() - cpu_before) * 1e6 / step.changes
    if series_path:
        series.sort()
        with open(series_path, "w", encoding="utf-8") as f:
            f.write("commit_ms,append_ms,offset\n")
            for committed, appended, offset in series:
                f.write(f"{committed:.3f},{appended},{offset}\n")
    latencies.sort()
    step.p50_ms = percentile(latencies, 50)
    step.p99_ms = percentile(latencies, 99)
    step.max_ms = latencies[-1] if latencies else float("nan")
    problems = []
    if scan.records < step.expected_records:
        problems.append(f"behind: {scan.records} of {step.expected_records} records in Kafka, "
                        f"none more for {catch_up:.0f} s")
    if step.unmatched:
        problems.append(f"{step.unmatched} events not matched to a commit")
    if step.p99_ms >= 1000.0:
        problems.append("p99 >= 1 s")
    if step.achieved < WRITER_SHORTFALL * rate:
        problems.append(f"writer limit: the database took {step.achieved:,.0f} changes/s")
    step.ok = not problems
    step.verdict = "; ".join(problems) or "ok"
    log(f"  {rate:,}/s target, {step.achieved:,.0f}/s written: p50 {step.p50_ms:.0f} ms, "
        f"p99 {step.p99_ms:.0f} ms, max {step.max_ms:.0f} ms, "
        f"{step.cpu_per_million:.1f} agent CPU s per 1M changes, machine CPU "
        f"{step.machine_busy:.0%} busy ({step.other_load:.0%} other work): {step.verdict}")
    return step, scan.next_offset
