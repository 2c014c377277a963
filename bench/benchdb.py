"""What the benchmarks share: a PostgreSQL database of their own on the local server, the
production settings pointed at it, and `manage.py` commands run against it in child processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"


def production_env(
    db_name: str, *, label: str, redis_db: int, pool_max: int = 4, **extra: str
) -> dict[str, str]:
    """The environment of a process serving `db_name` with the production settings: Redis
    database `redis_db`, models and media under `var/bench-<label>-…`, e-mail discarded,
    plain HTTP on 127.0.0.1. `extra` adds or overrides variables."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings.production",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "DATABASE_URL": f"{PG}/{db_name}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
            "DJANGO_SECURE_SSL_REDIRECT": "False",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "WENZHENG_MODEL_DIR": str(ROOT / "var" / f"bench-{label}-models"),
            "DJANGO_MEDIA_ROOT": str(ROOT / "var" / f"bench-{label}-media"),
            "DJANGO_LOG_LEVEL": "WARNING",
            "DB_POOL_MIN": str(min(2, pool_max)),
            "DB_POOL_MAX": str(pool_max),
            **extra,
        }
    )
    return env


def wsgi_server(*, workers: int, threads: int, port: int) -> list[str]:
    """The command that serves plain HTTP as the README recommends for production: granian's
    WSGI workers, each running the application in `threads` threads, on 127.0.0.1:`port`."""
    return [
        PY,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backlog",
        "2048",
        "--no-ws",
        "--log-level",
        "warning",
        "backend.wsgi:application",
    ]


def drop_database(db_name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def recreate_database(db_name: str) -> None:
    import psycopg

    drop_database(db_name)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')


def manage(env: dict[str, str], *args: str) -> str:
    """The output of `manage.py args`; stops the benchmark with the command's errors if it fails."""
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def timed_manage(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stdout) of `manage.py args` in a child process."""
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        f"out = subprocess.run([sys.executable, 'manage.py', *{list(args)!r}], "
        "check=True, capture_output=True, text=True).stdout; "
        "print(time.perf_counter() - t); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); print(out.strip())"
    )
    out = subprocess.run(
        [PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.splitlines()
    return float(out[0]), float(out[1]), "\n".join(out[2:])
