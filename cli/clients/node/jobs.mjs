// What the Node drivers share: their command line, URL COUNT MODE triples, one job each, MODE one
// of read, unread, close, post (POST 64 bytes, read) or pause (read, then wait 200 ms); each
// request's URL and what it sends; the requests that failed. A malformed command line exits with
// status 2.
const MODES = ["read", "unread", "close", "post", "pause"];

export function jobs(script) {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.length % 3 !== 0) {
    console.error(`usage: node ${script} URL COUNT MODE [URL COUNT MODE]...`);
    process.exit(2);
  }
  const parsed = [];
  for (let i = 0; i < args.length; i += 3) {
    const [url, count, mode] = [args[i], Number(args[i + 1]), args[i + 2]];
    if (!MODES.includes(mode)) {
      console.error(`MODE must be one of ${MODES.join(", ")}, not ${JSON.stringify(mode)}`);
      process.exit(2);
    }
    parsed.push({ url, count, mode });
  }
  return parsed;
}

// Each request of a job: request n goes to URL?request=n, so the server tells a request sent
// again from the next one.
export function* requestsOf({ url, count, mode }) {
  const headers = mode === "close" ? { connection: "close" } : {};
  const [method, body] = mode === "post" ? ["POST", "x".repeat(64)] : ["GET", undefined];
  for (let n = 1; n <= count; n++) {
    yield { target: `${url}?request=${n}`, method, body, headers };
  }
}

// After a request in pause mode: 200 ms, longer than the server's idle close.
export function pauseAfter(mode) {
  return mode === "pause" ? new Promise((resolve) => setTimeout(resolve, 200)) : Promise.resolve();
}

// The requests that failed: how many, and the first one's error (with its cause) in one line.
export class Errors {
  count = 0;
  first = null;

  add(error) {
    if (this.first === null) {
      const cause = error.cause ? ` (cause: ${error.cause.code ?? ""} ${error.cause.message})` : "";
      this.first = `${error.code ?? error.name}: ${error.message}${cause}`.replace(/\s+/g, " ");
    }
    this.count++;
  }

  // " errors=E error=…" when a request failed, else nothing.
  suffix() {
    return this.count ? ` errors=${this.count} error=${this.first}` : "";
  }
}
