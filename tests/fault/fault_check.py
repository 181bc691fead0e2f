"""Compares the change events read back from Kafka with the changes the
database committed, per row, and with the tables' final contents.

What "exactly once" means here, for each row (table, primary key):

- The ground truth is the database's audit table: every committed change of
  a captured row, in commit order (one writer, so the audit id is the commit
  order of the whole database). A change is INSERT, UPDATE or DELETE and
  carries the row version it wrote (for a DELETE, the version it removed);
  versions never repeat, so (key, op, version) names one change. A primary
  key change is a DELETE of the old key and an INSERT of the new one.
- The stream starts at a point S0 of that order (the replication slot's
  start) and delivers every change after S0 once, as its own event, in
  commit order for that key.
- The snapshot gives the consumer the rows that were there before S0. It
  reads the tables in primary-key chunks while the stream flows and
  publishes each chunk at a point of the stream after every change the
  chunk's rows show and before every later change of those rows. So a READ
  may follow streamed changes of its row (`I3 R3 U4`, `U5 R5`: it repeats
  the last streamed state), precede them (`R2 U3`), or be absent when the
  row changed after S0 (`U5 D5`, `D7`): the stream carries all of that row
  the consumer needs. A snapshot taken as one consistent cut S, with the
  stream starting at S, is the case S0 = S with every READ at S.

Per row, f being the index of its first change after S0:

- A streamed event (I, U, D) shows a change at or after f (an earlier one
  is duplicated: a state from before the stream start), arrives once (else
  duplicated) and after the row's earlier changes (else out-of-order).
- The primary snapshot's READ of the row, showing change r, is in order
  when r is no older than anything the consumer already received for the
  row (else out-of-order: a stale READ), when every change from f to r was
  received before it (one received after it is out-of-order, one never
  received is missing), and when it is not older than the row's state at S0
  (the changes after r are then owed, and missing). A second READ of the
  row in that snapshot is duplicated.
- Every change from f on must arrive (else missing). A row live at S0 that
  has no change after it must have a READ (else missing); a row that
  changed after S0 needs none.

A snapshot is the set of READ events with the same snapshot id: the
snapshot's start time, the same in every chunk and kept when a snapshot
killed half way is resumed by the next agent run (which does not read the
rows of chunks already published again). The primary snapshot is the one
whose READs cover the most rows (the earliest on a tie). READ events of
other snapshots (one cut short and not resumed, one taken again after the
position was lost) are surplus images of states the consumer already has:
duplicated; but one that shows a state the consumer never got stands for
that change (the changes it skipped over are missing), and one that shows
the state at S0 of a row the primary snapshot did not read stands for that
READ.

S0 is read off the events, as none names it. The stream delivers the
changes after S0 and none before, so every change is a vote: one received as
a streamed event puts S0 before it, one never received as one puts S0 at or
after it. S0 is the point the fewest changes contradict (the earliest on a
tie), just before the next change. In a run without faults that is just
before the first streamed change, or after the last change when nothing was
streamed. Going by the first streamed change alone would let one replayed
old change move S0 back and make every change since then missing; here that
replay is one duplicated event. A versionless DELETE (the key only) is
placed by the row's events around it.

- Lost first changes of the stream move S0 past them, unseen as events; but
  a row unchanged since still owes its READ, a READ older than its row's
  state at S0 still owes the changes after it, and the final state is
  compared.
- When the primary snapshot's READs form one consistent cut C (each READ
  bounds it: after the change that wrote its version, before the row's next
  change; the first streamed change after that window fixes it) and C is
  earlier, S0 is C. Without faults C is never earlier: a single-cut
  snapshot's stream starts at its cut, and the READs of a chunked snapshot,
  when they happen to form a cut, form one after the stream start (rows
  read after streamed changes of theirs). An earlier cut means the first
  changes after it were lost (or a READ shows a state from before the
  stream), and the cut makes those changes owed.

Verdicts per row: missing (an owed change or READ never received),
duplicated (a change received again, a second or surplus READ),
out-of-order (a change received after a later change of the same row or
after a READ showing it, a stale READ), unexpected (an event whose version
the audit does not know), state-mismatch (the row rebuilt from Kafka - last
image, deletes removing the key - differs from the table's row).

Pure: no I/O. The harness and test_checker.py feed it.
"""

