// Benchmark (not a test) of the edge Worker in workerd: bundle size, and throughput
// and latency of signed 28 KB GitHub pull_request deliveries against one local
// workerd, with the HMAC computed by WebCrypto and by the Rust code; with --cpu, the
// CPU time per delivery instead (see cpuPerDelivery).
//
// workerd is driven through Miniflare directly, configured from wrangler.toml, not
// through `wrangler dev`: wrangler's development proxy adds a hop that on a 2-core
// machine caps even a do-nothing route near 470 req/s, so it would measure wrangler.
// Usage: scripts/edge bench [--seconds N] [--connections N] | --cpu [--requests N]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import http from 'node:http';

import os from 'node:os';

import { corpus, githubHeaders, root, startBackend, startWorkerd } from '../test/harness.mjs';

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
  `${kib(zlib.gzipSync(wasm, { level: 9 }).length + zlib.gzipSync(js, { level: 9 }).length)} gzip (goal <= 200 KiB gzip)`);

// The corpus file as GitHub sends it (pretty-printed, 28 KB).
const body = fs.readFileSync(path.join(corpus, 'github-payloads/pull_request.opened.payload.json'));
console.log(`payload: ${body.length} bytes pull_request, ${connections} connections, ${seconds} s per run, ` +
  `${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`);

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

/** CPU seconds (user + system) the workerd process `pid` has used so far. */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** The workerd process Miniflare started (a child of this one). */
function workerdPid() {
  const children = fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/);
  const pid = children.find((c) => c && fs.readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'workerd');
  if (!pid) throw new Error('no workerd child process');
  return pid;
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
const unlimited = {
  RATE_LIMIT_PER_REPOSITORY: '1000000000', RATE_LIMIT_PER_ORGANISATION: '1000000000', RATE_LIMIT_GLOBAL: '1000000000',
};
if (process.argv.includes('--cpu')) {
  await cpuPerDelivery();
  process.exit(0);
}

/**
 * CPU per delivery inside workerd: the workerd process's CPU time over `requests`
 * sequential requests of each kind, which differ by known steps, so that each step's
 * cost is a difference. Sequential, so nothing queues; the process runs the Worker,
 * every object and the queue (on Cloudflare the objects and the queue run apart and
 * cost the Worker only its side of each call, so the object figures are upper bounds
 * of what a call costs the Worker).
 */
async function cpuPerDelivery() {
  const requests = arg('requests', 2000);
  const backend = await startBackend();
  const worker = await startWorkerd({ ...unlimited, BACKEND_URL: backend.url, RATE_LIMIT_AUTH_FAILURES_PER_IP: '1000000000' });
  const pid = workerdPid();
  const first = `cpu-${process.pid}-first`;
  await load(worker.url, { runSeconds: 2, event: 'star' }); // warm-up
  await sendOne(worker.url, githubHeaders('pull_request', first, body));
  const kinds = [
    ['GET /healthz (the runtime and the route)', () => ({ route: '/healthz' })],
    ['forged signature: verify + 1 object call (failed-authentication count)', (i) => ({ headers: githubHeaders('pull_request', `cpu-f-${process.pid}-${i}`, body, 'guess') })],
    ['ignored event: verify + normalize', (i) => ({ headers: githubHeaders('star', `cpu-s-${process.pid}-${i}`, body) })],
    ['redelivery: verify + normalize + 3 object calls (claim, organisation, global)', () => ({ headers: githubHeaders('pull_request', first, body) })],
    ['accepted: verify + normalize + 4 object calls + queue send, then forwarding', (i) => ({ headers: githubHeaders('pull_request', `cpu-a-${process.pid}-${i}`, body) })],
  ];
  const perRequest = {};
  for (const [label, request] of kinds) {
    const before = cpuSeconds(pid);
    for (let i = 0; i < requests; i++) await sendOne(worker.url, request(i).headers, request(i).route);
    await new Promise((r) => setTimeout(r, 2000)); // the queue consumer forwards what was accepted
    perRequest[label] = ((cpuSeconds(pid) - before) * 1000) / requests;
    console.log(`${label.padEnd(84)} ${perRequest[label].toFixed(3)} ms CPU per request`);
  }
  const [health, forged, ignored, redelivery, accepted] = Object.values(perRequest);
  console.log(`=> verify + normalize, beyond the runtime's own request handling: ${(ignored - health).toFixed(3)} ms`);
  console.log(`=> one object call (Worker side and object): ${((redelivery - ignored) / 3).toFixed(3)} ms`);
  console.log(`=> queue send, confirm and forwarding (incl. the consumer's HTTP POST): ${(accepted - redelivery - (redelivery - ignored) / 3).toFixed(3)} ms`);
  console.log(`=> failed authentication (verify, no normalize, one object call): ${(forged - health).toFixed(3)} ms`);
  await worker.stop();
  await backend.close();
}

/** One request on the one kept-alive connection; resolves with the status. */
function sendOne(url, headers, route = '/webhooks/github') {
  const webhook = route.startsWith('/webhooks/');
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${route}`, {
      method: webhook ? 'POST' : 'GET', agent: keepAlive,
      headers: webhook ? { ...headers, 'content-length': body.length } : {},
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(webhook ? body : undefined);
  });
}
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
  console.log(label('full path'), await load(worker.url));
  // One request at a time: the latency of the path itself, without queueing.
  console.log(label('full path, 1 connection'), await load(worker.url, { conns: 1 }));
  await worker.stop();
  await backend.close();
}
