// Node's built-in fetch (undici), as its users write it: await fetch(url), then read the body or
// not. Usage: node fetch_client.mjs URL COUNT MODE [URL COUNT MODE]...
// Each triple is a job, run one after another; MODE is read, unread or close. fetch shares one
// global dispatcher, whose pools are per origin: every job has a server, so an origin, of its own.
// HTTPS trusts NODE_EXTRA_CA_CERTS. fetch offers no view of its connections: one "done" per job.
import { jobs } from "./jobs.mjs";

for (const { url, count, mode } of jobs("fetch_client.mjs")) {
  const headers = mode === "close" ? { connection: "close" } : {};
  for (let n = 0; n < count; n++) {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(10000) });
    if (mode === "unread") {
      await response.body?.cancel();
    } else {
      await response.arrayBuffer();
    }
  }
  console.log("done");
}
