#!/usr/bin/env python3
"""Fault-injection harness of cdc-agent: runs the real agent against real
PostgreSQL, MariaDB and Kafka servers, injects faults while a workload
writes, then checks that every committed change reached Kafka exactly once
and in order. See README.md in this folder.

Exit status: 0 when every source passed, 1 when a check failed, 2 when the
harness could not run (settings, servers, setup).
"""

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fault_agent import Supervisor, error_summary  # noqa: E402
from fault_check import check, check_join, check_windows, group_audit  # noqa: E402
from fault_config import (SettingsError, agent_config, aggregate_topic,  # noqa: E402
                          emit_yaml, load_settings)
from fault_kafka import (KafkaView, consume_all, read_windows,  # noqa: E402
                         wait_for_version)
from fault_sources import (COUNTED, GRACE_US, JOIN_FROM, JOIN_KEY_PART,  # noqa: E402
                           JOINED, TABLES, WINDOW_US, ClientError, make_dialect, preload_sql,
                           read_audit, read_tables, run_sql)
from fault_workload import Workload  # noqa: E402

STARTED = time.monotonic()
STREAMING = ("] streaming from ", "] streaming the binlog ")
# A run that takes or resumes a snapshot says so before it streams (the
# PostgreSQL snapshot is read while streaming).
SNAPSHOTTING = ("] snapshot of ", " snapshot=")
FAULT_ORDER = ("kill", "db-restart", "kafka-restart", "lose-offsets", "twin", "snapshot-kill")