from bisect import bisect_left, bisect_right
from collections import Counter
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
    reads: int              # READ events
    rows: int = 0           # rows with a READ of a version the audit knows
    cut: int | None = None  # audit id of the last change before the one
                            # consistent cut its READs form, None when they form none
    missing_rows: int = 0   # rows live at S0 and unchanged since without a READ of that state
    bad_reads: int = 0      # primary only: READs out of order with the stream
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
    changes: int = 0        # expected deliveries: changes after S0 plus primary READs
    events: int = 0         # events received
    missing: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    unexpected: int = 0
    state_mismatch: int = 0
    stream_start: int = 0   # S0: audit id of the last change before the stream
    stream_start_basis: str = ""
    live_rows: int = 0      # rows live at S0
    unchanged_rows: int = 0  # of those, rows with no change after S0 (each owes a READ)
    bad_reads: int = 0      # primary READs out of order with the stream
    joined: int = 0         # join outputs checked
    join_unread: int = 0    # of those, NULL while the snapshot had not read the joined row yet
    join_mismatch: int = 0  # join outputs that are not the joined row as of the event
    windows: int = 0        # aggregate rows read
    window_mismatch: int = 0  # aggregate rows wrong, twice, missing or too early
    snapshots: list = field(default_factory=list)
    examples: list = field(default_factory=list)
    _example_counts: dict = field(default_factory=dict)

    def failed(self):
        return any((self.missing, self.duplicated, self.out_of_order, self.unexpected,
                    self.state_mismatch, self.join_mismatch, self.window_mismatch))

    def counts_text(self):
        return (f"missing={self.missing} duplicated={self.duplicated} "
                f"out-of-order={self.out_of_order} unexpected={self.unexpected} "
                f"state-mismatch={self.state_mismatch} join-mismatch={self.join_mismatch} "
                f"window-mismatch={self.window_mismatch}")

    def add_example(self, example):
        n = self._example_counts.get(example.verdict, 0)
        if n < EXAMPLES_PER_VERDICT:
            self.examples.append(example)
        self._example_counts[example.verdict] = n + 1

    def detail_lines(self):
        lines = [f"stream start: after audit id {self.stream_start} ({self.stream_start_basis}); "
                 f"{self.live_rows} rows live then, {self.unchanged_rows} of them unchanged since"]
        lines.append(f"join: {self.joined} outputs checked, {self.join_unread} NULL before the "
                     f"snapshot read the joined row; aggregate: {self.windows} windows read")
        for s in self.snapshots:
            shape = ("its READs form no single cut" if s.cut is None
                     else f"its READs consistent with a single cut after audit id {s.cut}")
            if s.primary:
                order = ("every READ in order with the stream" if s.bad_reads == 0
                         else f"READs out of order with the stream: {s.bad_reads}")
                role = f"primary, {shape}, {order}"
            else:
                role = f"surplus, {shape}"
            lines.append(f"snapshot {s.snapshot_id}: {s.reads} READs of {s.rows} rows, {role}; "
                         f"rows unchanged since the stream start without a READ of that "
                         f"state: {s.missing_rows}")
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

    def first_after(self, aid):
        """Index of the first change with an audit id above `aid` (len when none)."""
        return bisect_right(self.aids, aid)


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


def _collect_snapshots(rows, received, snapshot_starts):
    """One SnapshotInfo per snapshot id, in start order, and per snapshot the
    image index of each row's first READ of a known version."""
    reads = {}   # snapshot id -> {key: index of the change its first image shows}
    counts = {}  # snapshot id -> READ events
    for key, events in received.items():
        row = rows.get(key)
        for e in events:
            if e.op != "R":
                continue
            counts[e.snapshot] = counts.get(e.snapshot, 0) + 1
            i = row.map_known(e) if row else None
            if i is not None:
                reads.setdefault(e.snapshot, {}).setdefault(key, i)
    order = sorted(counts, key=lambda s: (snapshot_starts.get(s, 0), str(s)))
    infos = [SnapshotInfo(sid, snapshot_starts.get(sid), counts[sid], len(reads.get(sid, {})))
             for sid in order]
    return infos, reads


