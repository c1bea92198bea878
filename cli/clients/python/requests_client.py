"""A requests.Session, as its users write it: session.get(url), then read .content or not.

Usage: requests_client.py URL COUNT MODE [URL COUNT MODE]...

Each URL COUNT MODE triple is a job with a Session of its own, run one after another. MODE is
read, unread (requested with stream=True and closed unread; otherwise requests reads the body
itself), close (read, with Connection: close), post (POST 64 bytes, read) or pause (read, then
wait 200 ms). HTTPS trusts REQUESTS_CA_BUNDLE, as requests always does. A request that fails is
counted and the job goes on.

Prints one line per job, requests' own view: "connections=N", the new sockets its responses came
on, and for HTTPS "resumed=K", how many of them resumed a TLS session (SSLSocket.session_reused).
urllib3 never offers a session to a new socket (urllib3 issue 590), so K is 0.
"""
import requests

from jobs import Errors, requests_of, run, view


def job(url, count, mode):
    sockets, resumed = [], []

    def observe(response, **_):
        # Before requests reads the body. The socket is the http.client response's own: after a
        # response that closes the connection, http.client has already let go of it
        # (`HTTPConnection.getresponse` → `close` when `will_close`).
        sock = response.raw._original_response.fp.raw._sock
        if not any(sock is seen for seen in sockets):
            sockets.append(sock)
            resumed.append(bool(getattr(sock, "session_reused", False)))

    session = requests.Session()
    session.hooks["response"].append(observe)
    errors = Errors()
    for target, method, body, headers in requests_of(url, count, mode):
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
    session.close()
    return view(url, len(sockets), resumed, errors)


run("requests_client.py", job)
