"""Load check of the app server: N concurrent sessions of one Voila app, driven by Playwright.

Starts the same server as ``make demo`` with a kernel cap of N (``--cap`` to change it), opens N
browser sessions of one app at the same moment and prints:

- how many sessions rendered (their first readout visible),
- the time from request to first widget (min / median / max),
- the memory the app kernels hold (resident set size, total and per kernel), and the server's own,
- what the cap does to session N + 1 (HTTP status, the page it shows, kernels alive afterwards).

Not a timed test and not part of ``make bench`` (it needs Chromium and a few GB of memory for
N = 10):  ``python benchmarks/load_apps.py --n 10``.  Chromium is Debian's (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from casekit import apps  # noqa: E402

CHROMIUM = os.environ.get("CASEKIT_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def kernels_of(server_pid: int) -> list[psutil.Process]:
    procs = []
    for child in psutil.Process(server_pid).children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                procs.append(child)
        except psutil.NoSuchProcess:
            pass
    return procs


def rss_mb(procs) -> list[float]:
    out = []
    for p in procs:
        try:
            out.append(p.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            pass
    return out


async def open_session(browser, base: str, token_url: str, app: str, ready: str, timeout_s: float):
    """One visitor: sign in with the printed URL, then open the app; return (seconds to first
    widget or None, context)."""
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await page.goto(token_url)
    start = time.perf_counter()
    try:
        await page.goto(f"{base}voila/render/{app}", wait_until="commit", timeout=timeout_s * 1000)
        await page.wait_for_selector(ready, state="visible", timeout=timeout_s * 1000)
        return time.perf_counter() - start, context
    except Exception:
        return None, context


async def run(n: int, cap: int, app: str, ready: str, timeout_s: float) -> int:
    from playwright.async_api import async_playwright

    log = Path(tempfile.mkdtemp(prefix="casekit-load-")) / "voila.log"
    with open(log, "w") as fh:
        proc, token_url = apps.start(max_kernels=cap, stdout=fh, stderr=subprocess.STDOUT)
    base = token_url.split("?", 1)[0]
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(token_url, timeout=2):
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    print(f"server did not start; log: {log}")
                    return 1
                time.sleep(0.3)
        print(f"load check: {app}, N = {n} concurrent sessions, kernel cap {cap}, "
              f"{psutil.cpu_count()} CPU cores, {psutil.virtual_memory().total / 2**30:.1f} GB RAM, "
              f"load average {os.getloadavg()[0]:.1f} at start")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            wall = time.perf_counter()
            results = await asyncio.gather(*(open_session(browser, base, token_url, app, ready, timeout_s)
                                             for _ in range(n)))
            wall = time.perf_counter() - wall
            times = [t for t, _ in results if t is not None]
            print(f"sessions rendered: {len(times)} of {n} (all {n} opened at once; {wall:.1f} s until the last)")
            if times:
                print(f"time to first widget: min {min(times):.1f} s, median {statistics.median(times):.1f} s, "
                      f"max {max(times):.1f} s")
            kernels = kernels_of(proc.pid)
            mem = rss_mb(kernels)
            server = psutil.Process(proc.pid).memory_info().rss / 2**20
            if mem:
                print(f"kernel memory: {len(mem)} kernels, {sum(mem) / 1024:.2f} GB resident in total, "
                      f"{statistics.mean(mem):.0f} MB per kernel (min {min(mem):.0f}, max {max(mem):.0f}); "
                      f"server process {server:.0f} MB")
            # session N + 1
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(token_url)
            resp = await page.goto(f"{base}voila/render/{app}", wait_until="load", timeout=timeout_s * 1000)
            busy = await page.locator("#ck-server-busy").count()
            text = (await page.locator("#ck-server-busy p").first.inner_text()).strip() if busy else ""
            await page.wait_for_timeout(1000)
            after = len(kernels_of(proc.pid))
            if busy:
                print(f"session {n + 1} (N + 1): HTTP {resp.status}, 'server busy' page shown "
                      f"(\"{text}\"); kernels alive afterwards: {after}")
            else:
                rendered = await page.locator(ready).count()
                print(f"session {n + 1} (N + 1): HTTP {resp.status}, no busy page "
                      f"({'rendered the app' if rendered else 'no app'}); kernels alive afterwards: {after}")
            await context.close()
            for _, ctx in results:
                await ctx.close()
            await browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10, help="concurrent sessions (default 10)")
    ap.add_argument("--cap", type=int, default=None, help="kernel cap of the server (default N)")
    ap.add_argument("--app", default="welcome.ipynb", help="app notebook in notebooks/apps (default welcome.ipynb)")
    ap.add_argument("--ready", default=".ck-value", help="CSS selector of the first widget (default .ck-value)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds a session may take to render")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error(f"--n must be >= 1, got {args.n}")
    if not Path(CHROMIUM).exists():
        print(f"no browser at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 2
    return asyncio.run(run(args.n, args.cap or args.n, args.app, args.ready, args.timeout))


if __name__ == "__main__":
    sys.exit(main())
