"""The database side of the benchmark, for PostgreSQL and MariaDB, through
their own command-line clients (psql, pg_recvlogical, mariadb,
mariadb-binlog): the benchmark database and tables, the backlog, the paced
writer of the latency steps, the bound readers of the raw log, and cleanup.

Every table has the same five columns: id BIGINT primary key, name
VARCHAR(40), amount DECIMAL(12,2), created timestamp, flag boolean.
  bench         the backlog
  bench_lat     the latency steps
  bench_snap    the snapshot step: filled with N rows, read whole by the
                database's own client and by the agent's initial snapshot
  bench_warmup  one row that Debezium Server sees before the backlog, so that
                it stores its start position (it stores none without an event)

The backlog is written by a server-side procedure in transactions of
BACKLOG_TXN_ROWS rows: N/2 inserts (ids 1..N/2), then N/4 updates (ids
1..N/4), then the rest deletes (ids 1..). The last change is the delete of
id `deletes`.

The paced writer is a procedure too: it commits transactions of
LATENCY_TXN_ROWS rows, spaced to a rate, in a repeating pattern of two
inserts of new ids, an update of the oldest ids not yet updated, and the
delete of those same ids, so that every id gets at most one change of each
kind. After each COMMIT returns it notes the wall-clock time (microseconds)
with the kind and the first id of the transaction, and returns that list.
"""

import os
import subprocess
import time

from bench_util import BenchError, first_line, log, run

DATABASE = "cdc_bench"
BACKLOG_TXN_ROWS = 1000
LATENCY_TXN_ROWS = 10
# Names of the replication slots this benchmark makes all start so; a
# leftover one of an interrupted run (not in use) is dropped at start.
SLOT_PREFIX = "cdc_bench_"
SLOT_LIKE = r"cdc\_bench\_%"


def split_backlog(changes):
    """(inserts, updates, deletes) of a backlog of `changes` changes."""
    inserts = changes // 2
    updates = changes // 4
    return inserts, updates, changes - inserts - updates


def pg_row(id_expr):
    """The five values of the row with id `id_expr` (a PostgreSQL expression),
    as every table of the benchmark but bench_lat is filled."""
    i = f"({id_expr})"
    return (f"{id_expr}, 'name ' || {i}, ({i} % 1000000) * 1.25, "
            f"timestamp '2024-01-01' + ({i} % 100000000) * interval '1 second', {i} % 2 = 0")


def mariadb_row(id_expr):
    """The same for MariaDB."""
    i = f"({id_expr})"
    return (f"{id_expr}, CONCAT('name ', {i}), ({i} % 1000000) * 1.25, "
            f"TIMESTAMP'2024-01-01 00:00:00' + INTERVAL ({i} % 100000000) SECOND, {i} % 2 = 0")


class Source:
    """What both databases share."""
    key = ""          # pg | mariadb
    title = ""
    server = ""       # deploy/local/env's name

    def __init__(self, port, password):
        self.port = port
        self.password = password
        self.slots = []
        self.cleaned = False

    def schema_name(self):
        """The middle part of topic names: the schema (PostgreSQL) or the database."""
        raise NotImplementedError

    def sql(self, text, what, database=DATABASE, timeout=120):
        return run(self.client(database), what, timeout, input_text=text, env=self.env()).stdout

    def start_client(self):
        """The command-line client on the benchmark's database, started with
        pipes: it runs what is written to its stdin."""
        return subprocess.Popen(self.client(DATABASE), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.env())

    def write_backlog(self, changes, timeout):
        """Writes the backlog; returns the log position after it."""
        inserts, updates, deletes = split_backlog(changes)
        self.sql(f"CALL bench_backlog({inserts}, {updates}, {deletes}, {BACKLOG_TXN_ROWS});",
                 "writing the backlog", timeout=timeout)
        return self.position()

    def read_table_bound(self, timeout):
        """Reads table bench_snap whole with the database's own client, its
        output to /dev/null, twice (the first brings the table into memory);
        returns the seconds of the second read."""
        seconds = 0.0
        for _ in range(2):
            started = time.monotonic()
            with open(os.devnull, "w", encoding="utf-8") as sink:
                try:
                    result = subprocess.run(self.full_read_args(), stdout=sink,
                                            stderr=subprocess.PIPE, text=True, timeout=timeout,
                                            env=self.env())
                except subprocess.TimeoutExpired:
                    raise BenchError(f"reading bench_snap whole: no result after {timeout:.0f} s") \
                        from None
            seconds = time.monotonic() - started
            if result.returncode != 0:
                raise BenchError(f"reading bench_snap whole: "
                                 f"{first_line(result.stderr) or 'exit ' + str(result.returncode)}")
        return seconds

    def warmup_row(self, n):
        self.sql(f"INSERT INTO bench_warmup VALUES ({n});", "writing a warm-up row")


