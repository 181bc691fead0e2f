"""results.md, results.json and chart.png of a benchmark run."""

import json
import math
import os

AGENT_EO = "cdc-agent exactly-once"
AGENT_ALO = "cdc-agent at-least-once"
DEBEZIUM = "Debezium Server 3.6.1"
AGENT_SNAPSHOT = "cdc-agent snapshot"
AGENT_BIG_TXN = "cdc-agent, one transaction"


def _num(x, digits=0):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}f}"


def _pct(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.0%}"


def _load(d):
    """Machine CPU busy, with the share other work took."""
    if d.get("machine_busy") is None:
        return "–"
    return f"{_pct(d.get('machine_busy'))} ({_pct(d.get('other_load'))})"


def _ratio(a, b):
    if not a or not b:
        return "–"
    return f"{a / b:.2f}×"


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


def markdown(results):
    run = results["run"]
    m = results["machine"]
    out = ["# cdc-agent end-to-end benchmark", ""]
    out.append(f"- Run: {run['started_utc']} UTC, {_duration(run['duration_s'])}; "
               f"`{run['command']}`")
    out.append(f"- Commit: {run['commit']}" + (" (with uncommitted changes)" if run["dirty"] else ""))
    out.append(f"- Agent: `{run['agent_bin']}` ({run['agent_version']}, sha256 "
               f"{run.get('agent_sha256', '?')[:12]})")
    out.append(f"- Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['ram_gib']:.1f} GiB RAM, "
               f"Linux {m['kernel']}, {m['os']}")
    out.append(f"- Other work on the machine: {_pct(m.get('other_load_run'))} of its CPU time "
               f"during the run (processes other than the benchmark, its readers and writers, "
               f"and the servers); load average (1 min) {m['load_start']:.1f} at the start, "
               f"{m.get('load_end', float('nan')):.1f} at the end")
    servers = ", ".join(s["server_version"] for s in results["sources"].values())
    out.append(f"- Servers, on the same machine: {servers}, Kafka {results['kafka_version']} "
               "(one broker, one partition per topic)")
    if results.get("error"):
        out.append(f"- **The run stopped early: {results['error']}**")
    out.append("")

    summary = []
    for s in results["sources"].values():
        drain = s.get("drain", {})
        eo, alo = drain.get(AGENT_EO, {}), drain.get(AGENT_ALO, {})
        dbz = drain.get(DEBEZIUM, {})
        lat = s.get("latency", {})
        summary.append(f"| {s['title']} | {_num(eo.get('rate'))} | {_num(alo.get('rate'))} | "
                       f"{_num(dbz.get('rate'))} | {_ratio(eo.get('rate'), dbz.get('rate'))} | "
                       f"{_num(eo.get('cpu_s_per_million'), 1)} | {_num(dbz.get('cpu_s_per_million'), 1)} | "
                       f"{_num(eo.get('peak_rss_mb'))} | {_num(dbz.get('peak_rss_mb'))} | "
                       f"{_snapshot_summary(s.get('snapshot'))} | {_highest(lat)} |")
    if summary:
        out += ["## Summary", "",
                "| source | exactly-once changes/s | at-least-once changes/s | Debezium changes/s | "
                "exactly-once ÷ Debezium | agent CPU s / 1M | Debezium CPU s / 1M | agent peak RSS MB | "
                "Debezium peak RSS MB | snapshot rows/s (÷ the database's own read) | "
                "highest rate with p99 < 1 s |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"] + summary + [""]

    for s in results["sources"].values():
        out += _source_markdown(s)
    out += _notes(results)
    return "\n".join(out) + "\n"


def _snapshot_summary(snap):
    if not snap or not snap.get("agent"):
        return "–"
    rate = snap["agent"]["rows_per_s"]
    return f"{_num(rate)} ({_ratio(rate, snap['bound']['rows_per_s'])})"


def _highest(lat):
    """The highest target rate with p99 below 1 s, with what stopped the steps."""
    if not lat or not lat.get("steps"):
        return "–"
    best = lat.get("highest_ok")
    last = lat["steps"][-1]
    text = f"{best:,}" if best is not None else "none"
    if last["ok"]:
        return text + " (every rate tried)"
    if last["verdict"].startswith("writer limit"):  # the only problem of that step
        return (text + f"; the writers of the {last['target']:,} step reached only "
                f"{last['achieved']:,.0f}/s (p99 {last['p99_ms']:,.0f} ms there)")
    return text


