// What the Node drivers share: their command line, URL COUNT MODE triples, one job each, MODE one
// of read, unread, close, post (POST 64 bytes, read), pause (read, then wait 500 ms), parallel
// (every request at once, each read) or warm-parallel (the first alone, then the rest at once),
// optionally followed by `+h2` (the client is asked for HTTP/2: the drivers that speak it take
// it, the others ignore it); each request's URL and what it sends; the order and pace of the
// requests; the requests that failed. A malformed command line exits with status 2.
const MODES = ["read", "unread", "close", "post", "pause", "parallel", "warm-parallel"];

export function jobs(script) {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.length % 3 !== 0) {
    console.error(`usage: node ${script} URL COUNT MODE[+h2] [URL COUNT MODE[+h2]]...`);
    process.exit(2);
  }
  const parsed = [];
  for (let i = 0; i < args.length; i += 3) {
    const [url, count, word] = [args[i], Number(args[i + 1]), args[i + 2]];
    const [mode, option] = word.split("+");
    if (!MODES.includes(mode) || (option !== undefined && option !== "h2")) {
      console.error(
        `MODE must be one of ${MODES.join(", ")}, then +h2 or nothing, not ${JSON.stringify(word)}`,
      );
      process.exit(2);
    }
    parsed.push({ url, count, mode, h2: option === "h2" });
  }
  return parsed;
}

// Each request of a job: request n goes to URL?request=n, so the server tells a request sent
// again from the next one.
export function requestsOf({ url, count, mode }) {
  const headers = mode === "close" ? { connection: "close" } : {};
  const [method, body] = mode === "post" ? ["POST", "x".repeat(64)] : ["GET", undefined];
  const requests = [];
  for (let n = 1; n <= count; n++) {
    requests.push({ target: `${url}?request=${n}`, method, body, headers });
  }
  return requests;
}

// Sends a job's requests with `send` (async, one request), noting the failures in `errors`:
// one after another, pause mode waiting 500 ms after each (longer than the server's idle
// close); or at once (parallel; warm-parallel sends the first alone). Returns what each
// successful `send` returned.
export async function sendAll(job, send, errors) {
  const requests = requestsOf(job);
  const alone = { parallel: 0, "warm-parallel": 1 }[job.mode] ?? requests.length;
  const seen = [];
  const noted = (outgoing) =>
    send(outgoing).then(
      (result) => seen.push(result),
      (error) => errors.add(error),
    );
  for (const outgoing of requests.slice(0, alone)) {
    await noted(outgoing);
    if (job.mode === "pause") await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await Promise.all(requests.slice(alone).map(noted));
  return seen;
}

// One request with `fetch` (the built-in one or undici's), as its users write it: the body read
// to its end, or cancelled unread in unread mode; `options` adds to the request's (a dispatcher).
export async function fetchOnce(fetch, mode, { target, method, body, headers }, options = {}) {
  const response = await fetch(target, {
    method,
    body,
    headers,
    signal: AbortSignal.timeout(10000),
    ...options,
  });
  if (mode === "unread") {
    await response.body?.cancel();
  } else {
    await response.arrayBuffer();
  }
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
