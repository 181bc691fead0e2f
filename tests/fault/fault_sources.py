"""The database side of the fault harness: the captured tables, their audit
triggers, the SQL the workload sends, and reading the ground truth back.

Every captured table has a primary key and a `ver` column that every INSERT
and UPDATE sets to a new value from one counter per run, so a version is
never written twice, not even by a row deleted and inserted again: (table,
key, op, ver) names one change. An AFTER ROW trigger on each captured table
appends (table, key, op, ver) to `fault_audit`, which the agent does not
capture, in the same transaction; a primary key change is written there as a
DELETE of the old key and an INSERT of the new one, as the agent publishes
it. One connection writes, so the audit id is the commit order.

The clients are the `psql` and `mariadb` command-line programs.
"""

import os
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal

DATABASE = "faultdb"
AUDIT_TABLE = "fault_audit"
# Versions of the rows loaded before the agent starts: table number * 10^10 + row;
# the workload's versions start above all of them.
PRELOAD_VERSION_STEP = 10 ** 10
FIRST_WORKLOAD_VERSION = 10 ** 12


@dataclass(frozen=True)
class Column:
    name: str
    kind: str   # int, bigint, dec, text
    pg_type: str
    my_type: str


@dataclass(frozen=True)
class Table:
    name: str
    number: int
    keys: tuple
    values: tuple
    pg_identity_full: bool = False

    @property
    def columns(self):
        return self.keys + self.values


def _col(name, kind, pg_type, my_type=None):
    return Column(name, kind, pg_type, my_type or pg_type)


ID = _col("id", "int", "integer", "int")
BIG_ID = _col("id", "int", "bigint")
VER = _col("ver", "int", "bigint NOT NULL", "bigint NOT NULL")

# acct: REPLICA IDENTITY FULL (deletes carry the whole old row); the others
# keep the default (a PostgreSQL delete carries the key alone).
TABLES = (
    Table("acct", 1, (ID,), (VER, _col("amount", "dec", "numeric(12,2)", "decimal(12,2)"),
                             _col("note", "text", "varchar(40)")), pg_identity_full=True),
    Table("orders", 2, (_col("region", "text", "varchar(8)"), _col("n", "int", "integer", "int")),
          (VER, _col("qty", "int", "integer", "int"))),
    Table("bulk", 3, (BIG_ID,), (VER, _col("payload", "text", "varchar(40)"))),
    Table("snap", 4, (ID,), (VER, _col("filler", "text", "varchar(80)"))),
    Table("mark", 5, (ID,), (VER,)),
)
TABLE_BY_NAME = {t.name: t for t in TABLES}

REGIONS = ("eu", "us", "apac", "latam")
ACCT_KEYS, ACCT_PRELOAD = 3000, 1500
# The agent runs with two stateful transforms whose outputs the check
# verifies: a lookup join of orders with acct (orders.n = acct.id, adding
# acct's ver as acct_ver) and a count of orders inserts per second.
JOINED, JOIN_FROM, JOIN_COLUMN = "orders", "acct", "acct_ver"
JOIN_KEY_PART = 1  # orders' key is (region, n): n matches acct's key
COUNTED, WINDOW_US, GRACE_US = "orders", 1_000_000, 1_000_000
ORDER_NUMBERS, ORDER_PRELOAD = 400, 150
BULK_SMALL_KEYS, BULK_PRELOAD = 20000, 2000
BULK_LARGE_BASE = 10 ** 8


def canonical(kind, text):
    """A column value from the database's text form, comparable with Kafka's."""
    if text is None:
        return None
    if kind == "int":
        return int(text)
    if kind == "dec":
        return Decimal(text)
    return text


def kafka_value(value):
    """A cdc.v1.Value in protobuf's JSON mapping, as canonical() gives it."""
    if not value or "null" in value:
        return None
    (kind, v), = value.items()
    if kind in ("int_value", "uint_value"):
        return int(v)
    if kind == "decimal_value":
        return Decimal(v)
    if kind == "text_value":
        return v
    return (kind, repr(v))


def key_text(values):
    """The audit's text of a primary key: its values joined with '|'."""
    return "|".join(str(v) for v in values)


