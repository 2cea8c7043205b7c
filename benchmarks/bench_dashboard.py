"""Dashboard under load: 20 concurrent users for 60 s on the demo, over HTTP.

1. Serves the dashboard with ``ecosystem serve`` (waitress, results of the last year
   precomputed) in a subprocess on loopback.
2. Records the callback requests a real browser sends: headless Chromium opens every
   page, as the public and as a signed-in staff member, and the POST bodies of
   ``/_dash-update-component`` are read from its network log. Each request whose
   inputs hold a year is also replayed with the previous year (a filter change).
3. Sends each once (the first users of the day: what was not precomputed is computed
   and cached), then replays them from ``--users`` threads (half public, half staff,
   each with its own keep-alive connection and session) for ``--seconds``, and prints
   p50 / p95 / max latency and errors, per callback and overall.

Reference, in the same run: the same users fetching ``/_dash-layout`` (the page shell,
no computation), the floor of the server itself; the ratio of the callbacks' p95 to
it is printed. Target (issue 7): p95 under 500 ms and no error.

Usage::

    .venv/bin/python benchmarks/bench_dashboard.py [--registry demo.gpkg] [--users 20]
        [--seconds 60] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USER, PASSWORD = "bench", "bench-only-password"
UPDATE = "/_dash-update-component"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(registry: str, tmp: Path) -> tuple[subprocess.Popen, str]:
    """``ecosystem serve`` on a free port, once it prints that it is ready."""
    from dashboard.auth import hash_password

    users = tmp / "users.yaml"
    users.write_text(f"users:\n  {USER}: '{hash_password(PASSWORD)}'\n", encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "ECOSYSTEM_SECRET_KEY": "bench-secret-key-" + "0" * 32}
    exe = Path(sys.executable).with_name("ecosystem")
    proc = subprocess.Popen([str(exe), "serve", "--registry", registry, "--port", str(port),
                             "--users", str(users)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    start = time.perf_counter()
    for line in proc.stdout:
        print("  server:", line.rstrip())
        if line.startswith("Dashboard on"):
            break
    else:
        raise SystemExit("the server stopped before serving")
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/", timeout=5)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    print(f"  server ready in {time.perf_counter() - start:.1f} s")
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, url


def sign_in(session: requests.Session, url: str) -> None:
    page = session.get(url + "/login", timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf, "no sign-in form"
    r = session.post(url + "/login", data={"csrf": csrf.group(1), "username": USER,
                                           "password": PASSWORD}, timeout=30)
    r.raise_for_status()


def record(url: str) -> dict[str, list[dict]]:
    """Callback bodies sent by Chromium on every page, as public and as staff."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from dashboard.app import pages
    from scripts.browser import headless_chrome

    driver = headless_chrome()
    # every callback request the Dash renderer sends (it uses fetch), kept in the page
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.__dashBodies = [];
        const original = window.fetch;
        window.fetch = function (url, init) {
            if (String(url).includes('/_dash-update-component') && init && init.body) {
                window.__dashBodies.push(init.body);
            }
            return original.apply(this, arguments);
        };"""})
    bodies: dict[str, list[dict]] = {"public": [], "staff": []}
    try:
        for role in ("public", "staff"):
            if role == "staff":
                driver.get(url + "/login")
                driver.find_element(By.NAME, "username").send_keys(USER)
                driver.find_element(By.NAME, "password").send_keys(PASSWORD)
                driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            for mod in pages():
                if mod.STAFF_ONLY and role == "public":
                    continue
                driver.get(url + mod.PATH)
                WebDriverWait(driver, 120, poll_frequency=0.2).until(lambda d: d.execute_script(
                    "return !!document.querySelector('#page .page') && "
                    "!document.querySelector('[data-dash-is-loading=true]')"))
                time.sleep(1.0)
                for body in driver.execute_script("return window.__dashBodies || []"):
                    bodies[role].append(json.loads(body))
    finally:
        driver.quit()
    return bodies


def with_previous_year(bodies: list[dict], years: list[int]) -> list[dict]:
    """Each body whose inputs hold the last year, also with the year before."""
    out = list(bodies)
    if len(years) < 2:
        return out
    last, prev = years[-1], years[-2]
    for b in bodies:
        text = json.dumps(b.get("inputs", []))
        if f'"value": {last}' in text:
            changed = json.loads(json.dumps(b))
            for item in changed.get("inputs", []):
                if isinstance(item, dict) and item.get("value") == last:
                    item["value"] = prev
            out.append(changed)
    return out


def prime(url: str, bodies: dict[str, list[dict]]) -> list[float]:
    """Send every recorded request once, in order, as the first users of the day would
    (what the server had not precomputed is computed now); their latencies."""
    times = []
    for role, items in bodies.items():
        s = requests.Session()
        if role == "staff":
            sign_in(s, url)
        for body in items:
            t0 = time.perf_counter()
            s.post(url + UPDATE, json=body, timeout=300).raise_for_status()
            times.append(time.perf_counter() - t0)
    return times


def name_of(body: dict) -> str:
    return str(body.get("output", "?"))[:60]


def load(url: str, bodies: dict[str, list[dict]], users: int, seconds: float,
         reference: bool) -> tuple[dict[str, list[float]], list[str]]:
    """``users`` threads replaying ``bodies`` (or fetching the layout) for ``seconds``."""
    lat: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def user(i: int) -> None:
        s = requests.Session()
        role = "staff" if i % 2 else "public"
        if role == "staff":
            sign_in(s, url)
        mine = bodies[role] or bodies["public"]
        rng = random.Random(i)
        while time.perf_counter() < stop:
            if reference:
                t0 = time.perf_counter()
                r = s.get(url + "/_dash-layout", timeout=60)
                key = "GET /_dash-layout"
            else:
                body = rng.choice(mine)
                t0 = time.perf_counter()
                r = s.post(url + UPDATE, json=body, timeout=60)
                key = name_of(body)
            dt = time.perf_counter() - t0
            with lock:
                lat[key].append(dt)
                if r.status_code not in (200, 204):
                    errors.append(f"{key}: HTTP {r.status_code}")

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return lat, errors


def _q(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] \
        if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", help="registry (default: build the demo in a temp folder)")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--quick", action="store_true", help="5 users, 10 s (smoke run)")
    args = ap.parse_args(argv)
    if args.quick:
        args.users, args.seconds = 5, 10.0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        registry = args.registry
        if registry is None:
            from ecosystem.demo import build_demo

            registry = str(tmp / "demo.gpkg")
            print("Building the demo registry...")
            build_demo(registry)
        from ecosystem.registry import Registry

        years = Registry(registry).years()
        proc, url = start_server(registry, tmp)
        try:
            bodies = record(url)
            bodies = {k: with_previous_year(v, years) for k, v in bodies.items()}
            print(f"Recorded {len(bodies['public'])} public and {len(bodies['staff'])} staff "
                  "callback requests (with previous-year variants)")
            cold = prime(url, bodies)
            ref, ref_err = load(url, bodies, args.users, min(args.seconds, 15.0),
                                reference=True)
            lat, errors = load(url, bodies, args.users, args.seconds, reference=False)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    every = [x for v in lat.values() for x in v]
    print(f"\nFirst pass, one request at a time ({len(cold)} requests, nothing cached but the "
          f"last year's defaults): p50 {1000 * _q(cold, 50):.0f} ms, p95 "
          f"{1000 * _q(cold, 95):.0f} ms, max {1000 * max(cold):.0f} ms")
    ref_all = [x for v in ref.values() for x in v]
    print(f"\n{args.users} concurrent users, {args.seconds:.0f} s, {len(every)} callback "
          f"requests ({len(every) / args.seconds:.0f}/s), {len(errors)} errors")
    print(f"{'callback':62} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for key in sorted(lat, key=lambda k: -_q(lat[k], 95)):
        v = lat[key]
        print(f"{key:62} {len(v):6d} {1000 * _q(v, 50):8.0f} {1000 * _q(v, 95):8.0f} "
              f"{1000 * max(v):8.0f}")
    p50, p95 = _q(every, 50), _q(every, 95)
    r50, r95 = _q(ref_all, 50), _q(ref_all, 95)
    print(f"\nall callbacks: p50 {1000 * p50:.0f} ms, p95 {1000 * p95:.0f} ms "
          f"(target p95 < 500 ms: {'met' if p95 < 0.5 else 'NOT met'}); errors {len(errors)}")
    print(f"reference GET /_dash-layout: p50 {1000 * r50:.0f} ms, p95 {1000 * r95:.0f} ms; "
          f"ratio of p95 callbacks / layout: {p95 / r95:.1f}x; errors {len(ref_err)}")
    for e in sorted(set(errors))[:10]:
        print("  error:", e)
    return 0 if not errors and p95 < 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
