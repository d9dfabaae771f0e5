"""ms per training step of the gradient-lhv qubit model (benchmarks/gradient_lhv.md, Speed).

Usage: OMP_NUM_THREADS=1 python benchmarks/gradient_lhv_speed.py [STEPS]
Sizes of issue 16: N_hidden 4096, order D = 5, batch 256 measurement tuples, two qubits (and the
defaults, N_hidden 1024), float64 and float32, one torch thread; CPU time and wall time per step.
"""

import sys
import time

import numpy as np
import torch

from quantcorr.states import werner
from quantcorr_gradient.lhv_model import DirectionSampler, QubitLhvModel

torch.set_num_threads(1)
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
for hidden in (4096, 1024):
    for dtype in (torch.float64, torch.float32):
        model = QubitLhvModel(2, hidden, 5, torch.Generator().manual_seed(0)).to(dtype=dtype)
        model.set_state(werner(0.7).rho)
        sampler = DirectionSampler(2, dtype, torch.device("cpu"))
        opt = torch.optim.Adam(model.parameters(), lr=0.02, fused=True)  # as in trainer.Trainer
        rng = np.random.default_rng(0)

        def step():
            loss = model.loss(sampler.sample(256, rng))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        for _ in range(10):
            step()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(steps):
            step()
        cpu, wall = (time.process_time() - cpu) / steps * 1e3, (time.perf_counter() - wall) / steps * 1e3
        print(f"hidden={hidden} order=5 batch=256 (16 x 16 directions) two qubits {str(dtype)[6:]}: "
              f"{cpu:.2f} ms CPU/step, {wall:.2f} ms wall/step", flush=True)
