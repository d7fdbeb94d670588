"""What the peers share: their command line and how they time a call (CPU seconds of the
process, Python's `time.process_time`, and wall seconds), so that vmc_step.py and
netket_vmc_step.py print figures measured the same way."""
import argparse
import statistics
import time

import jax


def parser(doc):
    """The peers' common options: the shape, the precision, the calls and the repeats."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--sites", type=int, default=20)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--samples", type=int, default=1024)
    p.add_argument("--calls", default="sample,adam,minsr")
    p.add_argument("--repeats", type=int, default=5)
    return p


def median_seconds(calls):
    """Median CPU and wall seconds of the calls (zero-argument functions), each waited for."""
    cpu, wall = [], []
    for call in calls:
        c, w = time.process_time(), time.perf_counter()
        jax.block_until_ready(call())
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall)
