"""Unit tests of fault_check: synthetic audit rows and events, one test per
kind of delivery fault, each asserting that the fault is counted.

Run: $HOME/.cache/cdc-agent/py-venv/bin/python tests/fault/test_checker.py
(any Python 3.10+ will do: no packages needed)
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fault_check import Event, check, group_audit  # noqa: E402


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


class CheckerTest(unittest.TestCase):
    def run_check(self, received, starts=None, **kwargs):
        return check(audit_of(HISTORY), received, starts or {"s1": 1}, **kwargs)

    def assert_counts(self, report, **want):
        got = {name: getattr(report, name) for name in
               ("missing", "duplicated", "out_of_order", "unexpected", "state_mismatch")}
        expected = dict.fromkeys(got, 0)
        expected.update(want)
        self.assertEqual(got, expected, "\n".join(report.detail_lines()))

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

    def test_seam_change_before_cut_sent_again(self):
        # U3 was committed before the cut: the READ of version 3 stands for it.
        received = clean_events()
        received[("t", "a")] = [R(3), E("U", 3), E("U", 4)]
        self.assert_counts(self.run_check(received), duplicated=1)

    def test_seam_first_change_after_cut_lost(self):
        received = clean_events()
        received[("t", "a")] = [R(3)]
        self.assert_counts(self.run_check(received), missing=1)

    def test_seam_row_live_at_cut_without_read(self):
        received = clean_events()
        received[("t", "b")] = [E("D", 2)]
        report = self.run_check(received)
        self.assert_counts(report, missing=1)
        self.assertEqual(report.snapshots[0].missing_rows, 1)
        self.assertEqual(report.examples[0].expected, ["R2", "D2"])

    def test_seam_read_of_a_stale_version(self):
        # The READ of a shows version 1 although U3 committed before the cut:
        # U3 is then owed as a change, and the cut is not consistent with b's.
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

    def test_no_snapshot_means_every_change_is_owed(self):
        received = {("t", "c"): [E("I", 5), E("U", 6)]}
        report = check(audit_of(HISTORY), received)
        self.assertEqual(report.missing, 5)


if __name__ == "__main__":
    unittest.main()
