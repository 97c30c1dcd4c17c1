/**
 * onnxruntime's telemetry stays off (diffusion/onnx/telemetry.ts): the CLI and the server, started as users start them,
 * run the embedded model without onnxruntime writing its device id or debug log; with CONES_ORT_TELEMETRY=1 it does
 * (which shows these checks can fail). The children get a minimal environment (no CI variable, which onnxruntime
 * also treats as an opt-out) and a proxy on a closed local port, so that even the opted-in runs send nothing out.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONES_OPT_IN, disableOrtTelemetry, ORT_TELEMETRY_OPT_OUT } from '../../../diffusion/onnx/telemetry';
import { scratchDir } from '../../helpers/scratch';
import { REPO_ROOT } from '../../server/helpers';

test('disableOrtTelemetry sets the opt-out unless the user opted in or chose a value', () => {
  const env: NodeJS.ProcessEnv = {};
  assert.equal(disableOrtTelemetry(env), true);
  assert.deepEqual(ORT_TELEMETRY_OPT_OUT.map((k) => env[k]), ['1', '1']);
  const chosen: NodeJS.ProcessEnv = { ORT_DISABLE_TELEMETRY: '0' };
  disableOrtTelemetry(chosen);
  assert.equal(chosen.ORT_DISABLE_TELEMETRY, '0', "the user's own value is kept");
  const optedIn: NodeJS.ProcessEnv = { [CONES_OPT_IN]: '1' };
  assert.equal(disableOrtTelemetry(optedIn), false);
  assert.deepEqual(Object.keys(optedIn), [CONES_OPT_IN]);
});

interface Sandbox { home: string; tmp: string; env: NodeJS.ProcessEnv }

function sandbox(optIn: boolean): Sandbox {
  const root = scratchDir('telemetry');
  const home = join(root, 'home');
  const tmp = join(root, 'tmp');
  mkdirSync(home);
  mkdirSync(tmp);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: home, TMPDIR: tmp, NODE_OPTIONS: '',
    https_proxy: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9',
    CONES_CPU_THREADS: '1', ...(optIn ? { [CONES_OPT_IN]: '1' } : {}),
  };
  return { home, tmp, env };
}

/** What onnxruntime's telemetry left: its device id folder under HOME and its debug logs in TMPDIR. */
function traces(s: Sandbox): string[] {
  const found: string[] = [];
  if (existsSync(join(s.home, '.cache', 'Microsoft'))) found.push('~/.cache/Microsoft');
  found.push(...readdirSync(s.tmp).filter((n) => n.startsWith('mat-debug-')));
  return found;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

async function cliRun(s: Sandbox): Promise<void> {
  const out = join(s.tmp, 'out');
  const r = await run(['bin/cones.mjs', 'run', 'graphs/shapes-single.json', '--set', 'sampler.steps=2', '--out', out], s.env);
  assert.equal(r.code, 0, r.out);
  assert.ok(readdirSync(out).some((n) => n.endsWith('.png')), 'the run wrote its image');
}

/** `runIn` leaves no trace of onnxruntime's telemetry by default, and its device id when opted in. */
async function offUnlessOptedIn(runIn: (s: Sandbox) => Promise<void>): Promise<void> {
  const off = sandbox(false);
  await runIn(off);
  assert.deepEqual(traces(off), []);
  const on = sandbox(true);
  await runIn(on);
  assert.ok(existsSync(join(on.home, '.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid')), traces(on).join(', '));
}

test('cones run: onnxruntime writes no device id and no debug log; CONES_ORT_TELEMETRY=1 lets it', () => offUnlessOptedIn(cliRun));

/** server.ts as users start it; one run of the embedded model, executed in its engine thread. */
async function serverRun(s: Sandbox): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts', '--port', '0', '--data-dir', join(s.tmp, 'data')], {
    cwd: REPO_ROOT, env: s.env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 30 s: ${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1].replace(/\/$/, ''));
        }
      });
    });
    const graph = JSON.parse(readFileSync(join(REPO_ROOT, 'graphs/shapes-single.json'), 'utf8'));
    graph.nodes.sampler.inputs.steps = 2;
    const posted = await fetch(`${base}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ graph }) });
    assert.equal(posted.status, 201);
    const { runId } = await posted.json() as { runId: string };
    const deadline = Date.now() + 60_000;
    let status: string | undefined;
    while (Date.now() < deadline) {
      const res = await fetch(`${base}/api/history/${runId}`);
      status = res.status === 200 ? (await res.json() as { status?: string }).status : undefined;
      if (status && status !== 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 'ok', out);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

test('the server: its engine thread runs onnxruntime with telemetry off; CONES_ORT_TELEMETRY=1 lets it on', () => offUnlessOptedIn(serverRun));
