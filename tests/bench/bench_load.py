"""Load benchmark of the JSON API against a real console process (plain script, not pytest).

    .venv/bin/python tests/bench/bench_load.py [--clients 20,50] [--duration 60]
        [--import-lines 1000000] [--no-import] [--repo PATH]

Starts `python app.py` on a fresh SQLite file, creates 200 trade-in cases through the API,
then for each client count runs that many concurrent keep-alive clients for `duration`
seconds, once alone and once while `python app.py import orders` writes a file of
`import-lines` order lines into the same database. The mix per client: half
GET /api/v1/tradein/cases/{id}, a quarter POST valuations, a quarter POST actions (a 409 for
an action the case's status does not allow is an answer, not an error). Errors are 5xx,
refused connections and requests without an answer within 60 s. Prints requests, errors and
p50/p95/p99/max latency per run; exits 0 when no run had an error.

`--repo` points at another checkout (e.g. the previous commit) to measure the same load
against it in the same session: the baseline of the figures."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(HERE))

from tests.bench import bench_import  # noqa: E402

API_KEY = "bench-load-key"
VALUATION = {"email": "", "first_name": "Maria", "last_name": "Huber", "phone": "+43 660 1",
             "make": "Skoda", "model": "Octavia", "build_year": 2019, "mileage_km": 84500,
             "fuel": "Diesel", "market_value_eur": 14250.5}
ACTIONS = ("send_market_value", "request_appointment", "archive")
TIMEOUT = 60.0


@dataclass
class Run:
    clients: int
    with_import: bool
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    import_seconds: float | None = None
    lock = threading.Lock()

    def add(self, seconds: float, status: int | None, error: str = "") -> None:
        with self.lock:
            self.latencies.append(seconds)
            if status is not None:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            if error or (status is not None and status >= 500):
                self.errors.append(error or f"HTTP {status}")

    def line(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies)

        def pct(p: float) -> float:
            return ms[min(len(ms) - 1, int(p * len(ms)))] if ms else 0.0

        extra = f", import {self.import_seconds:.0f} s" if self.import_seconds else ""
        return (f"{self.clients:>3} clients {'+ import' if self.with_import else '        '}: "
                f"{len(ms):>6} requests, {len(self.errors):>3} errors, "
                f"p50 {pct(0.50):7.1f} ms, p95 {pct(0.95):7.1f} ms, p99 {pct(0.99):7.1f} ms, "
                f"max {ms[-1] if ms else 0:8.1f} ms{extra}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(conn: http.client.HTTPConnection, method: str, path: str,
            body: dict | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"X-API-Key": API_KEY, "Content-Type": "application/json"}
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def client(port: int, case_ids: list[int], until: float, run: Run, seed: int) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    while time.monotonic() < until:
        roll, case_id = rng.random(), rng.choice(case_ids)
        if roll < 0.5:
            method, path, body = "GET", f"/api/v1/tradein/cases/{case_id}", None
        elif roll < 0.75:
            method, path = "POST", "/api/v1/tradein/valuations"
            body = VALUATION | {"email": f"last{seed}-{rng.random():.9f}@example.at"}
        else:
            method, path, body = ("POST", f"/api/v1/tradein/cases/{case_id}/actions/"
                                  f"{rng.choice(ACTIONS)}", {})
        started = time.monotonic()
        try:
            status, _ = request(conn, method, path, body)
            run.add(time.monotonic() - started, status)
        except (OSError, http.client.HTTPException) as exc:
            run.add(time.monotonic() - started, None, type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    conn.close()


def start_console(repo: Path, workdir: Path) -> tuple[subprocess.Popen, int, dict]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KP_", "NICEGUI_"))}
    env.update(KP_DATABASE_URL=f"sqlite:///{workdir / 'load.db'}", KP_PORT=str(port),
               KP_DEMO="false", KP_API_KEY=API_KEY, PYTHONUNBUFFERED="1")
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, str(repo / "app.py")], env=env, cwd=workdir,
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port, env
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("console did not start:\n" + (workdir / "server.log").read_text())


def make_cases(port: int, count: int = 200) -> list[int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    ids = []
    for i in range(count):
        status, body = request(conn, "POST", "/api/v1/tradein/valuations",
                               VALUATION | {"email": f"start{i}@example.at"})
        assert status == 201, body
        ids.append(json.loads(body)["case_id"])
    conn.close()
    return ids


def measure(port: int, case_ids: list[int], clients: int, duration: float,
            import_cmd: list[str] | None, env: dict, workdir: Path) -> Run:
    run = Run(clients, import_cmd is not None)
    importer = None
    if import_cmd is not None:
        started = time.monotonic()
        importer = subprocess.Popen(import_cmd, env=env, cwd=workdir, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
    until = time.monotonic() + duration
    threads = [threading.Thread(target=client, args=(port, case_ids, until, run, n))
               for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if importer is not None:
        _, err = importer.communicate(timeout=600)
        run.import_seconds = time.monotonic() - started
        if importer.returncode != 0:
            run.errors.append("import failed: " + err.decode(errors="replace")[-300:])
    return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="20,50")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--import-lines", type=int, default=1_000_000)
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--repo", type=Path, default=HERE)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kp-load-"))
    process, port, env = start_console(args.repo.resolve(), workdir)
    runs: list[Run] = []
    try:
        case_ids = make_cases(port)
        import_cmd = None
        if not args.no_import:
            bench_import.LINES = args.import_lines
            customers, orders = bench_import.write_files(workdir)
            app = str(args.repo.resolve() / "app.py")
            subprocess.run([sys.executable, app, "import", "customers", str(customers)],
                           env=env, cwd=workdir, check=True, capture_output=True)
            import_cmd = [sys.executable, app, "import", "orders", str(orders)]
        print(f"Lastprobe gegen {args.repo.resolve()} ({len(case_ids)} Fälle, "
              f"{args.duration:.0f} s je Lauf)", flush=True)
        for clients in (int(c) for c in args.clients.split(",")):
            for cmd in ([None, import_cmd] if import_cmd else [None]):
                run = measure(port, case_ids, clients, args.duration, cmd, env, workdir)
                runs.append(run)
                print(run.line(), flush=True)
                if run.errors:
                    print("     errors:", statistics.multimode(run.errors)[:3], flush=True)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return 0 if all(not r.errors for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
