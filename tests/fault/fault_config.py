"""Settings of the fault harness (environment variables) and the agent
configuration it writes, with CDC_FAULT_EXTRA_YAML merged in.

The merge understands the block YAML of agent configuration files: nested
mappings of `key: value`, where a value is a scalar (kept as written, flow
lists and quoted strings included) or an indented block; a block sequence
(`- item` lines) is kept as written. Mappings merge key by key; anything
else in the extra text replaces what the harness wrote.
"""

import os
import random
from dataclasses import dataclass
from pathlib import Path

from fault_sources import COUNTED, GRACE_US, JOIN_FROM, JOINED, WINDOW_US

ROOT = Path(__file__).resolve().parents[2]
ALL_FAULTS = ("kill", "db-restart", "kafka-restart", "lose-offsets", "twin", "snapshot-kill")
SOURCE_NAMES = {"postgres": "postgres", "pg": "postgres", "mysql": "mysql", "mariadb": "mysql"}


class SettingsError(Exception):
    pass


def _int(name, default):
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer") from None


def _range(name, default):
    """'A-B' or 'A' as a (low, high) pair of numbers."""
    raw = os.environ.get(name, "") or default
    lo, _, hi = raw.partition("-")
    try:
        lo_v = float(lo)
        hi_v = float(hi) if hi else lo_v
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not N or N-M") from None
    if hi_v < lo_v:
        raise SettingsError(f"{name}={raw!r}: the high end is below the low end")
    return lo_v, hi_v


def _list(name, default, known):
    raw = os.environ.get(name, "") or default
    out = []
    for item in (s.strip() for s in raw.split(",")):
        if not item or item == "none":
            continue
        value = known.get(item) if isinstance(known, dict) else (item if item in known else None)
        if value is None:
            names = ", ".join(sorted(known))
            raise SettingsError(f"{name}: unknown '{item}' (known: {names})")
        if value not in out:
            out.append(value)
    return out


@dataclass
class Settings:
    agent_bin: str
    brokers: str
    pg_port: int
    pg_password: str
    mysql_port: int
    mysql_password: str
    env_script: str
    env_vars: dict
    sources: list
    faults: list
    # Per source: CDC_FAULTS_POSTGRES / CDC_FAULTS_MYSQL when set, else faults.
    source_faults: dict
    kills: int
    repeats: int
    seed: int
    snapshot_rows: int
    large_txns: int
    large_rows: tuple
    tps: float
    gap: tuple
    partitions: int
    drain_timeout: int
    extra_yaml: str
    work_dir: str


def load_settings():
    env = os.environ
    brokers = env.get("CDC_KAFKA_BROKERS") or f"127.0.0.1:{env.get('CDC_KAFKA_PORT') or 59092}"
    hosts = [b.strip() for b in brokers.split(",") if b.strip()]
    for b in hosts:
        host, _, port = b.rpartition(":")
        if host != "127.0.0.1" or not port.isdigit():
            raise SettingsError(f"CDC_KAFKA_BROKERS: '{b}' is not 127.0.0.1:PORT "
                                "(the harness restarts the broker itself, so it must be local)")
    kafka_port = env.get("CDC_KAFKA_PORT") or hosts[0].rpartition(":")[2]
    controller = env.get("CDC_KAFKA_CONTROLLER_PORT")
    if not controller:
        controller = "59093" if kafka_port == "59092" else str(int(kafka_port) + 1)
    pg_port = _int("CDC_PG_PORT", 55432)
    mysql_port = _int("CDC_MYSQL_PORT", 53306)
    pg_password = env.get("CDC_PG_PASSWORD", "cdcpass")
    mysql_password = env.get("CDC_MYSQL_PASSWORD", "cdcpass")
    # deploy/local/env restarts the servers with the same folder and ports.
    env_vars = {"CDC_PG_PORT": str(pg_port), "CDC_MYSQL_PORT": str(mysql_port),
                "CDC_PG_PASSWORD": pg_password, "CDC_MYSQL_PASSWORD": mysql_password,
                "CDC_KAFKA_PORT": kafka_port, "CDC_KAFKA_CONTROLLER_PORT": controller}
    seed_raw = env.get("CDC_FAULT_SEED", "")
    seed = _int("CDC_FAULT_SEED", 0) if seed_raw else random.SystemRandom().randrange(1, 10 ** 9)
    large = _range("CDC_FAULT_LARGE_ROWS", "10000-30000")
    faults = _list("CDC_FAULTS", ",".join(ALL_FAULTS), ALL_FAULTS)
    source_faults = {}
    for name in sorted(set(SOURCE_NAMES.values())):
        var = f"CDC_FAULTS_{name.upper()}"
        source_faults[name] = _list(var, ",".join(faults), ALL_FAULTS) if env.get(var) else faults
    return Settings(
        agent_bin=env.get("CDC_AGENT_BIN") or str(ROOT / "build/agent/cdc-agent"),
        brokers=",".join(hosts),
        pg_port=pg_port, pg_password=pg_password,
        mysql_port=mysql_port, mysql_password=mysql_password,
        env_script=str(ROOT / "deploy/local/env"),
        env_vars=env_vars,
        sources=_list("CDC_FAULT_SOURCES", "postgres,mysql", SOURCE_NAMES),
        faults=faults,
        source_faults=source_faults,
        kills=_int("CDC_FAULT_KILLS", 20),
        repeats=_int("CDC_FAULT_REPEATS", 2),
        seed=seed,
        snapshot_rows=_int("CDC_FAULT_SNAPSHOT_ROWS", 500000),
        large_txns=_int("CDC_FAULT_LARGE_TXNS", 3),
        large_rows=(int(large[0]), int(large[1])),
        tps=float(_int("CDC_FAULT_TPS", 100)),
        gap=_range("CDC_FAULT_GAP", "1-3"),
        partitions=_int("CDC_FAULT_PARTITIONS", 2),
        drain_timeout=_int("CDC_FAULT_DRAIN_TIMEOUT", 240),
        extra_yaml=env.get("CDC_FAULT_EXTRA_YAML", ""),
        work_dir=env.get("CDC_FAULT_WORK_DIR", ""),
    )


