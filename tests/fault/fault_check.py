"""Compares the change events read back from Kafka with the changes the
database committed, per row, and with the tables' final contents.

What "exactly once" means here, for each row (table, primary key):

- The ground truth is the database's audit table: every committed change of
  a captured row, in commit order (one writer, so the audit id is the commit
  order of the whole database). A change is INSERT, UPDATE or DELETE and
  carries the row version it wrote (for a DELETE, the version it removed);
  versions never repeat, so (key, op, version) names one change. A primary
  key change is a DELETE of the old key and an INSERT of the new one.
- The snapshot is a cut S in that order. A row that is live at S is
  delivered once as a READ carrying its version at S; the changes committed
  before S are not delivered as events (the READ stands for them). Every
  change committed after S is delivered once, as its own event, in commit
  order for that key.
- S is not known in advance: it is read off the events. A snapshot is the
  set of READ events that share a snapshot id (PostgreSQL: the slot's
  consistent point; MySQL: the binlog position; both with the snapshot's
  start time). Each READ bounds S from both sides (after the change that
  wrote its version, before the key's next change); the stream's first
  change after that window fixes it inside. The snapshot whose READs cover
  every row live at S is the one consumers rely on (the primary snapshot).
  READ events of other snapshots (a snapshot cut short by a crash, a
  snapshot taken again after the position was lost) are surplus images of
  states the consumer already has: duplicates; a later snapshot's image of
  a state not yet delivered stands for that one change, and the changes it
  skipped over are missing.

Verdicts per row: missing (an expected change never received), duplicated
(a change received again, or a surplus READ), out-of-order (a change
received after a later change of the same row), unexpected (an event whose
version the audit does not know, or a snapshot that is not a consistent
cut), state-mismatch (the row rebuilt from Kafka - last image, deletes
removing the key - differs from the table's row).

Pure: no I/O. The harness and test_checker.py feed it.
"""

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import NamedTuple

INFINITY = float("inf")
EXAMPLES_PER_VERDICT = 5


class Change(NamedTuple):
    """One audit row: a committed change of one row."""
    aid: int   # audit id: commit order across the database
    op: str    # "I", "U" or "D"
    ver: int   # the version written (I, U) or removed (D)


class Event(NamedTuple):
    """One change event read from Kafka (tombstones are not events)."""
    op: str                 # "R" (snapshot READ), "I", "U" or "D"
    ver: int | None         # None: a DELETE whose before image has only the key
    snapshot: object = None  # READ only: the id of the snapshot it belongs to


@dataclass
class SnapshotInfo:
    """What the check learnt about one snapshot."""
    snapshot_id: object
    start: object
    reads: int
    cut: int = 0            # audit id of the last change before the cut
    live_rows: int = 0      # rows live at the cut
    missing_rows: int = 0   # live rows without a READ
    consistent: bool = True
    primary: bool = False


@dataclass
class Example:
    key: tuple
    verdict: str
    expected: list
    received: list
    note: str = ""
    labels: tuple = ("expected", "received")


@dataclass
class Report:
    changes: int = 0        # expected deliveries: READ images plus later changes
    events: int = 0         # events received
    missing: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    unexpected: int = 0
    state_mismatch: int = 0
    snapshots: list = field(default_factory=list)
    examples: list = field(default_factory=list)
    _example_counts: dict = field(default_factory=dict)

    def failed(self):
        return any((self.missing, self.duplicated, self.out_of_order, self.unexpected,
                    self.state_mismatch))

    def counts_text(self):
        return (f"missing={self.missing} duplicated={self.duplicated} "
                f"out-of-order={self.out_of_order} unexpected={self.unexpected} "
                f"state-mismatch={self.state_mismatch}")

    def add_example(self, example):
        n = self._example_counts.get(example.verdict, 0)
        if n < EXAMPLES_PER_VERDICT:
            self.examples.append(example)
        self._example_counts[example.verdict] = n + 1

    def detail_lines(self):
        lines = []
        for s in self.snapshots:
            role = "primary" if s.primary else ("complete" if s.missing_rows == 0 else "partial")
            cut = f"after audit id {s.cut}" + ("" if s.consistent else ", NOT a consistent cut")
            lines.append(f"snapshot {s.snapshot_id}: {s.reads} READs, {role} "
                         f"({s.live_rows} rows live at the cut {cut}, "
                         f"{s.missing_rows} without a READ)")
        for e in self.examples:
            table, key = e.key
            note = f" ({e.note})" if e.note else ""
            lines.append(f"{e.verdict}: {table} key {key}{note}")
            width = max(len(label) for label in e.labels)
            lines.append(f"    {e.labels[0]:>{width}}: {' '.join(e.expected)}")
            lines.append(f"    {e.labels[1]:>{width}}: {' '.join(e.received)}")
        return lines


