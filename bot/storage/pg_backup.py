"""Backups of a PostgreSQL database while the bots run, their check, and putting one back (`mingbai backup`,
`restore` when MINGBAI_DATABASE_URL is set). PostgreSQL's own programs do the work; this module finds them,
checks what they made and says it plainly.

`backup` runs `pg_dump --format=custom`. pg_dump reads the whole database inside one repeatable-read
transaction, so the dump is the database at one instant while the bots keep answering: it takes only the locks
a reader takes, which hold up no insert or update (only a schema change, i.e. a `mingbai run` of a newer release
starting its migrations, waits for it). The dump goes to a hidden temporary name in the destination folder, is
read back whole (`verify`), flushed to disk and only then renamed, so a file named `mingbai-<UTC time>.pgdump` is
always a whole, checked backup.

`verify` needs no database: `pg_restore --list` reads the archive's table of contents (mingbai's tables must be
in it), and `pg_restore --data-only` to a pipe reads every row back, which gives the rows per table, the newest
message and the schema steps the backup has had (from its `schema_migrations` rows).

`restore` refuses while other sessions are connected to the database (a `mingbai run` on any host), keeps a dump
of the database it replaces, and replays the backup through psql in one transaction: the tables the backup lacks
are dropped (a newer schema's tables would otherwise keep rows from after the backup), the backup's own are
replaced (`pg_restore --clean --if-exists --no-owner --no-privileges`), and only when pg_restore has written the
whole script is COMMIT sent; on any failure the database is as it was. This release's migrations then bring an
older backup up to date.

An SQLite deployment's backup (`mingbai restore mingbai-….sqlite` with MINGBAI_DATABASE_URL set) is how a county
moves from one engine to the other: the file is checked and upgraded as an SQLite restore does it, then, in one
transaction, the database's tables are dropped, this release's schema is made, and the file's tables are copied
in, row by row through COPY, each autonumbered id's sequence set past the highest id copied.

The password never appears on a command line or in a message: the programs get it in PGPASSWORD, messages name
the database with `without_password`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import IO, Iterator

from bot.storage import migrations
from bot.storage.backup import (
    MAIN_TABLES,
    SQLITE_HEADER,
    BackupError,
    Contents,
    Restored,
    flush,
    pending_after,
    prune,
    upgraded_copy,
)
from bot.storage.database import connect, without_password
from bot.storage.sqlite import FOLDER_MODE

SUFFIX = ".pgdump"  # a DEST named so is the file to write; any other DEST is a folder
BACKUP_FILE = re.compile(r"mingbai-\d{8}T\d{6}Z\.pgdump")  # the names `backup` gives in a folder; --keep prunes them
HEADER = b"PGDMP"  # the first bytes of pg_dump's custom format
#: Without these a dump is not mingbai's (every mingbai database on PostgreSQL has had them from its start).
REQUIRED_TABLES = {"users", "messages", "schema_migrations"}
INSTALL_HINT = "apt-get install postgresql-client (Debian), the same major version as the server or newer"
COPY_START = re.compile(rb'^COPY (?:"?[^ ."]+"?\.)?"?([^ ."]+)"? \((.*)\) FROM stdin;$')
TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ")  # a line of `pg_restore --list` naming a table
RELAY_BYTES = 1 << 20
VERSIONED_FOLDERS = Path("/usr/lib/postgresql")  # Debian's <major version>/bin folders


# --- the programs -------------------------------------------------------------------------------------


def program(name: str) -> Path:
    """PostgreSQL's client program `name`: from `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin
    (Debian keeps them there, off PATH, one folder per major version), else PATH."""
    for folder in program_folders():
        if (folder / name).is_file():
            return folder / name
    if found := shutil.which(name):
        return Path(found)
    raise BackupError(f"{name} not found (looked in `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH): "
                      f"{INSTALL_HINT}")


def program_folders() -> list[Path]:
    """Where PostgreSQL's programs may be, best first: `pg_config --bindir`, then Debian's folders, newest first."""
    found = []
    if pg_config := shutil.which("pg_config"):
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if bindir:
            found.append(Path(bindir))
    versions = [path for path in VERSIONED_FOLDERS.glob("*/bin") if path.parent.name.isdigit()]
    return found + sorted(versions, key=lambda path: int(path.parent.name), reverse=True)


def _connection(url: str) -> tuple[str, dict[str, str]]:
    """The URL as a `--dbname` without the password, and the environment that carries the password."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo  # psycopg only for a deployment on PostgreSQL

    params = {key: str(value) for key, value in conninfo_to_dict(url).items()}
    password = params.pop("password", None)
    env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning", "PGAPPNAME": "mingbai backup"}
    if password is not None:
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env


