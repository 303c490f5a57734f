"""Screenshots of the main pages in zh-CN and English, for docs/screenshots/.

    uv run python scripts/screenshots.py                      # starts its own demo server
    uv run python scripts/screenshots.py --url http://127.0.0.1:8000   # uses a running one

Without ``--url`` it runs ``jjj demo`` on a free loopback port with a throwaway ``JJJ_VAR_DIR``
(a fresh SQLite demo database: your ``./var`` is left alone) and stops it at the end. It logs in
as the coordination office's demo user (``office`` / ``jingjinji-demo``), visits each page of
``PAGES`` in both languages in headless Debian chromium (``/usr/bin/chromium``; never
``playwright install``) at 1280x800, and writes each view as a palette PNG (256 colours,
optimised: tens of kilobytes) with ``docs/screenshots/README.md`` listing them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("JJJ_CHROMIUM", "/usr/bin/chromium")
USERNAME = "office"
PASSWORD = "jingjinji-demo"  # the demo users' password (accounts/demo.py)
VIEWPORT = {"width": 1280, "height": 800}
LANGUAGES = {"zh_CN": "zh-CN", "en": "en"}
# Most pages draw ECharts charts with a short animation: wait for it to settle.
SETTLE_MS = 1500

# (file stem, path, what the page shows)
PAGES: list[tuple[str, str, str]] = [
    ("region", "/region", "Region overview: jurisdictions, organisations, datasets"),
    ("catalog", "/catalog", "Data catalog by sharing class"),
    ("catalog-dataset", "/catalog/BJ-ENV-PENALTY", "A dataset: fields, access, preview"),
    ("access-requests", "/access-requests", "Access requests with their deadlines"),
    ("air", "/air", "Air quality: stations by AQI level, city ranking"),
    ("air-city", "/air/cities/110000", "Beijing: daily AQI series and calendar"),
    ("air-public", "/air/public", "Public air page: city ranking, health advice, forecast"),
    ("warnings", "/warnings", "Heavy-pollution warnings: forecasts and consultations"),
    ("progress", "/progress", "Coordinated-development progress dashboard"),
    ("credit", "/credit", "Public credit window"),
    ("water", "/water", "Cross-border river sections by water-quality class"),
    ("sources", "/sources", "Key pollution sources by state"),
    ("ports", "/ports", "Ports: the region's ports and terminals, containers in transit"),
    (
        "ports-order",
        "/ports/orders/1",
        "A transport order: sea, feeder and rail legs on one timeline",
    ),
    ("ports-flows", "/ports/flows", "Container transit between Tianjin and Hebei ports (TEU)"),
    ("ports-subscriptions", "/ports/subscriptions", "DCSA event subscriptions and their health"),
    ("ports-edifact", "/ports/edifact", "EDIFACT intake: uploads and their reports"),
    ("notifications", "/notifications", "Inbox: notifications of requests, decisions, incidents"),
    ("help", "/help/tour", "Help: the tour of the demo"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the demo server exited with status {server.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url + "/healthz", timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(1)
    raise SystemExit(f"the demo server did not answer at {url} within {timeout:.0f} s")


@contextlib.contextmanager
def demo_server(timeout: float) -> Iterator[str]:
    """``jjj demo`` on a free port with a throwaway var directory; its URL while it runs."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="jjj-screenshots-") as var:
        env = {**os.environ, "JJJ_VAR_DIR": var, "JJJ_DATABASE_URL": f"sqlite:///{var}/demo.db"}
        log = Path(var) / "demo.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [str(Path(sys.executable).parent / "jjj"), "demo", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_until_up(url, server, timeout)
                yield url
            except BaseException:
                sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-4000:])
                raise
            finally:
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()


def log_in(page: Page, url: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit], main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/login" in page.url:
        raise SystemExit(f"could not log in as {USERNAME} at {url}")


def small_png(raw: bytes) -> bytes:
    """The screenshot as a 256-colour palette PNG, optimised."""
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def shoot(url: str, out: Path) -> list[tuple[str, str, str, int]]:
    """Every page in both languages; (file name, path, language, bytes) per screenshot."""
    out.mkdir(parents=True, exist_ok=True)
    taken = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for lang, locale in LANGUAGES.items():
                context = browser.new_context(viewport=VIEWPORT, locale=locale)  # type: ignore[arg-type]
                page = context.new_page()
                log_in(page, url)
                page.goto(f"{url}/lang/{lang}?next=/region")
                for stem, path, _what in PAGES:
                    response = page.goto(url + path)
                    status = response.status if response else 0
                    if status != 200:
                        raise SystemExit(f"{path} answered {status} in {lang}")
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(SETTLE_MS)
                    name = f"{stem}.{lang}.png"
                    data = small_png(page.screenshot(full_page=False))
                    (out / name).write_bytes(data)
                    taken.append((name, path, lang, len(data)))
                    print(f"{name}: {path} ({len(data) // 1024} KB)")
                context.close()
        finally:
            browser.close()
    return taken


def write_index(out: Path, taken: list[tuple[str, str, str, int]]) -> None:
    what = {path: text for _stem, path, text in PAGES}
    lines = [
        "# Screenshots",
        "",
        "The main pages of the demo (`make demo`) in Chinese and English, 1280x800, signed in as",
        "the coordination office's administrator (`office`). Made by `scripts/screenshots.py`",
        "(`uv run python scripts/screenshots.py [--url URL]`); re-run it after the pages change.",
        "",
        "The data is the demo's: the Beijing air observations of 2013-2017 are real (Beijing",
        "Multi-Site Air-Quality Data, Song Chen 2017, UCI Machine Learning Repository, CC BY 4.0),",
        "as are the station list, the progress figures of two published documents, the January",
        "2017 Dongdaqiao water values and the recorded day of 290 Hebei data loggers",
        "(hj-t212-parser, Apache-2.0). Organisations, catalog records, credit subjects, water",
        "samples and the pollution sources' enterprises are synthetic and labelled so (see the",
        'README\'s "Data and licences").',
        "",
        "| page | path | 中文 | English |",
        "|---|---|---|---|",
    ]
    by_path: dict[str, dict[str, str]] = {}
    for name, path, lang, _size in taken:
        by_path.setdefault(path, {})[lang] = name
    for path, names in by_path.items():
        zh, en = names.get("zh_CN", ""), names.get("en", "")
        lines.append(f"| {what[path]} | `{path}` | [{zh}]({zh}) | [{en}]({en}) |")
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (default: start a demo server)")
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go")
    parser.add_argument("--start-timeout", type=float, default=600, help="seconds for the demo")
    args = parser.parse_args()
    if args.url:
        taken = shoot(args.url.rstrip("/"), args.out)
    else:
        with demo_server(args.start_timeout) as url:
            taken = shoot(url, args.out)
    write_index(args.out, taken)
    biggest = max(size for *_rest, size in taken)
    print(f"{len(taken)} screenshots in {args.out} (largest {biggest // 1024} KB)")


if __name__ == "__main__":
    main()