class Postgres(Source):
    key = "pg"
    title = "PostgreSQL"
    server = "pg"

    def env(self):
        return dict(os.environ, PGPASSWORD=self.password, PGCONNECT_TIMEOUT="10")

    def client(self, database):
        return ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", str(self.port), "-U", "postgres", "-d", database]

    def schema_name(self):
        return "public"

    def version(self):
        return self.sql("SHOW server_version;", "PostgreSQL version", database="postgres").strip()

    def setup(self):
        """Drops what an interrupted run left (inactive slots named
        cdc_bench_*, the database) and creates the database afresh."""
        rows = self.sql(f"SELECT slot_name, active FROM pg_replication_slots "
                        f"WHERE slot_name LIKE '{SLOT_LIKE}';",
                        "looking for leftover slots", database="postgres").split()
        active = [r.split("|")[0] for r in rows if r.endswith("|t")]
        if active:
            raise BenchError(f"PostgreSQL slot(s) {', '.join(active)} of an earlier benchmark are "
                             "in use: stop the process that reads them")
        if rows:
            self.sql(f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                     f"WHERE slot_name LIKE '{SLOT_LIKE}';", "dropping leftover slots",
                     database="postgres")
            log(f"PostgreSQL: dropped {len(rows)} leftover slot(s) of an earlier run")
        self.sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE);\nCREATE DATABASE {DATABASE};\n",
                 "creating the benchmark database", database="postgres")
        columns = ("id bigint PRIMARY KEY, name varchar(40), amount numeric(12,2), "
                   "created timestamp, flag boolean")
        self.sql(f"""
CREATE TABLE bench ({columns});
CREATE TABLE bench_lat ({columns});
CREATE TABLE bench_snap ({columns});
CREATE TABLE bench_big ({columns});
CREATE TABLE bench_warmup (id bigint PRIMARY KEY);
CREATE PROCEDURE bench_backlog(inserts bigint, updates bigint, deletes bigint, per_txn int)
LANGUAGE plpgsql AS $$
DECLARE lo bigint := 0; n bigint;
BEGIN
  WHILE lo < inserts LOOP
    n := least(per_txn, inserts - lo);
    INSERT INTO bench SELECT {pg_row("lo + g")}
      FROM generate_series(1, n) AS g;
    COMMIT;
    lo := lo + n;
  END LOOP;
  lo := 0;
  WHILE lo < updates LOOP
    n := least(per_txn, updates - lo);
    UPDATE bench SET name = 'updated ' || id, amount = amount + 1, flag = NOT flag
      WHERE id > lo AND id <= lo + n;
    COMMIT;
    lo := lo + n;
  END LOOP;
  lo := 0;
  WHILE lo < deletes LOOP
    n := least(per_txn, deletes - lo);
    DELETE FROM bench WHERE id > lo AND id <= lo + n;
    COMMIT;
    lo := lo + n;
  END LOOP;
END $$;
CREATE PROCEDURE bench_paced(base bigint, rate float8, total bigint, per_txn int,
                             INOUT commits text DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
  t0 float8 := extract(epoch FROM clock_timestamp());
  per_s float8 := rate / per_txn;
  k bigint := 0;
  next_new bigint := base;
  next_old bigint := base;
  lo bigint;
  op text;
  pause float8;
  out text[] := '{{}}';
BEGIN
  WHILE k < total LOOP
    IF k % 4 < 2 THEN
      lo := next_new; next_new := next_new + per_txn; op := 'I';
      INSERT INTO bench_lat SELECT lo + g, 'name ' || (lo + g), ((lo + g) % 1000000) * 1.25,
          timestamp '2024-01-01' + ((lo + g) % 100000000) * interval '1 second', g % 2 = 0
        FROM generate_series(0, per_txn - 1) AS g;
    ELSIF k % 4 = 2 THEN
      lo := next_old; op := 'U';
      UPDATE bench_lat SET name = 'updated ' || id, amount = amount + 1, flag = NOT flag
        WHERE id >= lo AND id < lo + per_txn;
    ELSE
      lo := next_old; next_old := next_old + per_txn; op := 'D';
      DELETE FROM bench_lat WHERE id >= lo AND id < lo + per_txn;
    END IF;
    COMMIT;
    out := out || (op || ' ' || lo || ' ' || (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
    k := k + 1;
    pause := t0 + k / per_s - extract(epoch FROM clock_timestamp());
    IF pause > 0.001 THEN PERFORM pg_sleep(pause); END IF;
  END LOOP;
  commits := array_to_string(out, E'\\n');
END $$;
""", "creating the benchmark tables")

    def position(self):
        return self.sql("SELECT pg_current_wal_lsn();", "reading the WAL position").strip()

    full_read_label = "COPY bench_snap TO STDOUT (psql, to /dev/null)"

    def full_read_args(self):
        return self.client(DATABASE) + ["-c", "COPY bench_snap TO STDOUT"]

    def fill_snapshot_table(self, rows, timeout):
        """bench_snap with ids 1..rows, vacuumed (hint bits set) so that no
        reader of it writes."""
        self.sql(f"""
TRUNCATE bench_snap;
INSERT INTO bench_snap SELECT {pg_row("g")}
  FROM generate_series(1, {rows}) AS g;
VACUUM (ANALYZE) bench_snap;
""", "filling bench_snap", timeout=timeout)

    def write_big_transaction(self, rows, timeout):
        """One transaction: `rows` inserts into bench_big."""
        self.sql(f"""
INSERT INTO bench_big SELECT {pg_row("g")}
  FROM generate_series(1, {rows}) AS g;
""", "writing the single transaction", timeout=timeout)

    def prepare_bound(self, name):
        """A slot and a publication for pg_recvlogical, at the current end."""
        self.sql(f"CREATE PUBLICATION {name} FOR TABLE bench;\n"
                 f"SELECT pg_create_logical_replication_slot('{name}', 'pgoutput');\n",
                 "creating the slot of pg_recvlogical")
        self.slots.append(name)

    def read_bound(self, name, end, timeout, log_path):
        """Streams the slot `name` with pgoutput to /dev/null up to `end`
        with pg_recvlogical; returns the seconds it took."""
        args = ["pg_recvlogical", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                "-d", DATABASE, "--slot", name, "--start", "-o", "proto_version=1",
                "-o", f"publication_names={name}", f"--endpos={end}", "--no-loop",
                "-f", "/dev/null"]
        started = time.monotonic()
        result = run(args, "pg_recvlogical", timeout, env=self.env(), check=False)
        seconds = time.monotonic() - started
        with open(log_path, "w", encoding="utf-8") as f:
            f.write(result.stdout + result.stderr)
        if result.returncode != 0:
            raise BenchError(f"pg_recvlogical: {first_line(result.stderr) or 'exit ' + str(result.returncode)}")
        reached = self.sql(f"SELECT confirmed_flush_lsn >= '{end}'::pg_lsn FROM pg_replication_slots "
                           f"WHERE slot_name = '{name}';", "checking pg_recvlogical's slot").strip()
        if reached != "t":
            raise BenchError(f"pg_recvlogical ended before {end} (log: {log_path})")
        return seconds

    def paced_writer(self, base, rate, txns):
        """A started psql that will run the paced writer (`txns` transactions
        at `rate` changes/s) once given the returned SQL on stdin."""
        sql = f"CALL bench_paced({base}, {rate}, {txns}, {LATENCY_TXN_ROWS}, NULL);\n"
        return self.start_client(), sql

    def slot_exists(self, name):
        return self.sql(f"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{name}';",
                        "looking for a slot").strip() == "1"

    def cleanup(self):
        """Drops the slots this run made (and those the agents and Debezium
        made, all named cdc_bench_*) and the database with its publications."""
        if self.cleaned:
            return
        self.cleaned = True
        try:
            self.sql(f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                     f"WHERE slot_name LIKE '{SLOT_LIKE}' AND NOT active;\n"
                     f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE);\n",
                     "dropping the benchmark's slots and database", database="postgres")
        except BenchError as e:
            log(f"warning: PostgreSQL cleanup: {e}")


