// Shared by the workerd tests and the benchmark: a recording fake backend that
// verifies the edge signature, a `wrangler dev` (workerd) process on 127.0.0.1, and
// signing helpers that follow each provider's documented scheme independently of the
// Rust code under test.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export const root = path.resolve(import.meta.dirname, '../..');
export const corpus = process.env.REVIEWGATE_CORPUS ?? path.join(root, '../shared/corpus');

export const SECRETS = {
  github: 'gh-test-secret-0123456789',
  gitlab: 'gl-test-token-0123456789',
  bitbucket: 'bb-test-secret-0123456789',
  spacelift: 'sl-test-secret-0123456789',
  standard: 'whsec_' + Buffer.from('standard-test-key-24bytes').toString('base64'),
  edge: 'edge-test-secret',
};

const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A fake backend that checks X-Reviewgate-Signature and records accepted envelopes. */
export async function startBackend() {
  const backend = { received: [], rejected: 0, failNext: 0, poison: new Set(), attempts: new Map() };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const ts = req.headers['x-reviewgate-timestamp'] ?? '';
      const expected = 'v1=' + hmac(SECRETS.edge, Buffer.concat([Buffer.from(ts + '.'), body])).toString('hex');
      const fresh = Math.abs(Date.now() / 1000 - Number(ts)) <= 300;
      if (req.headers['x-reviewgate-signature'] !== expected || !fresh) {
        backend.rejected += 1;
        res.writeHead(401).end();
        return;
      }
      const envelope = JSON.parse(body.toString());
      backend.attempts.set(envelope.id, (backend.attempts.get(envelope.id) ?? 0) + 1);
      if (backend.failNext > 0 || backend.poison.has(envelope.id)) {
        if (backend.failNext > 0) backend.failNext -= 1;
        res.writeHead(503).end();
        return;
      }
      backend.received.push({ envelope, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  backend.url = `http://127.0.0.1:${server.address().port}/internal/events`;
  backend.close = () => new Promise((r) => server.close(r));
  backend.count = (id) => backend.received.filter((r) => r.envelope.id === id).length;
  return backend;
}

/** Runs `cmd`, keeping its output lines; `started` resolves with the first line `ready` accepts. */
export function startProcess(cmd, args, env, ready) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const started = new Promise((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream.on('data', (d) => {
        buffer += d.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop();
        for (const line of parts) {
          lines.push(line);
          if (ready(line)) resolve(line);
        }
      });
    }
    child.on('exit', (code) => reject(new Error(`${cmd} exited ${code}:\n${lines.join('\n')}`)));
  });
  const exited = new Promise((r) => child.on('exit', r));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  return { child, lines, started, stop };
}

/** The webhook secrets of `SECRETS`, named as `reviewgate serve` reads them. */
export const SERVE_SECRETS = {
  REVIEWGATE_GITHUB_WEBHOOK_SECRETS: `retired-secret-0123456789\n${SECRETS.github}`,
  REVIEWGATE_GITLAB_WEBHOOK_TOKENS: SECRETS.gitlab,
  REVIEWGATE_BITBUCKET_WEBHOOK_SECRETS: SECRETS.bitbucket,
  REVIEWGATE_SPACELIFT_WEBHOOK_SECRETS: SECRETS.spacelift,
  REVIEWGATE_STANDARD_WEBHOOKS_SECRETS: SECRETS.standard,
  REVIEWGATE_EDGE_SECRETS: SECRETS.edge,
};

/**
 * Starts `reviewgate serve` (REVIEWGATE_BIN) on a free port of 127.0.0.1 over the data
 * directory `dataDir`; resolves once it prints its address.
 */
export async function startServe(dataDir, env) {
  const bin = process.env.REVIEWGATE_BIN;
  if (!bin || !fs.existsSync(bin)) throw new Error('REVIEWGATE_BIN must name the reviewgate binary');
  const serve = startProcess(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], env,
    (line) => line.startsWith('reviewgate serving on '));
  serve.url = (await serve.started).slice('reviewgate serving on '.length).trim();
  return serve;
}

