// One intake contract, two surfaces: the same deliveries — every source; good, forged,
// stale, duplicate, oversize, ignored, ping, malformed, rate-limited, blocked
// forgeries, a good delivery from a blocked client — go to
// the Worker in workerd and to `reviewgate serve`, configured alike, and must get the
// same status, the same headers that matter and the same body (trace ids aside, and
// the seconds in messages, which the two clocks may round apart). The contract itself
// is docs/webhooks.md. Needs REVIEWGATE_BIN (scripts/edge test sets it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  SECRETS, SERVE_SECRETS, githubHeaders, hubSignature, pullRequestBody, standardHeaders, startBackend,
  startServe, startWorker,
} from './harness.mjs';

const LIMITS = {
  MAX_BODY_BYTES: '65536',
  RATE_LIMIT_PER_REPOSITORY: '3',
  RATE_LIMIT_AUTH_FAILURES_PER_IP: '4',
  TIMESTAMP_TOLERANCE_SECS: '300',
};

let backend;
let worker;
let serve;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reviewgate-golden-'));
const run = `${process.pid}`;

before(async () => {
  backend = await startBackend();
  const serveEnv = { ...SERVE_SECRETS, RUST_LOG: 'warn' };
  for (const [k, v] of Object.entries(LIMITS)) serveEnv[`REVIEWGATE_${k}`] = v;
  [worker, serve] = await Promise.all([
    startWorker({ BACKEND_URL: backend.url, ...LIMITS }),
    startServe(path.join(dir, 'data'), serveEnv),
  ]);
});

after(async () => {
  await worker?.stop();
  await serve?.stop();
  await backend?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);

/** Sends one request to `base` and reads what the contract covers. */
async function send(base, { method = 'POST', source, headers = {}, body }) {
  const res = await fetch(`${base}/webhooks/${source}`, { method, headers, body });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = { unparsable: text };
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    traceId: res.headers.get('x-reviewgate-trace-id'),
    retryAfter: res.headers.get('retry-after'),
    allow: res.headers.get('allow'),
    json,
  };
}

/** The body as compared: no trace id, and seconds in messages masked. */
function comparable(answer) {
  const { trace_id: traceId, ...rest } = answer.json;
  assert.equal(traceId, answer.traceId, 'the body carries the trace id of the header');
  if (typeof rest.message === 'string') rest.message = rest.message.replace(/\d+ s\b/g, 'N s');
  return rest;
}

/** Sends `request` to both surfaces and holds them to the same answer; returns it. */
async function same(name, request) {
  const fromWorker = await send(worker.url, request);
  const fromServe = await send(serve.url, request);
  const context = `${name}\nworker: ${JSON.stringify(fromWorker)}\nserve:  ${JSON.stringify(fromServe)}`;
  assert.equal(fromServe.status, fromWorker.status, context);
  assert.deepEqual(comparable(fromServe), comparable(fromWorker), context);
  for (const answer of [fromWorker, fromServe]) {
    assert.match(answer.contentType ?? '', /^application\/json/, context);
    assert.ok(answer.traceId, context);
    assert.equal(answer.allow, fromWorker.allow, context);
    assert.equal(answer.retryAfter === null, fromWorker.retryAfter === null, context);
    if (answer.retryAfter !== null) assert.ok(Number(answer.retryAfter) >= 1, context);
  }
  // GOLDEN_VERBOSE=1 shows every pair of answers.
  if (process.env.GOLDEN_VERBOSE) console.log(name, JSON.stringify(fromWorker.json), JSON.stringify(fromServe.json));
  return fromWorker;
}

const github = (event, delivery, body, secret) => ({
  source: 'github', headers: githubHeaders(event, `${delivery}-${run}`, body, secret), body,
});

