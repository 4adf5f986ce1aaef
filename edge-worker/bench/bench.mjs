// Benchmark (not a test) of the edge Worker in workerd: bundle size, and throughput
// and latency of signed 28 KB GitHub pull_request deliveries against one local
// workerd, with the HMAC computed by WebCrypto and by the Rust code.
//
// workerd is driven through Miniflare directly, configured from wrangler.toml, not
// through `wrangler dev`: wrangler's development proxy adds a hop that on a 2-core
// machine caps even a do-nothing route near 470 req/s, so it would measure wrangler.
// Usage: scripts/edge bench [--seconds N] [--connections N]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import http from 'node:http';

import os from 'node:os';

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

import { corpus, githubHeaders, root, SECRETS, startBackend } from '../test/harness.mjs';

// wrangler and miniflare live in scripts/edge's tool cache, not beside this file.
const tools = createRequire(path.join(process.env.EDGE_NODE_MODULES ?? '', 'noop.js'));
const importTool = (name) => import(pathToFileURL(tools.resolve(name)));
const { convertV4MiniflareOptions, Miniflare } = await importTool('miniflare');
const { unstable_getMiniflareWorkerOptions } = await importTool('wrangler');

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

/** workerd running the built Worker with wrangler.toml's bindings and `vars` on top. */
async function startWorkerd(vars) {
  const { workerOptions, main } = unstable_getMiniflareWorkerOptions(path.join(root, 'wrangler.toml'));
  const { modulesRules, rootPath, ...options } = workerOptions;
  const mf = new Miniflare(convertV4MiniflareOptions({
    host: '127.0.0.1',
    port: 0,
    workers: [{
      ...options,
      name: 'reviewgate-edge',
      modules: [
        { type: 'ESModule', path: main },
        { type: 'CompiledWasm', path: path.join(path.dirname(main), 'index_bg.wasm') },
      ],
      bindings: {
        ...options.bindings,
        GITHUB_WEBHOOK_SECRETS: SECRETS.github,
        EDGE_SIGNING_SECRETS: SECRETS.edge,
        ...vars,
      },
    }],
  }));
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return { url, stop: () => mf.dispose() };
}

let n = 0; // delivery ids stay unique across runs, so no request is a duplicate
async function load(url, { runSeconds = seconds, event = 'pull_request', expected = 202, conns = connections, route = '/webhooks/github' } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  const latencies = [];
  let errors = 0;
  const statuses = {};

  const end = Date.now() + runSeconds * 1000;
  const one = () => new Promise((resolve) => {
    const webhook = route.startsWith('/webhooks/');
    const headers = webhook ? { ...githubHeaders(event, `bench-${process.pid}-${++n}`, body), 'content-length': body.length } : {};
    const t0 = process.hrtime.bigint();
    const req = http.request(`${url}${route}`, { method: webhook ? 'POST' : 'GET', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (res.statusCode !== expected) errors += 1;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        resolve();
      });
    });
    req.on('error', () => { errors += 1; resolve(); });
    req.end(webhook ? body : undefined);
  });
  const started = Date.now();
  await Promise.all(Array.from({ length: conns }, async () => {
    while (Date.now() < end) await one();
  }));
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2);
  agent.destroy();
  const r = { rps: (latencies.length / elapsed).toFixed(0), p50: q(0.5), p99: q(0.99), errors, statuses: JSON.stringify(statuses), requests: latencies.length };
  return `${r.rps.padStart(5)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.requests} requests, statuses ${r.statuses}`;
}

const unlimited = {
  RATE_LIMIT_PER_REPOSITORY: '1000000000', RATE_LIMIT_PER_ORGANISATION: '1000000000', RATE_LIMIT_GLOBAL: '1000000000',
};
for (const impl of ['webcrypto', 'rust']) {
  const backend = await startBackend();
  const worker = await startWorkerd({ ...unlimited, BACKEND_URL: backend.url, HMAC_IMPL: impl });
  await load(worker.url, { runSeconds: 2, event: 'star' }); // warm-up: isolate, Durable Objects and key cache
  const label = (what) => `HMAC ${impl.padEnd(9)}: ${what.padEnd(26)}`;
  if (impl === 'webcrypto') {
    // The runtime's own ceiling on this machine: a route that does nothing.
    console.log(label('GET /healthz'), await load(worker.url, { route: '/healthz', expected: 200 }));
  }
  // The same body sent as an event type reviewgate ignores: verification and parsing
  // only, no Durable Object or queue, to separate the HMAC from the state round trips.
  console.log(label('verify + normalize'), await load(worker.url, { event: 'star' }));
  console.log(label('full path'), await load(worker.url), '(goal >= 1000 req/s, p99 < 10 ms)');
  // One request at a time: the latency of the path itself, without queueing.
  console.log(label('full path, 1 connection'), await load(worker.url, { conns: 1 }));
  await worker.stop();
  await backend.close();
}
