"""An httpx.Client, as its users write it: client.get(url), or a streamed response closed unread.

Usage: httpx_client.py URL COUNT MODE [URL COUNT MODE]...

Each URL COUNT MODE triple is a job with a Client of its own, run one after another. MODE is
read, unread, close (read, with Connection: close), post (POST 64 bytes, read) or pause (read,
then wait 200 ms). HTTPS trusts SSL_CERT_FILE, as httpx does. A request that fails is counted and
the job goes on.

Prints one line per job, httpx's own view: "connections=N", the new sockets its responses came
on, and for HTTPS "resumed=K", how many of them resumed a TLS session (the `ssl_object`'s
session_reused). httpcore never offers a session to a new connection, so K is 0.
"""
import httpx

from jobs import Errors, requests_of, run, view


def job(url, count, mode):
    streams, resumed = [], []

    def observe(response):
        # Before the body is read: the stream is still open.
        stream = response.extensions["network_stream"]
        if not any(stream is seen for seen in streams):
            streams.append(stream)
            ssl_object = stream.get_extra_info("ssl_object")
            resumed.append(bool(ssl_object and ssl_object.session_reused))

    errors = Errors()
    with httpx.Client(timeout=10, event_hooks={"response": [observe]}) as client:
        for target, method, body, headers in requests_of(url, count, mode):
            try:
                if mode == "unread":
                    with client.stream(method, target, headers=headers):
                        pass
                else:
                    client.request(method, target, content=body, headers=headers).read()
            except httpx.HTTPError as error:
                errors.add(error)
    return view(url, len(streams), resumed, errors)


run("httpx_client.py", job)
