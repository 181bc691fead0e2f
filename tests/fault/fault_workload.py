"""The workload of the fault harness: one writer that commits transactions
of 1 row up to tens of thousands of rows into the captured tables, without
pause, while faults are injected around it.

Inserts, updates and deletes are written so that they succeed whatever the
rows are (ON CONFLICT DO NOTHING / INSERT IGNORE, updates and deletes by key
or key range). A key change moves a row to a key that the writer knows to be
free: from its copy of the keys of acct and orders, which it reads again
from the database after every failed transaction (a commit cut off by a
lost connection may or may not have happened), or to a key of snap that no
row has ever had.
"""

import queue
import random
import subprocess
import threading
import time

from fault_sources import (ACCT_KEYS, BULK_LARGE_BASE, BULK_SMALL_KEYS, FIRST_WORKLOAD_VERSION,
                           ORDER_NUMBERS, REGIONS, Client, ClientError, query_rows)


class KeySet:
    """A set with O(1) random choice."""

    def __init__(self, keys=()):
        self.items = []
        self.where = {}
        for k in keys:
            self.add(k)

    def __contains__(self, k):
        return k in self.where

    def __len__(self):
        return len(self.items)

    def add(self, k):
        if k not in self.where:
            self.where[k] = len(self.items)
            self.items.append(k)

    def discard(self, k):
        i = self.where.pop(k, None)
        if i is None:
            return
        last = self.items.pop()
        if i < len(self.items):
            self.items[i] = last
            self.where[last] = i

    def choice(self, rng):
        return self.items[rng.randrange(len(self.items))] if self.items else None


class LargeRequest:
    def __init__(self, rows):
        self.rows = rows
        self.done = threading.Event()
        self.ok = False
        self.description = ""


