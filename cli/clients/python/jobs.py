"""What the Python drivers share: their command line of jobs, and each job's line of the view."""
import sys


def run(script, job):
    """Runs job(url, count, mode) for each URL COUNT MODE triple, printing each one's line."""
    jobs = sys.argv[1:]
    if not jobs or len(jobs) % 3:
        sys.exit(f"usage: {script} URL COUNT MODE [URL COUNT MODE]...")
    for i in range(0, len(jobs), 3):
        mode = jobs[i + 2]
        if mode not in ("read", "unread", "close"):
            sys.exit(f"{script}: MODE must be read, unread or close, not {mode!r}")
        print(job(jobs[i], int(jobs[i + 1]), mode), flush=True)


def view(url, connections, resumed):
    """The client's view: its new connections, and over HTTPS how many resumed a session."""
    line = f"connections={connections}"
    if url.startswith("https:"):
        line += f" resumed={sum(resumed)}"
    return line
