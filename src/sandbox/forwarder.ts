/**
 * Runs inside a sandbox's network namespace (started with nsenter by the builder, as a host
 * process): listens on the sandbox's loopback and pipes every connection to the builder's proxy
 * socket. A Unix socket is a path, not an address, so it crosses network namespaces; nothing else
 * does. Exits when its stdin (a pipe from the builder) closes.
 *
 * Usage: node forwarder.js <proxy.sock> <port>
 */
import { connect, createServer } from 'node:net';

const [socketPath, port] = process.argv.slice(2);
const server = createServer((inside) => {
  const out = connect(socketPath!);
  inside.pipe(out);
  out.pipe(inside);
  out.on('error', () => inside.destroy());
  inside.on('error', () => out.destroy());
});
// As the proxy does (mirror-proxy.ts): a step cannot make this root-owned process hold more.
server.maxConnections = 64;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
server.on('error', (e) => {
  process.stderr.write(`forwarder: ${e.message}\n`);
  process.exit(1);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
