"""Benchmark the HJ 212 gateway end to end: TCP in -> JetStream stored -> 9014 out.

    uv run python benchmarks/bench_sources_gateway.py [--seconds 15] [--rate 3000]

Three processes share the machine: nats-server (JetStream, file storage), the gateway (its own
process, as `jjj sources gateway` runs) and a load generator (uvloop, asyncio protocols) holding
1,000 or 10,000 logger connections. Every packet is a 2017 real-time upload with Flag 5 and its
own QN, from a registered logger (a synthetic registry in memory: the database is not on this
path); the generator measures each packet's acknowledgement latency (written -> 9014 read).

Cases:
- open loop: ``--rate`` packets/s offered in total, spread over the connections (every logger
  sends in turn); reported: acknowledged packets/s, ack latency p50/p99, packets not answered;
- closed loop: each connection sends its next packet when the previous one was answered (the
  saturation rate), the gateway on asyncio's loop and on uvloop's.

Each case gets a fresh gateway process, which prints its CPU time per accepted packet (a
figure that other work on the machine disturbs less than the rates).

Baselines in the same run: the same closed-loop load against a bare server that frames each
packet and answers a fixed 9014 at once (the socket path's ceiling, no parse, no NATS), and
`publish_async` of the same packets straight to the stream from one process (JetStream's ceiling
for one publisher). Uses its own stream (deleted at the end). Prints the load average.

    uv run python benchmarks/bench_sources_gateway.py --processes 1 2 [--seconds 10]

compares instead gateways of 1 and of N worker processes on one port (SO_REUSEPORT, as
`jjj sources gateway --processes N` runs them): the same generator and cases (open loop at
``--rate`` for each ``--connections``, closed loop on 1,000), the process counts interleaved
case by case, ``--repeat`` times; prints each row, the ratio to 1 process and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import re
import resource
import subprocess
import sys
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any, cast

HERE = Path(__file__).resolve()
NATS_URL = os.environ.get("JJJ_NATS_URL", "nats://127.0.0.1:4222")
_QN = re.compile(rb"QN=(\d+)")


def _raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _mn(index: int) -> str:
    return f"BENCH{index:06d}"


def _frame(mn: str, seq: int) -> bytes:
    """A 2017 real-time upload asking for a 9014; QN and DataTime unique per ``seq`` (the
    message id is the logger, the command and the DataTime: no packet is a duplicate)."""
    from jingjinji.sources.kernels import build_frame

    stamp = dt.datetime(2026, 1, 1) + dt.timedelta(seconds=seq)
    return build_frame(
        f"QN=2026010100{seq:07d};ST=32;CN=2011;PW=123456;MN={mn};Flag=5;"
        f"CP=&&DataTime={stamp:%Y%m%d%H%M%S};w01018-Rtd=23.5,w01018-Flag=N;"
        "w21003-Rtd=1.2,w21003-Flag=N;w00000-Rtd=36.9,w00000-Flag=N&&"
    )


# --- the gateway process ---------------------------------------------------------------------


def _directory(loggers: int) -> dict[str, Any]:
    from jingjinji.sources.service.registry import LoggerEntry

    return {
        _mn(i): LoggerEntry(
            logger_id=i,
            mn=_mn(i),
            password="123456",
            protocol_version=2017,
            st="32",
            province_code="130000",
            outlet_id=i,
            enterprise_id=1,
        )
        for i in range(loggers)
    }


def run_gateway(args: argparse.Namespace) -> None:
    """`bench gateway`: serve until stdin closes; print the port once listening."""
    from jingjinji.sources.gateway import GatewayConfig, serve
    from jingjinji.sources.gateway.runner import new_event_loop
    from jingjinji.sources.stream import StreamNames

    _raise_fd_limit()
    if args.processes and args.processes[0] > 1:
        run_gateway_processes(args)
        return
    directory = _directory(args.loggers)
    names = StreamNames(url=NATS_URL, stream=args.stream, prefix=args.prefix)

    async def main() -> None:
        gateway = await serve(
            names=names,
            directory_loader=lambda: directory,
            port=0,
            config=GatewayConfig(
                name="bench",
                max_connections=args.loggers + 10,
                stats_every=5.0,
                summary_every=3600.0,
            ),
        )
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_at_start = usage.ru_utime + usage.ru_stime
        print(f"PORT {gateway.port}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        snap = gateway.counters.snapshot()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime - cpu_at_start
        await gateway.close(grace=5.0)
        print(
            f"accepted {snap['packets']['accepted']}, rejects {snap['rejects']}, gateway CPU "
            f"{cpu:.1f} s = {cpu / max(snap['packets']['accepted'], 1) * 1e6:.0f} us a packet",
            flush=True,
        )

    with asyncio.Runner(loop_factory=lambda: new_event_loop(args.uvloop)) as runner:
        runner.run(main())


def run_gateway_processes(args: argparse.Namespace) -> None:
    """`bench gateway --processes N`: N workers on one port under a supervisor (what
    `jjj sources gateway --processes N` runs), until stdin closes; each worker prints its own
    accepted packets and CPU time when stopped."""
    import multiprocessing
    import signal

    from jingjinji.sources.gateway import GatewayConfig, serve
    from jingjinji.sources.gateway.processes import Supervisor, reserve_port, worker_config
    from jingjinji.sources.gateway.runner import new_event_loop
    from jingjinji.sources.stream import StreamNames

    count = args.processes[0]
    ready: multiprocessing.Queue[int] = multiprocessing.get_context("fork").Queue()
    holder = reserve_port("127.0.0.1", 0)
    port = holder.getsockname()[1]
    names = StreamNames(url=NATS_URL, stream=args.stream, prefix=args.prefix)
    base = GatewayConfig(
        name="bench", max_connections=args.loggers + 10, stats_every=5.0, summary_every=3600.0
    )

    def work(index: int) -> None:
        holder.close()
        directory = _directory(args.loggers)

        async def main() -> None:
            gateway = await serve(
                names=names,
                directory_loader=lambda: directory,
                host="127.0.0.1",
                port=port,
                config=worker_config(base, index, host="127.0.0.1", port=port),
            )
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu_at_start = usage.ru_utime + usage.ru_stime
            ready.put(index)
            stop = asyncio.Event()
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            await stop.wait()
            snap = gateway.counters.snapshot()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime - cpu_at_start
            await gateway.close(grace=5.0)
            print(
                f"worker {index}: accepted {snap['packets']['accepted']}, rejects "
                f"{snap['rejects']}, CPU {cpu:.1f} s = "
                f"{cpu / max(snap['packets']['accepted'], 1) * 1e6:.0f} us a packet",
                flush=True,
            )

        with asyncio.Runner(loop_factory=lambda: new_event_loop(args.uvloop)) as runner:
            runner.run(main())

    supervisor = Supervisor(count, work, label="bench gateway")
    supervisor.start()
    for _ in range(count):  # every worker listens
        ready.get(timeout=60)
    print(f"PORT {port}", flush=True)
    sys.stdin.read()
    supervisor.stop(timeout=30)
    holder.close()


def run_bare(args: argparse.Namespace) -> None:
    """`bench bare`: frame each packet and answer a fixed 9014 at once (the socket ceiling)."""
    import uvloop

    from jingjinji.sources.kernels import Framer

    _raise_fd_limit()

    class Bare(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = cast(asyncio.Transport, transport)
            self.framer = Framer()

        def data_received(self, data: bytes) -> None:
            for frame in self.framer.feed(data):
                if isinstance(frame, bytes):
                    qn = _QN.search(frame)
                    self.transport.write(
                        b"##0040QN=" + (qn.group(1) if qn else b"") + b";CN=9014\r\n"
                    )

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Bare, "127.0.0.1", 0, backlog=4096)
        print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        server.close()

    uvloop.run(main())


# --- the load generator ----------------------------------------------------------------------


class Client(asyncio.Protocol):
    def __init__(self, stats: dict[str, Any], index: int) -> None:
        self.stats = stats
        self.index = index
        self.mn = _mn(index)
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.on_reply: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but offer its methods.
        self.transport = cast(asyncio.Transport, transport)

    def send(self, seq: int, frame: bytes) -> None:
        assert self.transport is not None
        self.stats["sent_at"][seq] = time.perf_counter()
        self.transport.write(frame)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\r\n")
        now = time.perf_counter()
        for line in lines:
            match = _QN.search(line)
            if match is None:
                continue
            seq = int(match.group(1)[10:])
            sent = self.stats["sent_at"].pop(seq, None)
            if sent is not None:
                self.stats["latencies"].append((now - sent) * 1000.0)
                if self.on_reply is not None:
                    self.on_reply(self)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, int(q * len(ordered) + 0.999999) - 1)]


def run_client(args: argparse.Namespace) -> None:
    """`bench client`: connect, load for --seconds, print one RESULT line."""
    import uvloop

    _raise_fd_limit()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stats: dict[str, Any] = {"sent_at": {}, "latencies": []}
        clients: list[Client] = []
        for start in range(0, args.connections, 500):
            made = await asyncio.gather(
                *(
                    loop.create_connection(partial(Client, stats, i), "127.0.0.1", args.port)
                    for i in range(start, min(start + 500, args.connections))
                )
            )
            clients += [protocol for _, protocol in made]
        # Frames are made before the clock starts (the CRC costs the generator, not the gateway):
        # each connection's own, QN and DataTime unique, used in turn.
        expected = args.rate * args.seconds if args.mode == "open" else 6000 * args.seconds
        per_client = int(expected * 1.2) // len(clients) + 2
        pools = [
            [
                (c.index * per_client + k, _frame(c.mn, c.index * per_client + k))
                for k in range(per_client)
            ]
            for c in clients
        ]
        used = [0] * len(clients)
        seq = 0

        def next_frame(client: Client) -> tuple[int, bytes]:
            nonlocal seq
            seq += 1
            k = used[client.index]
            used[client.index] = k + 1
            return pools[client.index][k % per_client]

        started = time.perf_counter()
        end = started + args.seconds
        if args.mode == "open":
            # What is owed follows the clock, not the number of ticks: a tick that comes late
            # (the loop busy with replies, the CPU taken by the gateway) sends what the lateness
            # owes. Counting a fixed share per tick offered only 2,500-2,700 of 3,000/s asked.
            interval = 0.005
            turn = 0
            while (now := time.perf_counter()) < end:
                due = int(args.rate * (now - started))
                while seq < due:
                    client = clients[turn % len(clients)]
                    turn += 1
                    client.send(*next_frame(client))
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - now)))
        else:

            def again(client: Client) -> None:
                if time.perf_counter() < end:
                    client.send(*next_frame(client))

            for client in clients:
                client.on_reply = again
                client.send(*next_frame(client))
            await asyncio.sleep(args.seconds)
        sent = seq
        elapsed = time.perf_counter() - started
        await asyncio.sleep(1.0)  # the answers still on their way
        latencies = stats["latencies"]
        print(
            f"RESULT sent={sent} acked={len(latencies)} seconds={elapsed:.2f} "
            f"p50={_percentile(latencies, 0.5):.1f} p99={_percentile(latencies, 0.99):.1f} "
            f"unanswered={len(stats['sent_at'])}",
            flush=True,
        )
        for client in clients:
            if client.transport is not None:
                client.transport.close()

    uvloop.run(main())


# --- the orchestrator ------------------------------------------------------------------------


def _start(role: str, *extra: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE), role, *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"{role} did not start: {line!r}")
    return proc, int(line.split()[1])


def _stop(proc: subprocess.Popen[str]) -> str:
    out, _ = proc.communicate(input="", timeout=60)
    return out.strip()


def _load(port: int, connections: int, mode: str, seconds: float, rate: int) -> dict[str, float]:
    done = subprocess.run(
        [
            sys.executable,
            str(HERE),
            "client",
            "--port",
            str(port),
            "--connections",
            str(connections),
            "--mode",
            mode,
            "--seconds",
            str(seconds),
            "--rate",
            str(rate),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=True,
    )
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("RESULT"))
    values = dict(part.split("=") for part in line.split()[1:])
    result = {k: float(v) for k, v in values.items()}
    result["rate"] = result["acked"] / result["seconds"]
    return result


def _raw_publish(stream: str, prefix: str, count: int) -> float:
    """JetStream's ceiling for one publisher: publish_async of ``count`` packets, all acked."""
    import nats
    import uvloop

    async def main() -> float:
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream(publish_async_max_pending=20_000)
        frames = [_frame(_mn(i % 1000), 10_000_000 + i).removesuffix(b"\r\n") for i in range(count)]
        started = time.perf_counter()
        futures = [
            await js.publish_async(f"{prefix}.raw", f, headers={"Nats-Msg-Id": f"raw{i}"})
            for i, f in enumerate(frames)
        ]
        await asyncio.gather(*futures)
        elapsed = time.perf_counter() - started
        await nc.close()
        return count / elapsed

    return uvloop.run(main())


