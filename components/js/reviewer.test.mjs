// The reviewer component transpiled by jco (`scripts/test-js`), called from Node:
// the route for embedding reviewgate in JS platforms. Each corpus plan's review from
// the component equals the native CLI's JSON for the same file.
//
// Environment: REVIEWGATE_JCO_OUT (the transpiled directory), REVIEWGATE_CLI (the
// native `reviewgate` binary), REVIEWGATE_CORPUS (the shared corpus).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = process.env.REVIEWGATE_JCO_OUT;
const cli = process.env.REVIEWGATE_CLI;
const corpus = process.env.REVIEWGATE_CORPUS;
assert.ok(out && cli && corpus, 'set REVIEWGATE_JCO_OUT, REVIEWGATE_CLI and REVIEWGATE_CORPUS');

const { analyzer, rules } = await import(pathToFileURL(join(out, 'reviewer.js')).href);

// jco gives camelCase records with `undefined` for absent options; the CLI prints
// serde's snake_case with optional keys left out. Compare in the CLI's shape.
function snake(key) {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function finding(f) {
  const json = {
    rule_id: f.ruleId, aliases: f.aliases, severity: f.severity, title: f.title,
    message: f.message, resource: f.resource ?? null, file: f.file ?? null,
    line: f.line ?? null, suppressed: f.suppressed,
  };
  if (f.endLine !== undefined) json.end_line = f.endLine;
  if (f.remediation !== undefined) json.remediation = f.remediation;
  if (f.frameworks.length) {
    json.frameworks = Object.fromEntries(f.frameworks.map((r) => [r.framework, r.controls]));
  }
  if (f.suppressionReason !== undefined) json.suppression_reason = f.suppressionReason;
  const link = (l) => ({ file: l.file, line: l.line ?? null, name: l.name });
  if (f.suppressedAt !== undefined) json.suppressed_at = link(f.suppressedAt);
  if (f.provenance.length) json.provenance = f.provenance.map(link);
  return json;
}

function review(r) {
  const json = {
    findings: r.findings.map(finding),
    changes: JSON.parse(r.changesJson),
    resources: r.resources,
    errors: r.errors.map((e) => {
      const o = { file: e.file, line: e.line ?? null, message: e.message };
      if (e.column !== undefined) o.column = e.column;
      if (e.kind !== undefined) o.kind = e.kind;
      return o;
    }),
    undetermined: r.undetermined.map((u) =>
      Object.fromEntries(Object.entries(u).map(([k, v]) => [snake(k), v ?? null]))),
    not_evaluated: r.notEvaluated.map((m) => {
      const o = { module: m.module, source: m.source ?? null, file: m.file,
        line: m.line ?? null, reason: m.reason };
      if (m.version !== undefined) o.version = m.version;
      return o;
    }),
    risk: r.risk && { score: r.risk.score, level: r.risk.level, confidence: r.risk.confidence,
      factors: r.risk.factors },
  };
  return json;
}

const plans = readdirSync(join(corpus, 'terraform-plans'))
  .filter((name) => name.endsWith('.json') && !name.startsWith('invalid'))
  .sort();

test('the transpiled reviewer reviews every corpus plan as the native CLI does', () => {
  assert.ok(plans.length >= 10);
  let findings = 0;
  for (const name of plans) {
    const path = join(corpus, 'terraform-plans', name);
    const content = readFileSync(path, 'utf8');
    const fromJs = review(analyzer.analyze([{ path, kind: undefined, content }], undefined, []));
    const native = JSON.parse(execFileSync(cli, ['review', '--no-config', '--format', 'json', path],
      { encoding: 'utf8', maxBuffer: 64 << 20 }));
    assert.deepEqual(fromJs, native, name);
    findings += fromJs.findings.length;
  }
  assert.ok(findings > 0, 'the plans should draw findings');
});

test('bad requests are typed errors in JS, bad documents are data', () => {
  assert.throws(() => analyzer.analyze([], undefined, []),
    (e) => e.payload?.tag === 'invalid-request');
  const r = analyzer.analyze([{ path: 'x.json', kind: 'plan', content: '[1,' }], undefined, []);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].kind, 'plan');
});

test('the catalog is exposed', () => {
  const catalog = rules.catalog();
  const native = JSON.parse(execFileSync(cli, ['rules', '--format', 'json'], { encoding: 'utf8' }));
  assert.deepEqual(catalog.map((r) => r.id), native.map((r) => r.id));
});