def _source_markdown(s):
    out = [f"## {s['title']}", ""]
    if "backlog" in s:
        b = s["backlog"]
        out.append(f"Backlog: {b['changes']:,} changes ({b['inserts']:,} inserts, {b['updates']:,} "
                   f"updates, {b['deletes']:,} deletes) in {b['txn_rows']:,}-row transactions, "
                   f"written in {b['write_s']:.1f} s while no reader ran; "
                   f"{b['records']:,} Kafka records with the deletes' tombstones.")
        out.append("")
    drain = s.get("drain", {})
    bounds = s.get("bounds", [])
    if drain or bounds:
        eo = drain.get(AGENT_EO, {}).get("rate")
        alo = drain.get(AGENT_ALO, {}).get("rate")
        out += ["### Backlog drain", "",
                "| reader | changes/s | drain s | start-up s | CPU s / 1M changes | CPU s in all | "
                "peak RSS MB | record B | machine CPU busy (other work) | exactly-once ÷ this | "
                "at-least-once ÷ this |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for label in (AGENT_EO, AGENT_ALO, DEBEZIUM):
            d = drain.get(label)
            if not d:
                continue
            extra = f" ({d['duplicates']:,} duplicate records)" if d.get("duplicates") else ""
            out.append(f"| {label}{extra} | {_num(d['rate'])} | {_num(d['stream_s'], 2)} | "
                       f"{_num(d['startup_s'], 1)} | {_num(d['cpu_s_per_million'], 1)} | "
                       f"{_num(d['cpu_total_s'], 1)} | {_num(d['peak_rss_mb'])} | "
                       f"{_num(d['mean_record_bytes'])} | {_load(d)} | "
                       f"{_ratio(eo, d['rate']) if label != AGENT_EO else ''} | "
                       f"{_ratio(alo, d['rate']) if label != AGENT_ALO else ''} |")
        for b in bounds:
            size = _num(b["record_bytes"]) if b.get("record_bytes") else "–"
            out.append(f"| bound: {b['label']} | {_num(b['changes_per_s'])} | {_num(b['seconds'], 2)} | "
                       f"– | – | – | – | {size} | – | {_ratio(eo, b['changes_per_s'])} | "
                       f"{_ratio(alo, b['changes_per_s'])} |")
        out.append("")
    snap = s.get("snapshot")
    if snap and snap.get("agent"):
        a, b = snap["agent"], snap["bound"]
        out += ["### Snapshot", "",
                f"Table bench_snap, {snap['rows']:,} rows, read whole. The agent starts with "
                f"nothing stored (`snapshot: initial`, exactly-once, protobuf) and is timed from "
                f"its process start to its last READ event in Kafka; the database's own client "
                f"reads the table a second time, after a first read brought it into memory.", "",
                "| reader | rows/s | s | CPU s / 1M rows | peak RSS MB | machine CPU busy "
                "(other work) | agent ÷ this |",
                "|---|---:|---:|---:|---:|---:|---:|",
                f"| {AGENT_SNAPSHOT} | {_num(a['rows_per_s'])} | {_num(a['total_s'], 2)} | "
                f"{_num(a['cpu_total_s_per_million'], 1)} | {_num(a['peak_rss_mb'])} | "
                f"{_load(a)} | |",
                f"| bound: {b['label']} | {_num(b['rows_per_s'])} | {_num(b['seconds'], 2)} | "
                f"– | – | – | {_ratio(a['rows_per_s'], b['rows_per_s'])} |", ""]
    big = s.get("big_txn")
    if big and big.get("agent"):
        a = big["agent"]
        out += ["### One large transaction", "",
                f"One transaction of {big['rows']:,} inserts into bench_big (written in "
                f"{big['write_s']:.1f} s while the agent was stopped), drained by an agent "
                f"(exactly-once, protobuf) from the position it stored before it; from its "
                f"first event in Kafka to its last.", "",
                "| reader | rows/s | drain s | start-up s | CPU s / 1M rows | peak RSS MB | "
                "machine CPU busy (other work) |",
                "|---|---:|---:|---:|---:|---:|---:|",
                f"| {AGENT_BIG_TXN} | {_num(a['rate'])} | {_num(a['stream_s'], 2)} | "
                f"{_num(a['startup_s'], 1)} | {_num(a['cpu_s_per_million'], 1)} | "
                f"{_num(a['peak_rss_mb'])} | {_load(a)} |", ""]
    lat = s.get("latency")
    if lat and lat.get("steps"):
        out += ["### Latency at fixed rates", "",
                f"{lat['txn_rows']}-row transactions from {lat['writers']} writer sessions, "
                f"{_num(lat['step_seconds'])} s per rate; from the writer's COMMIT returning to the "
                f"event's Kafka append time (LogAppendTime); cdc-agent exactly-once, "
                f"`kafka.format: json`.", "",
                "| target changes/s | written changes/s | changes | p50 ms | p99 ms | max ms | "
                "agent CPU s / 1M changes | machine CPU busy (other work) | result |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for st in lat["steps"]:
            out.append(f"| {st['target']:,} | {_num(st['achieved'])} | {st['changes']:,} | "
                       f"{_num(st['p50_ms'])} | {_num(st['p99_ms'])} | {_num(st['max_ms'])} | "
                       f"{_num(st['cpu_per_million'], 1)} | {_load(st)} | "
                       f"{st['verdict']} |")
        out += ["", f"Highest rate with p99 below 1 s (changes/s): **{_highest(lat)}**.", ""]
    return out


def _notes(results):
    return [
        "## How to read this", "",
        "- changes/s: changes divided by the time from the first to the last Kafka append of the "
        "reader's records (LogAppendTime); start-up is from the process start to its first "
        "append. For the bounds: the changes divided by the tool's run time.",
        "- CPU s / 1M changes: the reader's CPU time (user + system, its process tree, from "
        "/proc) from its first event in Kafka to its last, per million changes; CPU s in all "
        "includes its start-up. Peak RSS: VmHWM of the reader's process. record B: the mean "
        "key + value bytes of its Kafka records (tombstones included).",
        "- ÷ this: how many times the agent's rate this row's rate is (above 1: the agent is faster).",
        "- machine CPU busy: the share of all CPUs' time that was not idle (/proc/stat) while the "
        "reader drained or the writers wrote; near 100% the machine, not the reader alone, sets "
        "the pace. Other work: the share used by processes other than the benchmark, its readers "
        "and writers, and the database and Kafka servers (a build beside it, say); above a few "
        "percent the figures are lower than the machine can do.",
        "- Bounds: the database's own client reading the same log range (PostgreSQL: "
        "pg_recvlogical with pgoutput to /dev/null on a slot of its own; MariaDB: mariadb-binlog "
        "from the server, --raw copies the bytes, --verbose decodes the rows to text), and "
        "Kafka's ProducerPerformance sending as many records as the agent wrote, of the agent's "
        "mean key + value size, as changes/s (records/s × changes ÷ records). Its payload is "
        "random letters, which compress less than the agent's events.",
        "- Every process (databases, Kafka, readers, writers) shares the machine's CPUs.",
        "",
    ]


def write_json(results, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, sort_keys=False, default=str)
        f.write("\n")


def _short_number(v, _pos=None):
    if v >= 1e6:
        return f"{v / 1e6:g}M"
    if v >= 1e3:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def write_chart(results, path):
    """Throughput bars per source (top) and latency percentiles per rate
    (bottom). Returns an error text instead of raising if matplotlib fails."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter
    except ImportError as e:
        return f"matplotlib is missing ({e}); run deploy/local/fetch-python"
    sources = [s for s in results["sources"].values() if s.get("drain") or s.get("latency")]
    if not sources:
        return "nothing measured to draw"
    fig, axes = plt.subplots(2, len(sources), figsize=(7.5 * len(sources), 9), squeeze=False)
    for col, s in enumerate(sources):
        ax = axes[0][col]
        labels, values, colors = [], [], []
        palette = {AGENT_EO: "#1f77b4", AGENT_ALO: "#6baed6", DEBEZIUM: "#d62728"}
        for label in (AGENT_EO, AGENT_ALO, DEBEZIUM):
            d = s.get("drain", {}).get(label)
            if d:
                labels.append(label)
                values.append(d["rate"])
                colors.append(palette[label])
        for b in s.get("bounds", []):
            labels.append("bound: " + b["short"])
            values.append(b["changes_per_s"])
            colors.append("#7f7f7f")
        y = list(range(len(labels)))
        ax.barh(y, values, color=colors)
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=8)
        ax.invert_yaxis()
        # A log scale: the raw log readers are tens of times faster than the rest.
        ax.set_xscale("log")
        ax.set_xlim(min(values) / 3, max(values) * 6)
        ax.set_xlabel("changes/s (log scale)")
        ax.xaxis.set_major_formatter(FuncFormatter(_short_number))
        ax.set_title(f"{s['title']}: drain of {s.get('backlog', {}).get('changes', 0):,} changes")
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:,.0f}", va="center", fontsize=8)
        ax = axes[1][col]
        steps = s.get("latency", {}).get("steps", [])
        if steps:
            x = [st["target"] for st in steps]
            for key, name, style in (("p50_ms", "p50", "o-"), ("p99_ms", "p99", "s-"),
                                     ("max_ms", "max", "^--")):
                ax.plot(x, [max(0.5, st[key]) for st in steps], style, label=name)
            ax.axhline(1000, color="#999999", linestyle=":", linewidth=1)
            ax.set_yscale("log")
            ax.set_xlabel("target changes/s")
            ax.set_ylabel("commit to Kafka append, ms")
            ax.set_xticks(x)
            ax.set_xticklabels([f"{v // 1000}k" for v in x])
            ax.legend()
            ax.set_title(f"{s['title']}: latency, cdc-agent exactly-once")
        else:
            ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def write_all(results, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    md = markdown(results)
    with open(os.path.join(out_dir, "results.md"), "w", encoding="utf-8") as f:
        f.write(md)
    write_json(results, os.path.join(out_dir, "results.json"))
    problem = write_chart(results, os.path.join(out_dir, "chart.png"))
    return md, problem
