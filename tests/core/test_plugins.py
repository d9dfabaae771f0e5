import json

from plugin_dist import make_plugin, run_cli

BROKEN = "raise RuntimeError('boom at import')\n"

DUPLICATE = """
from quantcorr import hookimpl
from quantcorr.certifier import Certifier


class Clash(Certifier):
    name = "{name}"
    questions = ("steering",)
    rigor = "numerical"

    def supports(self, target):
        return False

    def _certify(self, target, options):
        raise AssertionError


@hookimpl
def register_certifiers(register):
    register(Clash)
"""


def test_broken_plugin_warns_and_everything_else_works(tmp_path):
    root = make_plugin(tmp_path, "qc_broken", "qc_broken_mod", BROKEN)
    out = run_cli(["solvers", "--json"], root)
    assert out.returncode == 0, out.stderr
    assert "qc_broken" in out.stderr and "boom at import" in out.stderr
    assert out.stderr.count("Warning:") == 1
    names = [r["name"] for r in json.loads(out.stdout)]
    assert "sdp-lhs" in names
    plugins = json.loads(run_cli(["plugins", "--json"], root).stdout)
    broken = next(p for p in plugins if p["name"] == "qc_broken")
    assert not broken["loaded"] and "RuntimeError" in broken["errors"][0]


def test_strict_mode_makes_broken_plugin_fatal(tmp_path):
    root = make_plugin(tmp_path, "qc_broken", "qc_broken_mod", BROKEN)
    out = run_cli(["solvers"], root, QUANTCORR_STRICT_PLUGINS="1")
    assert out.returncode == 2
    assert "qc_broken" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_duplicate_solver_name_names_both_plugins(tmp_path):
    root = make_plugin(tmp_path, "qc_clash", "qc_clash_mod", DUPLICATE.format(name="sdp-lhs"))
    out = run_cli(["plugins", "--json"], root)
    assert out.returncode == 0
    clash = next(p for p in json.loads(out.stdout) if p["name"] == "qc_clash")
    assert "'sdp'" in clash["errors"][0] and "'qc_clash'" in clash["errors"][0]
    solvers = json.loads(run_cli(["solvers", "--json"], root).stdout)
    assert next(r for r in solvers if r["name"] == "sdp-lhs")["plugin"] == "sdp"


def test_registry_in_process_lists_builtin(fresh_registry):
    from quantcorr.plugins import get_registry

    reg = get_registry()
    assert "sdp-lhs" in reg.certifiers
    assert {"werner-xz", "werner-pvm", "isotropic3-povm"} <= set(reg.problems)
