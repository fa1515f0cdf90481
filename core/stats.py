"""Small statistics shared by ranking, quality and the audit."""
import math


def wilson_lower_bound(positive: int, total: int, z: float = 1.96) -> float:
    """Lower bound of the 95% Wilson interval for positive/total; 0 when there are no votes."""
    if total <= 0:
        return 0.0
    p = positive / total
    denom = 1 + z * z / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt((p * (1 - p) + z * z / (4 * total)) / total)
    return max(0.0, (centre - margin) / denom)
