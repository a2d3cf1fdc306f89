"""Shared fixtures: the shipped FAQ and its matcher (built once per session), a core on a fresh SQLite file, and
an empty PostgreSQL database on a throwaway cluster (started only when a test asks for one)."""

from __future__ import annotations

import os

import pytest

from bot.core.service import ChatService
from intents.faq_loader import read_faq
from intents.matcher import Matcher
from tests.support import ROOT, settings_for
from tests.support.postgres import PostgresCluster


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory):
    """Fitted models go to a folder of this run (subprocesses inherit it), not to the user's ~/.cache/mingbai."""
    os.environ["MINGBAI_CACHE_DIR"] = str(tmp_path_factory.mktemp("model-cache"))


@pytest.fixture(scope="session")
def shipped_faq():
    return read_faq(ROOT / "faq")


@pytest.fixture(scope="session")
def matcher(shipped_faq):
    return Matcher(shipped_faq)


@pytest.fixture
def settings(request, tmp_path):
    """The shipped FAQ, a database of the test's own and no burst window; modules that need other settings define
    their own. MINGBAI_TEST_DATABASE=postgresql runs the tests that use it on PostgreSQL instead of SQLite (a
    check of the second engine; those that open the SQLite file themselves fail there)."""
    url = request.getfixturevalue("postgres_url") if os.environ.get("MINGBAI_TEST_DATABASE") == "postgresql" else ""
    return settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path),
                         "MINGBAI_DATABASE_URL": url})


@pytest.fixture
async def service(settings):
    service = ChatService.open(settings)
    yield service
    await service.close()


@pytest.fixture(scope="session")
def postgres_cluster():
    """A PostgreSQL server for the session, started by the first test that needs one: runs without such tests
    pay nothing. A missing server is those tests' error, with the install command (never a skip)."""
    cluster = PostgresCluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster):
    """The URL of an empty database of the test's own (MINGBAI_DATABASE_URL's form), dropped afterwards."""
    url = postgres_cluster.new_database()
    yield url
    postgres_cluster.drop_database(url)