def _make_stream(stream: str, prefix: str, drop: bool = False) -> None:
    import nats

    from jingjinji.sources.stream import StreamNames, ensure_stream

    async def main() -> None:
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        if drop:
            with contextlib.suppress(Exception):
                await js.delete_stream(stream)
        else:
            await ensure_stream(js, StreamNames(url=NATS_URL, stream=stream, prefix=prefix))
        await nc.close()

    asyncio.run(main())


def _row(label: str, r: dict[str, float]) -> None:
    print(
        f"{label:<52} {r['sent'] / r['seconds']:>6.0f}/s in {r['rate']:>6.0f}/s acked  "
        f"p50 {r['p50']:>7.1f} ms  p99 {r['p99']:>7.1f} ms  unanswered {int(r['unanswered'])}",
        flush=True,
    )


def compare_processes(args: argparse.Namespace, stream: str, prefix: str) -> None:
    """Gateways of each ``--processes`` count under the same cases, interleaved case by case."""
    common = ["--stream", stream, "--prefix", prefix, "--loggers", str(max(args.connections))]
    cases = [(n, "open") for n in args.connections] + [(1000, "closed")]
    results: dict[tuple[int, str, int], list[dict[str, float]]] = {}
    for _ in range(args.repeat):
        for connections, mode in cases:
            for count in args.processes:
                gateway, port = _start("gateway", *common, "--processes", str(count))
                try:
                    r = _load(port, connections, mode, args.seconds, args.rate)
                finally:
                    spent = _stop(gateway)
                label = f"gateway, {count} process{'es' if count > 1 else ''}, {connections:,} " + (
                    f"conns, open {args.rate}/s" if mode == "open" else "conns, closed"
                )
                _row(label, r)
                for line in spent.splitlines():
                    print(f"  {line}", flush=True)
                results.setdefault((connections, mode, count), []).append(r)
    first = args.processes[0]
    print()
    for connections, mode in cases:
        base = results[(connections, mode, first)]
        for count in args.processes[1:]:
            other = results[(connections, mode, count)]
            rate = sum(r["rate"] for r in other) / sum(r["rate"] for r in base)
            p99 = sum(r["p99"] for r in other) / sum(r["p99"] for r in base)
            print(
                f"{count} / {first} processes, {connections:,} conns {mode}: acked/s x{rate:.2f}, "
                f"p99 x{p99:.2f}",
                flush=True,
            )


