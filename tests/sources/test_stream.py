"""The stream both sides agree on: subjects, message ids, and a stream made once."""

from __future__ import annotations

import nats

from jingjinji.sources.stream import StreamNames, ensure_stream, message_id
from tests.aio import run_async


def test_subjects_keep_nats_tokens_safe() -> None:
    names = StreamNames(url="nats://x", stream="S", prefix="jjj.sources")
    assert names.packet_subject(province="130000", cn="2011", mn="LD130107000319") == (
        "jjj.sources.130000.2011.LD130107000319"
    )
    assert names.packet_subject(province="130000", cn="2011", mn="a.b*c>d e") == (
        "jjj.sources.130000.2011.a_b_c_d_e"
    )
    assert message_id(mn="M", cn="2011", data_time="20160824095701000", qn=None) == (
        "M:2011:20160824095701000"
    )
    assert message_id(mn="M", cn="8013", data_time=None, qn=None) == ""


def test_ensure_stream_twice_makes_one_work_queue(stream_names: StreamNames) -> None:
    async def run() -> str:
        nc = await nats.connect(stream_names.url)
        try:
            js = nc.jetstream()
            await ensure_stream(js, stream_names)
            await ensure_stream(js, stream_names)
            info = await js.stream_info(stream_names.stream)
            return str(info.config.retention)
        finally:
            await nc.close()

    assert "workqueue" in run_async(lambda: run()).lower().replace("_", "")
