"""ms/step of the LHS step before (commit de0e68f, extracted as the package quantcorr_gradient_old) and after,
side by side in one process, alternating, two repetitions each. Usage (see gradient_lhs.md, Speed):
  mkdir -p /tmp/gold/quantcorr_gradient_old && for f in __init__ basis losses model; do
    git show de0e68f:plugins/quantcorr_gradient/$f.py > /tmp/gold/quantcorr_gradient_old/$f.py; done
  OMP_NUM_THREADS=1 PYTHONPATH=plugins python benchmarks/gradient_lhs_speed.py /tmp/gold"""
import time, sys, numpy as np, torch
sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else "/tmp/gold")  # holds quantcorr_gradient_old/ (see the doc)
torch.set_num_threads(1)
from quantcorr.measurements import MeasurementSpace
from quantcorr.states import werner
from quantcorr_gradient_old.model import LhsModel as Old, MeasurementSampler as OldS
from quantcorr_gradient.lhs_model import LhsModel as New, MeasurementSampler as NewS
from quantcorr_gradient.basis import orthonormal_transform
def make(kind, H, D, dtype):
    meas = MeasurementSpace("pvm", 2)
    if kind == "old":
        m = Old.for_family(meas, 2, H, D, 0, False); s = OldS(meas, dtype, torch.device("cpu"))
    else:
        idx, w = orthonormal_transform(meas, D); m = New(2, 2, H, D, idx.factors, w, torch.Generator().manual_seed(0), False)
        s = NewS(meas, dtype, torch.device("cpu"))
    m = m.to(dtype=dtype); m.set_state(werner(0.6))
    return m, s
def timed(kind, H, D, B, dtype, steps):
    m, s = make(kind, H, D, dtype)
    # each side with its trainer's optimiser: the old trainer used plain Adam, the new one fused Adam
    opt = torch.optim.Adam(m.parameters(), lr=0.01, fused=(kind == "new")); rng = np.random.default_rng(0)
    def step():
        loss = m.loss(s.sample(B, rng)); opt.zero_grad(); loss.backward(); opt.step()
    for _ in range(3): step()
    t = time.process_time(); w = time.perf_counter()
    for _ in range(steps): step()
    return 1e3 * (time.process_time() - t) / steps, 1e3 * (time.perf_counter() - w) / steps
cases = [(4096, 5, 256, torch.float64, 20), (128, 5, 128, torch.float64, 200), (64, 5, 128, torch.float64, 200),
         (4096, 5, 256, torch.float32, 20)]
for H, D, B, dt, n in cases:
    for rep in range(2):
        for kind in ("old", "new"):
            cpu, wall = timed(kind, H, D, B, dt, n)
            print(f"{kind} hidden={H} order={D} batch={B} {str(dt)[6:]}: {cpu:.2f} ms CPU/step ({wall:.2f} wall)", flush=True)
