"""What the Python drivers share: their command line of jobs, each request's URL and what it
sends, the requests that failed, and each job's line of the view."""
import sys
import time

MODES = ("read", "unread", "close", "post", "pause")


def run(script, job):
    """Runs job(url, count, mode) for each URL COUNT MODE triple, printing each one's line."""
    jobs = sys.argv[1:]
    if not jobs or len(jobs) % 3:
        sys.exit(f"usage: {script} URL COUNT MODE [URL COUNT MODE]...")
    for i in range(0, len(jobs), 3):
        mode = jobs[i + 2]
        if mode not in MODES:
            sys.exit(f"{script}: MODE must be one of {', '.join(MODES)}, not {mode!r}")
        print(job(jobs[i], int(jobs[i + 1]), mode), flush=True)


def requests_of(url, count, mode):
    """Each request of a job: (its URL, its method, its body, its headers), request n going to
    URL?request=n so the server tells a request sent again from the next one. After each, the
    pause mode waits 200 ms, longer than the server's idle close."""
    headers = {"Connection": "close"} if mode == "close" else {}
    method, body = ("POST", b"x" * 64) if mode == "post" else ("GET", None)
    for n in range(1, count + 1):
        yield f"{url}?request={n}", method, body, headers
        if mode == "pause":
            time.sleep(0.2)


class Errors:
    """The requests that failed: how many, and the first one's error in one line."""

    def __init__(self):
        self.count, self.first = 0, None

    def add(self, error):
        if self.first is None:
            self.first = " ".join(f"{type(error).__name__}: {error}".split())
        self.count += 1


def view(url, connections, resumed, errors):
    """The client's view: its new connections, over HTTPS how many resumed a session, and the
    requests that failed."""
    line = f"connections={connections}"
    if url.startswith("https:"):
        line += f" resumed={sum(resumed)}"
    if errors.count:
        line += f" errors={errors.count} error={errors.first}"
    return line
