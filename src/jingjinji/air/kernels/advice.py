"""Health effects and recommended measures per AQI level (HJ 633, the table of AQI levels).

HJ 633 gives, for each of its six levels, what the air does to people's health and what they
should do about it. The meaning below follows the standard's table (both HJ 633-2012 and
HJ 633-2026 keep the same six levels, bounds and advice); the wording is ours, in Chinese and
English. The text lives here once: the public air page, its API and any later notice read it.

``advice_for(aqi)`` maps an AQI to its level by the same bounds as :func:`level_of`
(0-50 I, 51-100 II, 101-150 III, 151-200 IV, 201-300 V, above 300 VI).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from jingjinji.air.kernels.levels import LEVELS, AqiLevel, level_of


@dataclass(frozen=True)
class HealthAdvice:
    """What a level means for health and what people should do, in both languages."""

    level: int
    effects_zh: str
    effects_en: str
    measures_zh: str
    measures_en: str

    @property
    def aqi_level(self) -> AqiLevel:
        return LEVELS[self.level]

    def effects(self, lang: str) -> str:
        return self.effects_zh if lang == "zh_CN" else self.effects_en

    def measures(self, lang: str) -> str:
        return self.measures_zh if lang == "zh_CN" else self.measures_en


HEALTH_ADVICE: dict[int, HealthAdvice] = {
    1: HealthAdvice(
        1,
        "空气质量令人满意，基本没有空气污染。",
        "Air quality is satisfactory; there is essentially no air pollution.",
        "各类人群均可正常活动。",
        "Everyone can go about their usual activities, outdoors included.",
    ),
    2: HealthAdvice(
        2,
        "空气质量可以接受，但个别污染物可能对极少数异常敏感的人健康有较弱影响。",
        "Air quality is acceptable, but some pollutants may slightly affect the health of a "
        "very small number of unusually sensitive people.",
        "极少数异常敏感的人应减少户外活动。",
        "The very few unusually sensitive people should spend less time outdoors.",
    ),
    3: HealthAdvice(
        3,
        "易感人群的症状有轻度加重，健康人群出现刺激症状。",
        "Sensitive people's symptoms get slightly worse; healthy people notice irritation.",
        "儿童、老年人以及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼。",
        "Children, older people and people with heart or respiratory disease should cut down "
        "long or strenuous outdoor exercise.",
    ),
    4: HealthAdvice(
        4,
        "易感人群的症状进一步加重，健康人群的心脏和呼吸系统也可能受到影响。",
        "Sensitive people's symptoms get worse still; the heart and breathing of healthy people "
        "may also be affected.",
        "儿童、老年人以及心脏病、呼吸系统疾病患者应避免长时间、高强度的户外锻炼；"
        "一般人群适当减少户外运动。",
        "Children, older people and people with heart or respiratory disease should avoid long "
        "or strenuous outdoor exercise; everyone else should exercise outdoors less.",
    ),
    5: HealthAdvice(
        5,
        "心脏病和肺病患者症状明显加重，运动耐受力下降，健康人群普遍出现症状。",
        "People with heart or lung disease get markedly worse and tolerate exercise less; "
        "healthy people commonly have symptoms.",
        "儿童、老年人和心脏病、肺病患者应留在室内，停止户外运动；一般人群减少户外运动。",
        "Children, older people and people with heart or lung disease should stay indoors and "
        "stop outdoor exercise; everyone else should cut down outdoor exercise.",
    ),
    6: HealthAdvice(
        6,
        "健康人群运动耐受力下降，出现明显的强烈症状，某些疾病可能提前出现。",
        "Healthy people tolerate exercise less and have strong, obvious symptoms; some "
        "illnesses may set in earlier.",
        "儿童、老年人和病人应留在室内，避免体力消耗；一般人群应避免户外活动。",
        "Children, older people and the sick should stay indoors and avoid physical exertion; "
        "everyone else should avoid outdoor activities.",
    ),
}


def advice_for_level(level: int) -> HealthAdvice | None:
    """The advice of level 1..6; None for level 0 (no AQI published)."""
    if level == 0:
        return None
    if level not in HEALTH_ADVICE:
        raise ValueError(f"AQI level must be 0 (no AQI) or 1..6, got {level}")
    return HEALTH_ADVICE[level]


def advice_for(aqi: float | None) -> HealthAdvice | None:
    """The advice of an AQI value's level; None for a missing AQI (None or NaN)."""
    if aqi is None or math.isnan(aqi):
        return None
    if aqi < 0:
        raise ValueError(f"an AQI is never negative, got {aqi}")
    return advice_for_level(int(level_of([aqi])[0]))
