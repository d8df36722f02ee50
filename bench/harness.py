"""What the benchmarks share: the machine's description and CPU accounting,
``suanpan serve`` as a process group on loopback, logging in, wrk (with
bench/wrk_report.lua) or a small asyncio client, and a database of their own
on the local PostgreSQL server.

Used by bench/run.py and bench/http_load.py (run as scripts: bench/ is on
``sys.path``). Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
LUA = HERE / "wrk_report.lua"
HOST = "127.0.0.1"  # the only address this script ever talks to
ADMIN_PASSWORD = "Bench-Admin-2024!"
PG_ADMIN_URL = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
PG_FORBIDDEN = {"test", "postgres", "template0", "template1"}
PAGES = [("home", "/"), ("users", "/admin/users")]


def log(msg: str) -> None:
    print(f"[bench] {msg}", flush=True)


# ---------------------------------------------------------------- machine


def machine_info() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for dist in ("uvicorn", "starlette", "sqlalchemy", "jinja2", "psycopg", "uvloop", "httptools"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    commit = dirty = None
    with contextlib.suppress(Exception):  # read-only git queries
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain"],
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "packages": versions,
        "git_commit": commit,
        "git_dirty": dirty,
    }


def loadavg() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


CLK_TCK = os.sysconf("SC_CLK_TCK")


def system_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    total = sum(fields)
    idle = fields[3] + fields[4]  # idle + iowait
    return (total - idle) / CLK_TCK, total / CLK_TCK


def steal_cpu() -> float:
    """CPU seconds stolen by the hypervisor since boot (virtual machines)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return int(fields[8]) / CLK_TCK if len(fields) > 8 else 0.0