def _single_cut(rows, keyed, stream_aids, last_aid):
    """The consistent cut a snapshot's READs form ({key: image index}): the
    audit id of the last change before it, or None when they form none."""
    if not keyed:
        return None
    lo, hi = 0, INFINITY
    for key, i in keyed.items():
        row = rows[key]
        lo = max(lo, row.aids[i])
        if i + 1 < len(row.aids):
            hi = min(hi, row.aids[i + 1])
    if hi <= lo:
        return None
    k = bisect_right(stream_aids, lo)
    bound = min(hi, stream_aids[k] if k < len(stream_aids) else INFINITY)
    return last_aid if bound == INFINITY else int(bound) - 1


def _stream_start(rows, received, last_aid):
    """The audit id S0 after which the stream's events best cover the changes:
    the one that fewest changes contradict (a change at or before S0 received
    as a streamed event, a change after S0 never received as one)."""
    evidence = []   # (aid, received as a streamed event)
    for key, row in rows.items():
        events = received.get(key, ())
        mapped = [None if e.op == "D" and e.ver is None else row.map_known(e) for e in events]
        streamed = set()
        prev = None
        for pos, e in enumerate(events):
            i = mapped[pos]
            if e.op == "D" and e.ver is None:
                # A versionless DELETE is the row's next one after its previous
                # event; as the row's first event, the last one before its next
                # event (S0 is what would place it, and is not known yet).
                if prev is not None:
                    i = row.next_delete(prev)
                else:
                    after = next((m for m in mapped[pos + 1:] if m is not None), len(row.aids))
                    k = bisect_right(row.deletes, after - 1)
                    i = row.deletes[k - 1] if k > 0 else None
            if i is None:
                continue
            prev = i
            if e.op != "R":
                streamed.add(i)
        evidence.extend((aid, i in streamed) for i, aid in enumerate(row.aids))
    evidence.sort()
    cost = best = sum(1 for _, s in evidence if not s)
    best_k = 0
    for k, (_, s) in enumerate(evidence, 1):
        cost += 1 if s else -1
        if cost < best:
            best, best_k = cost, k
    # S0 is just before the first change after that point (the last change
    # when the point is at the end).
    return evidence[best_k][0] - 1 if best_k < len(evidence) else last_aid


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

    infos, reads = _collect_snapshots(rows, received, snapshot_starts)
    for info in infos:
        info.cut = _single_cut(rows, reads.get(info.snapshot_id, {}), stream_aids, last_aid)
    primary = None
    if infos:
        primary = max(infos, key=lambda s: (s.rows, -infos.index(s)))
        primary.primary = True
    primary_id = primary.snapshot_id if primary else None

    s0 = _stream_start(rows, received, last_aid)
    basis = "where the streamed changes start"
    if primary is not None and primary.cut is not None and primary.cut <= s0:
        basis = ("where the streamed changes start, the primary snapshot's cut"
                 if primary.cut == s0 else "the primary snapshot's cut")
        s0 = primary.cut
    report = Report(stream_start=s0, stream_start_basis=basis)
    for key in sorted(set(rows) | set(received), key=lambda k: (k[0], str(k[1]))):
        _check_row(key, rows.get(key), received.get(key, []), s0, primary_id, report)

    for key, row in rows.items():
        f = row.first_after(s0)
        if f == 0 or row.changes[f - 1].op == "D":
            continue
        report.live_rows += 1
        if f < len(row.changes):
            continue
        report.unchanged_rows += 1
        for info in infos:
            if reads.get(info.snapshot_id, {}).get(key) != f - 1:
                info.missing_rows += 1
    if primary is not None:
        primary.bad_reads = report.bad_reads
    report.snapshots = infos

    if table_rows is not None and kafka_rows is not None:
        for key in sorted(set(table_rows) | set(kafka_rows), key=lambda k: (k[0], str(k[1]))):
            want, got = table_rows.get(key), kafka_rows.get(key)
            if want != got:
                report.state_mismatch += 1
                report.add_example(Example(key, "state-mismatch", [_row_text(want)],
                                           [_row_text(got)], "", ("table", "from Kafka")))
    return report