class MariaDB(Source):
    key = "mariadb"
    title = "MariaDB"
    server = "mariadb"

    def __init__(self, port, password):
        super().__init__(port, password)
        self.flush_setting = None

    def env(self):
        return dict(os.environ, MYSQL_PWD=self.password)

    def client(self, database=DATABASE):
        args = ["mariadb", "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P",
                str(self.port), "-uroot", "-N", "-B", "--connect-timeout=10"]
        return args + ([database] if database else [])

    def schema_name(self):
        return DATABASE

    def version(self):
        return self.sql("SELECT VERSION();", "MariaDB version", database=None).strip()

    def setup(self):
        self.sql(f"DROP DATABASE IF EXISTS {DATABASE};\nCREATE DATABASE {DATABASE};\n",
                 "creating the benchmark database", database=None)
        columns = ("id BIGINT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(12,2), "
                   "created TIMESTAMP(6) NULL, flag BOOLEAN")
        self.sql(f"""
CREATE TABLE bench ({columns});
CREATE TABLE bench_lat ({columns});
CREATE TABLE bench_snap ({columns});
CREATE TABLE bench_big ({columns});
CREATE TABLE bench_warmup (id BIGINT PRIMARY KEY);
DELIMITER //
CREATE PROCEDURE bench_backlog(IN inserts BIGINT, IN updates BIGINT, IN deletes BIGINT,
                               IN per_txn INT)
BEGIN
  DECLARE lo BIGINT DEFAULT 0;
  DECLARE n BIGINT;
  WHILE lo < inserts DO
    SET n = LEAST(per_txn, inserts - lo);
    START TRANSACTION;
    INSERT INTO bench SELECT {mariadb_row("lo + seq")}
      FROM seq_1_to_100000 WHERE seq <= n;
    COMMIT;
    SET lo = lo + n;
  END WHILE;
  SET lo = 0;
  WHILE lo < updates DO
    SET n = LEAST(per_txn, updates - lo);
    START TRANSACTION;
    UPDATE bench SET name = CONCAT('updated ', id), amount = amount + 1, flag = NOT flag
      WHERE id > lo AND id <= lo + n;
    COMMIT;
    SET lo = lo + n;
  END WHILE;
  SET lo = 0;
  WHILE lo < deletes DO
    SET n = LEAST(per_txn, deletes - lo);
    START TRANSACTION;
    DELETE FROM bench WHERE id > lo AND id <= lo + n;
    COMMIT;
    SET lo = lo + n;
  END WHILE;
END//
CREATE PROCEDURE bench_paced(IN base BIGINT, IN rate DOUBLE, IN total BIGINT, IN per_txn INT)
BEGIN
  DECLARE t0 DOUBLE DEFAULT UNIX_TIMESTAMP(SYSDATE(6));
  DECLARE per_s DOUBLE DEFAULT rate / per_txn;
  DECLARE k BIGINT DEFAULT 0;
  DECLARE next_new BIGINT DEFAULT base;
  DECLARE next_old BIGINT DEFAULT base;
  DECLARE lo BIGINT;
  DECLARE op CHAR(1);
  DECLARE pause DOUBLE;
  -- A temporary table is not written to a ROW-format binlog.
  DROP TEMPORARY TABLE IF EXISTS bench_commits;
  CREATE TEMPORARY TABLE bench_commits (k BIGINT PRIMARY KEY, kind CHAR(1), first_id BIGINT,
                                       ts BIGINT) ENGINE = MEMORY;
  WHILE k < total DO
    START TRANSACTION;
    IF k % 4 < 2 THEN
      SET lo = next_new, next_new = next_new + per_txn, op = 'I';
      INSERT INTO bench_lat SELECT lo + seq, CONCAT('name ', lo + seq), ((lo + seq) % 1000000) * 1.25,
          TIMESTAMP'2024-01-01 00:00:00' + INTERVAL ((lo + seq) % 100000000) SECOND, seq % 2 = 0
        FROM seq_0_to_99999 WHERE seq < per_txn;
    ELSEIF k % 4 = 2 THEN
      SET lo = next_old, op = 'U';
      UPDATE bench_lat SET name = CONCAT('updated ', id), amount = amount + 1, flag = NOT flag
        WHERE id >= lo AND id < lo + per_txn;
    ELSE
      SET lo = next_old, next_old = next_old + per_txn, op = 'D';
      DELETE FROM bench_lat WHERE id >= lo AND id < lo + per_txn;
    END IF;
    COMMIT;
    INSERT INTO bench_commits VALUES (k, op, lo, CAST(UNIX_TIMESTAMP(SYSDATE(6)) * 1000000 AS SIGNED));
    SET k = k + 1;
    SET pause = t0 + k / per_s - UNIX_TIMESTAMP(SYSDATE(6));
    IF pause > 0.001 THEN DO SLEEP(pause); END IF;
  END WHILE;
  SELECT c.kind, c.first_id, c.ts FROM bench_commits AS c ORDER BY c.k;
  DROP TEMPORARY TABLE bench_commits;
END//
DELIMITER ;
""", "creating the benchmark tables")

    full_read_label = "SELECT * FROM bench_snap (mariadb --quick, to /dev/null)"

    def full_read_args(self):
        return self.client(None) + ["--quick", "-e", "SELECT * FROM bench_snap", DATABASE]

    def fill_snapshot_table(self, rows, timeout):
        """bench_snap with ids 1..rows, in transactions of 100,000 rows."""
        self.sql(f"""
TRUNCATE bench_snap;
DELIMITER //
BEGIN NOT ATOMIC
  FOR lo IN 0 .. ({rows} - 1) DIV 100000 DO
    INSERT INTO bench_snap SELECT {mariadb_row("lo * 100000 + seq")}
      FROM seq_1_to_100000 WHERE lo * 100000 + seq <= {rows};
  END FOR;
END//
DELIMITER ;
ANALYZE TABLE bench_snap;
""", "filling bench_snap", timeout=timeout)

    def write_big_transaction(self, rows, timeout):
        """One transaction: `rows` inserts into bench_big."""
        self.sql(f"""
INSERT INTO bench_big SELECT {mariadb_row("seq")}
  FROM seq_1_to_{rows};
""", "writing the single transaction", timeout=timeout)

    def position(self):
        """(file, position) of the binlog's end."""
        out = self.sql("SHOW MASTER STATUS;", "reading the binlog position").split()
        if len(out) < 2:
            raise BenchError("SHOW MASTER STATUS returned nothing: is the binary log on?")
        return out[0], int(out[1])

    def binlog_files(self, start_file, end_file):
        names = [line.split("\t")[0] for line in
                 self.sql("SHOW BINARY LOGS;", "listing the binlogs").splitlines() if line.strip()]
        if start_file not in names or end_file not in names:
            raise BenchError(f"binlog {start_file} or {end_file} is no longer on the server")
        return names[names.index(start_file):names.index(end_file) + 1]

    def read_bound(self, start, end, timeout, work_dir, decode=False):
        """Reads the binlog from `start` to `end` with mariadb-binlog from the
        server: raw (the bytes, written to files in work_dir) or decoding the
        rows to text (to /dev/null). Returns the seconds it took."""
        files = self.binlog_files(start[0], end[0])
        args = ["mariadb-binlog", "--no-defaults", "--read-from-remote-server", "--host=127.0.0.1",
                f"--port={self.port}", "--user=root", f"--start-position={start[1]}"]
        if decode:
            args += [f"--stop-position={end[1]}", "--base64-output=DECODE-ROWS", "--verbose"]
        else:
            # --raw ignores --stop-position: it copies each file to its end,
            # which is the backlog's end when nothing else wrote since.
            os.makedirs(work_dir, exist_ok=True)
            args += ["--raw", f"--result-file={work_dir}/"]
        args += files
        started = time.monotonic()
        with open(os.devnull, "w", encoding="utf-8") as sink:
            try:
                result = subprocess.run(args, stdout=sink, stderr=subprocess.PIPE, text=True,
                                        timeout=timeout, env=self.env())
            except subprocess.TimeoutExpired:
                raise BenchError(f"mariadb-binlog: no result after {timeout:.0f} s") from None
            except FileNotFoundError:
                raise BenchError("mariadb-binlog not found; run deploy/local/install-packages") from None
        seconds = time.monotonic() - started
        if result.returncode != 0:
            raise BenchError(f"mariadb-binlog: {first_line(result.stderr) or 'exit ' + str(result.returncode)}")
        if not decode:
            size = sum(os.path.getsize(os.path.join(work_dir, f)) for f in files
                       if os.path.exists(os.path.join(work_dir, f)))
            for f in files:
                try:
                    os.remove(os.path.join(work_dir, f))
                except OSError:
                    pass
            if size < end[1] - (start[1] if len(files) == 1 else 0):
                raise BenchError(f"mariadb-binlog --raw copied {size} bytes, less than the backlog")
        return seconds

    def paced_writer(self, base, rate, txns):
        # The commit list is a MEMORY table: room for a long step at a high rate.
        sql = ("SET time_zone = '+00:00';\nSET SESSION max_heap_table_size = 1073741824;\n"
               f"CALL bench_paced({base}, {rate}, {txns}, {LATENCY_TXN_ROWS});\n")
        return self.start_client(), sql

    def relax_commit_flush(self):
        """innodb_flush_log_at_trx_commit=2 while the latency steps run (the
        log is written at each commit and flushed to disk once a second),
        like the PostgreSQL server's fsync=off: with 1, each commit waits for
        an fsync and one writer cannot reach the first rate on a slow disk.
        restore_commit_flush() puts the value back."""
        value = self.sql("SELECT @@GLOBAL.innodb_flush_log_at_trx_commit;", "reading a setting",
                         database=None).strip()
        if value == "1":
            self.sql("SET GLOBAL innodb_flush_log_at_trx_commit = 2;", "changing a setting",
                     database=None)
            self.flush_setting = value
            log("MariaDB: innodb_flush_log_at_trx_commit 1 -> 2 for the latency steps "
                "(restored afterwards)")

    def restore_commit_flush(self):
        if self.flush_setting is not None:
            try:
                self.sql(f"SET GLOBAL innodb_flush_log_at_trx_commit = {self.flush_setting};",
                         "restoring innodb_flush_log_at_trx_commit", database=None)
                self.flush_setting = None
            except BenchError as e:
                log(f"warning: {e}; set it back by hand")

    def cleanup(self):
        self.restore_commit_flush()
        if self.cleaned:
            return
        self.cleaned = True
        try:
            # Sessions still in the database (a writer cut short) would hold
            # DROP DATABASE back until their procedure ends.
            kills = self.sql(f"SELECT CONCAT('KILL ', id, ';') FROM information_schema.processlist "
                             f"WHERE db = '{DATABASE}' AND id <> CONNECTION_ID();",
                             "looking for benchmark sessions", database=None)
            if kills.strip():
                # --force: a session that ended meanwhile is not an error.
                run(self.client(None) + ["--force"], "ending benchmark sessions", 60,
                    input_text=kills, env=self.env(), check=False)
            self.sql(f"DROP DATABASE IF EXISTS {DATABASE};", "dropping the benchmark database",
                     database=None)
        except BenchError as e:
            log(f"warning: MariaDB cleanup: {e}")


def parse_commits(text):
    """The paced writer's output: {(op, first id): commit time in µs}."""
    commits = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        commits[(parts[0], int(parts[1]))] = int(parts[2])
    return commits
