"""ms per training step of the gradient-lhv qubit model (benchmarks/gradient_lhv.md, Speed).

Usage: OMP_NUM_THREADS=1 python benchmarks/gradient_lhv_speed.py [STEPS]
Sizes of issue 16: N_hidden 4096, order D = 5, batch 256 measurement tuples, two qubits (and the
two-qubit default N_hidden 1024), float64 and float32 side by side in one run, one torch thread;
CPU time and wall time per step. Three qubits at their default (N_hidden 4096, KL loss, a 7^3
grid): the correlator joint of `QubitLhvModel` against the product-sum joint it replaced.
"""

import sys
import time

import numpy as np
import torch

from quantcorr.states import ghz, werner
from quantcorr_gradient.lhv_model import DirectionSampler, QubitLhvModel, _joint, _kl

torch.set_num_threads(1)
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
CASES = [(2, 4096, "default"), (2, 1024, "default"), (3, 4096, "default"), (3, 4096, "product-sum")]
for n, hidden, joint in CASES:
    for dtype in (torch.float64, torch.float32):
        model = QubitLhvModel(n, hidden, 5, torch.Generator().manual_seed(0)).to(dtype=dtype)
        model.set_state(werner(0.7).rho if n == 2 else ghz(3, 0.45).rho)
        model.divergence = "tv" if n == 2 else "kl"  # the defaults (lhv.lhv_divergence)
        sampler = DirectionSampler(n, dtype, torch.device("cpu"))
        opt = torch.optim.Adam(model.parameters(), lr=0.02, fused=True)  # as in trainer.Trainer
        rng = np.random.default_rng(0)

        def loss_of(u):
            if joint == "default":
                return model.loss(u)
            return _kl(_joint(model.responses(u)), model.quantum(u), n).mean()  # before: (2k)^n H

        def step():
            loss = loss_of(sampler.sample(256, rng))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        for _ in range(10):
            step()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(steps):
            step()
        cpu, wall = (time.process_time() - cpu) / steps * 1e3, (time.perf_counter() - wall) / steps * 1e3
        k = sampler.per_party(256)
        print(f"n={n} hidden={hidden} order=5 batch=256 ({' x '.join([str(k)] * n)} directions) {model.divergence} "
              f"joint={joint} {str(dtype)[6:]}: {cpu:.2f} ms CPU/step, {wall:.2f} ms wall/step", flush=True)
