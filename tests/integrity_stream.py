"""A crafted event stream for ``manage.py integrity replay`` tests: organic users writing reviews and
voting helpful over weeks from their own networks and devices, and a ring of accounts on one
device voting helpful on each other's reviews within an hour (lines with ``"ring": true``)."""
import json
import random
from datetime import UTC, datetime, timedelta

PHRASES = ["保湿效果不错", "味道清淡", "包装很结实", "性价比一般", "物流很快", "用了两周皮肤变好", "颜色和图片一样",
           "有点油腻", "适合敏感肌", "会回购", "气味偏重", "吸收很快", "容量有点小", "赠品很多", "瓶子设计好看"]


def stream(seed=3, organic=80, ring=10, days=20, reviews_per_day=4, votes_per_review=6):
    rng = random.Random(seed)
    t0 = datetime(2026, 9, 1, tzinfo=UTC)
    lines = []

    def add(ts, **kw):
        lines.append({"ts": ts.isoformat(), **kw})

    users = [f"o{i}" for i in range(organic)]
    for i, u in enumerate(users):
        add(t0 + timedelta(minutes=i), kind="signup", user=u, ip=f"198.{51 + i // 200}.{i % 200}.{rng.randint(1, 250)}",
            device=f"dev-{u}")
    ringers = [f"r{i}" for i in range(ring)]
    for i, u in enumerate(ringers):
        add(t0 + timedelta(days=2, minutes=i), kind="signup", user=u, ip=f"203.0.113.{10 + i}", device="farm-1")
    events = []
    reviews = []
    for d in range(days):
        for u in rng.sample(users, reviews_per_day):
            p = f"p{rng.randrange(30)}"
            if (u, p) in reviews:
                continue
            reviews.append((u, p))
            text = "，".join(rng.sample(PHRASES, 3)) + f"。第{d}天的体验{rng.randint(1, 999)}"
            events.append((t0 + timedelta(days=3 + d, hours=rng.uniform(0, 20)), dict(
                kind="review", user=u, product=p, rating=rng.randint(2, 5), text=text, ip=f"198.{51 + users.index(u) // 200}.{users.index(u) % 200}.7",
                device=f"dev-{u}")))
    # organic helpful votes, after the review exists
    for (author, p) in reviews:
        for v in rng.sample(users, votes_per_review):
            if v != author:
                events.append((None, dict(kind="helpful", user=v, author=author, product=p,
                                          ip=f"198.{51 + users.index(v) // 200}.{users.index(v) % 200}.9", device=f"dev-{v}", _after=(author, p))))
    # the ring: 4 members write reviews, all 10 vote on them within an hour
    ring_reviews = []
    base = t0 + timedelta(days=10)
    for i, u in enumerate(ringers[:4]):
        p = f"p{i}"
        ring_reviews.append((u, p))
        events.append((base + timedelta(minutes=i), dict(kind="review", user=u, product=p, rating=5,
                       text="，".join(rng.sample(PHRASES, 4)) + f"。{['第一次买', '回购三次', '朋友推荐', '双十一囤货'][i]}", ip=f"203.0.113.{10 + i}", device="farm-1")))
    for j, (author, p) in enumerate(ring_reviews):
        for k, v in enumerate(ringers):
            if v != author:
                events.append((base + timedelta(hours=1, minutes=j * 10 + k), dict(
                    kind="helpful", user=v, author=author, product=p, ip=f"203.0.113.{10 + k}", device="farm-1",
                    ring=True)))
    # organic votes go a day after their review
    times = {}
    for ts, e in events:
        if e["kind"] == "review":
            times[(e["user"], e["product"])] = ts
    out = []
    for ts, e in events:
        after = e.pop("_after", None)
        if ts is None:
            ts = times[after] + timedelta(hours=rng.uniform(2, 48))
        out.append((ts, e))
    out.sort(key=lambda x: x[0])
    for ts, e in out:
        add(ts, **e)
    return lines


if __name__ == "__main__":
    for line in stream():
        print(json.dumps(line, ensure_ascii=False))
