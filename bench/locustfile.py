"""The people of the load run (bench/load_run.py): headteachers reading and submitting evidence with a file, advisers
reading their home page and the verification queue. Each counts what it wrote and the portal accepted, so the run
can compare that with the rows and stored files it finds afterwards. Accounts come from LOAD_ACCOUNTS (JSON); the
counts go to LOAD_REPORT when locust quits."""

import json
import os
import random
import re
import threading

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"]).read())
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PDF = b"%PDF-1.4\n" + b"evidence for the load run\n" * 2000  # about 50 KB
written = {"evidence": 0, "files": 0}
lock = threading.Lock()


def _token(page: str) -> str:
    found = CSRF.search(page)
    return found.group(1) if found else ""


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)

    def sign_in(self, email):
        token = _token(self.client.get("/sign-in", name="/sign-in").text)
        self.client.post("/sign-in", data={"csrf_token": token, "email": email, "password": ACCOUNTS["password"]},
                         name="/sign-in (post)")


class Headteacher(Person):
    weight = 3

    def on_start(self):
        self.account = random.choice(ACCOUNTS["heads"])
        self.sign_in(self.account["email"])

    @task(3)
    def home(self):
        self.client.get("/", name="/ (headteacher)")

    @task(2)
    def school(self):
        self.client.get(f"/schools/{self.account['school']}", name="/schools/[id]")

    @task(1)
    def submit_evidence(self):
        form = f"/schools/{self.account['school']}/evidence/new"
        token = _token(self.client.get(form, name="/schools/[id]/evidence/new").text)
        data = {"csrf_token": token, "meeting_id": str(self.account["meeting"]), "title": "Load run evidence",
                "criterion_ids": str(self.account["criterion"]), "narrative": "Written by the load run."}
        with self.client.post(form, data=data, files={"files": ("load-run.pdf", PDF, "application/pdf")},
                              allow_redirects=False, name="/schools/[id]/evidence/new (post)",
                              catch_response=True) as response:
            if response.status_code == 302:
                with lock:
                    written["evidence"] += 1
                    written["files"] += 1
                response.success()
            else:
                response.failure(f"evidence not accepted: {response.status_code}")


class Adviser(Person):
    weight = 2

    def on_start(self):
        self.sign_in(random.choice(ACCOUNTS["advisers"]))

    @task(3)
    def home(self):
        self.client.get("/", name="/ (adviser)")

    @task(1)
    def verification_queue(self):
        self.client.get("/verification", name="/verification")


@events.quitting.add_listener
def report(environment, **_):
    total = environment.stats.total
    with open(os.environ["LOAD_REPORT"], "w") as out:
        json.dump({"written": written, "requests": total.num_requests, "failures": total.num_failures,
                   "requests_per_second": round(total.total_rps, 1),
                   "p50_ms": total.get_response_time_percentile(0.5),
                   "p95_ms": total.get_response_time_percentile(0.95)}, out)
