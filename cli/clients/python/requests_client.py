"""A requests.Session, as its users write it: session.get(url), then read .content or not.

Usage: requests_client.py URL COUNT MODE [URL COUNT MODE]...

Each URL COUNT MODE triple is a job with a Session of its own, run one after another. MODE is
read, unread (requested with stream=True and closed unread; otherwise requests reads the body
itself), close (read, with Connection: close), post (POST 64 bytes, read), pause (read, then
wait 500 ms), parallel (every request at once, each on a thread, read) or warm-parallel (the
first alone, then the rest at once); `+h2` after it changes nothing, as requests speaks
HTTP/1.1 only. HTTPS trusts REQUESTS_CA_BUNDLE, as requests always does. A request that fails
is counted and the job goes on.

Prints one line per job, requests' own view: "connections=N", the new sockets its responses came
on, and for HTTPS "resumed=K", how many of them resumed a TLS session (SSLSocket.session_reused).
urllib3 never offers a session to a new socket (urllib3 issue 590), so K is 0.
"""
import threading

import requests

from jobs import Errors, run, send_all, view


def job(url, count, mode, _h2):
    sockets, resumed = [], []
    seen = threading.Lock()

    def observe(response, **_):
        # Before requests reads the body. The socket is the http.client response's own: after a
        # response that closes the connection, http.client has already let go of it
        # (`HTTPConnection.getresponse` → `close` when `will_close`).
        sock = response.raw._original_response.fp.raw._sock
        with seen:
            if not any(sock is known for known in sockets):
                sockets.append(sock)
                resumed.append(bool(getattr(sock, "session_reused", False)))

    session = requests.Session()
    session.hooks["response"].append(observe)
    errors = Errors()

    def send(target, method, body, headers):
        try:
            response = session.request(
                method, target, data=body, headers=headers, stream=(mode == "unread"), timeout=10
            )
            if mode == "unread":
                response.close()
            else:
                response.content
        except requests.RequestException as error:
            errors.add(error)

    send_all(url, count, mode, send, errors)
    session.close()
    return view(url, len(sockets), resumed, errors)


run("requests_client.py", job)
