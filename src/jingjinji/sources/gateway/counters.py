"""The gateway's counters: connections, packets, rejects by reason, packets per second and
latency percentiles, and the rate-limited log of rejected packets.

Everything here runs on the gateway's event loop (no locks); :meth:`Counters.snapshot` is the JSON
put in the stats bucket (what the counters page reads) and published to the stats subject (what
the loader stores)."""

from __future__ import annotations

import collections
import datetime as dt
import logging
import math
import time
from typing import Any

log = logging.getLogger("jingjinji.sources.gateway")

#: Samples kept for the latency percentiles (the most recent ones: a ring buffer).
RESERVOIR_SIZE = 4096
#: Seconds the packets-per-second rate is averaged over.
RATE_WINDOW_SECONDS = 10


class Reservoir:
    """The last ``size`` samples, for percentiles of recent behaviour (not of all time)."""

    def __init__(self, size: int = RESERVOIR_SIZE) -> None:
        self._samples: collections.deque[float] = collections.deque(maxlen=size)

    def add(self, value: float) -> None:
        self._samples.append(value)

    def percentiles(self) -> dict[str, float | None]:
        """p50 and p99 (nearest rank) of the samples, None without any."""
        if not self._samples:
            return {"p50": None, "p99": None, "n": 0}
        ordered = sorted(self._samples)

        def rank(q: float) -> float:
            return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 3)

        return {"p50": rank(0.50), "p99": rank(0.99), "n": len(ordered)}


class RateWindow:
    """Events per second over the last ``seconds`` whole seconds (one bucket per second)."""

    def __init__(self, seconds: int = RATE_WINDOW_SECONDS) -> None:
        self._seconds = seconds
        self._buckets: collections.deque[list[int]] = collections.deque()

    def add(self, now: float, count: int = 1) -> None:
        second = int(now)
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += count
        else:
            self._buckets.append([second, count])
            self._trim(second)

    def _trim(self, second: int) -> None:
        while self._buckets and self._buckets[0][0] <= second - self._seconds:
            self._buckets.popleft()

    def rate(self, now: float) -> float:
        """The mean over the window's completed seconds (the current one is still filling)."""
        second = int(now)
        self._trim(second)
        done = sum(count for at, count in self._buckets if at < second)
        return round(done / (self._seconds - 1), 1)


class Counters:
    """What the gateway counts. Rejects are keyed by reason: the framer's and the parser's
    (``length``, ``crc``, ``framing``, ``field`` ...), ``unknown_logger``, ``password`` and
    ``stream_unavailable`` (JetStream did not acknowledge, no reply sent)."""

    def __init__(self, gateway: str) -> None:
        self.gateway = gateway
        self.started_at = dt.datetime.now(dt.UTC)
        self.connections_current = 0
        self.connections_total = 0
        self.connections_refused = 0  # over the cap
        self.connections_idle_closed = 0
        self.frames = 0  # every frame or framing error read
        self.accepted = 0  # stored by JetStream (PubAck received)
        self.replies = 0  # 9014 / 9011 written
        self.rejects: collections.Counter[str] = collections.Counter()
        self.publish_ms = Reservoir()  # publish sent -> PubAck
        self.ack_ms = Reservoir()  # frame read -> reply written
        self.rate = RateWindow()

    def reject(self, reason: str) -> None:
        self.rejects[reason] += 1

    def snapshot(self, now: float | None = None) -> dict[str, Any]:
        """The JSON published to the stats subject (see docs/sources.md for the fields)."""
        moment = time.monotonic() if now is None else now
        return {
            "gateway": self.gateway,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "reported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "connections": {
                "current": self.connections_current,
                "total": self.connections_total,
                "refused": self.connections_refused,
                "idle_closed": self.connections_idle_closed,
            },
            "packets": {
                "frames": self.frames,
                "accepted": self.accepted,
                "rejected": sum(self.rejects.values()),
                "replies": self.replies,
                "per_second": self.rate.rate(moment),
            },
            "rejects": dict(sorted(self.rejects.items())),
            "publish_ms": self.publish_ms.percentiles(),
            "ack_ms": self.ack_ms.percentiles(),
        }

    def summary_line(self) -> str:
        """One line for the log (every minute)."""
        snap = self.snapshot()
        rejects = ", ".join(f"{k} {v}" for k, v in snap["rejects"].items()) or "none"
        return (
            f"gateway {self.gateway}: connections {self.connections_current} now, "
            f"{self.connections_total} total, {self.connections_refused} refused; "
            f"accepted {self.accepted}, {snap['packets']['per_second']}/s; rejects: {rejects}; "
            f"publish p50/p99 {snap['publish_ms']['p50']}/{snap['publish_ms']['p99']} ms, "
            f"ack p50/p99 {snap['ack_ms']['p50']}/{snap['ack_ms']['p99']} ms"
        )


class RejectLog:
    """Logs rejected packets, one line each (reason, peer, the first bytes), at most
    ``per_minute`` lines a minute: a flood of garbage cannot fill the disk. Suppressed lines are
    counted and said once the minute is over. ``level``: WARNING for a gateway of its own, DEBUG
    in the embedded demo (which says the counts by reason once instead)."""

    def __init__(
        self, per_minute: int = 60, preview: int = 80, *, level: int = logging.WARNING
    ) -> None:
        self._per_minute = per_minute
        self._level = level
        self._preview = preview
        self._window_start = 0.0
        self._logged = 0
        self._suppressed = 0

    def __call__(self, reason: str, peer: str, data: bytes, detail: str = "") -> None:
        now = time.monotonic()
        if now - self._window_start >= 60.0:
            if self._suppressed:
                log.log(self._level, "%d more rejected packets were not logged", self._suppressed)
            self._window_start, self._logged, self._suppressed = now, 0, 0
        if self._logged >= self._per_minute:
            self._suppressed += 1
            return
        self._logged += 1
        log.log(
            self._level,
            "rejected (%s%s) from %s: %r",
            reason,
            f": {detail}" if detail else "",
            peer,
            data[: self._preview],
        )
