"""What the Python drivers share: their command line of jobs, each request's URL and what it
sends, the order and pace of the requests, the requests that failed, and each job's line of the
view."""
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

MODES = ("read", "unread", "close", "post", "pause", "parallel", "warm-parallel")


def run(script, job):
    """Runs job(url, count, mode, h2) for each URL COUNT MODE triple, printing each one's line.
    A MODE may end in `+h2`: the client is asked for HTTP/2 (`h2` is true)."""
    jobs = sys.argv[1:]
    if not jobs or len(jobs) % 3:
        sys.exit(f"usage: {script} URL COUNT MODE[+h2] [URL COUNT MODE[+h2]]...")
    for i in range(0, len(jobs), 3):
        mode, plus, option = jobs[i + 2].partition("+")
        if mode not in MODES or (plus and option != "h2"):
            sys.exit(f"{script}: MODE must be one of {', '.join(MODES)}, then +h2 or nothing, "
                     f"not {jobs[i + 2]!r}")
        print(job(jobs[i], int(jobs[i + 1]), mode, bool(plus)), flush=True)


def requests_of(url, count, mode):
    """Each request of a job: (its URL, its method, its body, its headers), request n going to
    URL?request=n so the server tells a request sent again from the next one."""
    headers = {"Connection": "close"} if mode == "close" else {}
    method, body = ("POST", b"x" * 64) if mode == "post" else ("GET", None)
    return [(f"{url}?request={n}", method, body, headers) for n in range(1, count + 1)]


def send_all(url, count, mode, send, errors):
    """Sends a job's requests with send(target, method, body, headers), noting in errors what it
    raises beyond the client's own errors, which send notes itself: one after another, the pause
    mode waiting 500 ms after each (longer than the server's idle close); or at once, each on a
    thread of its own (parallel; warm-parallel sends the first alone)."""
    requests = requests_of(url, count, mode)
    alone = {"parallel": 0, "warm-parallel": 1}.get(mode, len(requests))
    for request in requests[:alone]:
        try:
            send(*request)
        except Exception as error:  # as a thread's exception is noted below
            errors.add(error)
        if mode == "pause":
            time.sleep(0.5)
    rest = requests[alone:]
    if rest:
        with ThreadPoolExecutor(max_workers=len(rest)) as pool:
            for done in [pool.submit(send, *request) for request in rest]:
                error = done.exception()
                if error is not None:
                    errors.add(error)


class Errors:
    """The requests that failed: how many, and the first one's error in one line. Requests sent
    at once note theirs from threads of their own."""

    def __init__(self):
        self.count, self.first = 0, None
        self._lock = threading.Lock()

    def add(self, error):
        with self._lock:
            if self.first is None:
                self.first = " ".join(f"{type(error).__name__}: {error}".split())
            self.count += 1


def view(url, connections, resumed, errors, streams=0):
    """The client's view: its new connections, over HTTPS how many resumed a session, the
    responses that came over HTTP/2 (when any did), and the requests that failed."""
    line = f"connections={connections}"
    if url.startswith("https:"):
        line += f" resumed={sum(resumed)}"
    if streams:
        line += f" streams={streams}"
    if errors.count:
        line += f" errors={errors.count} error={errors.first}"
    return line
