// Node's http2 module, as its users write it: one session per origin (`http2.connect`), a stream
// per request (`session.request`), the body read or the stream cancelled. Over HTTPS the session
// negotiates h2 in ALPN; over plain HTTP it speaks h2 with prior knowledge.
// Usage: node http2_client.mjs URL COUNT MODE [URL COUNT MODE]...
// Each triple is a job with a session of its own, run one after another (MODE: see jobs.mjs,
// `+h2` or not: this module speaks nothing else; `close` does not apply, as HTTP/2 forbids a
// Connection header). HTTPS trusts NODE_EXTRA_CA_CERTS.
// Prints one line per job, the session's own view: "connections=N", the sessions that emitted
// `connect`, for HTTPS "resumed=0" (a job's one session cannot resume), and "streams=S", the
// streams that received a response; then, if requests failed, "errors=E error=" and the first
// (a stream the server refused is an error: Node does not send it again).
import http2 from "node:http2";

import { Errors, jobs, sendAll } from "./jobs.mjs";

function send(session, { target, method, body }, mode) {
  const { pathname, search } = new URL(target);
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": method, ":path": pathname + search });
    stream.setTimeout(10000, () => stream.destroy(new Error(`no answer from ${target} in 10 s`)));
    stream.on("error", reject);
    stream.on("response", () => {
      if (mode === "unread") {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        resolve();
      } else {
        stream.resume();
        stream.on("end", resolve);
      }
    });
    stream.end(body);
  });
}

for (const job of jobs("http2_client.mjs")) {
  const errors = new Errors();
  const session = http2.connect(new URL(job.url).origin);
  let connections = 0;
  session.on("connect", () => connections++);
  // A session that fails fails its streams, which note the error.
  session.on("error", () => {});
  const answered = await sendAll(job, (outgoing) => send(session, outgoing, job.mode), errors);
  // A session the server or a failed connect already ended takes no close callback.
  if (!session.destroyed) await new Promise((resolve) => session.close(resolve));
  const tls = job.url.startsWith("https:") ? " resumed=0" : "";
  const streams = answered.length ? ` streams=${answered.length}` : "";
  console.log(`connections=${connections}${tls}${streams}${errors.suffix()}`);
}