def _check_row(key, row, events, s0, primary, report):
    """Checks one row's events against its audit history, the stream having
    started after audit id s0 and `primary` being the primary snapshot's id."""
    report.events += len(events)
    if row is None:
        report.unexpected += len(events)
        if events:
            report.add_example(Example(key, "unexpected", [], [_token(e.op, e.ver) for e in events],
                                       "no committed change of this row"))
        return
    changes = row.changes
    n = len(changes)
    first = row.first_after(s0)           # the row's first change after S0
    live = first > 0 and changes[first - 1].op != "D"

    def is_primary(e):
        return e.op == "R" and primary is not None and e.snapshot == primary

    read = None                           # image index of the row's primary READ
    for e in events:
        if is_primary(e):
            read = row.map_known(e)
            if read is not None:
                break
    # A READ older than the row's state at S0 leaves the changes after its
    # state owed: no stream event brings them.
    owed = first if read is None else min(first, read + 1)
    # A row live at S0 and unchanged since owes its READ.
    needs_read = live and first == n and read is None
    report.changes += n - owed + (1 if read is not None or needs_read else 0)

    delivered = [False] * n
    mapped = []
    highest = -1          # the newest state the consumer holds
    prev_image = None
    read_pos = None       # position of the primary READ among the events
    stand_in = False      # another snapshot's READ stood for the owed READ
    problems = {}
    for pos, e in enumerate(events):
        if e.op == "D" and e.ver is None:
            m = row.next_delete(prev_image if prev_image is not None else owed - 1)
        else:
            m = row.map_known(e)
        mapped.append(m)
        if m is None:
            report.unexpected += 1
            problems.setdefault("unexpected", (pos, "version not in the audit"))
            continue
        if e.op != "D":
            prev_image = m
        if is_primary(e):
            if read_pos is not None:
                report.duplicated += 1
                problems.setdefault("duplicated", (pos, "a second READ in the primary snapshot"))
                continue
            read_pos = pos
            if m < highest:
                report.out_of_order += 1
                report.bad_reads += 1
                problems.setdefault("out-of-order",
                                    (pos, "stale READ: older than a change received before it"))
            elif m < first - 1 or not all(delivered[first:m + 1]):
                # Older than the state at S0, or ahead of a change not yet
                # received: that change counts as missing or out-of-order.
                report.bad_reads += 1
            highest = max(highest, m)
            continue
        if e.op == "R":
            if needs_read and not stand_in and m == n - 1:
                stand_in = True
            elif m < owed or delivered[m]:
                report.duplicated += 1
                problems.setdefault("duplicated", (pos, "a surplus READ of another snapshot"))
            else:
                delivered[m] = True
                if m < highest:
                    report.out_of_order += 1
                    problems.setdefault("out-of-order", (pos, ""))
                highest = max(highest, m)
            continue
        if m < owed:
            report.duplicated += 1
            problems.setdefault("duplicated", (pos, "a state from before the stream start"))
        elif delivered[m]:
            report.duplicated += 1
            problems.setdefault("duplicated", (pos, ""))
        else:
            delivered[m] = True
            if m < highest:
                report.out_of_order += 1
                problems.setdefault("out-of-order", (pos, ""))
            elif m == highest:
                report.out_of_order += 1
                problems.setdefault("out-of-order", (pos, "received after the READ that shows it"))
            highest = max(highest, m)

    missing = [i for i in range(owed, n) if not delivered[i]]
    read_missing = needs_read and not stand_in
    report.missing += len(missing) + read_missing
    if read_missing:
        problems["missing"] = (len(events), "no READ for a row live at the stream start")
    elif missing:
        c = changes[missing[0]]
        later = [p for p, m in enumerate(mapped) if m is not None and m > missing[0]]
        note = f"{len(missing)} not received, the first {_token(c.op, c.ver)}"
        if read is not None and read < first - 1:
            note += "; the READ is older than the row at the stream start"
        problems["missing"] = (later[0] if later else len(events), note)
    if not problems:
        return

    # The expected sequence: the changes owed, the READ after the change it shows.
    expected_tokens = []
    where = {}            # change index -> its position in expected_tokens
    read_at = 0
    if needs_read:
        expected_tokens.append(_token("R", changes[n - 1].ver))
    elif read is not None and read < owed:
        expected_tokens.append(_token("R", changes[read].ver))
    for i in range(owed, n):
        where[i] = len(expected_tokens)
        expected_tokens.append(_token(changes[i].op, changes[i].ver))
        if i == read:
            read_at = len(expected_tokens)
            expected_tokens.append(_token("R", changes[i].ver))
    received_tokens = [_token(e.op, e.ver) for e in events]
    for verdict, (pos, note) in problems.items():
        if verdict == "missing":
            center = 0 if read_missing else where[missing[0]]
        elif pos < len(events) and is_primary(events[pos]):
            center = read_at
        else:
            center = where.get(mapped[pos], 0) if mapped[pos] is not None else 0
        report.add_example(Example(key, verdict, _window(expected_tokens, center),
                                   _window(received_tokens, pos), note))