class _Row:
    """The audit history of one row, with lookups by version."""

    __slots__ = ("changes", "aids", "image_index", "delete_index", "deletes")

    def __init__(self, changes):
        self.changes = changes
        self.aids = [c.aid for c in changes]
        self.image_index = {}
        self.delete_index = {}
        self.deletes = []
        for i, c in enumerate(changes):
            if c.op == "D":
                self.delete_index[c.ver] = i
                self.deletes.append(i)
            else:
                self.image_index[c.ver] = i

    def map_known(self, event):
        """Index of the change an event with a known version stands for, or None."""
        if event.op in ("R", "I", "U"):
            i = self.image_index.get(event.ver)
            if i is None:
                return None
            if event.op != "R" and self.changes[i].op != event.op:
                return None
            return i
        if event.ver is None:
            return None
        return self.delete_index.get(event.ver)

    def next_delete(self, after):
        """The first DELETE at an index above `after`."""
        k = bisect_right(self.deletes, after)
        return self.deletes[k] if k < len(self.deletes) else None

    def last_before(self, cut):
        """Index of the last change with audit id <= cut, or -1."""
        return bisect_right(self.aids, cut) - 1

    def live_at(self, cut):
        t = self.last_before(cut)
        return t >= 0 and self.changes[t].op != "D"


def _row_text(row):
    if row is None:
        return "(no row)"
    return "(" + ", ".join("NULL" if v is None else str(v) for v in row) + ")"


def _token(op, ver):
    return f"{op}{'?' if ver is None else ver}"


def _window(tokens, center, before=6, after=10):
    if len(tokens) <= before + after + 1:
        return tokens
    lo = max(0, center - before)
    hi = min(len(tokens), center + after + 1)
    out = tokens[lo:hi]
    if lo > 0:
        out = ["..."] + out
    if hi < len(tokens):
        out = out + ["..."]
    return out


def group_audit(rows):
    """Groups audit tuples (aid, table, key, op, ver) by (table, key) in aid order."""
    by_key = {}
    for aid, table, key, op, ver in sorted(rows, key=lambda r: r[0]):
        by_key.setdefault((table, key), []).append(Change(aid, op, ver))
    return by_key


def _analyse_snapshots(rows, received, snapshot_starts, stream_aids, last_aid):
    """Finds each snapshot's cut and completeness; returns (infos, reads per snapshot)."""
    reads = {}   # snapshot id -> {key: index of the change its image shows}
    bad_reads = {}
    for key, events in received.items():
        row = rows.get(key)
        for e in events:
            if e.op != "R":
                continue
            i = row.map_known(e) if row else None
            if i is None:
                bad_reads[e.snapshot] = bad_reads.get(e.snapshot, 0) + 1
                continue
            reads.setdefault(e.snapshot, {}).setdefault(key, i)
    ids = set(reads) | set(bad_reads)
    order = sorted(ids, key=lambda s: (snapshot_starts.get(s, 0), str(s)))
    infos = []
    for sid in order:
        keyed = reads.get(sid, {})
        info = SnapshotInfo(sid, snapshot_starts.get(sid), len(keyed) + bad_reads.get(sid, 0))
        lo, hi = 0, INFINITY
        for key, i in keyed.items():
            row = rows[key]
            lo = max(lo, row.aids[i])
            if i + 1 < len(row.aids):
                hi = min(hi, row.aids[i + 1])
        k = bisect_right(stream_aids, lo)
        first_streamed = stream_aids[k] if k < len(stream_aids) else INFINITY
        bound = min(hi, first_streamed)
        if hi <= lo:
            info.consistent = False
            info.cut = lo
        elif bound == INFINITY:
            info.cut = max(lo, last_aid)
        else:
            info.cut = int(bound) - 1
        # Rows with a READ are live at the cut by the choice of the cut.
        info.live_rows = len(keyed)
        for key, row in rows.items():
            if key not in keyed and row.live_at(info.cut):
                info.live_rows += 1
                info.missing_rows += 1
        infos.append(info)
    return infos, reads


