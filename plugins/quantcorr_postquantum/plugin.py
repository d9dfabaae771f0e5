"""Entry point of the postquantum plugin (registers lazily: no heavy imports here)."""

from quantcorr import hookimpl
from quantcorr.registration import NamedTarget, SolverRef, TargetParam

PQ = "quantcorr_postquantum"
TARGETS = ("state+finite", "multipartite", "assemblage", "assemblage(n>=2)")
V = TargetParam("v", float, 1.0, "visibility: v * sigma + (1 - v) * white noise")
SAINZ = "Sainz, Aolita, Piani, Hoban, Skrzypczyk, NJP 20, 083040 (2018)"


@hookimpl
def register_certifiers(register):
    register(SolverRef("almost-quantum", f"{PQ}.almost_quantum:AlmostQuantum", questions=("post-quantum",),
                       rigor="certified", requires=("cvxpy",), targets=TARGETS,
                       description="almost-quantum moment-matrix SDP; dual functional certifies post-quantum steering"))
    register(SolverRef("steering-negativity", f"{PQ}.negativity:SteeringNegativity", questions=("post-quantum",),
                       rigor="certified", requires=("cvxpy",), targets=TARGETS,
                       description="upper bound on the steering negativity (fixed measurements); 0 gives a "
                                   "quantum realisation"))


@hookimpl
def register_targets(register):
    register(NamedTarget("pr-steering", "assemblage", f"{PQ}.targets:pr_steering",
                         "PR box on two black-box parties times Bob's maximally mixed state",
                         params=(V, TargetParam("dim", int, 2, "Bob's dimension")), visibility="v"))
    register(NamedTarget("upb-shifts", "assemblage", f"{PQ}.targets:upb_shifts",
                         "Gleason assemblage of the Shifts UPB witness (3 qubits, Bob = qubit 3)",
                         params=(V, TargetParam("theta", float, 0.7853981633974483,
                                                "e = cos(theta)|0> + sin(theta)|1> (pi/4: |+>)")), visibility="v"))
    register(NamedTarget("gleason", "assemblage", f"{PQ}.targets:gleason",
                         "assemblage of a unit-trace Hermitian operator file under local measurements",
                         params=(TargetParam("witness", str, None, "operator file (.npy or .json real/imag)"),
                                 TargetParam("measurements", str, "xz", "black-box measurements, or 'A|B' per party"),
                                 TargetParam("dims", tuple, (), "black-box dims then Bob's, e.g. 2,2,2"), V),
                         visibility="v"))
    register(NamedTarget("map", "assemblage", f"{PQ}.targets:map_assemblage",
                         "quantum assemblage with a positive map on Bob's side (transpose, reduction, "
                         "breuer-hall, Choi file)",
                         params=(TargetParam("map", str, "breuer-hall", "transpose | reduction | breuer-hall | "
                                                                        "FILE.npy (Choi matrix)"),
                                 TargetParam("U", str, "XY", "breuer-hall unitary as a Pauli string (odd # of Y)"),
                                 TargetParam("state", str, "", "'' (maximally entangled), 'haar', a state name "
                                                               "or file"),
                                 TargetParam("measurements", str, "xz", "black-box measurements, or 'A|B' per party"),
                                 TargetParam("dims", tuple, (), "black-box dims then Bob's, e.g. 2,2,4"),
                                 TargetParam("seed", int, 0, "seed of state=haar"), V),
                         visibility="v"))


@hookimpl
def register_problems(register):
    from math import sqrt

    from quantcorr.problems import Problem

    suite = ("postquantum",)
    grid = tuple(round(0.5 + 0.05 * k, 2) for k in range(11))
    register(Problem("pr-steering", assemblage="pr-steering", question="post-quantum", reference=1 / sqrt(2),
                     citation="Tsirelson bound; almost-quantum = quantum for CHSH", grid=grid, suites=suite))
    register(Problem("upb-shifts", assemblage="upb-shifts", question="post-quantum", reference=None,
                     reference_kind="sdp", citation=SAINZ + ", Example 7", grid=grid, suites=suite))
    register(Problem("breuer-hall-haar0", assemblage="map", question="post-quantum",
                     params={"map": "breuer-hall", "U": "XY", "state": "haar", "seed": 0, "dims": (2, 2, 4),
                             "measurements": "xz"},
                     reference=None, reference_kind="sdp", citation=SAINZ, grid=grid, suites=suite))
    register(Problem("ghz-paulis", state="ghz", measurements="paulis", question="post-quantum", reference=None,
                     reference_kind="control", citation="quantum control (GHZ, n = 3)", grid=grid, suites=suite))
    register(Problem("w-paulis", state="w", measurements="paulis", question="post-quantum", reference=None,
                     reference_kind="control", citation="quantum control (W, n = 3)", grid=grid, suites=suite))
