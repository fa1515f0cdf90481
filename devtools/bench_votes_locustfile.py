"""Locust user for ``manage.py bench_votes``: each client signs in with its own token and votes.

BENCH_VOTES_SETUP points at the JSON written by the setup step ({"voters": [{"id", "token"}], "entries": [...]}).
Each client takes the next voter (one voter per client, so a voter's requests are sequential), then
loops: mostly POST /api/entries/<id>/vote/ on a random entry (the toggle: votes, or withdraws a vote it
has), sometimes DELETE on one of its voted entries. It keeps the set of entries it expects to have
voted for, changed only by 2xx answers, and BENCH_VOTES_EXPECTED receives every client's set at the end
(plus any request that was cut off mid-flight, whose outcome the client cannot know).
"""
import itertools
import json
import os
import random

from locust import FastHttpUser, constant, events, task

SETUP = json.loads(open(os.environ["BENCH_VOTES_SETUP"]).read())
OUT = os.environ["BENCH_VOTES_EXPECTED"]
ENTRIES = SETUP["entries"]
WITHDRAW_SHARE = float(os.environ.get("BENCH_VOTES_WITHDRAW_SHARE", "0.2"))
_next_voter = itertools.count()
STATE = {}  # voter id -> {"voted": set, "pending": list, "ok": n, "non2xx": {...}, "mismatch": n}


class Voter(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        voter = SETUP["voters"][next(_next_voter) % len(SETUP["voters"])]
        self.voter_id = voter["id"]
        self.headers = {"Authorization": f"Token {voter['token']}", "Accept": "application/json"}
        self.state = STATE.setdefault(self.voter_id, {"voted": set(), "pending": [], "ok": 0, "non2xx": {},
                                                      "mismatch": 0})

    def _send(self, method, entry_id):
        st = self.state
        st["pending"].append([method, entry_id])
        name = "/api/entries/[id]/vote/"
        with self.client.request(method, f"/api/entries/{entry_id}/vote/", name=name, headers=self.headers,
                                 catch_response=True) as response:
            if 200 <= response.status_code < 300:
                st["ok"] += 1
                if method == "POST":
                    st["voted"].symmetric_difference_update({entry_id})
                else:
                    st["voted"].discard(entry_id)
                try:
                    if response.json().get("voted") != (entry_id in st["voted"]):
                        st["mismatch"] += 1
                except Exception:  # noqa: BLE001
                    st["mismatch"] += 1
            else:
                key = str(response.status_code)
                st["non2xx"][key] = st["non2xx"].get(key, 0) + 1
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
        st["pending"].pop()

    @task
    def vote(self):
        if self.state["voted"] and random.random() < WITHDRAW_SHARE:
            self._send("DELETE", random.choice(sorted(self.state["voted"])))
        else:
            self._send("POST", random.choice(ENTRIES))


@events.test_stop.add_listener
def _dump(**_kwargs):
    data = {str(k): {**v, "voted": sorted(v["voted"])} for k, v in STATE.items()}
    with open(OUT, "w") as fh:
        json.dump(data, fh)
