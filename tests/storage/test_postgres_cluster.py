"""The throwaway PostgreSQL cluster the storage tests run on (tests/support/postgres.py): each test's database
takes writes and is its own, and a machine without the server gets the install command instead of a skip."""

from __future__ import annotations

import re

import psycopg
import pytest

from tests.support.postgres import BINDIR_VARIABLE, PostgresCluster, PostgresMissing, server_bindir


def test_a_database_of_the_test_keeps_what_is_written(postgres_url):
    with psycopg.connect(postgres_url) as db:
        db.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
        db.execute("INSERT INTO notes (body) VALUES (%s)", ["欠薪三个月"])
    with psycopg.connect(postgres_url) as db:
        assert db.execute("SELECT body FROM notes").fetchall() == [("欠薪三个月",)]


def test_two_databases_are_separate(postgres_cluster):
    first, second = postgres_cluster.new_database(), postgres_cluster.new_database()
    assert first != second
    with psycopg.connect(first) as db:
        db.execute("CREATE TABLE notes (body text)")
    with psycopg.connect(second) as db:
        tables = db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    assert tables == []


def test_a_database_is_dropped_with_its_test(postgres_cluster):
    url = postgres_cluster.new_database()
    postgres_cluster.drop_database(url)
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        psycopg.connect(url).close()


def test_a_missing_server_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv(BINDIR_VARIABLE, str(tmp_path))
    with pytest.raises(PostgresMissing, match=r"apt-get install postgresql"):
        server_bindir()
    with pytest.raises(PostgresMissing, match=re.escape(str(tmp_path))):
        PostgresCluster.start()
