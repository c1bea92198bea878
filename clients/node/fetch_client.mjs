// Node's built-in fetch (undici), as its users write it: await fetch(url), then read the body or
// not. Usage: node fetch_client.mjs URL COUNT MODE, MODE one of read, unread, close.
const [url, countText, mode] = process.argv.slice(2);
const count = Number(countText);
const headers = mode === "close" ? { connection: "close" } : {};
for (let i = 0; i < count; i++) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10000) });
  if (mode === "unread") {
    await response.body?.cancel();
  } else {
    await response.arrayBuffer();
  }
}
console.log("done");