class Dialect:
    """What differs between PostgreSQL and MariaDB."""
    name = ""
    server = ""        # deploy/local/env's name for the server
    topic_schema = ""  # the middle part of the topic names

    def __init__(self, port, password):
        self.port = port
        self.password = password

    # --- statements shared by both -------------------------------------------------
    def update(self, table, where, ver, extra=""):
        return f"UPDATE {table} SET ver = {ver}{extra} WHERE {where};"

    def delete(self, table, where):
        return f"DELETE FROM {table} WHERE {where};"

    def update_range(self, table, where, ver_expr, extra=""):
        return f"UPDATE {table} SET ver = {ver_expr}{extra} WHERE {where};"


class Postgres(Dialect):
    name = "postgres"
    server = "pg"
    topic_schema = "public"

    def env(self):
        return dict(os.environ, PGPASSWORD=self.password, PGCONNECT_TIMEOUT="5")

    def client_args(self, database=DATABASE):
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                str(self.port), "-U", "postgres", "-d", database]

    def sync_marker(self, n):
        return f"\\echo @@done {n}\n"

    def reset_sql(self):
        return (
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            "WHERE slot_name = 'fault_slot';\n"
            f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE);\n"
            f"CREATE DATABASE {DATABASE};\n")

    def key_expr(self, table, row):
        return " || '|' || ".join(f"{row}.{c.name}::text" for c in table.keys)

    def schema_sql(self):
        out = [f"CREATE TABLE {AUDIT_TABLE} (id bigserial PRIMARY KEY, tbl varchar(16) NOT NULL, "
               "k varchar(64) NOT NULL, op char(1) NOT NULL, ver bigint NOT NULL);"]
        for t in TABLES:
            cols = ", ".join(f"{c.name} {c.pg_type}" for c in t.columns)
            pk = ", ".join(c.name for c in t.keys)
            out.append(f"CREATE TABLE {t.name} ({cols}, PRIMARY KEY ({pk}));")
            if t.pg_identity_full:
                out.append(f"ALTER TABLE {t.name} REPLICA IDENTITY FULL;")
            new, old = self.key_expr(t, "NEW"), self.key_expr(t, "OLD")
            ins = f"INSERT INTO {AUDIT_TABLE}(tbl, k, op, ver) VALUES"
            out.append(f"""CREATE FUNCTION audit_{t.name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {ins} ('{t.name}', {new}, 'I', NEW.ver);
  ELSIF TG_OP = 'DELETE' THEN
    {ins} ('{t.name}', {old}, 'D', OLD.ver);
  ELSIF ({old}) <> ({new}) THEN
    {ins} ('{t.name}', {old}, 'D', OLD.ver), ('{t.name}', {new}, 'I', NEW.ver);
  ELSE
    {ins} ('{t.name}', {new}, 'U', NEW.ver);
  END IF;
  RETURN NULL;
END $$;""")
            out.append(f"CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON {t.name} "
                       f"FOR EACH ROW EXECUTE FUNCTION audit_{t.name}();")
        return "\n".join(out) + "\n"

    def series(self, lo, hi):
        return f"generate_series({lo}, {hi}) AS s(g)"

    def concat(self, *parts):
        return " || ".join(parts)

    def insert(self, table, columns, values):
        return (f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join(values)}) "
                "ON CONFLICT DO NOTHING;")

    def insert_select(self, table, columns, exprs, lo, hi):
        return (f"INSERT INTO {table}({', '.join(columns)}) SELECT {', '.join(exprs)} "
                f"FROM {self.series(lo, hi)} ON CONFLICT DO NOTHING;")

    def change_key(self, table, set_clause, where, new_where):
        return (f"UPDATE {table} SET {set_clause} WHERE {where} AND NOT EXISTS "
                f"(SELECT 1 FROM {table} WHERE {new_where});")

    def copy_query(self, select):
        return ["-c", f"COPY ({select}) TO STDOUT"]

    null_text = "\\N"


