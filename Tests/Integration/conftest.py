import pytest

from fakebackend import DEFAULT_MODELS
from harness import FakeBackend, LlamaServer

FAKE_SLOW_SECONDS = 30


@pytest.fixture(scope="session")
def fake_backend():
    backend = FakeBackend("--slow-seconds", str(FAKE_SLOW_SECONDS))
    yield backend
    backend.stop()


@pytest.fixture(scope="module", autouse=True)
def fake_backend_defaults(request):
    """Every test module starts with the fake backend's default models and timings, whatever the module
    before it changed (tests that add or remove models would otherwise decide which model later modules get)."""
    if "fake_backend" not in request.fixturenames and not _module_uses_fake_backend(request.module):
        yield
        return
    backend = request.getfixturevalue("fake_backend")

    def restore():
        backend.control("POST", "/_control/models", {"models": list(DEFAULT_MODELS)})
        backend.control("POST", "/_control/config", {"slow_seconds": FAKE_SLOW_SECONDS, "token_delay_ms": 5})

    restore()
    yield
    restore()


def _module_uses_fake_backend(module) -> bool:
    return "fake_backend" in getattr(module, "__dict__", {}) or "fake_backend" in open(module.__file__).read()


@pytest.fixture(scope="session")
def llama():
    server = LlamaServer()
    yield server
    server.stop()
