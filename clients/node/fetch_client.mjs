// Node's built-in fetch (undici), as its users write it: await fetch(url), then read the body or
// not. Usage: node fetch_client.mjs URL COUNT MODE [URL COUNT MODE]...
// Each triple is a job, run one after another; MODE is read, unread or close. fetch shares one
// global dispatcher, whose pools are per origin: every job has a server, so an origin, of its own.
// HTTPS trusts NODE_EXTRA_CA_CERTS. fetch offers no view of its connections: one "done" per job.
const jobs = process.argv.slice(2);
if (jobs.length === 0 || jobs.length % 3 !== 0) {
  console.error("usage: node fetch_client.mjs URL COUNT MODE [URL COUNT MODE]...");
  process.exit(2);
}
for (let i = 0; i < jobs.length; i += 3) {
  const [url, count, mode] = [jobs[i], Number(jobs[i + 1]), jobs[i + 2]];
  if (!["read", "unread", "close"].includes(mode)) {
    console.error(`MODE must be read, unread or close, not ${JSON.stringify(mode)}`);
    process.exit(2);
  }
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