class MariaDB(Dialect):
    name = "mysql"
    server = "mariadb"
    topic_schema = DATABASE

    def env(self):
        return dict(os.environ, MYSQL_PWD=self.password)

    def client_args(self, database=DATABASE):
        args = ["mariadb", "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P",
                str(self.port), "-uroot", "--batch", "-N", "--unbuffered", "--skip-reconnect",
                "--connect-timeout=5"]
        return args + ([database] if database else [])

    def sync_marker(self, n):
        return f"SELECT '@@done {n}';\n"

    def reset_sql(self):
        return f"DROP DATABASE IF EXISTS {DATABASE};\nCREATE DATABASE {DATABASE};\n"

    def key_expr(self, table, row):
        parts = ", '|', ".join(f"{row}.{c.name}" for c in table.keys)
        return f"CONCAT({parts})"

    def schema_sql(self):
        out = [f"CREATE TABLE {AUDIT_TABLE} (id bigint AUTO_INCREMENT PRIMARY KEY, "
               "tbl varchar(16) NOT NULL, k varchar(64) NOT NULL, op char(1) NOT NULL, "
               "ver bigint NOT NULL) ENGINE=InnoDB;", "DELIMITER //"]
        ins = f"INSERT INTO {AUDIT_TABLE}(tbl, k, op, ver) VALUES"
        for t in TABLES:
            cols = ", ".join(f"{c.name} {c.my_type}" for c in t.columns)
            pk = ", ".join(c.name for c in t.keys)
            out.append(f"CREATE TABLE {t.name} ({cols}, PRIMARY KEY ({pk})) ENGINE=InnoDB//")
            new, old = self.key_expr(t, "NEW"), self.key_expr(t, "OLD")
            out.append(f"CREATE TRIGGER {t.name}_ai AFTER INSERT ON {t.name} FOR EACH ROW "
                       f"{ins} ('{t.name}', {new}, 'I', NEW.ver)//")
            out.append(f"CREATE TRIGGER {t.name}_ad AFTER DELETE ON {t.name} FOR EACH ROW "
                       f"{ins} ('{t.name}', {old}, 'D', OLD.ver)//")
            out.append(f"""CREATE TRIGGER {t.name}_au AFTER UPDATE ON {t.name} FOR EACH ROW
BEGIN
  IF {old} <> {new} THEN
    {ins} ('{t.name}', {old}, 'D', OLD.ver), ('{t.name}', {new}, 'I', NEW.ver);
  ELSE
    {ins} ('{t.name}', {new}, 'U', NEW.ver);
  END IF;
END//""")
        out.append("DELIMITER ;")
        return "\n".join(out) + "\n"

    def series(self, lo, hi):
        return f"(SELECT seq AS g FROM seq_{lo}_to_{hi}) AS s"

    def concat(self, *parts):
        return f"CONCAT({', '.join(parts)})"

    def insert(self, table, columns, values):
        return f"INSERT IGNORE INTO {table}({', '.join(columns)}) VALUES ({', '.join(values)});"

    def insert_select(self, table, columns, exprs, lo, hi):
        return (f"INSERT IGNORE INTO {table}({', '.join(columns)}) SELECT {', '.join(exprs)} "
                f"FROM {self.series(lo, hi)};")

    def change_key(self, table, set_clause, where, new_where):
        # Not UPDATE IGNORE: MariaDB runs the AFTER UPDATE trigger of a row
        # whose key change it then skips as a duplicate, so the audit would
        # hold a change that never happened. The new key is free; if it is
        # not, the transaction fails and is rolled back.
        return f"UPDATE {table} SET {set_clause} WHERE {where};"

    def copy_query(self, select):
        return ["--quick", "-e", select]

    null_text = "NULL"


def make_dialect(name, port, password):
    return {"postgres": Postgres, "mysql": MariaDB}[name](port, password)


