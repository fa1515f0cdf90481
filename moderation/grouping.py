"""Near-duplicate grouping of short texts for brand insights (``community.hooks.text_groups``).

The same MinHash signatures and LSH banding as the duplicate detector
(``moderation.detectors.duplicate``): texts sharing a band are candidates, candidates whose
estimated Jaccard similarity reaches ``threshold`` are joined (union-find, so grouping is
transitive). Texts too short for a signature are grouped only with texts whose compacted
normalised form is identical. Pure computation: no database.
"""
from moderation.detectors import duplicate
from moderation.text import compact, normalize

MAX_BUCKET = 200


def text_groups(texts, *, threshold=duplicate.MATCH_AT):
    """``{key: root_key}`` for ``{key: text}``: keys in one group share the root (the smallest
    key of the group in sorted order, so the answer does not depend on the input's order)."""
    keys = sorted(texts, key=str)
    parent = {k: k for k in keys}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        # the root is the smaller key, so the result does not depend on the merge order
        if str(ra) < str(rb):
            parent[rb] = ra
        else:
            parent[ra] = rb

    signatures, exact, buckets = {}, {}, {}
    for key in keys:
        norm = normalize(texts[key] or "")
        compacted = compact(norm.text)
        if compacted in exact:
            union(exact[compacted], key)
        else:
            exact[compacted] = key
        sig = duplicate.signature(norm)
        if sig is None:
            continue
        signatures[key] = sig
        for band in duplicate.band_keys(sig):
            buckets.setdefault(band, []).append(key)
    for members in buckets.values():
        members = members[:MAX_BUCKET]  # a crowded bucket (a template phrase) costs a bounded amount
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if find(a) != find(b) and duplicate.similarity(signatures[a], signatures[b]) >= threshold:
                    union(a, b)
    return {k: find(k) for k in keys}
