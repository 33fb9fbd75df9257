import sys
import traceback
import types

import pytest
from pulumi.runtime import proto


@pytest.fixture
def stand_in_host(monkeypatch):
    """A module standing in for ``pulumi.dynamic.__main__`` (importing the real one starts its server), with the
    two names the SDK patches replace in it: ``traceback`` and ``proto``."""
    module = types.ModuleType("__main__")
    module.__spec__ = types.SimpleNamespace(name="pulumi.dynamic.__main__")
    module.traceback, module.proto = traceback, proto
    monkeypatch.setitem(sys.modules, "__main__", module)
    return module
