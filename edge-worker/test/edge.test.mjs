// The edge Worker in the real runtime: built with worker-build, run in workerd by
// `wrangler dev`, driven over HTTP, forwarding to a recording fake backend on
// 127.0.0.1 that verifies the edge signature. Run by `scripts/edge test`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  SECRETS, githubHeaders, hubSignature, pullRequestBody, sleep, standardHeaders, startBackend, startWorker, waitFor,
} from './harness.mjs';

let backend;
let worker;
let seq = 0;
const uid = (p) => `${p}-${process.pid}-${++seq}`;

before(async () => {
  backend = await startBackend();
  worker = await startWorker({
    BACKEND_URL: backend.url,
    FORWARD_BACKOFF_BASE_SECS: '1',
    FORWARD_MAX_ATTEMPTS: '3',
    // A short duplicate window, so a test can outlive it; the window may not be
    // shorter than the signed-timestamp tolerance, so that is short too.
    DEDUP_TTL_SECS: '5',
    TIMESTAMP_TOLERANCE_SECS: '5',
    RATE_LIMIT_AUTH_FAILURES_PER_IP: '30',
  });
});

after(async () => {
  await worker?.stop();
  await backend?.close();
});

const post = (source, headers, body) =>
  fetch(`${worker.url}/webhooks/${source}`, { method: 'POST', headers, body });

async function postGithubPr(owner, repo, delivery = uid('gh')) {
  const body = pullRequestBody(owner, repo);
  const res = await post('github', githubHeaders('pull_request', delivery, body), body);
  return { res, delivery, json: await res.json() };
}

const securityLines = () =>
  worker.lines.filter((l) => l.includes('"SECURITY"')).map((l) => JSON.parse(l.slice(l.indexOf('{'))));

test('a valid GitHub delivery is accepted, forwarded once, signed, with its trace id', async () => {
  const { res, delivery, json } = await postGithubPr('acme', 'infra');
  assert.equal(res.status, 202, JSON.stringify(json));
  assert.equal(json.status, 'accepted');
  assert.equal(json.event_id, `github:${delivery}`);
  assert.equal(json.kind, 'pr.opened');
  const id = `github:${delivery}`;
  await waitFor(() => backend.count(id) === 1, 15_000, 'the forwarded event');
  const { envelope, headers } = backend.received.find((r) => r.envelope.id === id);
  assert.equal(envelope.repository.full_name ?? `${envelope.repository.owner}/${envelope.repository.name}`, 'acme/infra');
  assert.equal(envelope.pr.number, 2);
  assert.equal(headers['x-reviewgate-event-id'], id);
  assert.equal(headers['x-reviewgate-trace-id'], json.trace_id);
  assert.equal(res.headers.get('x-reviewgate-trace-id'), json.trace_id);
  await sleep(1500);
  assert.equal(backend.count(id), 1, 'forwarded exactly once');
  assert.equal(backend.rejected, 0, 'the backend accepted every edge signature');
});

test('GitLab, Bitbucket, Spacelift and Standard Webhooks deliveries are verified and forwarded', async () => {
  const gitlab = JSON.stringify({
    user: { username: 'root' }, project: { id: 1, path_with_namespace: 'group/infra' },
    object_attributes: { iid: 4, title: 'T', action: 'open', source_branch: 'f', target_branch: 'main', last_commit: { id: 'c' } },
  });
  const glDelivery = uid('gl');
  let res = await post('gitlab', {
    'x-gitlab-token': SECRETS.gitlab, 'x-gitlab-event': 'Merge Request Hook', 'idempotency-key': glDelivery,
  }, gitlab);
  assert.equal(res.status, 202, await res.text());

  const bitbucket = JSON.stringify({
    repository: { full_name: 'ws/infra', workspace: { slug: 'ws' } },
    pullrequest: { id: 9, title: 'T', author: { nickname: 'ann' }, source: { branch: { name: 'f' }, commit: { hash: 'c' } }, destination: { branch: { name: 'main' } } },
  });
  const bbDelivery = uid('bb');
  res = await post('bitbucket', {
    'x-hub-signature': hubSignature(SECRETS.bitbucket, bitbucket), 'x-event-key': 'pullrequest:created', 'x-request-uuid': bbDelivery,
  }, bitbucket);
  assert.equal(res.status, 202, await res.text());

  const run = uid('run');
  const spacelift = JSON.stringify({
    account: 'acme', state: 'UNCONFIRMED', stateVersion: 2, timestamp: Math.floor(Date.now() / 1000),
    run: { id: run, delta: { added: 1, changed: 0, deleted: 0 } }, stack: { id: 'prod' },
  });
  res = await post('spacelift', { 'x-signature-256': hubSignature(SECRETS.spacelift, spacelift) }, spacelift);
  assert.equal(res.status, 202, await res.text());

  const msg = uid('msg');
  const standard = JSON.stringify({ type: 'push', data: { repository: { provider: 'gitea', owner: 'o', name: 'r' }, push: { ref: 'refs/heads/main', before: 'a', after: 'b' } } });
  res = await post('standard_webhooks', standardHeaders(msg, Math.floor(Date.now() / 1000), standard), standard);
  assert.equal(res.status, 202, await res.text());

  for (const id of [`gitlab:${glDelivery}`, `bitbucket:${bbDelivery}`, `spacelift:${run}@2`, `standard_webhooks:${msg}`]) {
    await waitFor(() => backend.count(id) === 1, 15_000, `forwarding of ${id}`);
  }
  const sl = backend.received.find((r) => r.envelope.id === `spacelift:${run}@2`).envelope;
  assert.deepEqual(sl.spacelift.delta, { added: 1, changed: 0, deleted: 0 });
});

