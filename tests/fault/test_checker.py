"""Unit tests of fault_check: synthetic audit rows and events, one test per
kind of delivery fault, each asserting that the fault is counted, and tests
of the legal orders a snapshot read in chunks gives.

Run: $HOME/.cache/cdc-agent/py-venv/bin/python tests/fault/test_checker.py
(any Python 3.10+ will do: no packages needed; the test of fault_kafka's
parse_event runs where confluent-kafka is installed, as in that venv)
"""

import importlib.util
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fault_check import Event, Report, check, check_join, check_windows, group_audit  # noqa: E402


def audit_of(changes):
    """(table, key, op, ver) in commit order -> audit grouped by row."""
    return group_audit([(aid, t, k, op, v) for aid, (t, k, op, v) in enumerate(changes, 1)])


# Commit order of the database; the snapshot "s1" is cut after the third change.
HISTORY = [
    ("t", "a", "I", 1),
    ("t", "b", "I", 2),
    ("t", "a", "U", 3),
    # cut of snapshot s1
    ("t", "a", "U", 4),
    ("t", "c", "I", 5),   # a row written while the snapshot runs
    ("t", "b", "D", 2),
    ("t", "c", "U", 6),
]


def R(ver, snapshot="s1"):
    return Event("R", ver, snapshot)


def E(op, ver):
    return Event(op, ver)


def clean_events():
    return {
        ("t", "a"): [R(3), E("U", 4)],
        ("t", "b"): [R(2), E("D", 2)],
        ("t", "c"): [E("I", 5), E("U", 6)],
    }


class CountsTestCase(unittest.TestCase):
    def assert_counts(self, report, **want):
        got = {name: getattr(report, name) for name in
               ("missing", "duplicated", "out_of_order", "unexpected", "state_mismatch")}
        expected = dict.fromkeys(got, 0)
        expected.update(want)
        self.assertEqual(got, expected, "\n".join(report.detail_lines()))


