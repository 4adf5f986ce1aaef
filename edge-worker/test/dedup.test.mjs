// Accepted means durable: the edge's duplicate check is two-phase. A Worker that
// claims a delivery id and then dies (a crash, the CPU limit, a failed queue send)
// never confirms its claim; the provider's retry must then be taken once the claim's
// lease lapses — never answered "duplicate", which would end the provider's retries
// for an event nobody queued. The dead Worker is played by this test: it makes the
// claim itself, straight to the `DeliveryDedup` object, as a Worker would before
// dying, through workerd (Miniflare) running the built Worker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  githubHeaders, pullRequestBody, sleep, stableHash, startBackend, startWorkerd, waitFor,
} from './harness.mjs';

const LEASE_MS = 3_000;
// The lease is the shorter of 60 s and the duplicate window: a short window keeps
// this test short. (The window may not be shorter than the timestamp tolerance.)
const VARS = { DEDUP_TTL_SECS: String(LEASE_MS / 1000), TIMESTAMP_TOLERANCE_SECS: '3' };

let backend;
let worker;

before(async () => {
  backend = await startBackend();
  worker = await startWorkerd({ ...VARS, BACKEND_URL: backend.url });
});

after(async () => {
  await worker?.stop();
  await backend?.close();
});

/** The `DeliveryDedup` object holding `eventId`, as the Worker picks it. */
async function dedupObject(eventId) {
  const namespace = await worker.mf.getDurableObjectNamespace('DEDUP');
  const shard = `dedup-${stableHash(eventId) % 16n}`;
  return namespace.get(namespace.idFromName(shard));
}

const deliver = (delivery, body) => fetch(`${worker.url}/webhooks/github`, {
  method: 'POST', headers: githubHeaders('pull_request', delivery, body), body,
});

test('a claim whose Worker died is not a duplicate: the retry is told to wait, then taken', async () => {
  const delivery = `crashed-${process.pid}`;
  const id = `github:${delivery}`;
  const body = pullRequestBody('acme', 'crash');
  // The Worker that took the first delivery claimed the id, then died before queueing.
  const object = await dedupObject(id);
  const claim = await object.fetch('https://object/', {
    method: 'POST', body: JSON.stringify({ op: 'claim', id, lease_ms: LEASE_MS }),
  });
  assert.deepEqual(await claim.json(), { claim: 'first' });

  // The provider retries at once: not a duplicate, not lost — told to retry.
  const early = await deliver(delivery, body);
  assert.equal(early.status, 409, await early.clone().text());
  const answer = await early.json();
  assert.equal(answer.error, 'in_progress');
  const retryAfter = Number(early.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= LEASE_MS / 1000, `Retry-After ${retryAfter}`);

  // Once the lease lapses, the retry is taken and forwarded, once.
  await sleep(LEASE_MS + 500);
  const retry = await deliver(delivery, body);
  assert.equal(retry.status, 202, await retry.clone().text());
  assert.equal((await retry.json()).event_id, id);
  await waitFor(() => backend.count(id) === 1, 15_000, 'the retried delivery, forwarded');

  // Its claim was confirmed: a further redelivery is a duplicate, not forwarded.
  const again = await deliver(delivery, body);
  assert.equal(again.status, 200);
  assert.equal((await again.json()).status, 'duplicate');
  await sleep(1_000);
  assert.equal(backend.count(id), 1);
});

test('a duplicate window shorter than the signature tolerance is refused as misconfiguration', async () => {
  const misconfigured = await startWorkerd({ DEDUP_TTL_SECS: '60', TIMESTAMP_TOLERANCE_SECS: '300' });
  try {
    const body = pullRequestBody('acme', 'window');
    const res = await fetch(`${misconfigured.url}/webhooks/github`, {
      method: 'POST', headers: githubHeaders('pull_request', `window-${process.pid}`, body), body,
    });
    assert.equal(res.status, 500);
    const json = await res.json();
    assert.equal(json.error, 'internal');
    assert.ok(!json.message.includes('DEDUP_TTL_SECS'), 'the detail stays in the log');
  } finally {
    await misconfigured.stop();
  }
});
