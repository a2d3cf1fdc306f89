"""A throwaway PostgreSQL cluster for a test session, on 127.0.0.1 and a free port.

The storage tests run against a real server, as a county's deployment would, so this starts Debian's own
`postgres` on a data directory of its own and removes it afterwards. Nothing is shared with a cluster the
`postgresql` package may have started on 5432: our port is a free one, our socket lives in our temp dir. Durability
is switched off (fsync, synchronous commit, full-page writes): a crash loses nothing a test needs.

A missing server is an error with the install command, never a skipped test. `$MINGBAI_POSTGRES_BIN` points at the
folder holding initdb, pg_ctl and postgres when they are somewhere else.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

from bot.storage.pg_backup import program_folders

BINDIR_VARIABLE = "MINGBAI_POSTGRES_BIN"
INSTALL_HINT = "apt-get install postgresql (Debian) — the storage tests run against a real server"
#: What a cluster needs of the server package; Debian keeps them in /usr/lib/postgresql/<version>/bin, off PATH.
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
#: initdb refuses to run as root; as root the cluster belongs to the system user the package creates.
SERVER_USER = "postgres"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",  # tests open pools, two-process tests two of them
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
START_SECONDS = 60


class PostgresMissing(RuntimeError):
    """No PostgreSQL server programs where we looked: the message says how to install them."""


def server_bindir() -> Path:
    """The folder of initdb, pg_ctl and postgres: $MINGBAI_POSTGRES_BIN, else `pg_config --bindir`, else the newest
    /usr/lib/postgresql/*/bin. pg_config alone is not enough: libpq-dev ships it without the server."""
    if os.environ.get(BINDIR_VARIABLE):
        folder = Path(os.environ[BINDIR_VARIABLE])
        if not _has_server(folder):
            raise PostgresMissing(f"PostgreSQL server not found in ${BINDIR_VARIABLE}={folder}: {INSTALL_HINT}")
        return folder
    for folder in program_folders():
        if _has_server(folder):
            return folder
    raise PostgresMissing(f"PostgreSQL server not found (nor ${BINDIR_VARIABLE} set): {INSTALL_HINT}")


def _has_server(folder: Path) -> bool:
    return all((folder / program).is_file() for program in SERVER_PROGRAMS)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresCluster:
    """A running cluster with trust authentication for the `postgres` superuser; `new_database()` hands each test
    an empty database of its own. Use `start()` and `stop()` (the session fixture does both)."""

    def __init__(self, bindir: Path, folder: Path, port: int):
        self.bindir = bindir
        self.folder = folder
        self.port = port
        self._numbers = itertools.count(1)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls) -> PostgresCluster:
        """initdb and start a cluster in a fresh temp dir; the dir is removed again if it does not come up."""
        bindir = server_bindir()
        cluster = cls(bindir, Path(tempfile.mkdtemp(prefix="mingbai-postgres-")), port=0)
        try:
            cluster._own_folder()
            cluster._run("initdb", "--pgdata", str(cluster.data), "--username", "postgres", "--auth", "trust",
                         "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions")
            cluster.port = _free_port()  # just before the start, so another run has little time to take it
            cluster._configure()
            cluster._run("pg_ctl", "start", "--pgdata", str(cluster.data), "--log", str(cluster.log),
                         "--wait", "--timeout", str(START_SECONDS))
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def stop(self) -> None:
        """Stop the server if it runs, at once (nothing in a test cluster is worth a clean shutdown), and remove
        the data."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", "immediate", "--wait")
        finally:
            self._remove()

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        name = f"mingbai_{next(self._numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database of `new_database()`, closing what a test left connected: each holds 7 MB of disk,
        a session may create many."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")

    def _configure(self) -> None:
        """Our port, our socket folder and the fast settings, after what initdb wrote (the last setting wins)."""
        lines = {**SETTINGS, "port": str(self.port), "unix_socket_directories": f"'{self.folder}'"}
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("".join(f"{key} = {value}\n" for key, value in lines.items()))

    def _own_folder(self) -> None:
        """As root, hand the temp dir to the `postgres` user (initdb and postgres refuse to run as root)."""
        if os.geteuid() != 0:
            return
        try:
            user = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise PostgresMissing(f"running as root, but there is no '{SERVER_USER}' user for the server to run "
                                  f"as: {INSTALL_HINT}") from None
        os.chown(self.folder, user.pw_uid, user.pw_gid)

    def _run(self, program: str, *args: str) -> None:
        """Run a server program, as `postgres` when we are root; a failure says what the server logged."""
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, cwd=self.folder, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{program} {args[0]} failed ({done.returncode}): {done.stderr.strip()}\n"
                               f"server log ({self.log}):\n{self._log_tail()}")

    def _log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def _remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