class CheckerTest(CountsTestCase):
    def run_check(self, received, starts=None, **kwargs):
        return check(audit_of(HISTORY), received, starts or {"s1": 1}, **kwargs)

    def test_exactly_once_passes(self):
        report = self.run_check(clean_events())
        self.assert_counts(report)
        self.assertFalse(report.failed())
        self.assertEqual(report.changes, 6)  # 2 READ images + 4 changes after the cut
        [snapshot] = report.snapshots
        self.assertTrue(snapshot.primary)
        self.assertEqual(snapshot.cut, 3)

    def test_missing_change(self):
        received = clean_events()
        received[("t", "c")] = [E("I", 5)]
        report = self.run_check(received)
        self.assert_counts(report, missing=1)
        [example] = report.examples
        self.assertEqual((example.key, example.verdict), (("t", "c"), "missing"))
        self.assertEqual(example.expected, ["I5", "U6"])
        self.assertEqual(example.received, ["I5"])

    def test_duplicate_after_replay(self):
        received = clean_events()
        received[("t", "a")] = [R(3), E("U", 4), E("U", 4)]
        self.assert_counts(self.run_check(received), duplicated=1)

    def test_out_of_order_pair(self):
        received = clean_events()
        received[("t", "c")] = [E("U", 6), E("I", 5)]
        report = self.run_check(received)
        self.assert_counts(report, out_of_order=1)
        self.assertEqual(report.examples[0].verdict, "out-of-order")

    def test_change_sent_after_the_read_that_shows_it(self):
        # U3 is the first streamed change and no change contradicts a stream
        # starting just before it, so the READ of version 3 came before U3, a
        # change it shows: out of order. (Taken as one cut after U3, as this
        # test once did, the snapshot would make U3 a duplicate.)
        received = clean_events()
        received[("t", "a")] = [R(3), E("U", 3), E("U", 4)]
        report = self.run_check(received)
        self.assert_counts(report, out_of_order=1)
        self.assertEqual(report.stream_start, 2)
        self.assertEqual(report.examples[0].note, "received after the READ that shows it")
        self.assertEqual(report.examples[0].expected, ["U3", "R3", "U4"])

    def test_replay_from_before_a_single_cut_is_duplicated(self):
        # The READs are one cut after U3; I1, streamed after them, is a state
        # from before it. A stream start before I1 would be contradicted by
        # two changes never streamed (I2, U3), one after U3 only by I1.
        received = clean_events()
        received[("t", "a")] = [R(3), E("I", 1), E("U", 4)]
        report = self.run_check(received)
        self.assert_counts(report, duplicated=1)
        self.assertEqual(report.stream_start, 3)
        self.assertEqual(report.examples[0].note, "a state from before the stream start")

    def test_seam_first_change_after_cut_lost(self):
        received = clean_events()
        received[("t", "a")] = [R(3)]
        self.assert_counts(self.run_check(received), missing=1)

    def test_row_deleted_after_the_stream_start_needs_no_read(self):
        # b is live at the stream start but deleted after it: D2 is all the
        # consumer needs (a chunk read after the delete finds no row).
        received = clean_events()
        received[("t", "b")] = [E("D", 2)]
        report = self.run_check(received)
        self.assert_counts(report)
        self.assertEqual(report.changes, 5)
        received[("t", "b")] = []
        self.assert_counts(self.run_check(received), missing=1)

    def test_seam_read_of_a_stale_version(self):
        # The READ of a shows version 1 although U3 committed before U4, the
        # first streamed change: U3 is then owed as a change, and lost.
        received = clean_events()
        received[("t", "a")] = [R(1), E("U", 4)]
        report = self.run_check(received)
        self.assertTrue(report.failed())
        self.assertGreaterEqual(report.missing, 1)

    def test_partial_snapshot_then_complete_one(self):
        # s1 was cut short by a crash after a's READ; s2, cut after the fifth
        # change, is complete: s1's READ is a surplus image.
        received = {
            ("t", "a"): [R(3, "s1"), R(4, "s2")],
            ("t", "b"): [R(2, "s2"), E("D", 2)],
            ("t", "c"): [R(5, "s2"), E("U", 6)],
        }
        report = self.run_check(received, {"s1": 1, "s2": 2})
        self.assert_counts(report, duplicated=1)
        primary = [s.snapshot_id for s in report.snapshots if s.primary]
        self.assertEqual(primary, ["s2"])
        self.assertEqual([s.missing_rows for s in report.snapshots], [1, 0])

    def test_snapshot_taken_again_after_lost_position(self):
        # After s1 and U4 the position was lost; I5 and D2 were committed
        # while the agent was down, then s2 read the rows again.
        received = {
            ("t", "a"): [R(3, "s1"), E("U", 4), R(4, "s2")],
            ("t", "b"): [R(2, "s1")],
            ("t", "c"): [R(5, "s2"), E("U", 6)],
        }
        report = self.run_check(received, {"s1": 1, "s2": 2})
        self.assert_counts(report, duplicated=1, missing=1)

    def test_first_changes_after_a_single_cut_lost(self):
        # U4 and I5, the first changes after the cut, never arrived. The
        # streamed changes alone would put the stream start after them; the
        # READs' cut puts it before them, and both are missing.
        received = clean_events()
        received[("t", "a")] = [R(3)]
        received[("t", "c")] = [E("U", 6)]
        report = self.run_check(received)
        self.assert_counts(report, missing=2)
        self.assertEqual(report.stream_start, 3)
        self.assertEqual(report.stream_start_basis, "the primary snapshot's cut")

    def test_delete_without_version_matched_by_position(self):
        history = [("t", "k", "I", 10), ("t", "k", "U", 11), ("t", "k", "D", 11),
                   ("t", "k", "I", 12), ("t", "k", "D", 12)]
        replayed = [E("I", 10), E("U", 11), E("D", None), E("U", 11), E("D", None),
                    E("I", 12), E("D", None)]
        report = check(audit_of(history), {("t", "k"): replayed})
        self.assertEqual((report.duplicated, report.missing, report.out_of_order), (2, 0, 0))
        lost = [E("I", 10), E("U", 11), E("I", 12), E("D", None)]
        report = check(audit_of(history), {("t", "k"): lost})
        self.assertEqual((report.duplicated, report.missing, report.out_of_order), (0, 1, 0))
        self.assertEqual(report.examples[0].expected, ["I10", "U11", "D11", "I12", "D12"])

    def test_unknown_version_is_unexpected(self):
        received = clean_events()
        received[("t", "a")] = [R(3), E("U", 4), E("U", 99)]
        received[("t", "zz")] = [E("I", 7)]
        self.assert_counts(self.run_check(received), unexpected=2)

    def test_state_mismatch(self):
        tables = {("t", "a"): (4,), ("t", "c"): (6,)}
        kafka = {("t", "a"): (3,), ("t", "c"): (6,), ("t", "b"): (2,)}
        report = self.run_check(clean_events(), table_rows=tables, kafka_rows=kafka)
        self.assert_counts(report, state_mismatch=2)

    def test_no_snapshot_leaves_live_rows_without_their_state(self):
        # The stream starts before I5: a (unchanged since) owes its READ, b its
        # DELETE; the changes before I5 are not owed as events.
        received = {("t", "c"): [E("I", 5), E("U", 6)]}
        report = check(audit_of(HISTORY), received)
        self.assert_counts(report, missing=2)
        self.assertEqual(report.stream_start, 4)
        self.assertEqual([e.note for e in report.examples],
                         ["no READ for a row live at the stream start",
                          "1 not received, the first D2"])


