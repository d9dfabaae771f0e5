"""Safe files for models, training checkpoints and scan checkpoints.

Layout of every file this plugin writes:
    MAGIC line, then one JSON header line {"format", "kind", "sha256", "bytes"}, then the payload:
    a torch archive of the content (tensors, numbers, strings, lists and dicts only).
Reading never runs code from the file. A file without the magic line is not unpickled at all:
it is refused with an `InputFileError` that names what it looks like (a torch/zip archive, a
Python pickle, JSON or text). The payload's SHA-256 must equal the header's (any byte zeroed or
changed in the payload is caught; a damaged header does not parse), and only then is it read
with `torch.load(weights_only=True)` and no extra allow-list (numpy RNG states are plain dicts
of ints, so none is needed). A file of the wrong kind (a scan checkpoint given as a model, ...)
is refused naming its kind. Writes are atomic (`quantcorr.fileio.write_atomic`: a unique temporary file in the target
directory, then `os.replace`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import torch

from quantcorr.errors import InputFileError
from quantcorr.fileio import write_atomic

MAGIC = b"quantcorr-gradient-file\n"
FORMAT = 3
KINDS = {"lhs-model": "gradient-lhs model", "lhv-model": "gradient-lhv model",
         "checkpoint": "training checkpoint", "scan": "threshold-scan checkpoint"}


def _first_line(exc: BaseException, limit: int = 160) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def save(path: str | Path, kind: str, content: dict[str, Any]) -> Path:
    """Write `content` (CPU tensors and plain data) as a file of `kind`."""
    assert kind in KINDS, kind
    inner = io.BytesIO()
    torch.save(content, inner)
    data = inner.getvalue()
    header = json.dumps({"format": FORMAT, "kind": kind, "sha256": hashlib.sha256(data).hexdigest(),
                         "bytes": len(data)})
    return write_atomic(path, MAGIC + header.encode() + b"\n" + data)


def _looks_like(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (e.g. a plain torch.save file)"
    if head[:1] == b"\x80":
        return "a Python pickle (not loaded: unpickling can run code)"
    if head.lstrip()[:1] in (b"{", b"["):
        return "a JSON file"
    if head.startswith(b"\x93NUMPY"):
        return "a numpy .npy file"
    if not head:
        return "an empty file"
    try:
        head.decode()
        return "a text file"
    except UnicodeDecodeError:
        return "an unknown binary file"


def kind_of(path: str | Path) -> str:
    """The kind named in a file's header (not verified: `load` does that); InputFileError if the
    file is not of this format."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(MAGIC) + 4096)
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not head.startswith(MAGIC):
        raise InputFileError(f"{path} is {_looks_like(head[:16])}, not a gradient model or checkpoint")
    try:
        return str(json.loads(head[len(MAGIC):head.find(b"\n", len(MAGIC))].decode())["kind"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InputFileError(f"{path}: damaged header, the file is corrupted; refusing to use it") from None


def load(path: str | Path, kinds: str | tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """(kind, content) of a file whose kind is one of `kinds`; InputFileError for anything else."""
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    path = Path(path)
    wanted = " or ".join(KINDS[k] for k in kinds)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not raw.startswith(MAGIC):
        raise InputFileError(f"{path} is {_looks_like(raw[:16])}, not a {wanted}")
    head_end = raw.find(b"\n", len(MAGIC))
    try:
        header = json.loads(raw[len(MAGIC):head_end].decode())
        fmt, kind, digest, size = header["format"], header["kind"], header["sha256"], header["bytes"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InputFileError(f"{path}: damaged header, the file is corrupted; refusing to use it") from None
    if fmt != FORMAT:
        raise InputFileError(f"{path} has format {fmt!r}, not {FORMAT} (written by another version of the "
                             "gradient plugin; train it again)")
    if kind not in KINDS:
        raise InputFileError(f"{path}: unknown kind {kind!r} in a quantcorr gradient file")
    if kind not in kinds:
        raise InputFileError(f"{path} is a {KINDS[kind]}, not a {wanted}")
    data = raw[head_end + 1:]
    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
        raise InputFileError(f"{path}: checksum mismatch, the {KINDS[kind]} is corrupted; refusing to use it")
    try:
        content = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError for forbidden globals, RuntimeError, ...
        raise InputFileError(f"{path}: refused the {KINDS[kind]} payload ({_first_line(exc)})") from None
    if not isinstance(content, dict):
        raise InputFileError(f"{path}: {KINDS[kind]} payload is not a dict")
    return kind, content


def save_model(path: str | Path, kind: str, model: torch.nn.Module, meta: dict[str, Any]) -> Path:
    """Write a model of `kind` ("lhs-model", "lhv-model"): its config(), its parameters in float64
    on the CPU, and `meta`."""
    state = {k: v.detach().cpu().to(torch.float64) if v.is_floating_point() else v.detach().cpu()
             for k, v in model.state_dict().items()}
    return save(path, kind, {"config": model.config(), "state_dict": state, "meta": meta})


def load_model_blob(path: str | Path, kind: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(config, state_dict, meta) of a model file of `kind` or of a training checkpoint of such a
    model (its meta["model"] is "lhs" for "lhs-model", "lhv" for "lhv-model")."""
    found, blob = load(path, (kind, "checkpoint"))
    if found == "checkpoint":
        meta = blob.get("meta", {})
        tag = kind.split("-")[0]
        if meta.get("model") != tag:
            raise InputFileError(f"{path} is a training checkpoint of another model ({meta.get('model')!r}), "
                                 f"not of a {KINDS[kind]}")
        blob = {"config": meta.get("config"), "state_dict": blob["model"], "meta": meta}
    if not isinstance(blob.get("config"), dict) or not isinstance(blob.get("state_dict"), dict):
        raise InputFileError(f"{path}: inconsistent {KINDS[kind]} (no config or parameters)")
    return blob["config"], blob["state_dict"], blob.get("meta", {})


KEEP_MODELS = 20  # the model cache keeps the newest files only


def model_cache_dir() -> Path:
    """$QUANTCORR_CACHE/models, else $XDG_CACHE_HOME/quantcorr/models, else ~/.cache/quantcorr/models."""
    root = os.environ.get("QUANTCORR_CACHE")
    if root:
        return Path(root) / "models"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quantcorr" / "models"


def default_model_path(solver: str) -> Path:
    """A new file in the model cache; the oldest files beyond the newest KEEP_MODELS are removed."""
    import uuid

    folder = model_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    old = sorted(folder.glob("*.pt"), key=lambda p: p.stat().st_mtime)
    for p in old[: max(len(old) - KEEP_MODELS + 1, 0)]:
        p.unlink(missing_ok=True)
    return folder / f"{solver}-{uuid.uuid4().hex[:12]}.pt"
