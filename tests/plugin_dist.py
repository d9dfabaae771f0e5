"""Build throw-away plugin distributions on disk (a module plus a .dist-info with an entry
point) so tests can put them on PYTHONPATH of a subprocess without touching the venv."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path


def make_plugin(root: Path, dist: str, module: str, source: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[quantcorr]\n{dist} = {module}\n")
    return root


def run_cli(args: list[str], pythonpath: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    """Run `python -m quantcorr.cli ARGS`; plugin failures are non-fatal unless `env` says otherwise
    (CI exports QUANTCORR_STRICT_PLUGINS=1 for the built-in plugins)."""
    environ = {**os.environ, "QUANTCORR_STRICT_PLUGINS": "0", **env}
    if pythonpath is not None:
        environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "quantcorr.cli", *args], capture_output=True, text=True,
                          env=environ, timeout=300)