# A snapshot read in chunks while the stream flows: the stream starts after
# the fifth change, and each row's chunk is read at its own point.
CHUNKED = [
    ("t", "a", "I", 1),
    ("t", "b", "I", 2),
    ("t", "d", "I", 3),   # live at the stream start, never changed again
    ("t", "e", "I", 4),
    ("t", "g", "I", 5),
    # the stream starts
    ("t", "e", "U", 6),   # e changes and goes before its chunk is read
    ("t", "e", "D", 6),
    ("t", "g", "D", 5),   # g goes before its chunk is read
    ("t", "c", "I", 7),   # inserted, then its chunk is read
    ("t", "a", "U", 8),   # a changes twice before its chunk is read
    ("t", "a", "U", 9),
    ("t", "b", "U", 10),  # b changes after its chunk was read
    ("t", "c", "U", 11),
]


def chunked_events():
    return {
        ("t", "a"): [E("U", 8), E("U", 9), R(9)],
        ("t", "b"): [R(2), E("U", 10)],
        ("t", "c"): [E("I", 7), R(7), E("U", 11)],
        ("t", "d"): [R(3)],
        ("t", "e"): [E("U", 6), E("D", 6)],
        ("t", "g"): [E("D", 5)],
    }


class ChunkedSnapshotTest(CountsTestCase):
    def run_check(self, received, starts=None, **kwargs):
        return check(audit_of(CHUNKED), received, starts or {"s1": 1}, **kwargs)

    def test_chunked_snapshot_passes(self):
        report = self.run_check(chunked_events())
        self.assert_counts(report)
        self.assertEqual(report.stream_start, 5)
        self.assertEqual((report.live_rows, report.unchanged_rows), (5, 1))
        self.assertEqual(report.changes, 12)  # 8 changes after the stream start, 4 READs
        [snapshot] = report.snapshots
        self.assertTrue(snapshot.primary)
        self.assertEqual((snapshot.reads, snapshot.rows, snapshot.bad_reads,
                          snapshot.missing_rows), (4, 4, 0, 0))
        # The READs happen to form one cut too, after U9; the stream started
        # before it (I7, U8 and U9 were streamed before their rows' READs).
        self.assertEqual(snapshot.cut, 11)

    def test_stale_read_is_out_of_order(self):
        received = chunked_events()
        received[("t", "b")] = [E("U", 10), R(2)]
        report = self.run_check(received)
        self.assert_counts(report, out_of_order=1)
        [example] = report.examples
        self.assertEqual(example.key, ("t", "b"))
        self.assertTrue(example.note.startswith("stale READ"), example.note)
        self.assertEqual(report.snapshots[0].bad_reads, 1)

    def test_read_ahead_of_a_change_not_received(self):
        received = chunked_events()
        received[("t", "a")] = [E("U", 9), R(9)]
        report = self.run_check(received)
        self.assert_counts(report, missing=1)
        [example] = report.examples
        self.assertEqual(example.note, "1 not received, the first U8")
        self.assertEqual(example.expected, ["U8", "U9", "R9"])
        self.assertEqual(report.snapshots[0].bad_reads, 1)
        # U9 received, but after the READ that shows it
        received[("t", "a")] = [E("U", 8), R(9), E("U", 9)]
        self.assert_counts(self.run_check(received), out_of_order=1)
        # U8 and U9 lost: the READ stands for neither
        received[("t", "a")] = [R(9)]
        self.assert_counts(self.run_check(received), missing=2)

    def test_two_reads_in_one_snapshot_are_duplicated(self):
        received = chunked_events()
        received[("t", "d")] = [R(3), R(3)]
        received[("t", "b")] = [R(2), E("U", 10), R(10)]
        report = self.run_check(received)
        self.assert_counts(report, duplicated=2)
        self.assertEqual(report.examples[0].note, "a second READ in the primary snapshot")

    def test_unchanged_row_without_read_is_missing(self):
        received = chunked_events()
        del received[("t", "d")]
        report = self.run_check(received)
        self.assert_counts(report, missing=1)
        [example] = report.examples
        self.assertEqual((example.key, example.note),
                         (("t", "d"), "no READ for a row live at the stream start"))
        self.assertEqual(example.expected, ["R3"])
        self.assertEqual(report.snapshots[0].missing_rows, 1)

    def test_read_older_than_the_stream_start(self):
        # h's last change, U21, was committed before the stream started, so
        # no chunk could read version 20: U21 is owed, and lost.
        history = [("t", "h", "I", 20), ("t", "h", "U", 21)] + CHUNKED
        received = chunked_events()
        received[("t", "h")] = [R(20)]
        report = check(audit_of(history), received, {"s1": 1})
        self.assertEqual(report.stream_start, 7)
        self.assert_counts(report, missing=1)
        [example] = report.examples
        self.assertEqual(example.note, "1 not received, the first U21; "
                                       "the READ is older than the row at the stream start")
        self.assertEqual(example.expected, ["R20", "U21"])
        [snapshot] = report.snapshots
        self.assertEqual((snapshot.cut, snapshot.missing_rows, snapshot.bad_reads), (None, 1, 1))

    def test_stream_event_from_before_the_start_is_duplicated(self):
        # I1 is the earliest change received as a streamed event, but the
        # stream's changes start after I5: I1 is a state from before it.
        received = chunked_events()
        received[("t", "a")] = [E("U", 8), E("U", 9), R(9), E("I", 1)]
        report = self.run_check(received)
        self.assertEqual(report.stream_start, 5)
        self.assert_counts(report, duplicated=1)
        [example] = report.examples
        self.assertEqual(example.note, "a state from before the stream start")
        # Before the READ too
        received[("t", "a")] = [E("I", 1), E("U", 8), E("U", 9), R(9)]
        self.assert_counts(self.run_check(received), duplicated=1)

    def test_other_snapshot_stands_for_a_missing_read(self):
        # d, unchanged since the stream start, was read only by a later
        # snapshot: that READ gives the consumer the row.
        received = chunked_events()
        received[("t", "d")] = [R(3, "s2")]
        report = self.run_check(received, {"s1": 1, "s2": 2})
        self.assert_counts(report)
        self.assertEqual([(s.snapshot_id, s.primary, s.missing_rows) for s in report.snapshots],
                         [("s1", True, 1), ("s2", False, 0)])
        # Once the consumer has it, another snapshot's READ is surplus.
        received[("t", "d")] = [R(3), R(3, "s2")]
        self.assert_counts(self.run_check(received, {"s1": 1, "s2": 2}), duplicated=1)

    def test_resumed_snapshot_with_each_row_read_once_passes(self):
        # The first run read b's and d's chunk and was killed; the next run
        # resumed the same snapshot (same id) and read a's and c's chunks.
        received = chunked_events()
        report = self.run_check(received)
        self.assert_counts(report)
        self.assertEqual(len(report.snapshots), 1)
        # Had the two runs' READs counted as two snapshots, those of the one
        # that is not primary would be surplus.
        received[("t", "a")] = [E("U", 8), E("U", 9), R(9, "s1b")]
        received[("t", "c")] = [E("I", 7), R(7, "s1b"), E("U", 11)]
        split = self.run_check(received, {"s1": 1, "s1b": 1})
        self.assert_counts(split, duplicated=2)


