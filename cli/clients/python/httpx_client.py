"""An httpx.Client, as its users write it: client.get(url), or a streamed response closed unread.

Usage: httpx_client.py URL COUNT MODE [URL COUNT MODE]...

Each URL COUNT MODE triple is a job with a Client of its own, run one after another. MODE is
read, unread (closed unread), close (read, with Connection: close), post (POST 64 bytes, read),
pause (read, then wait 500 ms), parallel (every request at once, each on a thread, read) or
warm-parallel (the first alone, then the rest at once); `+h2` after it asks for HTTP/2:
`httpx.Client(http2=True)` (ALPN over HTTPS), and over plain HTTP `http1=False` too (prior
knowledge). HTTPS trusts SSL_CERT_FILE, as httpx does. A request that fails is counted and the
job goes on.

Prints one line per job, httpx's own view: "connections=N", the new network streams its
responses came on, for HTTPS "resumed=K", how many of them resumed a TLS session (the
`ssl_object`'s session_reused; httpcore never offers a session to a new connection, so K is 0),
and "streams=S" if S responses came over HTTP/2 (`Response.http_version`).
"""
import threading

import httpx

from jobs import Errors, run, send_all, view


def job(url, count, mode, h2):
    streams, resumed, http2 = [], [], []
    seen = threading.Lock()

    def observe(response):
        # Before the body is read: the stream is still open.
        stream = response.extensions["network_stream"]
        with seen:
            if response.http_version == "HTTP/2":
                http2.append(response)
            if not any(stream is known for known in streams):
                streams.append(stream)
                ssl_object = stream.get_extra_info("ssl_object")
                resumed.append(bool(ssl_object and ssl_object.session_reused))

    errors = Errors()
    prior_knowledge = h2 and url.startswith("http:")
    with httpx.Client(
        timeout=10, http2=h2, http1=not prior_knowledge, event_hooks={"response": [observe]}
    ) as client:

        def send(target, method, body, headers):
            try:
                if mode == "unread":
                    with client.stream(method, target, headers=headers):
                        pass
                else:
                    client.request(method, target, content=body, headers=headers).read()
            except httpx.HTTPError as error:
                errors.add(error)

        send_all(url, count, mode, send, errors)
    return view(url, len(streams), resumed, errors, len(http2))


run("httpx_client.py", job)
