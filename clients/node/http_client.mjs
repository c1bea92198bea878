// Node's http module with its global Agent (keep-alive on by default since Node 19), as its users
// write it: http.get(url, callback), then read the body or not. Prints "reused: …" from
// request.reusedSocket, Node's own view of reuse.
// Usage: node http_client.mjs URL COUNT MODE, MODE one of read, unread, close.
import http from "node:http";

const [url, countText, mode] = process.argv.slice(2);
const count = Number(countText);
const headers = mode === "close" ? { connection: "close" } : {};

function get() {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers, timeout: 10000 }, (response) => {
      if (mode === "unread") {
        response.destroy();
        resolve(request.reusedSocket);
      } else {
        response.resume();
        response.on("end", () => resolve(request.reusedSocket));
      }
    });
    request.on("error", reject);
  });
}

const reused = [];
for (let i = 0; i < count; i++) {
  reused.push(await get());
}
console.log(`reused: ${reused.join(",")}`);