def _json_event(op, table, ver, lsn, start):
    return json.dumps({
        "op": op,
        "source": {"table": table, "postgres": {"commit_lsn": str(lsn)},
                   "commit_time_us": str(start), "snapshot": op == "OP_READ"},
        "after": [{"name": "id", "value": {"int_value": "1"}},
                  {"name": "ver", "value": {"int_value": str(ver)}}],
    }).encode("utf-8")


@unittest.skipUnless(importlib.util.find_spec("confluent_kafka"),
                     "fault_kafka needs confluent-kafka")
class ParseEventTest(unittest.TestCase):
    def test_chunks_and_resumed_runs_share_one_snapshot_id(self):
        from fault_kafka import parse_event
        # Chunks at different stream positions, some published by a second
        # run that resumed the snapshot: one start time, one snapshot.
        reads = [("d", 3, 1000), ("b", 2, 1000), ("a", 9, 2500), ("c", 7, 2700)]
        parsed = {k: parse_event(_json_event("OP_READ", "t", ver, lsn, 1700000000000001))
                  for k, ver, lsn in reads}
        self.assertEqual({p[3] for p in parsed.values()},
                         {("started 1700000000000001", 1700000000000001)})
        self.assertEqual(parsed["a"][:3], ("R", "t", 9))
        # Another start time is another snapshot.
        other = parse_event(_json_event("OP_READ", "t", 9, 1000, 1700000000000002))
        self.assertNotEqual(other[3][0], parsed["a"][3][0])
        # A streamed event carries no snapshot id.
        self.assertEqual(parse_event(_json_event("OP_UPDATE", "t", 10, 3000, 5)),
                         ("U", "t", 10, None))
        # The parsed READs in the checker: one snapshot, nothing wrong.
        received = chunked_events()
        starts = {}
        for key, ver, _ in reads:
            sid, start = parsed[key][3]
            starts[sid] = start
            received[("t", key)] = [Event("R", ver, sid) if e.op == "R" else e
                                    for e in received[("t", key)]]
        report = check(audit_of(CHUNKED), received, starts)
        self.assertFalse(report.failed(), "\n".join(report.detail_lines()))
        self.assertEqual(len(report.snapshots), 1)


