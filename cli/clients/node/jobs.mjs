// What the Node drivers share: their command line, URL COUNT MODE triples, one job each, MODE one
// of read, unread or close. A malformed command line exits with status 2.
export function jobs(script) {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.length % 3 !== 0) {
    console.error(`usage: node ${script} URL COUNT MODE [URL COUNT MODE]...`);
    process.exit(2);
  }
  const parsed = [];
  for (let i = 0; i < args.length; i += 3) {
    const [url, count, mode] = [args[i], Number(args[i + 1]), args[i + 2]];
    if (!["read", "unread", "close"].includes(mode)) {
      console.error(`MODE must be read, unread or close, not ${JSON.stringify(mode)}`);
      process.exit(2);
    }
    parsed.push({ url, count, mode });
  }
  return parsed;
}
