"""Labelled datasets on disk: resumable chunked generation and safe loading.

A dataset is an .npz file (read with allow_pickle=False) holding `x` (N, space) CHSH
coordinates, `y` (N,) int8 labels (1 = in Q_level), `meta` (a JSON string: space, sampler, n,
sigma, level, labeller, seed, chunk) and, for boundary pairs, `u`, `lam`, `lam_ns` per sampled
direction and `pair_dir` (the direction of each pair: points 2k, 2k+1).

Generation runs in chunks of `chunk` points; chunk k uses the generator default_rng([seed, k]),
so the result does not depend on interruptions. Finished chunks are written to OUT.parts/; a
rerun with the same arguments skips them, and the final file is assembled and written
atomically at the end (the parts folder is then removed).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from quantcorr.errors import InputFileError, OptionError, OutputPathError
from quantcorr.fileio import write_atomic

from .geometry import check_space
from .labels import make_labeller
from .samplers import SAMPLERS, sample_chunk

FORMAT = "quantcorr-nn-dataset-1"
PAIR_KEYS = ("u", "lam", "lam_ns")  # per direction; pair_dir (int) maps pairs to directions


def check_output(path: str | Path, suffix: str, overwrite: bool = False, inputs: tuple = ()) -> Path:
    """The output path, refused before any work if it cannot be written: the core checks
    (a directory, unwritable, one of the `inputs`), then this plugin's suffix, no silent
    overwrite, and an existing folder."""
    from quantcorr.cli.paths import check_output as check_writable

    path = Path(path)
    if path.suffix != suffix:
        raise OutputPathError(f"{path}: the output must end in {suffix}")
    check_writable(str(path), [str(p) for p in inputs], "output")
    if path.exists() and not overwrite:
        raise OutputPathError(f"{path} exists; use --overwrite to replace it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputPathError(f"{path}: folder {parent} does not exist")
    return path


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write an .npz atomically (`quantcorr.fileio.write_atomic`)."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return write_atomic(path, buf.getvalue())


def generate(out: str | Path, *, space: int, sampler: str, n: int, sigma: float = 1e-2, level: str = "1+AB",
             seed: int = 0, labels: str = "auto", chunk: int = 2000, overwrite: bool = False,
             progress: bool = True) -> dict[str, Any]:
    """Sample and label `n` points into `out` (.npz), resuming from finished chunks."""
    check_space(space)
    if sampler not in SAMPLERS:
        raise OptionError(f"--sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    if n < 2 or chunk < 2:
        raise OptionError(f"--n and --chunk must be at least 2, got {n} and {chunk}")
    if sampler in ("boundary", "curved") and (n % 2 or chunk % 2):
        raise OptionError("boundary pairs need an even --n and --chunk")
    if not 0 < sigma < 1:
        raise OptionError(f"--sigma must be in (0, 1), got {sigma}")
    out = check_output(out, ".npz", overwrite)
    labeller = make_labeller(space, level, labels)
    meta = {"format": FORMAT, "space": space, "sampler": sampler, "n": n, "sigma": sigma, "level": level,
            "labels": labels, "labeller": labeller.name, "seed": seed, "chunk": chunk}
    parts = out.with_name(out.name + ".parts")
    manifest = parts / "manifest.json"
    if parts.exists():
        old = json.loads(manifest.read_text()) if manifest.exists() else None
        if old != meta:
            raise OutputPathError(f"{parts} holds chunks of a different run; delete it or choose another --out")
    else:
        parts.mkdir()
        manifest.write_text(json.dumps(meta))
    sizes = [min(chunk, n - start) for start in range(0, n, chunk)]
    done = [k for k in range(len(sizes)) if (parts / f"chunk-{k:05d}.npz").exists()]
    bar = _bar(n, sum(sizes[k] for k in done), progress)
    for k, size in enumerate(sizes):
        if k in done:
            continue
        rng = np.random.default_rng([seed, k])
        save_npz(parts / f"chunk-{k:05d}.npz", sample_chunk(sampler, size, space, rng, labeller, sigma))
        if bar is not None:
            bar.update(size)
    if bar is not None:
        bar.close()
    chunks = [_read(parts / f"chunk-{k:05d}.npz") for k in range(len(sizes))]
    arrays = {key: np.concatenate([c[key] for c in chunks]) for key in chunks[0]}
    if "pair_dir" in arrays:  # chunk-local direction indices -> file indices
        offsets = np.cumsum([0] + [len(c["u"]) for c in chunks[:-1]])
        arrays["pair_dir"] = np.concatenate([c["pair_dir"] + o for c, o in zip(chunks, offsets)])
    arrays["meta"] = np.array(json.dumps({**meta, "resumed_chunks": len(done)}))
    save_npz(out, arrays)
    shutil.rmtree(parts)
    y = arrays["y"]
    return {"out": str(out), "points": int(len(y)), "quantum_fraction": float(y.mean()), "resumed_chunks": len(done),
            "chunks": len(sizes), "labeller": labeller.name}


def _bar(total: int, initial: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=initial, unit="pt", desc="learn data", leave=False)


def _read(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_dataset(path: str | Path) -> dict[str, Any]:
    """{x, y, meta, sha256[, u, lam, lam_ns]} of a dataset file; InputFileError if it is not one."""
    path = Path(path)
    try:
        data = _read(path)
        meta = json.loads(str(data.pop("meta")))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise InputFileError(f"cannot read dataset {path}: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise InputFileError(f"{path} is not a quantcorr learn dataset")
    x, y = data.get("x"), data.get("y")
    space = meta.get("space")
    if x is None or y is None or x.ndim != 2 or x.shape[1] != space or y.shape != (len(x),) \
            or not np.all(np.isfinite(x)):
        raise InputFileError(f"{path}: arrays x and y are missing or malformed")
    out: dict[str, Any] = {"x": x.astype(float), "y": y.astype(np.int8), "meta": meta, "sha256": file_sha256(path)}
    if all(k in data for k in (*PAIR_KEYS, "pair_dir")):
        for key in PAIR_KEYS:
            out[key] = data[key].astype(float)
        out["pair_dir"] = data["pair_dir"].astype(np.int64)
        if len(out["pair_dir"]) * 2 != len(y) or out["pair_dir"].max(initial=-1) >= len(out["u"]):
            raise InputFileError(f"{path}: boundary arrays are inconsistent")
    return out


def split_indices(n: int, seed: int, fractions: tuple[float, float] = (0.70, 0.15)) -> dict[str, np.ndarray]:
    """Seeded train / validation / test split (70/15/15 by default), as index arrays."""
    order = np.random.default_rng(seed).permutation(n)
    a = int(round(fractions[0] * n))
    b = a + int(round(fractions[1] * n))
    return {"train": order[:a], "val": order[a:b], "test": order[b:]}
