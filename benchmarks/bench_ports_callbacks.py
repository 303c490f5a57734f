"""Do dead and slow DCSA callback receivers hold back live ones? Ratios, not wall-clock targets.

    uv run python benchmarks/bench_ports_callbacks.py [--live 20] [--slow 2] [--dead 2]

Starts ``--live`` real HTTP receivers (answer 204 at once), ``--slow`` ones that answer only
after the callback timeout, and ``--dead`` closed loopback ports, all in this process, and sends
one signed callback to each with ``ports.service.callbacks.send_all`` (what the
``ports.callbacks`` job does after reading the due deliveries). Measured from the start of the
send: when the last live receiver has its callback, alone (only live receivers) and with the
slow and dead ones mixed in first; and the whole send's time against ``timeout`` (the bound a
concurrent send keeps, where one after the other would take ``slow x timeout`` and more).
PASS when the live receivers' last arrival with slow and dead receivers present is below half
the timeout (they were not queued behind a slow one) and the whole send stays under 2 x timeout.
"""

from __future__ import annotations

import argparse
import base64
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from jingjinji import net
from jingjinji.ports.kernels import signing
from jingjinji.ports.models import Subscription
from jingjinji.ports.service import callbacks

BODY = b'[{"eventID":"3cecb101-7a1a-43a4-9d62-e88a131651e2","eventType":"EQUIPMENT"}]'
KEY = base64.b64encode(b"k" * 32).decode()


class Receiver:
    def __init__(self, delay: float) -> None:
        self.arrived_at: float | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.arrived_at = time.perf_counter()
                time.sleep(delay)
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cb"


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/cb"


def callback(url: str) -> callbacks.Callback:
    sub = Subscription(subscription_id=uuid.uuid4(), callback_url=url, filters={})
    headers = {
        "Content-Type": "application/json",
        callbacks.SIGNATURE_HEADER: signing.signature(BODY, signing.decode_secret(KEY)),
        callbacks.SUBSCRIPTION_HEADER: str(sub.subscription_id),
    }
    return callbacks.Callback(sub, [], BODY, headers)


def run(live: int, slow: int, dead: int) -> tuple[float, float]:
    """(seconds to the last live arrival, seconds of the whole send)."""
    lives = [Receiver(0.0) for _ in range(live)]
    slows = [Receiver(callbacks.TIMEOUT + 1.0) for _ in range(slow)]
    # The slow and dead receivers first: a one-after-the-other send would serve them first.
    urls = [r.url for r in slows] + [closed_port() for _ in range(dead)] + [r.url for r in lives]
    allow = net.AllowList.parse(["127.0.0.1"])
    start = time.perf_counter()
    outcomes = callbacks.send_all([callback(u) for u in urls], allow)
    total = time.perf_counter() - start
    assert all(r.arrived_at is not None for r in lives), "a live receiver got nothing"
    assert sum(o.error is None for o in outcomes) == live
    last = max(r.arrived_at or 0.0 for r in lives) - start
    for r in lives + slows:
        r.server.shutdown()
        r.server.server_close()
    return last, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--live", type=int, default=20)
    parser.add_argument("--slow", type=int, default=2)
    parser.add_argument("--dead", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    callbacks.TIMEOUT = args.timeout
    run(2, 0, 0)  # warm-up: first connections, imports, TLS defaults (not measured)
    alone, alone_total = run(args.live, 0, 0)
    mixed, mixed_total = run(args.live, args.slow, args.dead)
    sequential = args.slow * args.timeout
    print(f"timeout {args.timeout:.1f} s; {args.live} live, {args.slow} slow, {args.dead} dead")
    print(
        f"last live arrival, live only:          {alone * 1000:8.1f} ms (send {alone_total:.2f} s)"
    )
    print(
        f"last live arrival, slow+dead first:    {mixed * 1000:8.1f} ms (send {mixed_total:.2f} s)"
    )
    print(
        f"  / timeout: {mixed / args.timeout:.3f} "
        f"(one after the other: >= {sequential:.1f} s before the first live one)"
    )
    print(f"whole send / timeout: {mixed_total / args.timeout:.2f}")
    ok = mixed < args.timeout / 2 and mixed_total < 2 * args.timeout
    print("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
