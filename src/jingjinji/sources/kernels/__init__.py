"""HJ 212 protocol kernels: the CRC, framing of a TCP byte stream, packet parsing, pollutant
code mapping and replies. Pure functions of bytes (no I/O, no database): the gateway, the
loader and ``jjj sources parse`` share them.

    crc.py       the HJ 212 check sum (not CRC-16/MODBUS), folded to 8 table look-ups
    framing.py   Framer (incremental, "##" + declared length), build_frame, FramingError
    packet.py    parse_packet -> Packet (strict on frame, length and CRC; lenient on fields)
    native.py    the compiled parser (native/hj212): parse_native == parse_packet, and
                 PacketFramer, the framer whose frames come out parsed, in one pass
    codes.py     2005 -> 2017 pollutant codes, value suffixes, Flag version bits
    replies.py   9014 data reply, 9011 request reply, 9012 execution result
"""

from jingjinji.sources.kernels.codes import (
    FLAG_VERSIONS,
    NUMERIC_SUFFIXES,
    OLD_TO_NEW,
    map_code,
    version_of_flag,
)
from jingjinji.sources.kernels.crc import crc16, crc_hex
from jingjinji.sources.kernels.framing import (
    MAX_FRAME,
    MAX_SEGMENT,
    Framer,
    FramingError,
    build_frame,
)
from jingjinji.sources.kernels.native import PacketFramer, parse_native
from jingjinji.sources.kernels.packet import (
    REASONS,
    Packet,
    PacketValues,
    parse_packet,
    parse_time,
)
from jingjinji.sources.kernels.replies import (
    EXE_RTN,
    QN_RTN,
    data_reply,
    execution_reply,
    request_reply,
)

__all__ = [
    "EXE_RTN",
    "FLAG_VERSIONS",
    "MAX_FRAME",
    "MAX_SEGMENT",
    "NUMERIC_SUFFIXES",
    "OLD_TO_NEW",
    "QN_RTN",
    "REASONS",
    "Framer",
    "FramingError",
    "Packet",
    "PacketFramer",
    "PacketValues",
    "build_frame",
    "crc16",
    "crc_hex",
    "data_reply",
    "execution_reply",
    "map_code",
    "parse_native",
    "parse_packet",
    "parse_time",
    "request_reply",
    "version_of_flag",
]
