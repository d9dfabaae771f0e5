from dataclasses import dataclass
from typing import Literal, Optional

import pytest

from quantcorr.certifier import Options
from quantcorr.cli.options import OptionError, parse_solver_options


@dataclass
class Demo(Options):
    steps: int = 100
    lr: float = 0.01
    device: Literal["cpu", "cuda", "auto"] = "auto"
    resume: bool = False
    checkpoint: Optional[str] = None


def test_parses_types_flags_and_literals():
    o = parse_solver_options(Demo, ["--steps", "2000", "--lr=1e-3", "--device", "cpu", "--resume",
                                    "--checkpoint", "m.pt"], "demo")
    assert (o.steps, o.lr, o.device, o.resume, o.checkpoint) == (2000, 1e-3, "cpu", True, "m.pt")
    assert parse_solver_options(Demo, ["--no-resume"], "demo").resume is False
    assert parse_solver_options(Demo, ["--steps", "1e4"], "demo").steps == 10000


@pytest.mark.parametrize("args, msg", [
    (["--steps", "many"], "expects an integer"), (["--device", "tpu"], "one of"), (["--bogus", "1"], "no option"),
    (["--lr"], "needs a value"), (["stray"], "unexpected"),
])
def test_bad_options(args, msg):
    with pytest.raises(OptionError, match=msg):
        parse_solver_options(Demo, args, "demo")
