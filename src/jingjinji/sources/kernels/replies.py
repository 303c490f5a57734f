"""Replies to a packet: 9014 data reply, 9011 request reply, 9012 execution result.

The reply is written in the sender's dialect. To a packet with a Flag (2017 and later, and
2005 devices that send one) the reply carries the packet's QN in its header and a Flag of the
same version with bits D and A clear (so 2017 replies have Flag=4, as the standard's examples).
To a 2005-era packet without a Flag the reply has no Flag either and the QN, when the packet
had one, goes into the data area (``CP=&&QN=...;ExeRtn=1&&``), as the 2005 replies in the
Hebei traffic do. ST is 91 (system interaction); PW and MN are the packet's.
"""

from __future__ import annotations

from jingjinji.sources.kernels.framing import build_frame
from jingjinji.sources.kernels.packet import Packet

__all__ = ["EXE_RTN", "QN_RTN", "data_reply", "execution_reply", "request_reply"]

#: QnRtn of 9011 (standards.md §6)
QN_RTN = {
    1: "ready",
    2: "rejected",
    3: "PW error",
    4: "MN error",
    5: "ST error",
    6: "Flag error",
    7: "QN error",
    8: "CN error",
    9: "CRC error",
    100: "unknown",
}
#: ExeRtn of 9012 (standards.md §6)
EXE_RTN = {
    1: "success",
    2: "failed",
    3: "bad condition",
    4: "timeout",
    5: "busy",
    6: "system fault",
    100: "no data",
}


def _reply(packet: Packet, cn: str, cp_items: list[str]) -> bytes:
    head: list[str] = []
    if packet.flag is not None and packet.qn is not None:
        head.append(f"QN={packet.qn}")
    elif packet.qn is not None:
        cp_items = [f"QN={packet.qn}", *cp_items]
    head += ["ST=91", f"CN={cn}", f"PW={packet.pw or ''}", f"MN={packet.mn or ''}"]
    if packet.flag is not None:
        head.append(f"Flag={packet.flag & 0xFC}")
    return build_frame(";".join(head) + ";CP=&&" + ";".join(cp_items) + "&&")


def data_reply(packet: Packet) -> bytes:
    """The 9014 data reply to an upload (``CP=&&&&``), a whole frame with ``\\r\\n``."""
    return _reply(packet, "9014", [])


def request_reply(packet: Packet, qn_rtn: int) -> bytes:
    """The 9011 reply to a request: ``QnRtn`` (1 ready, 2 rejected, 3 PW error ... ``QN_RTN``)."""
    return _reply(packet, "9011", [f"QnRtn={qn_rtn}"])


def execution_reply(packet: Packet, exe_rtn: int) -> bytes:
    """The 9012 result of executing a request: ``ExeRtn`` (1 success ... ``EXE_RTN``)."""
    return _reply(packet, "9012", [f"ExeRtn={exe_rtn}"])
