// Node's http and https modules with their global Agents (keep-alive on by default since Node 19),
// as their users write them: get(url, callback), then read the body or not.
// Usage: node http_client.mjs URL COUNT MODE [URL COUNT MODE]...
// Each triple is a job, run one after another; MODE is read, unread or close. The global Agent
// pools per host and port: every job has a server, so a pool, of its own. HTTPS trusts
// NODE_EXTRA_CA_CERTS.
// Prints one line per job, Node's own view: "connections=N", requests whose `reusedSocket` was
// false, and for HTTPS "resumed=K", how many of those sockets resumed a TLS session
// (`TLSSocket.isSessionReused()`).
import http from "node:http";
import https from "node:https";

import { jobs } from "./jobs.mjs";

function get(url, mode) {
  const headers = mode === "close" ? { connection: "close" } : {};
  const module = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const request = module.get(url, { headers, timeout: 10000 }, (response) => {
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
    request.on("timeout", () => request.destroy(new Error(`no answer from ${url} in 10 s`)));
    request.on("error", reject);
  });
}

for (const { url, count, mode } of jobs("http_client.mjs")) {
  let connections = 0;
  let resumed = 0;
  for (let n = 0; n < count; n++) {
    const seen = await get(url, mode);
    if (!seen.reused) {
      connections++;
      if (seen.resumed) resumed++;
    }
  }
  console.log(`connections=${connections}` + (url.startsWith("https:") ? ` resumed=${resumed}` : ""));
}