def preload_sql(dialect, snapshot_rows):
    """The rows that exist before the agent's first start, in one transaction
    (the triggers write their audit rows)."""
    d = dialect
    step = PRELOAD_VERSION_STEP
    parts = ["BEGIN;"]
    plans = [
        ("acct", ["id", "ver", "amount", "note"],
         ["g", f"{step} + g", "g * 1.25", d.concat("'n'", "g")], 1, ACCT_PRELOAD),
        ("bulk", ["id", "ver", "payload"], ["g", f"{3 * step} + g", d.concat("'p'", "g")],
         1, BULK_PRELOAD),
        ("snap", ["id", "ver", "filler"], ["g", f"{4 * step} + g", "'snapshot-row-filler-text'"],
         1, snapshot_rows),
        ("mark", ["id", "ver"], ["g", f"{5 * step} + g"], 1, 1),
    ]
    for r, region in enumerate(REGIONS):
        plans.append(("orders", ["region", "n", "ver", "qty"],
                      [f"'{region}'", "g", f"{2 * step} + {r * 1000} + g", "g"], 1, ORDER_PRELOAD))
    for table, cols, exprs, lo, hi in plans:
        parts.append(f"INSERT INTO {table}({', '.join(cols)}) SELECT {', '.join(exprs)} "
                     f"FROM {d.series(lo, hi)};")
    parts.append("COMMIT;")
    return "\n".join(parts) + "\n"


class ClientError(Exception):
    pass


def run_sql(dialect, sql, database=DATABASE, timeout=600):
    """Runs SQL text with a one-shot client; raises ClientError with its stderr."""
    p = subprocess.run(dialect.client_args(database), input=sql, capture_output=True, text=True,
                       env=dialect.env(), timeout=timeout)
    if p.returncode != 0:
        raise ClientError(p.stderr.strip() or f"exit {p.returncode}")
    return p.stdout


def query_rows(dialect, select, timeout=600):
    """Yields the rows of a SELECT as lists of text (None for NULL)."""
    args = dialect.client_args() + dialect.copy_query(select)
    p = subprocess.run(args, capture_output=True, text=True, env=dialect.env(), timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise ClientError(p.stderr.strip() or f"exit {p.returncode}")
    for line in p.stdout.splitlines():
        yield [None if f == dialect.null_text else f for f in line.split("\t")]


def read_audit(dialect):
    """[(aid, table, key, op, ver)] of every committed change."""
    return [(int(a), t, k, op, int(v)) for a, t, k, op, v in
            query_rows(dialect, f"SELECT id, tbl, k, op, ver FROM {AUDIT_TABLE}")]


def read_tables(dialect):
    """{(table, key text): row tuple of canonical values} of every captured table."""
    rows = {}
    for t in TABLES:
        names = ", ".join(c.name for c in t.columns)
        nkeys = len(t.keys)
        for fields in query_rows(dialect, f"SELECT {names} FROM {t.name}"):
            values = tuple(canonical(c.kind, f) for c, f in zip(t.columns, fields))
            rows[(t.name, key_text(values[:nkeys]))] = values
    return rows


class Client:
    """One long-lived client process fed transactions on stdin.

    run() sends one transaction and waits until the client has echoed a marker
    after it. The clients stop at the first error (psql ON_ERROR_STOP, mariadb
    without --force), so a failed transaction ends the process: run() then
    returns False and the next call starts a new client. Whether a transaction
    whose COMMIT was cut off committed is not known here; the audit table
    knows.
    """

    def __init__(self, dialect):
        self.dialect = dialect
        self.proc = None
        self.stderr = None
        self.count = 0
        self.last_error = ""

    def _start(self):
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(self.dialect.client_args(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True,
                                     env=self.dialect.env(), bufsize=1)

    def run(self, statements):
        if self.proc is None:
            self._start()
        self.count += 1
        marker = f"@@done {self.count}"
        text = ("BEGIN;\n" + "\n".join(statements) + "\nCOMMIT;\n"
                + self.dialect.sync_marker(self.count))
        try:
            self.proc.stdin.write(text)
            self.proc.stdin.flush()
            while True:
                line = self.proc.stdout.readline()
                if not line:
                    break
                if line.strip() == marker:
                    return True
        except (BrokenPipeError, OSError):
            pass
        self.close()
        return False

    def close(self):
        if self.proc is None:
            return
        p, self.proc = self.proc, None
        try:
            p.stdin.close()
        except OSError:
            pass
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        p.stdout.close()
        self.stderr.seek(0)
        err = self.stderr.read().strip()
        self.stderr.close()
        if err:
            self.last_error = err.splitlines()[-1]