test('a forged signature is 401 with the error shape and one SECURITY line without secrets or body', async () => {
  const body = pullRequestBody('acme', 'forged');
  const delivery = uid('forged');
  const before = securityLines().length;
  const res = await post('github', githubHeaders('pull_request', delivery, body, 'not-the-secret'), body);
  assert.equal(res.status, 401);
  const json = await res.json();
  assert.deepEqual(Object.keys(json).sort(), ['error', 'message', 'trace_id']);
  assert.equal(json.error, 'unauthorized');
  await waitFor(() => securityLines().length > before, 5_000, 'the SECURITY line');
  const lines = securityLines().slice(before);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].reason, 'signature_mismatch');
  assert.equal(lines[0].source, 'github');
  assert.equal(lines[0].trace_id, json.trace_id);
  const text = JSON.stringify(lines[0]);
  for (const secret of Object.values(SECRETS)) assert.ok(!text.includes(secret));
  assert.ok(!text.includes('forged'), 'the body never reaches the log');
  // SHA-1 alone is refused.
  const sha1 = await post('github', { 'x-github-event': 'pull_request', 'x-hub-signature': 'sha1=00' }, body);
  assert.equal(sha1.status, 401);
  assert.match((await sha1.json()).message, /X-Hub-Signature-256 is required/);
  await sleep(500);
  assert.equal(backend.received.filter((r) => r.envelope.repository?.name === 'forged').length, 0);
});

test('a redelivery answers duplicate and is not forwarded; after the window it is new again', async () => {
  const first = await postGithubPr('acme', 'dup');
  assert.equal(first.res.status, 202);
  const again = await postGithubPr('acme', 'dup', first.delivery);
  assert.equal(again.res.status, 200);
  assert.equal(again.json.status, 'duplicate');
  const id = `github:${first.delivery}`;
  await waitFor(() => backend.count(id) === 1, 15_000, 'the first delivery');
  await sleep(1500);
  assert.equal(backend.count(id), 1, 'the duplicate was not forwarded');
  // DEDUP_TTL_SECS is 5 in this test: the id expires.
  await sleep(5000);
  const late = await postGithubPr('acme', 'dup', first.delivery);
  assert.equal(late.res.status, 202, JSON.stringify(late.json));
});

test('a stale or future signed timestamp is 401 with the reason', async () => {
  const body = JSON.stringify({ type: 'push', data: {} });
  const stale = await post('standard_webhooks', standardHeaders(uid('old'), Math.floor(Date.now() / 1000) - 301, body), body);
  assert.equal(stale.status, 401);
  assert.match((await stale.json()).message, /timestamp is \d+ s old/);
  const future = await post('standard_webhooks', standardHeaders(uid('new'), Math.floor(Date.now() / 1000) + 400, body), body);
  assert.equal(future.status, 401);
  const spacelift = JSON.stringify({ account: 'a', state: 'FINISHED', stateVersion: 1, timestamp: Math.floor(Date.now() / 1000) - 600, run: { id: uid('r') }, stack: { id: 's' } });
  const sl = await post('spacelift', { 'x-signature-256': hubSignature(SECRETS.spacelift, spacelift) }, spacelift);
  assert.equal(sl.status, 401);
});