def _failure(what: str, stderr: str, url: str | None = None) -> BackupError:
    """A program's failure with the end of what it said, never with the password in it, nor the row it stopped
    at (psql's CONTEXT line quotes it: a villager's message has no place in cron's mail or the journal)."""
    said = [line for line in stderr.strip().splitlines() if not line.lstrip().startswith("CONTEXT:")][-5:]
    text = " / ".join(said) or "(it said nothing)"
    if url is not None:
        from psycopg.conninfo import conninfo_to_dict

        password = conninfo_to_dict(url).get("password")
        text = without_password(text.replace(str(password), "***") if password else text)
    return BackupError(f"{what}: {text}")


# --- backup -------------------------------------------------------------------------------------------


def backup(url: str, destination: Path, *, keep: int | None = None,
           now: float | None = None) -> tuple[Contents, list[Path]]:
    """Dump the database at `url` to `destination` (a file named *.pgdump, else a folder to put a
    `mingbai-<UTC time>.pgdump` in; with `keep` always a folder, whose backups beyond the newest `keep` are then
    deleted). Returns what the dump holds and the files pruned."""
    if keep is not None and destination.suffix == SUFFIX and not destination.is_dir():
        raise BackupError(f"--keep prunes a folder of backups, and {destination} names a file: give a folder")
    if destination.suffix in (".sqlite", ".db") and not destination.is_dir():
        raise BackupError(f"{destination} names an SQLite file, and this mingbai keeps its data in PostgreSQL: "
                          f"give a folder or a file name ending {SUFFIX}")
    target = _target(destination, now or time.time(), folder=keep is not None)
    dbname, env = _connection(url)
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(descriptor)  # created 0600, and pg_dump writes into it as it is: the dump holds villagers' conversations
    partial = Path(name)
    try:
        done = subprocess.run([str(program("pg_dump")), "--format=custom", f"--file={partial}", f"--dbname={dbname}"],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise _failure(f"pg_dump could not dump {without_password(url)}", done.stderr, url)
        contents = verify(partial, shown_as=f"the dump of {without_password(url)}")
        flush(partial)
        os.replace(partial, target)
        flush(target.parent)
    finally:
        partial.unlink(missing_ok=True)  # only after a failure is anything left under that name
    return replace(contents, path=target), prune(target.parent, keep, BACKUP_FILE) if keep else []


def _target(destination: Path, moment: float, folder: bool) -> Path:
    """A name ending in .pgdump is the file to write; anything else is a folder, made when missing."""
    if folder or destination.is_dir() or destination.suffix != SUFFIX:
        destination.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        return destination / f"mingbai-{_stamp(moment)}{SUFFIX}"
    destination.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    return destination


def _stamp(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


# --- checks -------------------------------------------------------------------------------------------


def is_pgdump(path: Path) -> bool:
    """Whether `path` begins as pg_dump's custom format does (what `backup --verify` checks it as)."""
    with path.open("rb") as file:
        return file.read(len(HEADER)) == HEADER


def verify(path: Path, shown_as: str | None = None) -> Contents:
    """Check a dump without a database: pg_dump's, readable to the end, mingbai's, not from a newer release."""
    return _read(path, shown_as or str(path))[0]


def _read(path: Path, shown: str) -> tuple[Contents, set[str]]:
    """What the dump holds, and the tables in it."""
    _check_header(path, shown)
    tables = _tables(path, shown)
    if missing := sorted(REQUIRED_TABLES - tables):
        raise BackupError(f"{shown} is a PostgreSQL dump but not mingbai's (it has no {', '.join(missing)} table)")
    rows, newest, applied = _data(path, shown)
    pending = pending_after(applied, shown)
    counts = {table: rows.get(table, 0) for table in MAIN_TABLES if table in tables}
    contents = Contents(path, path.stat().st_size, counts, newest, pending, checked="pg_restore read it whole")
    return contents, tables


def _check_header(path: Path, shown: str) -> None:
    if not path.is_file():
        raise BackupError(f"{shown}: no such file")
    with path.open("rb") as file:
        header = file.read(len(HEADER))
    if header != HEADER:
        raise BackupError(f"{shown} is not a PostgreSQL dump in pg_dump's custom format (it is "
                          f"{'empty' if not header else 'something else'}), so not a mingbai backup")


def _tables(path: Path, shown: str) -> set[str]:
    """The tables in the dump's table of contents."""
    done = subprocess.run([str(program("pg_restore")), "--list", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        raise _failure(f"{shown} is damaged and cannot be used (pg_restore --list failed)", done.stderr)
    return {match[1] for line in done.stdout.splitlines() if (match := TABLE_ENTRY.match(line))}


def _data(path: Path, shown: str) -> tuple[dict[str, int], float | None, set[tuple[str, str]]]:
    """Every row read back through `pg_restore --data-only`: rows per table, the newest message's time, and the
    schema steps applied (schema_migrations' rows). COPY's text format has one line per row."""
    rows: dict[str, int] = {}
    newest: float | None = None
    applied: set[tuple[str, str]] = set()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen([str(program("pg_restore")), "--data-only", "--file=-", str(path)],
                                   stdout=subprocess.PIPE, stderr=errors)
        try:
            for table, columns, line in _copied_rows(process.stdout):
                rows[table] = rows.get(table, 0) + 1
                if table == "messages" and "created_at" in columns:
                    value = line.split(b"\t")[columns.index("created_at")]
                    if value != rb"\N":
                        newest = max(newest or 0.0, float(value))
                elif table == "schema_migrations":
                    values = line.split(b"\t")
                    applied.add((values[columns.index("migration_set")].decode(),
                                 values[columns.index("name")].decode()))
        finally:
            process.stdout.close()
            code = process.wait()
        if code != 0:
            errors.seek(0)
            raise _failure(f"{shown} is damaged and cannot be used (pg_restore could not read it back)",
                           errors.read().decode(errors="replace"))
    return rows, newest, applied


def _copied_rows(script: IO[bytes]) -> Iterator[tuple[str, list[str], bytes]]:
    """(table, its columns, one row's line) for every row in the COPY blocks of a data-only script."""
    table, columns = None, []
    for raw in script:
        line = raw.rstrip(b"\n")
        if table is None:
            if match := COPY_START.match(line):
                table = match[1].decode()
                columns = [column.strip().strip('"') for column in match[2].decode().split(",")]
        elif line == rb"\.":
            table = None
        else:
            yield table, columns, line


# --- restore ------------------------------------------------------------------------------------------


def restore(source: Path, url: str, *, keep_in: Path, now: float | None = None) -> Restored:
    """Put the dump `source` (or an SQLite deployment's backup) in place of the database at `url`, keeping a dump
    of what it replaces in `keep_in`; refused while other sessions use the database."""
    where = without_password(url)
    if _is_sqlite(source):
        return _from_sqlite(source, url, where, keep_in, now)
    contents, tables = _read(source, str(source))
    present, kept = _set_aside(url, where, keep_in, now)
    _replay(source, url, sorted(present - tables))
    from bot.storage.store import Store  # opening a store applies this release's migrations

    Store(url).close()
    return Restored(_in_database(url, where), kept, contents.pending)


def _set_aside(url: str, where: str, keep_in: Path, now: float | None) -> tuple[set[str], Path | None]:
    """Refuse a database in use; else dump it to `keep_in` when it holds mingbai's data (a new deployment's is
    empty). Returns its tables and the dump."""
    db = connect(url)
    try:
        _refuse_other_sessions(db, where)
        present = db.table_names()
    finally:
        db.close()
    if "messages" not in present:
        return present, None
    return present, backup(url, keep_in / f"before-restore-{_stamp(now or time.time())}{SUFFIX}")[0].path


def _refuse_other_sessions(db, where: str) -> None:
    """A running bot (on this host or another) holds a connection: restoring under it would mix old and new."""
    others = db.values("select coalesce(host(client_addr), 'a socket, or a role whose address you may not see') "
                       "from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() "
                       "and backend_type = 'client backend'")
    if others:
        hosts = ", ".join(sorted(set(others)))
        raise BackupError(f"{where} is in use: {len(others)} other connection(s) to it (from {hosts}), e.g. a "
                          "running `mingbai run`; stop every mingbai process on every host first, then restore")


def _replay(source: Path, url: str, extra_tables: list[str]) -> None:
    """pg_restore's script for the dump, through psql in one transaction that commits only when pg_restore has
    produced all of it (psql's own --single-transaction would commit a script cut short)."""
    dbname, env = _connection(url)
    drops = "".join(f'drop table if exists "{table}" cascade;\n' for table in extra_tables)
    with tempfile.TemporaryFile() as dump_errors, tempfile.TemporaryFile() as load_errors:
        dump = subprocess.Popen([str(program("pg_restore")), "--clean", "--if-exists", "--no-owner",
                                 "--no-privileges", "--file=-", str(source)], stdout=subprocess.PIPE,
                                stderr=dump_errors)
        load = subprocess.Popen([str(program("psql")), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                                 f"--dbname={dbname}"], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=load_errors)
        try:
            load.stdin.write(f"begin;\n{drops}".encode())
            while chunk := dump.stdout.read(RELAY_BYTES):
                load.stdin.write(chunk)
            if dump.wait() == 0:
                load.stdin.write(b"commit;\n")
            load.stdin.close()
        except BrokenPipeError:  # psql stopped at an error: what it said is below
            dump.kill()
            with contextlib.suppress(BrokenPipeError):
                load.stdin.close()
        finally:
            dump.stdout.close()
            dump.wait()
            loaded = load.wait()
        if loaded != 0:
            load_errors.seek(0)
            raise _failure(f"psql could not restore {source} into {without_password(url)} (nothing was changed)",
                           load_errors.read().decode(errors="replace"), url)
        if dump.returncode != 0:
            dump_errors.seek(0)
            raise _failure(f"pg_restore could not read {source} (nothing was changed)",
                           dump_errors.read().decode(errors="replace"))


def _is_sqlite(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as file:
        return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _from_sqlite(source: Path, url: str, where: str, keep_in: Path, now: float | None) -> Restored:
    """An SQLite deployment's backup, checked and upgraded in a scratch copy, copied into PostgreSQL."""
    import psycopg  # only a deployment on PostgreSQL has it

    with tempfile.TemporaryDirectory(prefix="mingbai-restore-") as folder:  # 0700: the copy is villagers' data
        staged = Path(folder) / "staged.sqlite"
        upgraded = upgraded_copy(source, staged)
        _, kept = _set_aside(url, where, keep_in, now)
        copy = sqlite3.connect(f"{staged.as_uri()}?mode=ro", uri=True)
        db = connect(url)
        try:
            with db.transaction():
                for table in sorted(db.table_names()):
                    db.execute(f'drop table "{table}" cascade')
                migrations.apply_all(db)
                for table in sorted(db.table_names()):
                    _copy_table(copy, db, table)
        except psycopg.Error as error:  # e.g. a value PostgreSQL refuses: the transaction is rolled back
            raise BackupError(f"{source} could not be copied into {where} (nothing was changed): "
                              f"{without_password(str(error))}") from error
        finally:
            db.close()
            copy.close()
    return Restored(_in_database(url, where), kept, upgraded)


def _copy_table(copy: sqlite3.Connection, db, table: str) -> None:
    """One table's rows from the SQLite copy (its columns that PostgreSQL's table has), replacing what the
    migrations put there (their own record), then the id sequence past the highest id."""
    if not copy.execute("select 1 from sqlite_master where type = 'table' and name = ?", [table]).fetchone():
        return
    present = set(db.columns(table))
    columns = [row[1] for row in copy.execute(f'pragma table_info("{table}")') if row[1] in present]
    names = ", ".join(f'"{column}"' for column in columns)
    db.execute(f'delete from "{table}"')
    with db.conn.cursor().copy(f'copy "{table}" ({names}) from stdin') as rows:
        for row in copy.execute(f'select {names} from "{table}"'):
            rows.write_row(row)
    if "id" in columns and (sequence := db.value("select pg_get_serial_sequence(?, 'id')", [f'"{table}"'])):
        db.execute(f'select setval(?, (select max(id) from "{table}"))', [sequence])


def _in_database(url: str, where: str) -> Contents:
    """What the database holds now, counted in it."""
    db = connect(url)
    try:
        tables = db.table_names()
        rows = {table: db.value(f'select count(*) from "{table}"') for table in MAIN_TABLES if table in tables}
        return Contents(where, db.value("select pg_database_size(current_database())"), rows,
                        db.value("select max(created_at) from messages"), (), checked="rows counted in it")
    finally:
        db.close()
