"""Check the CUDA path of gradient-lhs and measure steps/s (run where a GPU is present).

Usage: PYTHONPATH=.:plugins python3 benchmarks/gradient_lhs_gpu.py OUT.json STEPS CASE,CASE,...
Each case trains STEPS steps (no early stop; QUANTCORR_THREADS sets torch's CPU threads, default 1) on cuda (float64, float32) and on the CPU (float64)
and prints the quantities of the Result.
"""

from __future__ import annotations

import json
import sys
import time

import torch

from quantcorr.certifier import SteeringTarget
from quantcorr.measurements import measurements_from_spec
from quantcorr.states import isotropic, werner
from quantcorr_gradient.lhs import GradientLhs
from quantcorr_gradient.options import GradientOptions

CASES = [  # (label, state, measurements, options)
    ("werner-pvm", werner(0.45), "pvm", dict(hidden=64, batch=128)),
    ("werner-pvm-large", werner(0.45), "pvm", dict(hidden=512, batch=2048)),
    ("werner-povm", werner(0.45), "povm", dict(hidden=64, batch=128, order=3)),
    ("iso3-pvm", isotropic(3, 0.4), "pvm", dict(hidden=64, batch=128)),
    ("iso3-povm", isotropic(3, 0.3), "povm", dict(hidden=64, batch=128, order=3)),
    ("iso3-povm-large", isotropic(3, 0.3), "povm", dict(hidden=512, batch=1024, order=3)),
]


def main() -> None:
    out, steps, wanted = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
    rows = []
    devices = ["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"]
    print("torch", torch.__version__, "cuda", torch.cuda.is_available(),
          torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
    for device in devices:
        for dtype in ("float64", "float32"):
            for label, state, meas, kw in [c for c in CASES if c[0] in wanted]:
                t0 = time.perf_counter()
                opts = GradientOptions(steps=steps, patience=10**6, device=device, dtype=dtype, progress=False,
                                       test_batch=1000, **kw)
                target = SteeringTarget(state, measurements_from_spec(meas, state.dims[0]))
                res = GradientLhs().certify(target, opts)
                row = {"case": label, "device": device, "dtype": dtype, **kw, "verdict": res.verdict.value,
                       **{k: res.quantities.get(k) for k in ("loss_mean", "steps_per_s", "device")},
                       "wall_s": round(time.perf_counter() - t0, 2),
                       "message": res.message if res.verdict.value == "failed" else ""}
                print(json.dumps(row), flush=True)
                rows.append(row)
            if device == "cpu":
                break  # CPU: float64 only (the CPU numbers of record come from gradient_lhs.sh)
        with open(out, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
