"""The ratio table of docs/performance.md: rnnwf (benches/peer_calls.rs) against the JAX peer
(vmc_step.py) and the NetKet peer (netket_vmc_step.py) on the same calls (sample, adam,
minsr), in interleaved rounds: every round runs each program once, one after the other, and
each run reports its medians over `--repeats` calls. Not part of the test suite.

    cargo bench --bench peer_calls --no-run       # prints the bench binary's path
    /tmp/jaxenv/bin/python benches/jax/ratio_table.py --rnnwf target/release/deps/peer_calls-HASH \\
        --sites 20 --hidden 32 --rounds 5 --repeats 3 --raw /tmp/ratios.jsonl

`--threads 1` (the default) pins every run to `--core` (taskset), runs rnnwf with one thread
and XLA with one (XLA_FLAGS="--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1") and compares CPU seconds of the process; `--threads 2`
runs without pinning, rnnwf with 2 threads and XLA with its default, and compares wall
seconds. Each run's lines are appended to `--raw` as JSON; `--table FILE` prints the table
of a raw file again. A ratio is the median over rounds of (peer's seconds / rnnwf's seconds
in the same round), so > 1 means rnnwf is faster; JAX float32 is compared with rnnwf f32.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SINGLE_THREAD_XLA = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
# (label, precision); the ratio of each peer is over the rnnwf run of its precision.
PROGRAMS = (("rnnwf f64", "f64"), ("rnnwf f32", "f32"), ("jax f64", "f64"),
            ("jax f32", "f32"), ("netket f64", "f64"))


def command(label, opts):
    calls = opts.netket_calls if label.startswith("netket") and opts.netket_calls else opts.calls
    shape = ["--sites", str(opts.sites), "--hidden", str(opts.hidden), "--repeats",
             str(opts.repeats), "--calls", calls]
    if label.startswith("rnnwf"):
        return [opts.rnnwf, *shape, "--threads", str(opts.threads), "--precision",
                label.split()[1]]
    script = "vmc_step.py" if label.startswith("jax") else "netket_vmc_step.py"
    dtype = {"f64": "float64", "f32": "float32"}[label.split()[1]]
    return [sys.executable, os.path.join(HERE, script), *shape, "--dtype", dtype]


def run(label, opts):
    """One run of a program: {call: (cpu seconds, wall seconds)}."""
    env = dict(os.environ)
    argv = command(label, opts)
    if opts.threads == 1:
        env["XLA_FLAGS"] = SINGLE_THREAD_XLA
        argv = ["taskset", "-c", str(opts.core), *argv]
    else:
        env.pop("XLA_FLAGS", None)
    out = subprocess.run(argv, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{out.stderr[-3000:]}")
    result = {}
    for line in out.stdout.splitlines():
        words = line.split()
        if len(words) == 5 and words[1] == "cpu" and words[3] == "wall":
            result[words[0]] = (float(words[2]), float(words[4]))
    return result


def table(rows):
    """Medians per (shape, threads, call, program) and paired ratios over rounds."""
    groups = {}
    for r in rows:
        key = (r["sites"], r["hidden"], r["threads"])
        groups.setdefault(key, {}).setdefault(r["round"], {})[r["program"]] = r["calls"]
    for (sites, hidden, threads), rounds in sorted(groups.items()):
        column = 0 if threads == 1 else 1
        kind = "CPU s, 1 thread" if threads == 1 else f"wall s, {threads} threads"
        labels = [p for p, _ in PROGRAMS if any(p in r for r in rounds.values())]
        print(f"\nN = {sites}, hidden {hidden}: median {kind} over {len(rounds)} rounds; "
              "ratio = median of peer / rnnwf of the same precision, same round")
        print(f"{'call':>7} " + " ".join(f"{p:>11}" for p in labels) + "  ratios")
        calls = sorted({c for r in rounds.values() for p in r.values() for c in p},
                       key=["sample", "adam", "minsr"].index)
        for call in calls:
            cells, ratios = [], []
            for label in labels:
                values = [r[label][call][column] for r in rounds.values()
                          if label in r and call in r[label]]
                cells.append(f"{statistics.median(values):>11.4f}" if values else " " * 11)
                base = "rnnwf " + dict(PROGRAMS)[label]
                if label.startswith("rnnwf"):
                    continue
                paired = [r[label][call][column] / r[base][call][column]
                          for r in rounds.values()
                          if label in r and base in r and call in r[label] and call in r[base]]
                if paired:
                    ratios.append(f"{label} {statistics.median(paired):.2f}x "
                                  f"({min(paired):.2f}-{max(paired):.2f})")
            print(f"{call:>7} " + " ".join(cells) + "  " + ", ".join(ratios))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rnnwf", help="the peer_calls bench binary")
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--threads", type=int, choices=(1, 2), default=1)
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--calls", default="sample,adam,minsr")
    parser.add_argument("--netket-calls", help="NetKet's calls, when fewer (its steps are slow)")
    parser.add_argument("--programs", default=",".join(p for p, _ in PROGRAMS),
                        help="a comma-separated subset of " + ", ".join(p for p, _ in PROGRAMS))
    parser.add_argument("--raw", help="append each run's results to this JSON-lines file")
    parser.add_argument("--table", metavar="RAW", help="only print the table of a raw file")
    opts = parser.parse_args()
    if opts.table:
        with open(opts.table) as f:
            table([json.loads(line) for line in f])
        return
    if not opts.rnnwf:
        parser.error("--rnnwf (the peer_calls bench binary) is needed to measure")
    rows = []
    for round_ in range(opts.rounds):
        for label in opts.programs.split(","):
            row = {"sites": opts.sites, "hidden": opts.hidden, "threads": opts.threads,
                   "round": f"{os.getpid()}-{round_}", "program": label,
                   "calls": run(label, opts), "load": os.getloadavg()[0],
                   "time": time.strftime("%H:%M:%S", time.gmtime())}
            rows.append(row)
            print(json.dumps(row), flush=True)
            if opts.raw:
                with open(opts.raw, "a") as f:
                    f.write(json.dumps(row) + "\n")
    table(rows)


if __name__ == "__main__":
    main()
