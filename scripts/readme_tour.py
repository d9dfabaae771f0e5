"""Run the README's tour top to bottom, as written, in a fresh working directory.

Every command line of the first ```bash block under "## A short tour" is run in order with the
virtual environment's `quantcorr` on PATH; comment lines are skipped. Any non-zero exit stops
the tour with the command and its output. CI runs this after the tests (`.ci/run`).

    python scripts/readme_tour.py [--readme README.md] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def tour_commands(readme: Path) -> list[str]:
    text = readme.read_text()
    start = text.index("## A short tour")
    block = text[text.index("```bash", start) + len("```bash"): ]
    block = block[: block.index("```")]
    return [ln.strip() for ln in block.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", default=str(Path(__file__).resolve().parents[1] / "README.md"))
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="quantcorr-tour-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "XDG_CACHE_HOME": str(workdir / "cache")}
    commands = tour_commands(Path(args.readme))
    for i, cmd in enumerate(commands, 1):
        line = cmd.split("  #")[0].strip()
        start = time.perf_counter()
        out = subprocess.run(shlex.split(line), cwd=workdir, env=env, capture_output=True, text=True, timeout=900)
        print(f"[{i}/{len(commands)}] {time.perf_counter() - start:6.1f} s  exit {out.returncode}  {line}", flush=True)
        if out.returncode != 0:
            print(out.stdout[-3000:], out.stderr[-3000:], sep="\n", file=sys.stderr)
            return 1
    print(f"README tour: {len(commands)} commands ran in {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