/**
 * workerd running the built Worker through Miniflare directly, configured from
 * wrangler.toml with `vars` on top (secrets from `SECRETS`). Unlike `wrangler dev`
 * there is no development proxy in front, and the test can reach the Durable
 * Objects itself (`mf.getDurableObjectNamespace`).
 */
export async function startWorkerd(vars) {
  // wrangler and miniflare live in scripts/edge's tool cache, not beside this file.
  const tools = createRequire(path.join(process.env.EDGE_NODE_MODULES ?? root, 'noop.js'));
  const importTool = (name) => import(pathToFileURL(tools.resolve(name)));
  const { convertV4MiniflareOptions, Miniflare } = await importTool('miniflare');
  const { unstable_getMiniflareWorkerOptions } = await importTool('wrangler');
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
  return { url, mf, stop: () => mf.dispose() };
}

/** FNV-1a, as `reviewgate_ingress::rate_limit::stable_hash`: which shard an id is in. */
export function stableHash(key) {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(key)) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h;
}

/** Starts the Worker in workerd through `wrangler dev`; resolves once it answers. */
export async function startWorker(vars, { quiet = false } = {}) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reviewgate-edge-'));
  const envFile = path.join(dir, 'secrets.env');
  fs.writeFileSync(
    envFile,
    [
      // Two GitHub secrets: deliveries signed with either verify (rotation).
      `GITHUB_WEBHOOK_SECRETS="retired-secret-0123456789\\n${SECRETS.github}"`,
      `GITLAB_WEBHOOK_TOKENS="${SECRETS.gitlab}"`,
      `BITBUCKET_WEBHOOK_SECRETS="${SECRETS.bitbucket}"`,
      `SPACELIFT_WEBHOOK_SECRETS="${SECRETS.spacelift}"`,
      `STANDARD_WEBHOOKS_SECRETS="${SECRETS.standard}"`,
      `EDGE_SIGNING_SECRETS="${SECRETS.edge}"`,
    ].join('\n') + '\n',
  );
  const args = [
    'dev', '--config', 'wrangler.toml', '--ip', '127.0.0.1', '--port', String(port),
    '--env-file', envFile, '--persist-to', path.join(dir, 'state'),
    '--show-interactive-dev-session=false', '--inspector-port', String(await freePort()),
  ];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  const child = spawn('wrangler', args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const worker = { url: `http://127.0.0.1:${port}`, lines: [], child, dir };
  let buffer = '';
  const onData = (d) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop();
    for (const line of parts) {
      worker.lines.push(line);
      if (!quiet && process.env.EDGE_TEST_VERBOSE) process.stderr.write(line + '\n');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((r) => child.on('exit', r));
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`wrangler dev exited ${child.exitCode}:\n${worker.lines.slice(-40).join('\n')}`);
    }
    try {
      const r = await fetch(`${worker.url}/healthz`);
      if (r.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`wrangler dev did not start:\n${worker.lines.slice(-40).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  worker.stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return worker;
}

export function githubHeaders(event, delivery, body, secret = SECRETS.github) {
  return {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': delivery,
    'x-hub-signature-256': 'sha256=' + hmac(secret, body).toString('hex'),
  };
}

export function standardHeaders(id, timestampSecs, body, secret = SECRETS.standard) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const sig = hmac(key, `${id}.${timestampSecs}.${body}`).toString('base64');
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestampSecs),
    'webhook-signature': `v1,${sig}`,
  };
}

export const hubSignature = (secret, body) => 'sha256=' + hmac(secret, body).toString('hex');

/** A pull_request.opened corpus payload retargeted at `owner/name`. */
export function pullRequestBody(owner, name) {
  const p = JSON.parse(fs.readFileSync(path.join(corpus, 'github-payloads/pull_request.opened.payload.json'), 'utf8'));
  p.repository.name = name;
  p.repository.full_name = `${owner}/${name}`;
  p.repository.owner.login = owner;
  return JSON.stringify(p);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls until `predicate()` holds; `poll` (async, optional) refreshes what it reads. */
export async function waitFor(predicate, timeoutMs, what, poll = async () => {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await poll();
    if (predicate()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}
