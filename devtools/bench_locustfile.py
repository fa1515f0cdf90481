"""Locust user for ``manage.py bench_web``: one GET path, no think time (closed loop).

The path comes from BENCH_PATH so each target is measured alone, with all
clients on it. FastHttpUser keeps locust's own CPU use low; on a 2-core box it
still competes with the server for CPU.

Each request carries an X-Forwarded-For address from a pool of 50,000, as if
many shoppers came through a proxy. Without it every request shares one
throttle key, and DRF's throttle would drag a list of every request of the last
minute through Redis on each call, which no real client mix does.
"""
import json
import os
import random

from locust import FastHttpUser, constant, task

PATH = os.environ.get("BENCH_PATH", "/bench/trivial/")
# Extra headers for every request: a signed-in shopper's session cookie or API token.
EXTRA = json.loads(os.environ.get("BENCH_HEADERS") or "{}")
# "{rand}" in the path becomes a random number per request: a cache-busting query string
# that measures the uncached (cache-miss) path of a page.
ADDRESSES = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(1, 50_001)]


class Visitor(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        headers = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8", "X-Forwarded-For": random.choice(ADDRESSES),
                   **EXTRA}
        path = PATH.replace("{rand}", str(random.randrange(1 << 30))) if "{rand}" in PATH else PATH
        with self.client.get(path, name=PATH, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
