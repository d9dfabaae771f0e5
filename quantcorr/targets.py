"""Assemblage and behaviour inputs: files, `chsh:` coordinates and registered names.

Spellings (documented in README):
- Assemblage `.npy`: a complex array sigma[x1..xn, a1..an, dB, dB] (n black-box parties; n is
  read from the number of axes, 2n + 2). `.json`: {"sigma": ..., "n_parties": n} where complex
  entries are written as [re, im] pairs (the documented spelling) or {"re": .., "im": ..}
  objects; {"real": ..., "imag": ...} (what `Assemblage.to_json` writes) is read too.
- Behaviour `.npy`: a real array p[x, y, a, b]. `.json`: {"p": ...}. `chsh:c1,...,c8`
  (<A0>,<A1>,<B0>,<B1>,E00,E01,E10,E11) or `chsh:E00,E01,E10,E11` (zero marginals).
- A registered name (hook `register_targets`), with `--param k=v` parameters.

Every problem is a one-line `QuantcorrError`; files are never unpickled.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from .assemblage import Assemblage
from .correlations import Behaviour
from .fileio import exists, read_npy_or_json
from .errors import DimensionError, InputFileError, UnknownNameError, ValidationError
from .registration import NamedTarget
from .validation import as_complex_array

FILE_SUFFIXES = (".npy", ".json")


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def is_file_spec(spec: str) -> bool:
    return Path(spec).suffix in FILE_SUFFIXES or exists(spec)


def _complex_entries(obj: Any, what: str) -> np.ndarray:
    """Nested lists whose leaves are [re, im] pairs or {"re", "im"} objects -> complex array."""
    if isinstance(obj, dict) and "real" in obj:
        return as_complex_array(np.asarray(obj["real"], float) + 1j * np.asarray(obj.get("imag", 0.0), float), what)

    def conv(x: Any) -> Any:
        if isinstance(x, dict):
            if set(x) != {"re", "im"}:
                raise ValidationError(f"{what}: complex entries are [re, im] pairs or {{\"re\", \"im\"}} objects")
            return complex(float(x["re"]), float(x["im"]))
        if isinstance(x, list) and len(x) == 2 and all(isinstance(v, (int, float)) for v in x) and not \
                isinstance(x[0], bool):
            return complex(float(x[0]), float(x[1]))
        if isinstance(x, list):
            return [conv(v) for v in x]
        raise ValidationError(f"{what}: unexpected entry {x!r} (complex entries are [re, im] pairs)")

    try:
        return as_complex_array(conv(obj), what)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError(f"{what}: {exc}") from None


def load_assemblage(path: str | Path, require_psd: bool = True) -> Assemblage:
    """An assemblage from `.npy` or `.json` (see the module docstring)."""
    path = Path(path)
    what = f"assemblage file {path}"
    data = read_npy_or_json(path, "assemblage")
    n = None
    if isinstance(data, np.ndarray):
        sigma = as_complex_array(data, what)
    elif isinstance(data, dict) and ("sigma" in data or "real" in data):
        raw = data["sigma"] if "sigma" in data else data
        sigma = _complex_entries(raw, what)
        n = data.get("n_parties")
    else:
        raise InputFileError(f"{what}: expected {{\"sigma\": ..., \"n_parties\": n}}")
    if n is None:
        if sigma.ndim < 4 or sigma.ndim % 2:
            raise DimensionError(f"{what}: shape {sigma.shape}; expected (m1..mn, o1..on, dB, dB)")
        n = (sigma.ndim - 2) // 2
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValidationError(f"{what}: n_parties must be a positive integer, got {n!r}")
    return Assemblage(sigma, n, require_psd)


def load_behaviour(path: str | Path) -> Behaviour:
    """A behaviour p[x, y, a, b] from `.npy` or `.json` ({"p": ...})."""
    path = Path(path)
    data = read_npy_or_json(path, "behaviour")
    if isinstance(data, dict):
        if "p" not in data:
            raise InputFileError(f"behaviour file {path}: expected {{\"p\": [[[[...]]]]}} with axes (x, y, a, b)")
        data = data["p"]
    if isinstance(data, np.ndarray) and np.iscomplexobj(data):
        raise ValidationError(f"behaviour file {path}: probabilities must be real")
    return Behaviour(data)


def parse_chsh(spec: str) -> Behaviour:
    """`chsh:c1,...,c8` or `chsh:E00,E01,E10,E11`."""
    body = spec.split(":", 1)[1]
    try:
        coords = [float(c) for c in body.split(",") if c.strip()]
    except ValueError:
        raise ValidationError(f"cannot parse CHSH coordinates in '{spec}' (use chsh:c1,...,c8 or chsh:E00,E01,E10,E11)") \
            from None
    if len(coords) not in (4, 8):
        raise DimensionError(f"'{spec}': CHSH coordinates need 4 or 8 numbers, got {len(coords)}")
    if not all(np.isfinite(coords)):
        raise ValidationError(f"'{spec}': CHSH coordinates must be finite")
    return Behaviour.from_chsh(coords)


def named(kind: str, name: str) -> NamedTarget:
    from .plugins import get_registry

    return get_registry().target(kind, name)


def build_named(kind: str, name: str, params: dict[str, Any] | None = None) -> Any:
    """Build a registered target with string or typed parameters; checks the returned kind."""
    spec = named(kind, name)
    kwargs = spec.parse_params(dict(params or {}))
    obj = spec.builder()(**kwargs)
    expected = Assemblage if kind == "assemblage" else Behaviour
    if not isinstance(obj, expected):
        raise ValidationError(f"{kind} '{name}' built a {type(obj).__name__}, not a {expected.__name__}")
    return obj


def assemblage_from_spec(spec: str, params: dict[str, Any] | None = None, require_psd: bool = True) -> Assemblage:
    """A file or a registered name. Parameters go to named assemblages only."""
    if is_file_spec(spec):
        if params:
            raise ValidationError(f"an assemblage file takes no parameters, got {sorted(params)}")
        return load_assemblage(spec, require_psd)
    asm = build_named("assemblage", spec, params)
    return asm if require_psd or not asm.require_psd else Assemblage(asm.sigma, asm.n_parties, False)


def behaviour_from_spec(spec: str, params: dict[str, Any] | None = None) -> Behaviour:
    """A file, `chsh:...` coordinates or a registered name."""
    if spec.startswith("chsh:"):
        if params:
            raise ValidationError(f"CHSH coordinates take no parameters, got {sorted(params)}")
        return parse_chsh(spec)
    if is_file_spec(spec):
        if params:
            raise ValidationError(f"a behaviour file takes no parameters, got {sorted(params)}")
        return load_behaviour(spec)
    return build_named("behaviour", spec, params)


def known_names(kind: str) -> list[str]:
    from .plugins import get_registry

    return sorted(get_registry().targets.get(kind, {}))


def unknown_target(kind: str, name: str) -> UnknownNameError:
    extra = ", chsh:c1,...,c8" if kind == "behaviour" else ""
    return UnknownNameError(f"unknown {kind} '{name}'; known: {', '.join(known_names(kind)) or 'none'}"
                            f"{extra} or a .npy/.json file")
