import pytest

from harness import FakeBackend, LlamaServer


@pytest.fixture(scope="session")
def fake_backend():
    backend = FakeBackend("--slow-seconds", "30")
    yield backend
    backend.stop()


@pytest.fixture(scope="session")
def llama():
    server = LlamaServer()
    yield server
    server.stop()