def check(audit, received, snapshot_starts=None, table_rows=None, kafka_rows=None):
    """Checks one source.

    audit: {(table, key): [Change, ...] in aid order} (see group_audit).
    received: {(table, key): [Event, ...] in the order the consumer read them}.
    snapshot_starts: {snapshot id: start time}, orders the snapshots.
    table_rows / kafka_rows: {(table, key): row} compared for state-mismatch.
    """
    snapshot_starts = snapshot_starts or {}
    rows = {key: _Row(changes) for key, changes in audit.items()}
    last_aid = max((r.aids[-1] for r in rows.values() if r.aids), default=0)
    stream_aids = []
    for key, events in received.items():
        row = rows.get(key)
        if row is None:
            continue
        for e in events:
            if e.op != "R":
                i = row.map_known(e)
                if i is not None:
                    stream_aids.append(row.aids[i])
    stream_aids.sort()

    report = Report()
    infos, reads = _analyse_snapshots(rows, received, snapshot_starts, stream_aids, last_aid)
    primary = None
    for info in infos:
        if info.missing_rows == 0 and info.consistent:
            primary = info
            break
    if primary is None and infos:
        primary = max(infos, key=lambda s: (s.live_rows - s.missing_rows, -infos.index(s)))
    if primary is not None:
        primary.primary = True
        if not primary.consistent:
            report.unexpected += 1
    report.snapshots = infos
    cut = primary.cut if primary else 0
    primary_reads = reads.get(primary.snapshot_id, {}) if primary else {}

    for key in sorted(set(rows) | set(received), key=lambda k: (k[0], str(k[1]))):
        _check_row(key, rows.get(key), received.get(key, []), cut, primary_reads.get(key),
                   report)

    if table_rows is not None and kafka_rows is not None:
        for key in sorted(set(table_rows) | set(kafka_rows), key=lambda k: (k[0], str(k[1]))):
            want, got = table_rows.get(key), kafka_rows.get(key)
            if want != got:
                report.state_mismatch += 1
                report.add_example(Example(key, "state-mismatch", [_row_text(want)],
                                           [_row_text(got)], "", ("table", "from Kafka")))
    return report


def _check_row(key, row, events, cut, primary_read, report):
    report.events += len(events)
    if row is None:
        report.unexpected += len(events)
        if events:
            report.add_example(Example(key, "unexpected", [], [_token(e.op, e.ver) for e in events],
                                       "no committed change of this row"))
        return
    changes = row.changes
    if primary_read is not None:
        seam = first = primary_read
    else:
        seam = row.last_before(cut)
        live = seam >= 0 and changes[seam].op != "D"
        first = seam if live else seam + 1
    report.changes += len(changes) - first

    delivered = [0] * len(changes)
    mapped = []
    highest = -1
    prev_image = None
    problems = {}
    for pos, e in enumerate(events):
        if e.op == "D" and e.ver is None:
            m = row.next_delete(prev_image if prev_image is not None else first - 1)
        else:
            m = row.map_known(e)
        mapped.append(m)
        if m is None:
            report.unexpected += 1
            problems.setdefault("unexpected", (pos, "version not in the audit"))
            continue
        if e.op != "D":
            prev_image = m
        if m < first:
            report.duplicated += 1
            problems.setdefault("duplicated", (pos, "a state from before the snapshot cut"))
        elif delivered[m]:
            report.duplicated += 1
            problems.setdefault("duplicated", (pos, ""))
        else:
            delivered[m] = 1
            if m < highest:
                report.out_of_order += 1
                problems.setdefault("out-of-order", (pos, ""))
            highest = max(highest, m)
    missing = [i for i in range(first, len(changes)) if not delivered[i]]
    report.missing += len(missing)
    if missing:
        c = changes[missing[0]]
        later = [p for p, m in enumerate(mapped) if m is not None and m > missing[0]]
        problems["missing"] = (later[0] if later else len(events),
                               f"{len(missing)} not received, the first {_token(c.op, c.ver)}")
    if not problems:
        return
    expected_tokens = [_token("R" if i == seam else changes[i].op, changes[i].ver)
                       for i in range(first, len(changes))]
    received_tokens = [_token(e.op, e.ver) for e in events]
    for verdict, (pos, note) in problems.items():
        if verdict == "missing":
            center = missing[0]
        else:
            center = mapped[pos] if mapped[pos] is not None else first
        report.add_example(Example(key, verdict, _window(expected_tokens, max(0, center - first)),
                                   _window(received_tokens, pos), note))