test('every source, every answer: the Worker and serve agree', async () => {
  const pr = pullRequestBody('acme', 'infra');
  let a = await same('GitHub pull request', github('pull_request', 'gh-1', pr));
  assert.equal(a.status, 202);
  assert.deepEqual(comparable(a), { status: 'accepted', event_id: `github:gh-1-${run}`, kind: 'pr.opened' });

  a = await same('GitHub redelivery', github('pull_request', 'gh-1', pr));
  assert.deepEqual([a.status, comparable(a)], [200, { status: 'duplicate', event_id: `github:gh-1-${run}` }]);

  const gitlab = JSON.stringify({
    user: { username: 'root' }, project: { id: 1, path_with_namespace: 'group/infra' },
    object_attributes: { iid: 4, title: 'T', action: 'open', source_branch: 'f', target_branch: 'main', last_commit: { id: 'c' } },
  });
  a = await same('GitLab merge request', {
    source: 'gitlab',
    headers: { 'x-gitlab-token': SECRETS.gitlab, 'x-gitlab-event': 'Merge Request Hook', 'idempotency-key': `gl-${run}` },
    body: gitlab,
  });
  assert.equal(a.json.kind, 'pr.opened');

  const bitbucket = JSON.stringify({
    repository: { full_name: 'ws/infra', workspace: { slug: 'ws' } },
    pullrequest: { id: 9, title: 'T', author: { nickname: 'ann' }, source: { branch: { name: 'f' }, commit: { hash: 'c' } }, destination: { branch: { name: 'main' } } },
  });
  a = await same('Bitbucket pull request', {
    source: 'bitbucket',
    headers: { 'x-hub-signature': hubSignature(SECRETS.bitbucket, bitbucket), 'x-event-key': 'pullrequest:created', 'x-request-uuid': `bb-${run}` },
    body: bitbucket,
  });
  assert.equal(a.status, 202);

  const spacelift = JSON.stringify({
    account: 'acme', state: 'UNCONFIRMED', stateVersion: 2, timestamp: now(),
    run: { id: `run-${run}`, delta: { added: 1, changed: 0, deleted: 0 } }, stack: { id: 'prod' },
  });
  a = await same('Spacelift run', { source: 'spacelift', headers: { 'x-signature-256': hubSignature(SECRETS.spacelift, spacelift) }, body: spacelift });
  assert.deepEqual(comparable(a), { status: 'accepted', event_id: `spacelift:run-${run}@2`, kind: 'spacelift.run' });

  const push = JSON.stringify({ type: 'push', data: { repository: { provider: 'gitea', owner: 'o', name: 'r' }, push: { ref: 'refs/heads/main', before: 'a', after: 'b' } } });
  a = await same('Standard Webhooks push', { source: 'standard_webhooks', headers: standardHeaders(`msg-${run}`, now(), push), body: push });
  assert.equal(a.json.kind, 'push');

  a = await same('ping', github('ping', 'ping', JSON.stringify({ zen: 'Design for failure.', hook_id: 1 })));
  assert.deepEqual([a.status, comparable(a)], [200, { status: 'pong' }]);

  a = await same('an event not acted on', github('star', 'star', '{"action":"created"}'));
  assert.deepEqual([a.status, comparable(a)], [202, { status: 'ignored', reason: 'github event star' }]);

  a = await same('not JSON', github('pull_request', 'junk', '{"action":'));
  assert.deepEqual([a.status, a.json.error], [400, 'bad_json']);

  a = await same('a field the event needs is missing', github('pull_request', 'nofield', '{"action":"opened"}'));
  assert.deepEqual([a.status, a.json.error], [400, 'bad_request']);

  // Identifiers become storage keys and a run's order: no real sender makes them
  // this long or this large, so both surfaces refuse them alike.
  a = await same('a delivery id over 256 bytes', github('pull_request', 'd'.repeat(300), pr));
  assert.deepEqual([a.status, a.json.error, a.json.message], [400, 'bad_request', 'the delivery id is longer than 256 bytes']);
  const hugeVersion = JSON.stringify({
    account: 'acme', state: 'FINISHED', stateVersion: 1e12, timestamp: now(), run: { id: `big-${run}` }, stack: { id: 'prod' },
  });
  a = await same('a Spacelift stateVersion out of range', { source: 'spacelift', headers: { 'x-signature-256': hubSignature(SECRETS.spacelift, hugeVersion) }, body: hugeVersion });
  assert.deepEqual([a.status, a.json.error], [400, 'bad_request']);
  assert.match(a.json.message, /stateVersion/);

  const big = JSON.stringify({ padding: 'x'.repeat(70_000) });
  a = await same('over MAX_BODY_BYTES', github('pull_request', 'big', big));
  assert.deepEqual([a.status, a.json.error, a.json.message], [413, 'payload_too_large', 'body exceeds 65536 bytes']);

  a = await same('an unknown source', { source: 'svn', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.deepEqual([a.status, a.json.error], [404, 'not_found']);

  a = await same('GET on a webhook route', { method: 'GET', source: 'github' });
  assert.deepEqual([a.status, a.json.error, a.allow], [405, 'method_not_allowed', 'POST']);

  for (const n of [2, 3]) {
    a = await same(`repository limit, delivery ${n}`, github('pull_request', `gh-${n}`, pr));
    assert.equal(a.status, 202);
  }
  // The redelivery of the first did not count: this is the fourth.
  a = await same('repository limit, refused', github('pull_request', 'gh-4', pr));
  assert.deepEqual([a.status, a.json.error], [429, 'rate_limited']);
  assert.equal(comparable(a).message, 'repository rate limit exceeded; retry after N s');

  // Failed authentications, counted per client IP and source. At GitHub: four
  // failures, then the client's failures are refused with 429 — but what verifies
  // from it is still taken.
  a = await same('a forged signature', github('pull_request', 'forged', pr, 'not-the-secret'));
  assert.deepEqual([a.status, a.json.message], [401, 'signature does not match']);
  a = await same('a missing signature', { source: 'github', headers: { 'x-github-event': 'push', 'x-github-delivery': `nosig-${run}` }, body: '{}' });
  assert.deepEqual([a.status, a.json.message], [401, 'missing header x-hub-signature-256']);
  for (const n of [3, 4]) {
    a = await same(`forgery ${n}`, github('pull_request', `forged-${n}`, pr, 'not-the-secret'));
    assert.equal(a.status, 401);
  }
  a = await same('a fifth forgery, from a blocked client', github('pull_request', 'forged-5', pr, 'not-the-secret'));
  assert.deepEqual([a.status, a.json.error], [429, 'rate_limited']);
  assert.equal(comparable(a).message, 'client_ip rate limit exceeded; retry after N s');
  a = await same('a good signature from the blocked client', github('pull_request', 'gh-5', pullRequestBody('acme', 'other')));
  assert.equal(a.status, 202);

  // A stale signed timestamp and a stale signed payload fail authentication too,
  // counted at their own sources.
  const old = JSON.stringify({ type: 'push', data: {} });
  a = await same('a stale signed timestamp', { source: 'standard_webhooks', headers: standardHeaders(`old-${run}`, now() - 3600, old), body: old });
  assert.equal(a.status, 401);
  assert.equal(comparable(a).message, 'timestamp is N s old, more than the N s tolerance');

  const stale = JSON.stringify({ account: 'a', state: 'FINISHED', stateVersion: 1, timestamp: now() - 3600, run: { id: `old-${run}` }, stack: { id: 's' } });
  a = await same('a stale signed payload', { source: 'spacelift', headers: { 'x-signature-256': hubSignature(SECRETS.spacelift, stale) }, body: stale });
  assert.equal(a.status, 401);

});

test('a trace id sent by the client is kept when safe and replaced when not, on both', async () => {
  const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
  const withTrace = (traceId, n) => {
    const request = github('ping', `trace-${n}`, ping);
    return { ...request, headers: { ...request.headers, 'x-reviewgate-trace-id': traceId } };
  };
  const safe = 'ci-run_42.attempt:1';
  let n = 0;
  for (const base of [worker.url, serve.url]) {
    const kept = await send(base, withTrace(safe, ++n));
    assert.deepEqual([kept.status, kept.traceId, kept.json.trace_id], [200, safe, safe], base);
    // Trace ids go into log lines and answers: markup, spaces and ids too long to
    // be one are not taken from the client.
    for (const hostile of ['<script>alert(1)</script>', 'a b', 'x'.repeat(129), '"},{"level":"ERROR']) {
      const replaced = await send(base, withTrace(hostile, ++n));
      assert.equal(replaced.status, 200, base);
      assert.notEqual(replaced.traceId, hostile, `${base} kept ${hostile}`);
      assert.match(replaced.traceId, /^[A-Za-z0-9._:-]{1,128}$/, base);
      assert.equal(replaced.json.trace_id, replaced.traceId, base);
    }
  }
});
