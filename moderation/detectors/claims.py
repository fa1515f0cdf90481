"""Absolute claims (the advertising law's 极限词: 最好, 第一, 国家级, 100%, "best ever").

In a shopper's review these are usually enthusiasm, in a planted one they are ad
copy; either way they are only worth a FLAG (score 0.1) for ranking and for the
quality score, never a block or a hold.
"""
import re

from moderation.detectors.base import FLAG, Detector, DetectorResult, ScreenInput
from moderation.detectors.util import evidence_at
from moderation.text import normalized_for

SCORE = 0.1

_SUPERLATIVES = "|".join(sorted(
    "好 佳 低 强 便宜 优 高级 高端 先进 新 大 全 安全 有效 正宗 权威 专业 实惠 划算 顶级 火 热销 畅销 受欢迎 好用 牛 棒".split(),
    key=len, reverse=True,
))
_ZH = [
    rf"全网最(?:{_SUPERLATIVES})?",
    rf"最(?:{_SUPERLATIVES})",
    # 第一, but not 第一次 / 第一天 / 第一眼 ... (first time, first day, first glance)
    r"第一(?![次天个眼印感步周时口件瓶盒遍回期批年月部代款张条层单位轮])",
    r"(?:全国|全网|全球|行业|销量|排名)第一", r"no\.?1(?![0-9])", r"(?<![0-9a-z])#1(?![0-9])",
    r"国家级", r"世界级", r"顶级", r"极品", r"史上", r"万能", r"百分百", r"(?<![0-9.])100%",
    r"独家", r"唯一", r"首选", r"绝对", r"根治", r"永久", r"零风险", r"无副作用",
]
_EN = [r"best ever", r"the best", r"number one", r"world[- ]class", r"guaranteed", r"miracle", r"cures?"]
CLAIM_RE = re.compile("|".join(_ZH) + "|" + "|".join(rf"(?<![a-z]){p}(?![a-z])" for p in _EN))


class AbsoluteClaimDetector(Detector):
    name = "absolute_claim"

    def run(self, inp: ScreenInput) -> DetectorResult:
        norm = normalized_for(inp)
        matches = list(CLAIM_RE.finditer(norm.text))
        if not matches:
            return DetectorResult(name=self.name)
        return DetectorResult(
            name=self.name,
            labels=["absolute_claim"],
            score=SCORE,
            action=FLAG,
            evidence=[evidence_at(norm, m.start(), m.end(), "absolute_claim") for m in matches[:20]],
        )
