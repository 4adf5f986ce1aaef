// Benchmark (not a test) of the edge Worker in workerd: bundle size, and throughput
// and latency of signed 28 KB GitHub pull_request deliveries against one local
// `wrangler dev`, with the HMAC computed by WebCrypto and by the Rust code.
// Usage: scripts/edge bench [--seconds N] [--connections N]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import http from 'node:http';

import os from 'node:os';

import { corpus, githubHeaders, root, startBackend, startWorker } from '../test/harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 10);
const connections = arg('connections', 16);

const build = path.join(root, 'edge-worker/build');
const wasm = fs.readFileSync(path.join(build, 'index_bg.wasm'));
const js = fs.readFileSync(path.join(build, 'index.js'));
const kib = (n) => (n / 1024).toFixed(0) + ' KiB';
const bundle = Buffer.concat([wasm, js]);
console.log(`bundle: wasm ${kib(wasm.length)} + js ${kib(js.length)} = ${kib(bundle.length)} raw, ` +
  `${kib(zlib.gzipSync(wasm, { level: 9 }).length + zlib.gzipSync(js, { level: 9 }).length)} gzip (goal <= 400 KB gzip)`);

// The corpus file as GitHub sends it (pretty-printed, 28 KB).
const body = fs.readFileSync(path.join(corpus, 'github-payloads/pull_request.opened.payload.json'));
console.log(`payload: ${body.length} bytes pull_request, ${connections} connections, ${seconds} s per run, ` +
  `${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`);

let n = 0; // delivery ids stay unique across runs, so no request is a duplicate
async function load(url, runSeconds = seconds, event = 'pull_request', expected = 202) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  let errors = 0;
  const statuses = {};

  const end = Date.now() + runSeconds * 1000;
  const one = () => new Promise((resolve) => {
    const headers = githubHeaders(event, `bench-${process.pid}-${++n}`, body);
    const t0 = process.hrtime.bigint();
    const req = http.request(`${url}/webhooks/github`, { method: 'POST', agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (res.statusCode !== expected) errors += 1;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        resolve();
      });
    });
    req.on('error', () => { errors += 1; resolve(); });
    req.end(body);
  });
  const started = Date.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (Date.now() < end) await one();
  }));
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2);
  agent.destroy();
  return { rps: (latencies.length / elapsed).toFixed(0), p50: q(0.5), p99: q(0.99), errors, statuses: JSON.stringify(statuses), requests: latencies.length };
}

const unlimited = {
  RATE_LIMIT_PER_REPOSITORY: '1000000000', RATE_LIMIT_PER_ORGANISATION: '1000000000', RATE_LIMIT_GLOBAL: '1000000000',
};
for (const impl of ['webcrypto', 'rust']) {
  const backend = await startBackend();
  const worker = await startWorker({ ...unlimited, BACKEND_URL: backend.url, HMAC_IMPL: impl }, { quiet: true });
  await load(worker.url, 2, 'star'); // warm-up: isolate, Durable Objects and key cache
  // The same body sent as an event type reviewgate ignores: verification and parsing
  // only, no Durable Object or queue, to separate the HMAC from the state round trips.
  const v = await load(worker.url, seconds, 'star', 202);
  console.log(`HMAC ${impl.padEnd(9)}: verify only ${v.rps} req/s, p50 ${v.p50} ms, p99 ${v.p99} ms, ${v.requests} requests, statuses ${v.statuses}`);
  const r = await load(worker.url);
  console.log(`HMAC ${impl.padEnd(9)}: full path   ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.requests} requests, statuses ${r.statuses} (goal >= 1000 req/s, p99 < 10 ms)`);
  await worker.stop();
  await backend.close();
}
