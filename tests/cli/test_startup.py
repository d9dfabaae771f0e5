"""`quantcorr --help` and `quantcorr solvers` import no numerical library: plugins register light
descriptors, and their solver modules are imported on first use (issue: start-up time)."""

import json
import subprocess
import sys

HEAVY = ("numpy", "scipy", "torch", "cvxpy", "sklearn")

PROBE = """
import sys
from quantcorr.cli.main import main
sys.argv = ["quantcorr", *{args!r}]
try:
    main()
except SystemExit:
    pass
print("LOADED=" + ",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


def loaded_modules(*args: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args), heavy=HEAVY)], capture_output=True,
                         text=True, timeout=120)
    line = next(ln for ln in out.stderr.splitlines() if ln.startswith("LOADED="))
    return [m for m in line[len("LOADED="):].split(",") if m]


def test_help_imports_no_numerical_library():
    assert loaded_modules("--help") == []


def test_solver_list_without_probing_imports_no_numerical_library():
    assert loaded_modules("solvers", "--no-targets") == []


def test_every_builtin_solver_declares_its_target_kinds():
    from quantcorr.plugins import get_registry
    from quantcorr.testing import check_declared_targets

    reg = get_registry()
    for name, ref in reg.certifiers.items():
        if reg.plugin_of("solver", name) in ("sdp", "gradient", "bounds", "postquantum", "npa", "nn"):
            assert ref.targets, f"{name} declares no target kinds"
            check_declared_targets(name)


def test_plugins_json_lists_commands_and_targets():
    out = subprocess.run([sys.executable, "-m", "quantcorr", "plugins", "--json"], capture_output=True, text=True,
                         timeout=120)
    core = next(p for p in json.loads(out.stdout) if p["name"] == "core")
    assert "behaviour:pr-box" in core["targets"]
