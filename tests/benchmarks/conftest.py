from tests.concurrency.conftest import committed_reference_data  # noqa: F401 — fixture