def log(message):
    print(f"fault: [{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


class HarnessError(Exception):
    pass


class Servers:
    """deploy/local/env with the harness's folder and ports."""

    def __init__(self, settings):
        self.script = settings.env_script
        self.env = dict(os.environ, **settings.env_vars)
        self.down = set()

    def _run(self, args, tick=None, timeout=180):
        p = subprocess.Popen([self.script] + args, env=self.env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + timeout
        while p.poll() is None:
            if tick is not None:
                tick()
            if time.monotonic() > deadline:
                p.kill()
                p.wait()
                return 1, f"deploy/local/env {' '.join(args)} took more than {timeout} s"
            time.sleep(0.1)
        return p.returncode, p.stdout.read().strip()

    def require_running(self, names):
        rc, out = self._run(["status"] + names)
        if rc != 0:
            raise HarnessError(
                f"deploy/local/env status {' '.join(names)} (with the harness's CDC_ENV_DIR and "
                f"ports) says:\n{out}\nstart them first with the same variables: "
                f"deploy/local/env up {' '.join(names)}")

    def restart(self, name, pause, tick):
        self.down.add(name)
        rc, out = self._run(["down", name], tick)
        if rc != 0:
            raise HarnessError(f"deploy/local/env down {name} failed:\n{out}")
        end = time.monotonic() + pause
        while time.monotonic() < end:
            tick()
            time.sleep(0.1)
        self.up(name, tick)

    def up(self, name, tick=None):
        for attempt in range(3):
            rc, out = self._run(["up", name], tick)
            if rc == 0:
                self.down.discard(name)
                return
            last = out.splitlines()[-1] if out else ""
            log(f"deploy/local/env up {name} failed (attempt {attempt + 1}): {last}")
            time.sleep(2)
        raise HarnessError(f"deploy/local/env up {name} failed three times:\n{out}")


class SourceRun:
    """One source: set up, write and inject faults, drain, check."""

    def __init__(self, settings, name, servers, view, work_dir):
        self.s = settings
        self.name = name
        self.servers = servers
        self.view = view
        port, password = ((settings.pg_port, settings.pg_password) if name == "postgres"
                          else (settings.mysql_port, settings.mysql_password))
        self.d = make_dialect(name, port, password)
        self.work = os.path.join(work_dir, name)
        os.makedirs(self.work, exist_ok=True)
        self.rng = random.Random(f"{settings.seed}/{name}/faults")
        self.counts = Counter()
        self.notes = []
        self.sup = None
        self.workload = None
        self.offsets = None
        self.twin_offsets = None
        self.twin_config = None
        self.prefix = None

    def note(self, text):
        self.notes.append(text)
        log(f"{self.name}: {text}")

    def topic(self, table):
        return f"{self.prefix}.{self.d.topic_schema}.{table}"

    # --- setup ------------------------------------------------------------------------
    def setup(self):
        config = agent_config(self.s, self.d, [t.name for t in TABLES],
                              os.path.join(self.work, "offsets"))
        self.prefix = config["kafka"]["topic_prefix"]
        self.offsets = config["offsets"]["path"]
        config_path = self._write_config(config, "agent.yaml")
        # The twin that runs "on another machine": the same agent with its own disk.
        self.twin_offsets = os.path.join(self.work, "offsets-twin")
        twin = dict(config, offsets=dict(config["offsets"], path=self.twin_offsets))
        self.twin_config = self._write_config(twin, "agent-twin.yaml")
        shutil.rmtree(self.offsets, ignore_errors=True)
        deleted = self.view.delete_topics(self.prefix)
        log(f"{self.name}: deleted {deleted} topics of an earlier run; creating database faultdb "
            f"with {self.s.snapshot_rows} rows in snap")
        try:
            admin_db = "postgres" if self.name == "postgres" else None
            run_sql(self.d, self.d.reset_sql(), database=admin_db)
            run_sql(self.d, self.d.schema_sql())
            run_sql(self.d, preload_sql(self.d, self.s.snapshot_rows))
        except ClientError as e:
            raise HarnessError(f"{self.name}: setting up the database failed: {e}") from None
        env = dict(os.environ, CDC_PG_PASSWORD=self.s.pg_password,
                   CDC_MYSQL_PASSWORD=self.s.mysql_password)
        # Forget any position an earlier run left (locally, and wherever else
        # the agent keeps one).
        reset = subprocess.run([self.s.agent_bin, "offsets", "reset", "--yes", "--config",
                                config_path], env=env, capture_output=True, text=True, timeout=120)
        if reset.returncode != 0:
            raise HarnessError(f"{self.name}: cdc-agent offsets reset failed: "
                               f"{(reset.stderr or reset.stdout).strip()}")
        self.sup = Supervisor(self.s.agent_bin, config_path, env, self.work,
                              lambda m: log(f"{self.name}: {m}"))
        log(f"{self.name}: agent config {config_path}, logs in {self.work}")

    def _write_config(self, config, file_name):
        path = os.path.join(self.work, file_name)
        with open(path, "w", encoding="utf-8") as f:
            f.write("# Written by tests/fault/fault_harness.py\n")
            f.write("\n".join(emit_yaml(config)) + "\n")
        return path

    # --- faults ----------------------------------------------------------------------
    def plan(self):
        faults = self.s.source_faults[self.name]
        plan = []
        for f in faults:
            if f == "kill":
                plan += ["kill"] * self.s.kills
            elif f == "snapshot-kill":
                continue  # at the first start: see inject()
            else:
                plan += [f] * self.s.repeats
        self.rng.shuffle(plan)
        return plan

    def fault_kill(self):
        p = self.sup.wait_running(30)
        if p is None:
            self.note("kill: no agent came up within 30 s")
            return
        p.kill9()
        self.sup.tick_quietly()
        self.sup.restart_at = time.monotonic() + self.rng.uniform(0.0, 0.5)

    def fault_server_restart(self, server):
        self.servers.restart(server, self.rng.uniform(0.5, 2.0), self.sup.tick)

    def fault_lose_offsets(self):
        self.sup.auto_restart = False
        self.sup.kill_all()
        shutil.rmtree(self.offsets, ignore_errors=True)
        self.sup.wait(self.rng.uniform(0.5, 2.0))
        self.sup.auto_restart = True

    def fault_twin(self):
        """Two agents of the same name started at once. Every other time the
        second one has a disk of its own (offsets.path), as on another
        machine; else both share one."""
        own_disk = self.counts["twin"] % 2 == 1
        self.sup.auto_restart = False
        self.sup.kill_all()
        if own_disk:
            shutil.rmtree(self.twin_offsets, ignore_errors=True)
        first = self.sup.start()
        second = self.sup.start(self.twin_config if own_disk else None)
        deadline = time.monotonic() + 10.0
        while first.alive() and second.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        outcome = []
        for label, p in (("first", first), ("second", second)):
            if not p.alive():
                p.expected_exit = True
                line = p.error_line()
                outcome.append(f"the {label} ({p.describe_exit()}{': ' + line if line else ''})")
        variant = "own offsets.path" if own_disk else "shared offsets.path"
        if not outcome:
            self.note(f"twin ({variant}): both agents still ran after 10 s; killing the first")
            first.kill9()
        else:
            self.note(f"twin ({variant}): ended " + "; ".join(outcome))
        self.sup.tick_quietly()
        self.sup.auto_restart = True

    def fault_snapshot_kill(self, number):
        """Starts the agent and kills it while its initial snapshot is being
        published: after a random share of the snap rows is in Kafka."""
        self.sup.auto_restart = False
        topic = self.topic("snap")
        base = self.view.size(topic) or 0
        share = self.rng.uniform(0.15, 0.5) if number == 1 else self.rng.uniform(0.1, 0.4)
        target = base + int(share * self.s.snapshot_rows)
        p = self.sup.start()
        deadline = time.monotonic() + 300
        got, why = None, "no progress in 300 s"
        while time.monotonic() < deadline:
            if not p.alive():
                why = f"the agent ended first ({p.describe_exit()}: {p.error_line()})"
                break
            size = self.view.size(topic)
            if size is not None and size >= target:
                got = size - base
                break
            text = p.log_text()
            if "snapshot done" in text:
                why = "the snapshot finished first"
                break
            if any(s in text for s in STREAMING) and not any(s in text for s in SNAPSHOTTING):
                why = "the agent streamed without a snapshot"
                break
            time.sleep(0.05)
        p.kill9()
        if got is not None:
            self.note(f"snapshot-kill {number}: agent run {p.number} killed when {got} snap rows "
                      f"of {self.s.snapshot_rows} were in Kafka")
        else:
            self.note(f"snapshot-kill {number}: agent run {p.number} killed late: {why}")
        self.sup.tick_quietly()
        self.sup.auto_restart = True
        self.counts["snapshot-kill"] += 1

    def perform(self, fault):
        if fault == "kill":
            self.fault_kill()
        elif fault == "db-restart":
            self.fault_server_restart(self.d.server)
        elif fault == "kafka-restart":
            self.fault_server_restart("kafka")
        elif fault == "lose-offsets":
            self.fault_lose_offsets()
        elif fault == "twin":
            self.fault_twin()
        self.counts[fault] += 1

    def settle(self, timeout=120.0):
        """Waits until the newest agent streams (is past any snapshot)."""
        def streaming():
            p = self.sup.current()
            return p is not None and any(s in p.log_text() for s in STREAMING)
        if not self.sup.wait(timeout, until=streaming):
            self.note(f"the agent was not streaming {timeout:.0f} s after the last fault")

    # --- the run ------------------------------------------------------------------------
    def inject(self):
        plan = self.plan()
        slots = max(1, len(plan))
        large_at = set(self.rng.sample(range(slots), min(self.s.large_txns, slots)))
        self.workload = Workload(self.d, f"{self.s.seed}/{self.name}/workload", self.s.tps,
                                 self.s.snapshot_rows, log)
        self.workload.start()
        time.sleep(1.0)  # writes in flight when the first snapshot starts
        # The initial snapshot is the only one a run takes on purpose: each
        # snapshot-kill interrupts it, the first one and the ones after each
        # restart.
        kills = self.s.repeats if "snapshot-kill" in self.s.source_faults[self.name] else 0
        for number in range(1, kills + 1):
            self.fault_snapshot_kill(number)
        self.sup.start()
        log(f"{self.name}: {len(plan)} faults to inject"
            + "".join(f" {f}={n}" for f, n in sorted(Counter(plan).items())))
        if not plan:
            self._large_then_pause(large_at, 0, 0.0)
            self.sup.wait(20.0)
        for i, fault in enumerate(plan):
            self.settle()
            self._large_then_pause(large_at, i, self.rng.uniform(*self.s.gap))
            self.perform(fault)
            if (i + 1) % 10 == 0 or i + 1 == len(plan):
                log(f"{self.name}: {i + 1}/{len(plan)} faults injected; workload "
                    f"{self.workload.committed} transactions committed")
        self.sup.wait(self.s.gap[1])

    def _large_then_pause(self, large_at, i, pause):
        if i in large_at:
            lo, hi = self.s.large_rows
            req = self.workload.request_large(self.rng.randint(lo, hi))
            self.sup.wait(600, until=req.done.is_set)
            log(f"{self.name}: large transaction: {req.description}"
                + ("" if req.ok else " (failed: the client was cut off)"))
            pause = self.rng.uniform(0.0, 1.5)
        self.sup.wait(pause)

    def drain(self):
        self.workload.stop()
        if self.workload.error is not None:
            raise HarnessError(f"{self.name}: the workload failed: {self.workload.error!r}")
        last = self.workload.client.last_error
        log(f"{self.name}: workload stopped: {self.workload.committed} transactions committed, "
            f"{self.workload.failed} cut off" + (f" (the last: {last})" if last else "")
            + "; waiting for the agent to catch up")
        ver = self.workload.next_version()
        deadline = time.monotonic() + 120
        while True:
            try:
                run_sql(self.d, f"UPDATE mark SET ver = {ver} WHERE id = 1;", timeout=30)
                break
            except (ClientError, subprocess.TimeoutExpired) as e:
                if time.monotonic() > deadline:
                    raise HarnessError(f"{self.name}: the drain marker could not be written: {e}")
                self.sup.wait(1.0)
        started = time.monotonic()
        if wait_for_version(self.s.brokers, self.topic("mark"), ver,
                            started + self.s.drain_timeout, self.sup.tick):
            log(f"{self.name}: caught up in {time.monotonic() - started:.1f} s")
        else:
            self.note(f"drain: the last change was not in Kafka after {self.s.drain_timeout} s")
        topics = [self.topic(t.name) for t in TABLES]
        last, stable_since = None, time.monotonic()
        end = time.monotonic() + 30
        while time.monotonic() < end:
            sizes = [self.view.size(t) for t in topics]
            if sizes != last:
                last, stable_since = sizes, time.monotonic()
            elif time.monotonic() - stable_since >= 3.0:
                break
            self.sup.wait(0.5)
        for p, clean in self.sup.stop_all():
            if not clean:
                self.note(f"agent run {p.number} did not stop within 20 s of SIGTERM; killed")
            elif p.returncode() != 0:
                self.note(f"agent run {p.number} stopped with {p.describe_exit()}: "
                          f"{p.error_line()}")

    def verify(self):
        audit = group_audit(read_audit(self.d))
        tables = read_tables(self.d)
        started = time.monotonic()
        back = consume_all(self.s.brokers, [self.topic(t.name) for t in TABLES])
        log(f"{self.name}: read {back.messages} messages ({back.tombstones} tombstones) in "
            f"{time.monotonic() - started:.1f} s")
        if back.stalled:
            self.note(f"the consumer made no progress for 60 s before the end of {back.stalled} "
                      "(an open transaction?)")
        if back.other:
            self.note(f"events that are not row changes: {dict(back.other)}")
        report = check(audit, back.events, back.snapshot_starts, tables, back.state)
        if back.other:
            report.unexpected += sum(back.other.values())
        check_join(audit, back.joined, report.stream_start, report, JOINED, JOIN_FROM,
                   JOIN_KEY_PART)
        windows = read_windows(self.s.brokers, aggregate_topic(self.prefix))
        check_windows(back.inserts_us, back.max_commit_us, windows, report, COUNTED, WINDOW_US,
                      GRACE_US)
        log(f"{self.name}: join outputs checked {report.joined} ({report.join_unread} NULL before "
            f"the snapshot read the row), aggregate windows {report.windows}")
        return report

    def cleanup(self):
        if self.workload is not None and self.workload.is_alive():
            self.workload.stop()
        if self.sup is not None:
            self.sup.auto_restart = False
            self.sup.kill_all()
        if self.name == "postgres":
            try:
                run_sql(self.d, "SELECT pg_drop_replication_slot(slot_name) FROM "
                        "pg_replication_slots WHERE slot_name = 'fault_slot';",
                        database="postgres", timeout=30)
            except (ClientError, subprocess.TimeoutExpired):
                pass

    def summary(self, report):
        total = sum(self.counts.values())
        kinds = " ".join(f"{f}={self.counts[f]}" for f in FAULT_ORDER if self.counts[f])
        return (f"fault: {self.name}: changes={report.changes} faults={total}"
                f"{f' ({kinds})' if kinds else ''} {report.counts_text()}")

    def details(self, report):
        lines = [f"  {line}" for line in report.detail_lines()]
        starts = self.sup.starts if self.sup else 0
        unexpected = self.sup.unexpected if self.sup else []
        lines.append(f"  agent: {starts} starts, {len(unexpected)} exits the harness did not cause")
        ranked, distinct = error_summary(self.sup.all if self.sup else [])
        for text, n in ranked:
            lines.append(f"  agent log x{n}: {text}")
        if distinct > len(ranked):
            lines.append(f"  agent log: {distinct - len(ranked)} more distinct error lines")
        for note in self.notes:
            lines.append(f"  note: {note}")
        return lines


def run_source(settings, name, servers, view, work_dir):
    run = SourceRun(settings, name, servers, view, work_dir)
    started = time.monotonic()
    try:
        run.setup()
        run.inject()
        run.drain()
        report = run.verify()
    finally:
        run.cleanup()
    log(f"{name}: done in {time.monotonic() - started:.0f} s")
    return run.summary(report), run.details(report), report.failed()


def main():
    try:
        settings = load_settings()
    except SettingsError as e:
        print(f"fault: error: {e}", file=sys.stderr)
        return 2
    log(f"seed {settings.seed} (CDC_FAULT_SEED={settings.seed} repeats this run's choices); "
        f"sources {','.join(settings.sources)}; faults {','.join(settings.faults) or 'none'}")
    if not os.access(settings.agent_bin, os.X_OK):
        print(f"fault: error: {settings.agent_bin} is not an executable (set CDC_AGENT_BIN)",
              file=sys.stderr)
        return 2
    work_dir = settings.work_dir or tempfile.mkdtemp(prefix="cdc-fault-")
    os.makedirs(work_dir, exist_ok=True)
    servers = Servers(settings)
    results = []
    view = None
    try:
        needed = ["kafka"] + [make_dialect(n, 0, "").server for n in settings.sources]
        servers.require_running(needed)
        view = KafkaView(settings.brokers)
        for name in settings.sources:
            summary, details, failed = run_source(settings, name, servers, view, work_dir)
            print(summary, flush=True)
            print("\n".join(details), flush=True)
            results.append((summary, failed))
    except HarnessError as e:
        print(f"fault: error: {e}", file=sys.stderr)
        return 2
    finally:
        for name in sorted(servers.down):
            log(f"bringing {name} back up")
            try:
                servers.up(name)
            except HarnessError as e:
                print(f"fault: error: {e}", file=sys.stderr)
        if view is not None:
            view.close()
    log(f"finished in {time.monotonic() - STARTED:.0f} s "
        f"(seed {settings.seed}; logs in {work_dir})")
    for summary, _ in results:
        print(summary)
    failed = any(f for _, f in results)
    print(f"fault: {'FAILED' if failed else 'passed'} (seed {settings.seed})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