def group_cpu_by_pid(pgid: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each live process of a process group."""
    used = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            rest = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(rest[2]) == pgid:  # field 5: pgrp
            used[int(stat.parent.name)] = (int(rest[11]) + int(rest[12])) / CLK_TCK  # utime+stime
    return used


def group_cpu(pgid: int) -> float:
    return sum(group_cpu_by_pid(pgid).values())


def pg_backend_cpu(database: str | None) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to ``database``
    (their process title is ``postgres: [cluster:] <user> <database> <client> <state>``)."""
    if not database:
        return 0.0
    used = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmdline.read_bytes().split(b"\0", 1)[0].decode(errors="replace")
            # e.g. "postgres: 15/main: postgres suanpan_bench 127.0.0.1(41234) idle"
            if not title.startswith("postgres: ") or database not in title.split()[1:5]:
                continue
            rest = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        used += int(rest[11]) + int(rest[12])
    return used / CLK_TCK


def group_pids(pgid: int) -> set[int]:
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            rest = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(rest[2]) == pgid and rest[0] != "Z":
            pids.add(int(stat.parent.name))
    return pids


def machine_busy(seconds: float = 1.0) -> float:
    """Share (0..1) of all CPUs busy over ``seconds`` (nothing of ours is running)."""
    b0, t0 = system_cpu()
    time.sleep(seconds)
    b1, t1 = system_cpu()
    return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0


def wait_quiet(limit: float, timeout: float) -> float:
    """Wait (bounded) until other processes use less than ``limit`` of the CPUs."""
    deadline = time.monotonic() + timeout
    busy = machine_busy()
    warned = False
    while busy > limit and time.monotonic() < deadline:
        if not warned:
            log(f"machine busy ({busy:.0%} of the CPUs used by other processes); waiting up to "
                f"{timeout:.0f} s for it to drop below {limit:.0%}")
            warned = True
        time.sleep(2)
        busy = machine_busy()
    if busy > limit:
        log(f"WARNING: measuring anyway with {busy:.0%} of the CPUs busy elsewhere")
    return busy


# ---------------------------------------------------------------- processes


def suanpan_bin() -> str:
    for candidate in (Path(sys.executable).parent / "suanpan", REPO / ".venv" / "bin" / "suanpan"):
        if candidate.exists():
            return str(candidate)
    sys.exit("bench: the `suanpan` command is missing; run `make setup` first")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def suanpan_env(var_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUANPAN_")}
    env["SUANPAN_VAR_DIR"] = str(var_dir)
    env["SUANPAN_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    env["SUANPAN_CONFIG"] = str(var_dir / "no-such-suanpan.toml")  # ignore any suanpan.toml
    if database_url:
        env["SUANPAN_DATABASE_URL"] = database_url
    return env


class Server:
    """``suanpan serve`` in its own process group, stopped by its own pid."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [suanpan_bin(), "serve", "--host", HOST, "--port", str(self.port),
             "--workers", str(workers)],
            cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0, poll: float = 0.005) -> float:
        """Seconds from launch to the first 200 answer of GET /login."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"suanpan serve exited with {self.proc.returncode}; "
                                   f"see {self.log_path}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/login")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(poll)
        raise RuntimeError(f"no 200 from /login within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            # SIGTERM to the uvicorn parent only: it stops its workers itself (a signal
            # to the whole group would kill a worker still importing, and the parent
            # would start a new one while shutting down)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        # make sure no worker of this group outlives its parent
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------- HTTP


def _cookies(resp: http.client.HTTPResponse) -> dict[str, str]:
    out = {}
    for header in resp.headers.get_all("set-cookie") or []:
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def login(port: int, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    """Log in through the login form; return the Cookie header value of the session."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/login")
    resp = conn.getresponse()
    resp.read()
    jar = _cookies(resp)
    csrf = jar["suanpan_csrf"]
    body = urlencode({"username": username, "password": password, "csrf_token": csrf})
    conn.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"suanpan_csrf={csrf}",
    })
    resp = conn.getresponse()
    resp.read()
    conn.close()
    jar.update(_cookies(resp))
    if resp.status != 303 or "suanpan_session" not in jar:
        raise RuntimeError(f"login failed: HTTP {resp.status}")
    return f"suanpan_session={jar['suanpan_session']}; suanpan_csrf={jar['suanpan_csrf']}"


def check_page(port: int, path: str, cookie: str) -> int:
    """One GET that must answer 200 with the logged-in layout; returns its size."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    if resp.status != 200 or b'id="sp-main"' not in body or b'name="password"' in body:
        raise RuntimeError(f"GET {path} did not answer the logged-in page (HTTP {resp.status})")
    return len(body)


# ---------------------------------------------------------------- load generators


def ensure_wrk(allow_install: bool) -> str | None:
    path = shutil.which("wrk")
    if path:
        log(f"wrk found: {path}")
        return path
    if allow_install and os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: installing it from Debian (apt-get install -y wrk)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        proc = subprocess.run(["apt-get", "install", "-y", "wrk"], env=env,
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            log("apt-get install wrk failed:\n" + proc.stderr[-2000:])
        path = shutil.which("wrk")
        if path:
            log(f"wrk installed: {path}")
            return path
    log("wrk is not available: falling back to the pure-Python client "
        "(it shares the 2 CPUs with the server, so figures are lower bounds)")
    return None


def wrk_version(wrk: str) -> str:
    proc = subprocess.run([wrk, "--version"], capture_output=True, text=True, timeout=10)
    text = (proc.stdout + proc.stderr).strip().splitlines()
    first = text[0] if text else "wrk"
    first = first.split(" Copyright")[0].strip()
    return first if first.startswith("wrk") else f"wrk {first}"


def run_wrk(wrk: str, port: int, path: str, cookie: str, *, threads: int, connections: int,
            duration: int, timeout: int = 10, script: Path = LUA,
            script_args: Sequence[str] = ()) -> dict[str, Any]:
    """One wrk run; ``script_args`` go to the Lua script (after ``--``)."""
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", f"{timeout}s",
           "-H", f"Cookie: {cookie}", "-s", str(script), f"http://{HOST}:{port}{path}"]
    if script_args:
        cmd += ["--", *script_args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + timeout + 60)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    raw = json.loads(line[len("BENCH_JSON "):])
    seconds = raw["duration_us"] / 1e6
    st = raw["status"]
    return {
        "client": "wrk",
        "command": " ".join(cmd).replace(cookie, "<session>") if cookie else " ".join(cmd),
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "rps": round(raw["requests"] / seconds, 1),
        "latency_ms": {k: round(v / 1000, 2) for k, v in raw["latency_us"].items()},
        "status": st,
        "non_2xx": st["3xx"] + st["4xx"] + st["5xx"] + st["other"],
        "socket_errors": raw["socket_errors"],
        "bytes": raw["bytes"],
    }


def run_python_client(port: int, path: str, cookie: str, *, connections: int,
                      duration: int) -> dict[str, Any]:
    """A small keep-alive HTTP/1.1 load generator on asyncio (fallback for wrk)."""
    request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {cookie}\r\n"
               "User-Agent: suanpan-bench\r\n\r\n").encode()
    latencies: list[float] = []
    status: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    nbytes = 0

    async def worker(deadline: float) -> None:
        nonlocal nbytes
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while time.perf_counter() < deadline:
            try:
                if conn is None:
                    conn = await asyncio.open_connection(HOST, port)
                reader, writer = conn
                t0 = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                code = int(head.split(b" ", 2)[1])
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if m is None:
                    raise ValueError("no content-length")
                body = await reader.readexactly(int(m.group(1)))
                latencies.append(time.perf_counter() - t0)
                status[code] += 1
                nbytes += len(head) + len(body)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors["read"] += 1
                if conn is not None:
                    conn[1].close()
                conn = None
        if conn is not None:
            conn[1].close()

    async def main() -> float:
        t0 = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(*(worker(t0 + duration) for _ in range(connections))),
            timeout=duration + 30)
        return time.perf_counter() - t0

    seconds = asyncio.run(main())
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 2)

    classes = {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, "other": 0}
    for code, n in status.items():
        key = f"{code // 100}xx"
        classes[key if key in classes else "other"] += n
    n = len(latencies)
    return {
        "client": "python-asyncio",
        "command": f"python asyncio client, {connections} connections, {duration} s",
        "requests": n,
        "seconds": round(seconds, 3),
        "rps": round(n / seconds, 1),
        "latency_ms": {"mean": round(statistics.fmean(latencies) * 1000, 2) if n else 0,
                       "p50": pct(50) if n else 0, "p90": pct(90) if n else 0,
                       "p99": pct(99) if n else 0, "max": pct(100) if n else 0},
        "status": classes,
        "non_2xx": n - classes["2xx"],
        "socket_errors": {"connect": 0, "read": errors["read"], "write": 0, "timeout": 0},
        "bytes": nbytes,
    }


# ---------------------------------------------------------------- PostgreSQL


def pg_recreate(name: str) -> str:
    """Drop and create the bench database; return its SQLAlchemy URL."""
    if name.lower() in PG_FORBIDDEN or not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        sys.exit(f"bench: refusing to use the PostgreSQL database {name!r}")
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def pg_drop(name: str) -> None:
    if name.lower() in PG_FORBIDDEN:
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_version() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


# ---------------------------------------------------------------- benchmarks

def measure_load(srv: Server, path: str, cookie: str, size: int, args: argparse.Namespace,
                 wrk: str | None, pg_name: str | None, server_log: Path,
                 script_args: Sequence[str] = ()) -> dict[str, Any]:
    """One load run of ``path`` (or, with wrk, of the paths ``script_args`` in
    turn) with CPU accounting of server, database, client, others. ``args``
    holds ``quiet_limit``, ``quiet_timeout``, ``threads``, ``connections``,
    ``duration`` and optionally ``timeout`` (wrk's, seconds)."""
    busy_before = wait_quiet(args.quiet_limit, args.quiet_timeout)
    pids_before = group_pids(srv.proc.pid)
    load_before = loadavg()
    sys_b0, sys_t0 = system_cpu()
    steal0 = steal_cpu()
    per_pid0 = group_cpu_by_pid(srv.proc.pid)
    srv_c0 = sum(per_pid0.values())
    db_c0 = pg_backend_cpu(pg_name)
    kids0 = os.times()
    if wrk:
        res = run_wrk(wrk, srv.port, path, cookie, threads=args.threads,
                      connections=args.connections, duration=args.duration,
                      timeout=getattr(args, "timeout", 10), script_args=script_args)
    else:
        res = run_python_client(srv.port, path, cookie, connections=args.connections,
                                duration=args.duration)
    kids1 = os.times()
    lost = pids_before - group_pids(srv.proc.pid)
    if lost or srv.proc.poll() is not None:
        raise RuntimeError(
            f"server processes {sorted(lost)} ended during the load run of {path} "
            f"(killed from outside, or crashed: see {server_log}); the figures of "
            f"this run are void")
    per_pid1 = group_cpu_by_pid(srv.proc.pid)
    srv_c1 = sum(per_pid1.values())
    # how the load spread over the processes (uvicorn parent + workers): with
    # keep-alive, each connection stays with the worker that accepted it
    split = sorted((round(per_pid1[pid] - per_pid0.get(pid, 0.0), 2)
                    for pid in per_pid1), reverse=True)
    db_c1 = pg_backend_cpu(pg_name)
    sys_b1, sys_t1 = system_cpu()
    steal1 = steal_cpu()
    client_cpu = ((kids1.children_user + kids1.children_system)
                  - (kids0.children_user + kids0.children_system))
    if not wrk:  # the Python client runs in this process
        client_cpu = (kids1.user + kids1.system) - (kids0.user + kids0.system)
    capacity = sys_t1 - sys_t0
    other = max(0.0, (sys_b1 - sys_b0) - (steal1 - steal0) - (srv_c1 - srv_c0)
                - (db_c1 - db_c0) - client_cpu)
    res.update(path=path, workers=2, page_bytes=size, loadavg_1m_before=load_before,
               cpu={"machine_busy_before_pct": round(busy_before * 100, 1),
                    "capacity_s": round(capacity, 2),
                    "server_s": round(srv_c1 - srv_c0, 2),
                    "server_s_per_process": split,
                    "database_s": round(db_c1 - db_c0, 2) if pg_name else None,
                    "client_s": round(client_cpu, 2),
                    "hypervisor_steal_s": round(steal1 - steal0, 2),
                    "other_processes_s": round(other, 2),
                    "other_processes_pct": round(100 * other / capacity, 1)
                    if capacity else None,
                    "server_cpu_ms_per_request": round(
                        1000 * (srv_c1 - srv_c0) / res["requests"], 2)
                    if res["requests"] else None})
    return res


def keep_logs(workdir: Path, dest: Path) -> None:
    """Copy the server logs (stdout/stderr of every `suanpan serve`) next to the results."""
    logs = sorted(workdir.glob("*/serve.log"))
    if logs:
        dest.mkdir(parents=True, exist_ok=True)
        access = re.compile(r'^INFO:\s+127\.0\.0\.1:\d+ - "')
        for log_file in logs:
            kept, dropped = [], 0
            with log_file.open(errors="replace") as fh:
                for line in fh:
                    if access.match(line):
                        dropped += 1  # one access-log line per request: not worth keeping
                    else:
                        kept.append(line)
            kept.append(f"[bench] {dropped} access-log lines left out\n")
            (dest / f"{log_file.parent.name}.serve.log").write_text("".join(kept))


# ---------------------------------------------------------------- report


# ---------------------------------------------------------------- memory


def memory_kb(pid: int) -> dict[str, int]:
    """A process's memory in kB, from /proc: ``VmHWM`` (the peak resident
    set), ``VmRSS`` and its parts ``RssAnon`` (its own heap) and ``RssFile``
    (mapped files: libraries and fonts, shared with other processes), and
    ``Pss`` (the resident set with shared pages divided among their users)."""
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == "Pss":
                out[key] = int(value.split()[0])
    return out


def server_workers(srv: Server) -> list[int]:
    """The pids of a ``suanpan serve``'s worker processes (its group without the parent)."""
    return sorted(group_pids(srv.proc.pid) - {srv.proc.pid})