class JoinAndWindowTest(unittest.TestCase):
    # acct 7 inserted before the stream start (audit id 1), acct 8 after it.
    AUDIT = audit_of([
        ("acct", "7", "I", 1),      # 1; the stream starts after this
        ("orders", "eu|7", "I", 2),  # 2: acct 7 is ver 1
        ("acct", "8", "I", 3),      # 3
        ("orders", "eu|8", "I", 4),  # 4: acct 8 is ver 3
        ("acct", "7", "U", 5),      # 5
        ("orders", "eu|7", "U", 6),  # 6: acct 7 is ver 5
        ("acct", "8", "D", 3),      # 7
        ("orders", "eu|8", "U", 8),  # 8: no acct 8
    ])

    def run_join(self, joined):
        report = Report()
        check_join(self.AUDIT, joined, 1, report, "orders", "acct", 1)
        return report

    def test_the_joined_row_as_of_each_change(self):
        r = self.run_join([("eu|7", "I", 2, 1), ("eu|8", "I", 4, 3), ("eu|7", "U", 6, 5),
                           ("eu|8", "U", 8, None)])
        self.assertEqual((r.joined, r.join_mismatch, r.join_unread), (4, 0, 0))

    def test_null_only_for_a_row_the_snapshot_had_not_read(self):
        r = self.run_join([("eu|7", "I", 2, None)])   # acct 7 predates the stream
        self.assertEqual((r.join_mismatch, r.join_unread), (0, 1))
        r = self.run_join([("eu|8", "I", 4, None)])   # acct 8 was streamed
        self.assertEqual(r.join_mismatch, 1)
        r = self.run_join([("eu|7", "U", 6, 1)])      # stale
        self.assertEqual(r.join_mismatch, 1)
        r = self.run_join([("eu|8", "U", 8, 3)])      # deleted, still joined
        self.assertEqual(r.join_mismatch, 1)

    def test_windows(self):
        s = 1_000_000
        inserts = [10 * s + 1, 10 * s + 2, 11 * s + 5, 13 * s]
        report = Report()
        check_windows(inserts, 13 * s, [(10 * s, 2), (11 * s, 1)], report, "orders", s, s)
        self.assertEqual((report.windows, report.window_mismatch), (2, 0))
        # A count off by one, a window twice, and one published before it closed.
        report = Report()
        check_windows(inserts, 13 * s, [(10 * s, 3), (11 * s, 1), (11 * s, 1), (13 * s, 1)],
                      report, "orders", s, s)
        self.assertEqual(report.window_mismatch, 3)
        # A closed window never published.
        report = Report()
        check_windows(inserts, 13 * s, [(10 * s, 2)], report, "orders", s, s)
        self.assertEqual(report.window_mismatch, 1)


if __name__ == "__main__":
    unittest.main()