test('ping answers 200, events not acted on 202 ignored, bad JSON 400, oversize 413', async () => {
  const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
  let res = await post('github', githubHeaders('ping', uid('ping'), ping), ping);
  assert.equal(res.status, 200);
  const star = '{"action":"created"}';
  res = await post('github', githubHeaders('star', uid('star'), star), star);
  assert.equal(res.status, 202);
  const ignored = await res.json();
  assert.equal(ignored.status, 'ignored');
  assert.equal(ignored.reason, 'github event star');
  res = await post('github', githubHeaders('push', uid('bad'), '{"ref":'), '{"ref":');
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, 'bad_json');
  const big = 'x'.repeat(10 * 1024 * 1024 + 1);
  res = await post('github', githubHeaders('push', uid('big'), '{}'), big);
  assert.equal(res.status, 413);
  const json = await res.json();
  assert.equal(json.error, 'payload_too_large');
  assert.ok(json.trace_id);
  // Without Content-Length (chunked) the cap applies while streaming.
  const chunk = new Uint8Array(1024 * 1024).fill(0x78);
  let sent = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (sent++ < 11) controller.enqueue(chunk);
      else controller.close();
    },
  });
  res = await fetch(`${worker.url}/webhooks/github`, {
    method: 'POST', headers: githubHeaders('push', uid('chunked'), '{}'), body: stream, duplex: 'half',
  });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).error, 'payload_too_large');
});

test('a burst of 120 to one repository at 100/min: exactly 100 accepted, 20 × 429 with Retry-After', async () => {
  const repo = uid('burst');
  const results = await Promise.all(Array.from({ length: 120 }, () => postGithubPr('burstorg', repo)));
  const accepted = results.filter((r) => r.res.status === 202).length;
  const limited = results.filter((r) => r.res.status === 429);
  assert.equal(accepted, 100);
  assert.equal(limited.length, 20);
  for (const r of limited) {
    const retry = Number(r.res.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal(r.json.error, 'rate_limited');
  }
  const delivered = new Set(results.filter((r) => r.res.status === 202).map((r) => `github:${r.delivery}`));
  await waitFor(() => backend.received.filter((x) => delivered.has(x.envelope.id)).length === 100, 30_000, '100 forwarded');
  const rejected = new Set(limited.map((r) => `github:${r.delivery}`));
  assert.equal(backend.received.filter((x) => rejected.has(x.envelope.id)).length, 0, 'nothing over the limit forwarded');
  // A refused delivery is not remembered: the provider's retry is limited again, not
  // answered as a duplicate (which would lose it).
  const retry = await postGithubPr('burstorg', repo, limited[0].delivery);
  assert.equal(retry.res.status, 429, JSON.stringify(retry.json));
});

test('backend down then up: the event arrives after retries; a poison event goes to the dead-letter queue', async () => {
  backend.failNext = 2;
  const { res, delivery } = await postGithubPr('acme', 'outage');
  assert.equal(res.status, 202);
  const id = `github:${delivery}`;
  await waitFor(() => backend.count(id) === 1, 30_000, 'delivery after the outage');
  assert.equal(backend.attempts.get(id), 3, 'two failures, then success');

  const poison = await postGithubPr('acme', 'poison');
  const poisonId = `github:${poison.delivery}`;
  backend.poison.add(poisonId);
  await waitFor(
    () => worker.lines.some((l) => l.includes('"dead_letter"') && l.includes(poisonId)),
    40_000,
    'the dead-letter line',
  );
  assert.equal(backend.attempts.get(poisonId), 3, 'FORWARD_MAX_ATTEMPTS attempts');
  assert.equal(backend.count(poisonId), 0);
});

test('forgeries from one client are refused once over the limit; its signed delivery still is not', async () => {
  const body = '{}';
  const statuses = [];
  for (let i = 0; i < 35; i++) {
    const res = await post('github', githubHeaders('push', uid('brute'), body, 'guess'), body);
    statuses.push(res.status);
  }
  const firstLimited = statuses.indexOf(429);
  assert.ok(firstLimited >= 25, `statuses ${statuses}`);
  assert.ok(statuses.slice(firstLimited).every((s) => s === 429), 'blocked once over the limit');
  assert.ok(statuses.filter((s) => s === 401).length <= 31);
  // The blocked client is also a real sender (a shared egress, or the attacker
  // replaying from the provider's address range): what verifies is taken.
  const { res, json } = await postGithubPr('acme', 'after-forgeries');
  assert.equal(res.status, 202, JSON.stringify(json));
  assert.equal(json.status, 'accepted');
  const forged = await post('github', githubHeaders('push', uid('brute'), body, 'guess'), body);
  assert.equal(forged.status, 429, 'the failures are still blocked');
});
