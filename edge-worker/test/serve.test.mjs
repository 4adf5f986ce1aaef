// The whole loop through the real pieces: a signed GitHub delivery → the Worker in
// workerd → its queue → `reviewgate serve` (/internal/events, edge-signed) → the PR
// fetched from a fake GitHub (backend-lambda/tests/github_fake.py, GitHub's wire
// format) → a stored review, one PR comment and a check run.
// Needs the `reviewgate` binary: scripts/edge test builds it and sets REVIEWGATE_BIN.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  corpus, freePort, githubHeaders, root, SECRETS, sleep, startProcess, startWorker, waitFor,
} from './harness.mjs';

const bin = process.env.REVIEWGATE_BIN;
const REPO = 'Codertocat/Hello-World';
const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const GITHUB_TOKEN = 'ghs_fake_installation_token';

let github;
let serve;
let worker;
let key;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reviewgate-e2e-'));

async function startGitHub() {
  const port = await freePort();
  const state = path.join(dir, 'github.json');
  const mainTf = 'resource "aws_s3_bucket_acl" "logs" {\n  bucket = "logs"\n  acl    = "public-read"\n}\n';
  fs.writeFileSync(state, JSON.stringify({
    token: GITHUB_TOKEN,
    repos: {
      [REPO]: {
        pulls: { 2: { head_sha: HEAD_SHA, files: [{
          filename: 'main.tf', status: 'added', additions: 4, deletions: 0,
          patch: '@@ -0,0 +1,4 @@\n+resource "aws_s3_bucket_acl" "logs" {\n+  bucket = "logs"\n+  acl    = "public-read"\n+}',
        }] } },
        contents: { [HEAD_SHA]: { 'main.tf': mainTf } },
      },
    },
  }));
  const script = path.join(root, 'backend-lambda/tests/github_fake.py');
  const child = spawn('python3', [script, '127.0.0.1', String(port), state], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    try {
      await fetch(`${url}/_fake/calls`);
      return { url, calls: async () => (await fetch(`${url}/_fake/calls`)).json(), stop: () => child.kill() };
    } catch {
      await sleep(50);
    }
  }
  child.kill();
  throw new Error('the GitHub fake did not start');
}

async function api(pathname) {
  const res = await fetch(`${serve.url}${pathname}`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(res.status, 200, pathname);
  return res.json();
}

before(async () => {
  assert.ok(bin && fs.existsSync(bin), 'REVIEWGATE_BIN names the reviewgate binary (scripts/edge test sets it)');
  github = await startGitHub();
  const data = path.join(dir, 'data');
  key = execFileSync(bin, ['keys', 'create', '--name', 'e2e', '--data-dir', data], { encoding: 'utf8' }).trim();
  serve = startProcess(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', data], {
    REVIEWGATE_EDGE_SECRETS: SECRETS.edge,
    REVIEWGATE_GITHUB_TOKEN: GITHUB_TOKEN,
    REVIEWGATE_GITHUB_API_URL: github.url,
    RUST_LOG: 'info',
  }, (line) => line.startsWith('reviewgate serving on '));
  serve.url = (await serve.started).slice('reviewgate serving on '.length).trim();
  worker = await startWorker({ BACKEND_URL: `${serve.url}/internal/events` });
});

after(async () => {
  await worker?.stop();
  await serve?.stop();
  github?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const pullRequest = fs.readFileSync(path.join(corpus, 'github-payloads/pull_request.opened.payload.json'));
const deliver = (delivery, secret = SECRETS.github) =>
  fetch(`${worker.url}/webhooks/github`, {
    method: 'POST', headers: githubHeaders('pull_request', delivery, pullRequest, secret), body: pullRequest,
  });

test('a pull request through the Worker is reviewed by serve: review, comment, check run', async () => {
  const delivery = crypto.randomUUID();
  const res = await deliver(delivery);
  assert.equal(res.status, 202, await res.text());

  let page;
  await waitFor(() => page?.items?.length === 1, 60_000, 'the review in serve', async () => {
    page = await api(`/api/reviews?repository=${REPO}`);
  });
  const review = await api(`/api/reviews/${page.items[0].review_id}`);
  assert.equal(review.event_id, `github:${delivery}`);
  assert.ok(
    review.review.findings.some((f) => f.file === 'main.tf' && f.line === 3),
    JSON.stringify(review.review.findings),
  );
  let calls = [];
  await waitFor(() => calls.some((c) => c.method === 'POST' && c.path.endsWith('/check-runs')), 30_000,
    'the check run', async () => { calls = await github.calls(); });
  const comments = calls.filter((c) => c.method === 'POST' && c.path.endsWith('/issues/2/comments'));
  assert.equal(comments.length, 1);
  assert.ok(comments[0].body.body.includes('<!-- reviewgate:review -->'));

  // The provider's redelivery stops at the Worker; a forgery stops there too, with a
  // SECURITY line, and neither reaches serve.
  const again = await deliver(delivery);
  assert.equal(again.status, 200);
  assert.equal((await again.json()).status, 'duplicate');
  const forged = await deliver(crypto.randomUUID(), 'not the secret');
  assert.equal(forged.status, 401);
  await waitFor(() => worker.lines.some((l) => l.includes('"SECURITY"') && l.includes('signature_mismatch')),
    10_000, 'the SECURITY line');
  await sleep(2_000); // what the queue would have forwarded by now
  const versions = await api(`/api/reviews/${page.items[0].review_id}/versions`);
  assert.equal(versions.length, 1, JSON.stringify(versions));
  const accepted = serve.lines.filter((l) => l.includes('event received'));
  assert.equal(accepted.length, 1, accepted.join('\n'));
});
