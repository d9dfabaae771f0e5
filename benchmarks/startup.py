"""Start-up cost of the CLI: process CPU seconds (user + system) of `quantcorr --help` and
`quantcorr solvers`, median of N runs, and which numerical modules each imports.

    python benchmarks/startup.py [--runs 7]

CPU seconds (not wall time) because the machine is shared; each command runs in a fresh
process, measured with resource.getrusage(RUSAGE_CHILDREN)."""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys

COMMANDS = (["--help"], ["solvers"], ["solvers", "--no-targets"], ["targets"])
HEAVY = ("numpy", "scipy", "torch", "cvxpy", "sklearn")
PROBE = ("import sys\nfrom quantcorr.cli.main import main\nsys.argv = ['quantcorr', *{args!r}]\n"
         "try:\n    main()\nexcept SystemExit:\n    pass\n"
         "print('LOADED=' + ','.join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)\n")


def cpu_seconds(args: list[str]) -> float | None:
    """CPU seconds of one run, or None when this version has no such command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-m", "quantcorr", *args], capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        return None
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_modules(args: list[str]) -> str:
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)], capture_output=True, text=True)
    line = next(ln for ln in out.stderr.splitlines() if ln.startswith("LOADED="))
    return line[len("LOADED="):] or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print("| command | CPU s (median of %d) | min | numerical modules imported |" % args.runs)
    print("|---|---|---|---|")
    for cmd in COMMANDS:
        times = [cpu_seconds(cmd) for _ in range(args.runs)]
        if None in times:
            print(f"| `quantcorr {' '.join(cmd)}` | n/a (no such command) | | |")
            continue
        print(f"| `quantcorr {' '.join(cmd)}` | {statistics.median(times):.3f} | {min(times):.3f} | "
              f"{heavy_modules(cmd)} |")


if __name__ == "__main__":
    main()
