// undici, the package behind Node's fetch, as its users ask it for HTTP/2: its own fetch with an
// `Agent({ allowH2: true })` as the dispatcher, the body read or cancelled. undici is loaded from
// `$KEEPALIVE_PROBE_NODE_PACKAGES/node_modules` (scripts/setup-clients installs it there).
// Usage: node undici_client.mjs URL COUNT MODE [URL COUNT MODE]...
// Each triple is a job with an Agent of its own, run one after another (MODE: see jobs.mjs,
// `+h2` or not: the Agent always allows h2). HTTPS trusts NODE_EXTRA_CA_CERTS. undici offers no
// view of its connections: one "done" per job, then, if requests failed, "errors=E error=" and
// the first error.
import { createRequire } from "node:module";
import path from "node:path";

import { Errors, fetchOnce, jobs, sendAll } from "./jobs.mjs";

const packages = process.env.KEEPALIVE_PROBE_NODE_PACKAGES;
if (!packages) {
  console.error("KEEPALIVE_PROBE_NODE_PACKAGES must name the directory undici is installed in");
  process.exit(2);
}
const { Agent, fetch } = createRequire(path.join(packages, "package.json"))("undici");

for (const job of jobs("undici_client.mjs")) {
  const errors = new Errors();
  const dispatcher = new Agent({ allowH2: true });
  await sendAll(job, (outgoing) => fetchOnce(fetch, job.mode, outgoing, { dispatcher }), errors);
  await dispatcher.close();
  console.log("done" + errors.suffix());
}
