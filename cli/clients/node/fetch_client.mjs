// Node's built-in fetch (undici), as its users write it: await fetch(url), then read the body or
// not. Usage: node fetch_client.mjs URL COUNT MODE [URL COUNT MODE]...
// Each triple is a job, run one after another (MODE: see jobs.mjs; `+h2` changes nothing: the
// built-in fetch offers no `allowH2`, see undici_client.mjs). fetch shares one global
// dispatcher, whose pools are per origin: every job has a server, so an origin, of its own.
// HTTPS trusts NODE_EXTRA_CA_CERTS. fetch offers no view of its connections: one "done" per job,
// then, if requests failed, "errors=E error=" and the first error.
import { Errors, fetchOnce, jobs, sendAll } from "./jobs.mjs";

for (const job of jobs("fetch_client.mjs")) {
  const errors = new Errors();
  await sendAll(job, (outgoing) => fetchOnce(fetch, job.mode, outgoing), errors);
  console.log("done" + errors.suffix());
}