def check_join(audit, joined, s0, report, joined_table, from_table, key_part):
    """The lookup join of `joined_table` with `from_table`: each streamed
    INSERT or UPDATE of joined_table (key, op, ver, value) must carry the
    ver of from_table's row whose key is part `key_part` of its own key, as
    of that change in commit order (None when there was no such row). NULL
    is allowed only for a row last written before the stream start s0,
    which only the snapshot's READ brings."""
    history = {}  # from_table key -> ([aid], [Change])
    for (table, key), changes in audit.items():
        if table == from_table:
            history[key] = ([c.aid for c in changes], changes)
    aids = {}
    for (table, key), changes in audit.items():
        if table == joined_table:
            for c in changes:
                if c.op in ("I", "U"):
                    aids[(key, c.ver)] = c.aid
    for key, op, ver, got in joined:
        aid = aids.get((key, ver))
        if aid is None:
            continue  # a version the audit does not know: the main check reports it
        ref = str(key).split("|")[key_part]
        expected, written = None, 0
        found = history.get(ref)
        if found is not None:
            i = bisect_left(found[0], aid) - 1
            if i >= 0 and found[1][i].op != "D":
                expected, written = found[1][i].ver, found[1][i].aid
        report.joined += 1
        if got == expected:
            continue
        if got is None and expected is not None and written <= s0:
            report.join_unread += 1
            continue
        report.join_mismatch += 1
        report.add_example(Example((joined_table, key), "join-mismatch",
                                   [f"{from_table} {ref} ver {expected}"], [f"{got}"],
                                   f"{op} ver {ver}, audit id {aid}", ("expected", "joined")))


def check_windows(inserts_us, max_commit_us, windows, report, table, window_us, grace_us):
    """The per-window counts of `table`'s inserts: every window whose end
    plus the grace the commit times passed is published once with the count
    of the inserts committed in it; no other window is published."""
    expected = Counter((t // window_us) * window_us for t in inserts_us)
    closed = {s for s in expected if s + window_us + grace_us <= max_commit_us}
    seen = {}
    for start, n in windows:
        report.windows += 1
        if start in seen:
            report.window_mismatch += 1
            report.add_example(Example((table, start), "window-twice", [str(seen[start])],
                                       [str(n)], "", ("first", "again")))
        seen[start] = n
    for start in sorted(closed | set(seen)):
        want = expected.get(start) if start in closed else None
        got = seen.get(start)
        if want != got:
            report.window_mismatch += 1
            report.add_example(Example((table, start), "window-mismatch", [str(want)], [str(got)],
                                       "window starting at this commit time (us)",
                                       ("inserts", "published")))