# --- a small YAML subset: enough to merge configuration fragments -------------------

class RawBlock:
    """Lines kept as written (a block sequence), relative to their indentation."""

    def __init__(self, lines):
        self.lines = lines


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def parse_yaml(text):
    lines = [ln.rstrip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")
             and ln.strip() != "---"]
    if not lines:
        return {}
    if any("\t" in ln[:_indent(ln) + 1] for ln in lines):
        raise SettingsError("CDC_FAULT_EXTRA_YAML: indent with spaces, not tabs")
    end, out = _parse_map(lines, 0, _indent(lines[0]))
    if end != len(lines):
        raise SettingsError(f"CDC_FAULT_EXTRA_YAML: cannot read line {lines[end]!r}")
    return out


def _parse_map(lines, i, indent):
    out = {}
    while i < len(lines):
        ind = _indent(lines[i])
        if ind < indent:
            break
        text = lines[i].strip()
        if ind > indent or text.startswith("- "):
            raise SettingsError(f"CDC_FAULT_EXTRA_YAML: unexpected line {lines[i]!r}")
        key, sep, rest = text.partition(":")
        if not sep or not key.strip():
            raise SettingsError(f"CDC_FAULT_EXTRA_YAML: expected 'key: value', got {lines[i]!r}")
        key, rest = key.strip(), rest.strip()
        i += 1
        if rest:
            out[key] = rest
            continue
        if i < len(lines) and lines[i].strip().startswith("- ") and _indent(lines[i]) >= indent:
            item_indent = _indent(lines[i])
            block = []
            while i < len(lines) and (_indent(lines[i]) > item_indent or (
                    _indent(lines[i]) == item_indent and lines[i].strip().startswith("- "))):
                block.append(lines[i][item_indent:])
                i += 1
            out[key] = RawBlock(block)
        elif i < len(lines) and _indent(lines[i]) > indent:
            i, out[key] = _parse_map(lines, i, _indent(lines[i]))
        else:
            out[key] = ""
    return i, out


def merge(base, extra):
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def emit_yaml(mapping, indent=0):
    pad = " " * indent
    out = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            out.append(f"{pad}{key}:")
            out.extend(emit_yaml(value, indent + 2))
        elif isinstance(value, RawBlock):
            out.append(f"{pad}{key}:")
            out.extend(f"{pad}  {ln}" for ln in value.lines)
        elif isinstance(value, (list, tuple)):
            out.append(f"{pad}{key}: [{', '.join(value)}]")
        else:
            out.append(f"{pad}{key}: {value}".rstrip())
    return out


def extra_yaml_text(value):
    """CDC_FAULT_EXTRA_YAML is YAML text, or the path of a file holding it."""
    if value and "\n" not in value and os.path.isfile(value):
        with open(value, encoding="utf-8") as f:
            return f.read()
    return value


def aggregate_topic(prefix):
    """The topic of the per-second counts of COUNTED's inserts."""
    return f"{prefix}.{COUNTED}_per_second"


def agent_config(settings, dialect, tables, offsets_path):
    """The agent's configuration for one source, as a mapping."""
    prefix = f"fault_{'pg' if dialect.name == 'postgres' else 'my'}"
    if dialect.name == "postgres":
        source = {"type": "postgres", "name": prefix, "host": "127.0.0.1",
                  "port": str(dialect.port), "user": "postgres",
                  "password": "${CDC_PG_PASSWORD}", "database": "faultdb",
                  "slot": "fault_slot", "publication": "fault_pub",
                  "tables": [f"public.{t}" for t in tables], "snapshot": "initial",
                  "reconnect_timeout_s": "120"}
    else:
        source = {"type": "mysql", "name": prefix, "host": "127.0.0.1",
                  "port": str(dialect.port), "user": "root",
                  "password": "${CDC_MYSQL_PASSWORD}", "server_id": "5460",
                  "tables": [f"faultdb.{t}" for t in tables], "snapshot": "initial",
                  "reconnect_timeout_s": "120"}
    schema = "public" if dialect.name == "postgres" else "faultdb"
    transforms = RawBlock([
        "- type: join",
        f"  tables: [{schema}.{JOINED}]",
        f"  from: {schema}.{JOIN_FROM}",
        "  on: [n]",
        "  columns: [ver]",
        f"  prefix: {JOIN_FROM}_",
        "- type: aggregate",
        f"  tables: [{schema}.{COUNTED}]",
        f"  window: {WINDOW_US // 1000}ms",
        f"  grace: {GRACE_US // 1000}ms",
        f"  topic: {aggregate_topic(prefix)}",
        "  measures: {n: count}",
    ])
    config = {
        "name": f"fault-{dialect.name}",
        "log_level": "info",
        "source": source,
        "kafka": {"brokers": settings.brokers, "topic_prefix": prefix, "format": "json",
                  "topics": {"create": {"partitions": str(settings.partitions)}}},
        "offsets": {"path": str(offsets_path)},
        "transforms": transforms,
    }
    merge(config, parse_yaml(extra_yaml_text(settings.extra_yaml)))
    return config
