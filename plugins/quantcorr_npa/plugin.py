"""Entry point of the npa plugin (registers lazily: no heavy imports here)."""

from quantcorr import hookimpl
from quantcorr.registration import NamedTarget, SolverRef, TargetParam

R = 0.7071067811865476  # 1/sqrt2
# singlet E(a, b) = -a.b: Alice z, x; Bob -(z+x)/sqrt2, (x-z)/sqrt2 give E = (1, 1, 1, -1)/sqrt2
CHSH_ALICE = "bloch:0,0,1;1,0,0"
CHSH_BOB = f"bloch:{-R},0,{-R};{R},0,{-R}"
NPA = "Navascues, Pironio, Acin, PRL 98, 010401 (2007)"


@hookimpl
def register_certifiers(register):
    register(SolverRef("bell-lp", "quantcorr_npa.bell_lp:BellLp", questions=("bell",), rigor="certified",
                       requires=("scipy",), targets=("behaviour",),
                       description="local-polytope LP over deterministic strategies; Bell inequality from the dual"))
    register(SolverRef("npa", "quantcorr_npa.npa:Npa", questions=("quantum-set",), rigor="certified",
                       requires=("cvxpy",), targets=("behaviour",),
                       description="NPA hierarchy (levels 1, 1+AB, 2, 3); certified dual functional; exact TLM"))


@hookimpl
def register_targets(register):
    register(NamedTarget("i3322-qubit", "behaviour", "quantcorr_npa.targets:i3322_qubit",
                         "qubit behaviour reaching I3322 = 1/4 (Collins-Gisin form; local bound 0)",
                         (TargetParam("v", float, 1.0, "visibility: v * target + (1 - v) * white noise"),),
                         visibility="v"))


@hookimpl
def register_problems(register):
    from quantcorr.problems import Problem

    grid = (0.6, 0.65, 0.7, 0.75, 0.8)
    register(Problem("chsh-pr-local", behaviour="pr-box", question="bell", reference=0.5,
                     citation="CHSH: the PR box mixed with noise is local iff v <= 1/2",
                     grid=(0.4, 0.45, 0.5, 0.55, 0.6), suites=("chsh",)))
    register(Problem("chsh-pr-quantum", behaviour="pr-box", question="quantum-set", reference=R,
                     citation="Tsirelson bound; " + NPA, grid=grid, suites=("chsh",)))
    register(Problem("chsh-tsirelson-local", behaviour="tsirelson", question="bell", reference=R,
                     citation="CHSH = 2 sqrt2 v: local iff v <= 1/sqrt2", grid=grid, suites=("chsh",)))
    register(Problem("chsh-werner-local", state="werner", measurements=CHSH_ALICE, bob_measurements=CHSH_BOB,
                     question="bell", reference=R,
                     citation="Werner state, optimal CHSH settings: CHSH = 2 sqrt2 v", grid=grid, suites=("chsh",)))
    register(Problem("chsh-werner-quantum", state="werner", measurements=CHSH_ALICE, bob_measurements=CHSH_BOB,
                     question="quantum-set", reference=1.0,
                     citation="a two-qubit behaviour is quantum at every v (TLM certifies it)",
                     grid=(0.9, 0.95, 1.0), suites=("chsh",)))
    register(Problem("chsh-3322-local", state="werner", measurements=CHSH_ALICE + ";0,0,1",
                     bob_measurements=CHSH_BOB + f";{-R},0,{-R}", question="bell", reference=R,
                     citation="3322: the third settings repeat the first, so the threshold is the CHSH one",
                     grid=grid, suites=("chsh",)))
    register(Problem("i3322-qubit-local", behaviour="i3322-qubit", question="bell", reference=0.8,
                     citation="I3322 = v/4 - (1 - v) > 0 iff v > 0.8; bell-lp finds a local model at 0.8",
                     grid=(0.7, 0.75, 0.8, 0.85, 0.9), suites=("chsh",)))
    register(Problem("i3322-qubit-quantum", behaviour="i3322-qubit", question="quantum-set", reference=1.0,
                     citation="a qubit behaviour is quantum at every v (no threshold in [0, 1])",
                     grid=(0.9, 0.95, 1.0), suites=("chsh",)))


@hookimpl
def register_commands(cli):
    from .cli import bell_max

    cli.add_command(bell_max)