class Workload(threading.Thread):
    """Writes until stop(); request_large() slips a large transaction in."""

    def __init__(self, dialect, seed, tps, snapshot_rows, log):
        super().__init__(name=f"workload-{dialect.name}", daemon=True)
        self.d = dialect
        self.rng = random.Random(seed)
        self.tps = tps
        self.snapshot_rows = snapshot_rows
        self.log = log
        self.client = Client(dialect)
        self.ver = FIRST_WORKLOAD_VERSION
        self.acct = KeySet()
        self.orders = KeySet()
        self.bulk_ranges = []
        self.next_large_id = BULK_LARGE_BASE
        self.next_fresh_snap_key = 2 * snapshot_rows + 1
        self.large = queue.Queue()
        self.stopping = threading.Event()
        self.committed = 0
        self.failed = 0
        self.largest = 0
        self.need_resync = True
        self.touched = set()
        self.error = None

    # --- control ------------------------------------------------------------------
    def request_large(self, rows):
        req = LargeRequest(rows)
        self.large.put(req)
        return req

    def stop(self):
        self.stopping.set()
        self.join()
        self.client.close()

    def next_version(self, n=1):
        base = self.ver
        self.ver += n
        return base

    # --- the loop -----------------------------------------------------------------
    def run(self):
        try:
            self._loop()
        except Exception as e:  # reported by the harness after stop()
            self.error = e
        finally:
            while True:
                try:
                    self.large.get_nowait().done.set()
                except queue.Empty:
                    break

    def _loop(self):
        interval = 1.0 / self.tps if self.tps > 0 else 0.0
        next_at = time.monotonic()
        while not self.stopping.is_set():
            if self.need_resync and not self._resync():
                time.sleep(0.5)
                continue
            try:
                req = self.large.get_nowait()
            except queue.Empty:
                req = None
            if req is not None:
                statements, apply, req.description = self._large(req.rows)
            else:
                statements, apply = self._transaction()
            if self.client.run(statements):
                self.committed += 1
                apply()
                if req is not None:
                    req.ok = True
            else:
                self.failed += 1
                self.need_resync = True
                time.sleep(0.2)
            if req is not None:
                req.done.set()
            next_at += interval
            now = time.monotonic()
            if next_at > now:
                time.sleep(next_at - now)
            elif now - next_at > 1.0:
                next_at = now

    def _resync(self):
        try:
            acct = [int(r[0]) for r in query_rows(self.d, "SELECT id FROM acct", timeout=30)]
            orders = [(r[0], int(r[1])) for r in
                      query_rows(self.d, "SELECT region, n FROM orders", timeout=30)]
        except (ClientError, OSError, ValueError, subprocess.TimeoutExpired):
            return False
        self.acct = KeySet(acct)
        self.orders = KeySet(orders)
        self.need_resync = False
        return True

    # --- transactions ---------------------------------------------------------------
    def _transaction(self):
        self.touched = set()   # keys this transaction inserts or moves to
        r = self.rng.random()
        if r < 0.25:
            ops = [self._row_op()]
        elif r < 0.55:
            ops = [self._row_op() for _ in range(self.rng.randint(2, 6))]
        elif r < 0.70:
            ops = [self._range_update()] + [self._row_op() for _ in range(self.rng.randint(0, 2))]
        elif r < 0.85:
            ops = [self._snap_op() for _ in range(self.rng.randint(1, 3))]
        else:
            ops = [self._bulk_small_op()]
        statements = [s for s, _ in ops]
        applies = [a for _, a in ops if a is not None]

        def apply():
            for a in applies:
                a()
        return statements, apply

    def _row_op(self):
        if self.rng.random() < 0.6:
            return self._acct_op()
        return self._orders_op()

    def _acct_op(self):
        rng, d, live = self.rng, self.d, self.acct
        r = rng.random()
        if r < 0.25 or len(live) < 10:
            k = rng.randint(1, ACCT_KEYS)
            self.touched.add(("acct", k))
            v = self.next_version()
            s = d.insert("acct", ["id", "ver", "amount", "note"],
                         [str(k), str(v), f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}",
                          f"'i{v % 100000}'"])
            return s, lambda: live.add(k)
        k = live.choice(rng)
        if r < 0.65:
            return d.update("acct", f"id = {k}", self.next_version(), ", amount = amount + 1"), None
        if r < 0.85:
            return d.delete("acct", f"id = {k}"), lambda: live.discard(k)
        new = rng.randint(1, ACCT_KEYS)
        if new in live or ("acct", new) in self.touched:
            return d.update("acct", f"id = {k}", self.next_version(), ", note = 'u'"), None
        self.touched.add(("acct", new))
        s = d.change_key("acct", f"id = {new}, ver = {self.next_version()}", f"id = {k}",
                         f"id = {new}")

        def apply():
            live.discard(k)
            live.add(new)
        return s, apply

    def _orders_op(self):
        rng, d, live = self.rng, self.d, self.orders
        r = rng.random()
        if r < 0.25 or len(live) < 10:
            k = (rng.choice(REGIONS), rng.randint(1, ORDER_NUMBERS))
            self.touched.add(("orders", k))
            v = self.next_version()
            s = d.insert("orders", ["region", "n", "ver", "qty"],
                         [f"'{k[0]}'", str(k[1]), str(v), str(rng.randint(1, 50))])
            return s, lambda: live.add(k)
        k = live.choice(rng)
        where = f"region = '{k[0]}' AND n = {k[1]}"
        if r < 0.65:
            return d.update("orders", where, self.next_version(), ", qty = qty + 1"), None
        if r < 0.85:
            return d.delete("orders", where), lambda: live.discard(k)
        new = (rng.choice(REGIONS), rng.randint(1, ORDER_NUMBERS))
        if new in live or ("orders", new) in self.touched:
            return d.update("orders", where, self.next_version()), None
        self.touched.add(("orders", new))
        new_where = f"region = '{new[0]}' AND n = {new[1]}"
        set_clause = f"region = '{new[0]}', n = {new[1]}, ver = {self.next_version()}"
        s = d.change_key("orders", set_clause, where, new_where)

        def apply():
            live.discard(k)
            live.add(new)
        return s, apply

    def _range_update(self):
        rng, d = self.rng, self.d
        if rng.random() < 0.5:
            n = rng.randint(10, 300)
            a = rng.randint(1, max(1, ACCT_KEYS - n))
            base = self.next_version(n)
            return d.update_range("acct", f"id BETWEEN {a} AND {a + n - 1}", f"{base} + (id - {a})",
                                  ", amount = amount + 1"), None
        n = rng.randint(10, 150)
        a = rng.randint(1, max(1, ORDER_NUMBERS - n))
        base = self.next_version(n)
        return d.update_range("orders", f"region = '{rng.choice(REGIONS)}' AND n BETWEEN {a} AND "
                              f"{a + n - 1}", f"{base} + (n - {a})", ", qty = qty + 1"), None

    def _snap_op(self):
        rng, d = self.rng, self.d
        top = max(10, int(self.snapshot_rows * 1.02))
        k = rng.randint(1, top)
        r = rng.random()
        if r < 0.5:
            return d.update("snap", f"id = {k}", self.next_version(), ", filler = 'updated'"), None
        if r < 0.7:
            return d.delete("snap", f"id = {k}"), None
        if r < 0.9:
            v = self.next_version()
            return d.insert("snap", ["id", "ver", "filler"], [str(k), str(v), "'inserted'"]), None
        # A key no row has had: the key change cannot collide.
        new = self.next_fresh_snap_key
        self.next_fresh_snap_key += 1
        return d.change_key("snap", f"id = {new}, ver = {self.next_version()}", f"id = {k}",
                            f"id = {new}"), None

    def _bulk_small_op(self):
        rng, d = self.rng, self.d
        n = rng.randint(10, 500)
        a = rng.randint(1, max(1, BULK_SMALL_KEYS - n))
        b = a + n - 1
        r = rng.random()
        if r < 0.4:
            base = self.next_version(n)
            return d.insert_select("bulk", ["id", "ver", "payload"],
                                   ["g", f"{base} + (g - {a})", d.concat("'s'", "g")], a, b), None
        if r < 0.7:
            base = self.next_version(n)
            return d.update_range("bulk", f"id BETWEEN {a} AND {b}", f"{base} + (id - {a})",
                                  ", payload = 'updated'"), None
        return d.delete("bulk", f"id BETWEEN {a} AND {b}"), None

    def _large(self, rows):
        """One statement over `rows` rows: (statements, apply, description)."""
        rng, d = self.rng, self.d
        kinds = ["insert-bulk", "update-snap"]
        if self.bulk_ranges:
            kinds += ["update-bulk", "delete-bulk"]
        kind = rng.choice(kinds) if self.bulk_ranges else "insert-bulk"
        if kind == "insert-bulk":
            base = self.next_version(rows)
            a = self.next_large_id
            b = a + rows - 1
            self.next_large_id = b + 1
            s = d.insert_select("bulk", ["id", "ver", "payload"],
                                ["g", f"{base} + (g - {a})", d.concat("'large'", "g")], a, b)
            return [s], lambda: self.bulk_ranges.append((a, b)), f"insert {rows} rows into bulk"
        if kind == "update-snap":
            a = rng.randint(1, max(1, self.snapshot_rows - rows))
            b = a + rows - 1
            base = self.next_version(rows)
            s = d.update_range("snap", f"id BETWEEN {a} AND {b}", f"{base} + (id - {a})",
                               ", filler = 'large-update'")
            return [s], lambda: None, f"update {rows} rows of snap"
        i = rng.randrange(len(self.bulk_ranges))
        a, b = self.bulk_ranges[i]
        if kind == "update-bulk":
            base = self.next_version(b - a + 1)
            s = d.update_range("bulk", f"id BETWEEN {a} AND {b}", f"{base} + (id - {a})",
                               ", payload = 'large-update'")
            return [s], lambda: None, f"update {b - a + 1} rows of bulk"
        s = d.delete("bulk", f"id BETWEEN {a} AND {b}")
        return [s], lambda: self.bulk_ranges.pop(i), f"delete {b - a + 1} rows of bulk"