def orchestrate(args: argparse.Namespace) -> None:
    _raise_fd_limit()
    tag = uuid.uuid4().hex[:8]
    stream, prefix = f"JJJ_BENCH_GW_{tag}", f"jjjbench.{tag}"
    loggers = max(args.connections)
    print(f"load average before: {os.getloadavg()}  ({os.cpu_count()} CPUs)")
    print(f"{args.seconds:.0f} s per case; packets of ~270 bytes, Flag 5, one QN each\n")
    _make_stream(stream, prefix)
    if args.processes:
        try:
            compare_processes(args, stream, prefix)
        finally:
            _make_stream(stream, prefix, drop=True)
        print(f"load average after: {os.getloadavg()}")
        return
    try:
        raw = _raw_publish(stream, prefix, 30_000)
        print(f"{'baseline: publish_async straight to JetStream':<52} {raw:>8.0f}/s")
        bare, port = _start("bare")
        try:
            ceiling = _load(port, 1000, "closed", args.seconds, 0)
        finally:
            _stop(bare)
        _row("baseline: bare framing server, 1,000 conns, closed", ceiling)
        common = ["--stream", stream, "--prefix", prefix, "--loggers", str(loggers)]
        results: dict[str, dict[str, float]] = {}
        # A fresh gateway per case: a case must not inherit the previous one's backlog.
        cases = [("asyncio", n, "open") for n in args.connections]
        cases += [("asyncio", 1000, "closed"), ("uvloop", 1000, "closed")]
        for loop_name, connections, mode in cases:
            uvloop_flag = ["--uvloop"] if loop_name == "uvloop" else []
            gateway, port = _start("gateway", *common, *uvloop_flag)
            try:
                r = _load(port, connections, mode, args.seconds, args.rate)
            finally:
                spent = _stop(gateway)
            label = f"gateway ({loop_name}), {connections:,} conns, " + (
                f"open {args.rate}/s" if mode == "open" else "closed"
            )
            _row(label, r)
            print(f"  {spent}", flush=True)
            results[label] = r
        closed = results["gateway (asyncio), 1,000 conns, closed"]
        closed_uv = results["gateway (uvloop), 1,000 conns, closed"]
        print(f"\ngateway saturation / bare socket ceiling: {closed['rate'] / ceiling['rate']:.2f}")
        print(f"gateway saturation / raw publish_async:   {closed['rate'] / raw:.2f}")
        print(f"uvloop / asyncio (gateway saturation):    {closed_uv['rate'] / closed['rate']:.2f}")
    finally:
        _make_stream(stream, prefix, drop=True)
    print(f"load average after: {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "role", nargs="?", default="run", choices=["run", "gateway", "bare", "client"]
    )
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rate", type=int, default=3000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", choices=["open", "closed"], default="open")
    parser.add_argument("--stream", default="")
    parser.add_argument("--prefix", default="")
    parser.add_argument("--loggers", type=int, default=10000)
    parser.add_argument("--uvloop", action="store_true")
    parser.add_argument(
        "--processes",
        type=int,
        nargs="+",
        help="compare gateways of these worker-process counts (e.g. 1 2) instead of the cases",
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the --processes cases")
    args = parser.parse_args()
    if args.role == "gateway":
        run_gateway(args)
    elif args.role == "bare":
        run_bare(args)
    elif args.role == "client":
        args.connections = args.connections[0]
        run_client(args)
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
