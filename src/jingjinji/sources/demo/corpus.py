"""Derive the demo's logger registry (``sources/data/loggers.json``) from the recorded HJ 212
traffic of 2016-08-24 (``../shared/data/hj212/hebei-2016-08-24``, Apache-2.0).

Every file is framed by ``##`` and the declared length (``kernels.Framer``) and each frame is
parsed strictly (``kernels.parse_packet``: length, CRC, fields); only valid packets count. Per
device number (MN) it keeps:

- ``st``: the system code of its data uploads (2011/2051/2061/2031), the most frequent one;
  a logger that sent no data keeps the code it did send (91, system interaction);
- ``factors``: the pollutant codes of its data uploads, 2005 codes mapped to 2017
  (``kernels.map_code`` inside the parser), sorted;
- ``realtime_interval_seconds``: the median gap between the distinct data times of its 2011
  packets (None with fewer than two);
- ``password``: the PW it sent most often; ``protocol_version``: 2005 or 2017 by the Flag bits
  (no Flag: 2005);
- ``city_code`` and ``county_code``: INFERRED from the MN's digits. The loggers' MNs read
  ``LD``/``ZG`` + six digits that match GB/T 2260 county codes (``LD130133…``: 130133 Zhao
  County, Shijiazhuang); the city is the prefecture ``1301`` -> ``130100`` when it is one of
  Hebei's, else None. Nothing in the protocol says so: it is a reading of the numbering.
- counts: ``data_packets`` (valid data uploads) and ``packets`` (all valid ones).

Run it again to check or regenerate the file (byte for byte the same for the same corpus)::

    uv run python -m jingjinji.sources.demo.corpus ../shared/data/hj212/hebei-2016-08-24 \\
        > src/jingjinji/sources/data/loggers.json
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jingjinji.regions import service as regions
from jingjinji.sources.kernels import Framer, Packet, parse_packet

#: The upload commands whose values the platform stores.
DATA_COMMANDS = frozenset({"2011", "2031", "2051", "2061"})
CORPUS_NAME = "hebei-2016-08-24"
SOURCE = (
    "xiaoyao9184/hj-t212-parser, commit 97e7c8972dbc7483756a34bbe3649855aa98f75b, "
    "hj-t212-parser/src/test/resources/AllData/ (Apache License 2.0)"
)


@dataclass
class _Seen:
    """What one MN sent."""

    data_st: Counter[str] = field(default_factory=Counter)
    st: Counter[str] = field(default_factory=Counter)
    passwords: Counter[str] = field(default_factory=Counter)
    versions: Counter[int] = field(default_factory=Counter)
    factors: set[str] = field(default_factory=set)
    realtime_times: set[float] = field(default_factory=set)
    packets: int = 0
    data_packets: int = 0


@dataclass
class CorpusSummary:
    files: int = 0
    frames: int = 0
    valid: int = 0
    invalid: int = 0
    framing_errors: int = 0
    loggers: dict[str, _Seen] = field(default_factory=dict)


def hebei_prefectures() -> dict[str, str]:
    """Hebei's prefecture-level codes (130100 ...) and their English names, from the region
    definition (no database needed)."""
    found: dict[str, str] = {}
    for province in regions.region_definition()["jurisdictions"]:
        if province["code"] != "130000":
            continue
        for child in province.get("children", []):
            if child["level"] == "prefecture":
                found[child["code"]] = child["name_en"]
    return found


def _note(seen: _Seen, packet: Packet) -> None:
    seen.packets += 1
    if packet.st:
        seen.st[packet.st] += 1
    if packet.pw:
        seen.passwords[packet.pw] += 1
    seen.versions[packet.version or 2005] += 1
    if packet.cn not in DATA_COMMANDS:
        return
    seen.data_packets += 1
    if packet.st:
        seen.data_st[packet.st] += 1
    seen.factors.update(packet.values)
    if packet.cn == "2011" and packet.data_time is not None:
        seen.realtime_times.add(packet.data_time.timestamp())


def read_corpus(folder: Path) -> CorpusSummary:
    """Frame and parse every ``*.h212`` file of ``folder`` (name order)."""
    summary = CorpusSummary()
    for path in sorted(folder.glob("*.h212")):
        summary.files += 1
        framer = Framer()
        for item in [*framer.feed(path.read_bytes()), *framer.flush()]:
            if not isinstance(item, bytes):
                summary.framing_errors += 1
                continue
            summary.frames += 1
            packet = parse_packet(item)
            if not packet.valid or not packet.mn:
                summary.invalid += 1
                continue
            summary.valid += 1
            _note(summary.loggers.setdefault(packet.mn, _Seen()), packet)
    return summary


def _most(counter: Counter[Any]) -> Any:
    """The most frequent value; ties go to the smallest, so the result is reproducible."""
    top = max(counter.values())
    return min(v for v, n in counter.items() if n == top)


def _interval(times: set[float]) -> int | None:
    ordered = sorted(times)
    gaps = [b - a for a, b in itertools.pairwise(ordered) if b > a]
    return round(statistics.median(gaps)) if gaps else None


def logger_record(mn: str, seen: _Seen, prefectures: dict[str, str]) -> dict[str, Any]:
    digits = mn[2:8]
    county = digits if len(digits) == 6 and digits.isdigit() else None
    city = f"{county[:4]}00" if county else None
    return {
        "mn": mn,
        "st": _most(seen.data_st or seen.st),
        "factors": sorted(seen.factors),
        "realtime_interval_seconds": _interval(seen.realtime_times),
        "password": _most(seen.passwords),
        "protocol_version": _most(seen.versions),
        "city_code": city if city in prefectures else None,
        "county_code": county if city in prefectures else None,
        "data_packets": seen.data_packets,
        "packets": seen.packets,
    }


def derive(folder: Path) -> dict[str, Any]:
    """The content of ``loggers.json`` for the corpus in ``folder``."""
    summary = read_corpus(folder)
    prefectures = hebei_prefectures()
    return {
        "corpus": CORPUS_NAME,
        "source": SOURCE,
        "derived_by": "python -m jingjinji.sources.demo.corpus <corpus folder>",
        "inferred": ["city_code", "county_code"],
        "files": summary.files,
        "frames": summary.frames,
        "valid_packets": summary.valid,
        "invalid_packets": summary.invalid,
        "framing_errors": summary.framing_errors,
        "loggers": [
            logger_record(mn, summary.loggers[mn], prefectures) for mn in sorted(summary.loggers)
        ],
    }


def render(derived: dict[str, Any]) -> str:
    """The JSON text: the header fields, then one logger a line (small diffs on regeneration)."""
    head = {k: v for k, v in derived.items() if k != "loggers"}
    lines = [json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ","]
    lines.append(' "loggers": [')
    records = [
        "  " + json.dumps(r, ensure_ascii=False, separators=(", ", ": "))
        for r in derived["loggers"]
    ]
    lines.append(",\n".join(records))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(render(derive(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
