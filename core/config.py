"""Configuration: environment variables over an optional ``suanpan.toml``.

The order of precedence is: explicit keyword arguments (tests), environment
variables ``SUANPAN_*``, the ``[suanpan]`` table of ``suanpan.toml`` in the
working directory (or the file named by ``SUANPAN_CONFIG``), then defaults.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Settings:
    var_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = ""
    default_locale: str = "zh_CN"
    locales: tuple[str, ...] = ("zh_CN", "en")
    theme: str = "default"
    session_days: int = 14
    secure_cookies: bool = False
    #: origins (``https://erp.example.com``) besides the request's own host whose
    #: pages may send forms here: for a proxy that rewrites the Host header, or
    #: another host of the same domain (see ``core.web.cross_site``)
    trusted_origins: tuple[str, ...] = ()
    max_form_bytes: int = 1_000_000
    max_field_chars: int = 20_000
    login_max_failures: int = 5
    login_window_seconds: int = 900
    login_lockout_seconds: int = 900
    argon2_memory_kib: int = 19 * 1024
    argon2_time_cost: int = 2
    static_dir: Path = Path("node_modules")
    debug: bool = False
    #: worker threads per process for request handlers (they hold the GIL)
    threads: int = 4
    #: run one job worker in each ``suanpan serve`` process (``suanpan worker`` runs more)
    inprocess_worker: bool = True
    #: seconds a job worker's claim holds without renewal: a worker renews it
    #: while the job runs, so a dead worker's job is taken over this long after
    #: the worker died (or after the task's ``timeout_seconds``, if sooner)
    job_lease_seconds: int = 60
    #: diagnostics: a folder where every SQLite connection writes the statements
    #: it runs, a file per connection (slow; the load tests use it)
    sql_trace_dir: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_ENV_PREFIX = "SUANPAN_"


def _coerce(value: str, current: Any) -> Any:
    if isinstance(current, bool):
        return value.lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(value)
    if isinstance(current, Path):
        return Path(value)
    if isinstance(current, tuple):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return value


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the TOML file, the environment and ``overrides``."""
    base = Settings()
    values: dict[str, Any] = {}
    config_file = Path(os.environ.get("SUANPAN_CONFIG", "suanpan.toml"))
    if config_file.is_file():
        with config_file.open("rb") as fh:
            table = tomllib.load(fh).get("suanpan", {})
        known = {f.name for f in fields(Settings)}
        for key, value in table.items():
            if key in known:
                values[key] = value if not isinstance(getattr(base, key), Path) else Path(value)
            else:
                values.setdefault("extra", {})[key] = value
    for f in fields(Settings):
        env = os.environ.get(_ENV_PREFIX + f.name.upper())
        if env is not None and f.name != "extra":
            values[f.name] = _coerce(env, getattr(base, f.name))
    values.update(overrides)
    settings = replace(base, **values)
    var_dir = Path(settings.var_dir)
    if not settings.database_url:
        settings = replace(settings, database_url=f"sqlite:///{(var_dir / 'suanpan.db').as_posix()}")
    if not settings.secret_key:
        settings = replace(settings, secret_key=_secret_key(var_dir))
    return settings


def _secret_key(var_dir: Path) -> str:
    """Read the installation's secret key, generating it on first run."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
