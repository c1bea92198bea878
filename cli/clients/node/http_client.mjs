// Node's http and https modules with their global Agents (keep-alive on by default since Node 19),
// as their users write them: get(url, callback), then read the body or not.
// Usage: node http_client.mjs URL COUNT MODE [URL COUNT MODE]...
// Each triple is a job, run one after another (MODE: see jobs.mjs; `+h2` changes nothing: these
// modules speak HTTP/1.1, see http2_client.mjs). The global Agent pools per
// host and port: every job has a server, so a pool, of its own. HTTPS trusts NODE_EXTRA_CA_CERTS.
// Prints one line per job, Node's own view: "connections=N", requests whose `reusedSocket` was
// false, and for HTTPS "resumed=K", how many of those sockets resumed a TLS session
// (`TLSSocket.isSessionReused()`); then, if requests failed, "errors=E error=" and the first.
import http from "node:http";
import https from "node:https";

import { Errors, jobs, sendAll } from "./jobs.mjs";

function send({ target, method, body, headers }, mode) {
  const module = target.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const request = module.request(target, { method, headers, timeout: 10000 }, (response) => {
      const seen = {
        reused: request.reusedSocket,
        resumed: Boolean(response.socket?.isSessionReused?.()),
      };
      if (mode === "unread") {
        response.destroy();
        resolve(seen);
      } else {
        response.resume();
        response.on("end", () => resolve(seen));
      }
    });
    // `timeout` only emits an event: end the request, which rejects with the error.
    request.on("timeout", () => request.destroy(new Error(`no answer from ${target} in 10 s`)));
    request.on("error", reject);
    request.end(body);
  });
}

for (const job of jobs("http_client.mjs")) {
  const errors = new Errors();
  const seen = await sendAll(job, (outgoing) => send(outgoing, job.mode), errors);
  const fresh = seen.filter(({ reused }) => !reused);
  const resumed = fresh.filter(({ resumed }) => resumed).length;
  const tls = job.url.startsWith("https:") ? ` resumed=${resumed}` : "";
  console.log(`connections=${fresh.length}${tls}${errors.suffix()}`);
}
