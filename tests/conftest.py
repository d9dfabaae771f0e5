import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def fresh_registry():
    """Rebuild the plugin registry before and after a test that changes entry points."""
    from quantcorr.plugins import get_registry

    get_registry(reload=True)
    yield
    get_registry(reload=True)


@pytest.fixture(scope="module")
def registered():
    """The registry rebuilt from the installed entry points (after tests that patched it)."""
    from quantcorr.plugins import get_registry

    get_registry(reload=True)


@pytest.fixture
def one_torch_thread():
    """Small tensors: one torch thread is fastest, and much faster on a shared CPU."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
