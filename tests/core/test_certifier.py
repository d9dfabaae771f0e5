import json
from dataclasses import dataclass

import numpy as np
import pytest

from quantcorr.certifier import Certificate, Certifier, Options, Result, SteeringTarget, Verdict, option
from quantcorr.errors import DimensionError, UnsupportedTargetError
from quantcorr.measurements import MeasurementSpace, measurements_from_spec
from quantcorr.states import isotropic, werner
from quantcorr.testing import check_certifier, check_declaration
from quantcorr.threshold import ThresholdResult, VisibilityFamily


@dataclass
class CutOptions(Options):
    cut: float = option(0.3, "threshold of the fake cut", ge=0, le=1)


class Cut(Certifier):
    """Says unsteerable below `cut` (reading the singlet weight off the state)."""

    name = "cut"
    questions = ("steering",)
    rigor = "numerical"
    Options = CutOptions

    def supports(self, target):
        return isinstance(target, SteeringTarget)

    def _certify(self, target, options):
        v = target.state.params["v"]
        verdict = Verdict.UNSTEERABLE if v <= options.cut else Verdict.STEERABLE
        return Result(self.name, "steering", verdict, "numerical", value=v,
                      certificate=Certificate("demo", {"rho": target.state.rho}))


class Exploding(Cut):
    name = "exploding"

    def _certify(self, target, options):
        raise ZeroDivisionError("solver bug")


def test_conformance_and_bisection():
    check_certifier(Cut, [SteeringTarget(werner(v), MeasurementSpace("pvm", 2)) for v in (0.1, 0.9)])
    res = Cut().critical_visibility(VisibilityFamily(werner(1.0)), MeasurementSpace("pvm", 2), CutOptions(0.37))
    assert res.lower <= 0.37 <= res.upper and res.upper - res.lower < 2e-4
    assert res.lower_rigor == "numerical"
    back = ThresholdResult.from_json(json.loads(json.dumps(res.to_json())))
    assert back.estimate == pytest.approx(res.estimate) and back.table == res.table


def test_failure_inside_certifier_becomes_failed_result():
    res = Exploding().certify(SteeringTarget(werner(0.5), MeasurementSpace("pvm", 2)))
    assert res.verdict is Verdict.FAILED and "ZeroDivisionError" in res.message and res.rigor is None
    with pytest.raises(UnsupportedTargetError):
        Cut().certify(werner(0.5))


def test_result_json_round_trip_with_arrays():
    res = Cut().certify(SteeringTarget(werner(0.2), MeasurementSpace("pvm", 2)))
    data = json.loads(json.dumps(res.to_json()))
    back = Result.from_json(data)
    assert back.verdict is Verdict.UNSTEERABLE and np.allclose(back.certificate.data["rho"], werner(0.2).rho)
    assert {"solver", "question", "verdict", "rigor", "value", "quantities", "certificate", "wall_time_s"} <= set(data)


def test_inconclusive_carries_no_rigor():
    assert Result("x", "steering", "inconclusive", "certified").rigor is None


def test_declaration_checks_catch_bad_plugins():
    class NoQuestion(Cut):
        questions = ("telepathy",)

    with pytest.raises(AssertionError, match="questions"):
        check_declaration(NoQuestion)


def test_steering_target_dimension_check_and_family():
    with pytest.raises(DimensionError):
        SteeringTarget(isotropic(3, 0.5), measurements_from_spec("paulis", 2))
    fam = VisibilityFamily(isotropic(3, 1.0))
    assert np.allclose(fam.at(0.4).rho, isotropic(3, 0.4).rho)
    assert fam.describe() == "isotropic(d=3, v)"


def test_certify_caps_blas_threads(monkeypatch):
    """Solvers run with BLAS/OpenMP capped to QUANTCORR_THREADS (default 1)."""
    from dataclasses import dataclass

    import numpy as np
    from threadpoolctl import threadpool_info

    from quantcorr.certifier import Certifier, Options, Result, SteeringTarget
    from quantcorr.measurements import measurements_from_spec
    from quantcorr.states import werner

    seen = []

    class Probe(Certifier):
        name = "probe"
        questions = ("steering",)
        rigor = "numerical"

        @dataclass
        class Options(Options):
            pass

        def supports(self, target):
            return True

        def _certify(self, target, options):
            np.linalg.eigvalsh(np.eye(3))  # make sure BLAS is loaded
            seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
            return Result(self.name, "steering", "inconclusive", None)

    target = SteeringTarget(werner(0.5), measurements_from_spec("xz", 2))
    Probe().certify(target)
    monkeypatch.setenv("QUANTCORR_THREADS", "2")
    Probe().certify(target)
    assert seen[0] == {1}
    assert seen[1] <= {1, 2}
