"""A bounded load run with wrk (Debian's package): 20 connections for 30 s on a page, beside the baseline route."""

import re
import shutil
import subprocess


def wrk_available():
    return shutil.which("wrk") is not None


def load(url, cookie=None, seconds=30, connections=20, threads=2):
    """{requests_per_s, requests, errors (non-2xx, socket errors, timeouts)} of one wrk run."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    requests_total = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"requests_per_s": round(rate, 1), "requests": requests_total, "errors": errors}
