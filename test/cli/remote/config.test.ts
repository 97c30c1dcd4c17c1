import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../../cli/args';
import { displayServer, remoteConfig } from '../../../cli/remote/config';

const opts = (entries: Record<string, string[]> = {}) => new Map(Object.entries(entries));

test('no --server and no CONES_SERVER: a local command', () => {
  assert.equal(remoteConfig(opts(), {}), undefined);
  assert.equal(remoteConfig(opts(), { CONES_SERVER: '', CONES_TOKEN: 'x'.repeat(20) }), undefined, 'a token alone in the env is the server\'s own');
  assert.throws(() => remoteConfig(opts({ token: ['t'] }), {}), (e: unknown) => e instanceof UsageError && /--server URL/.test(e.message));
});

test('--server and --token win over the environment; defaults and env bounds', () => {
  const cfg = remoteConfig(opts({ server: ['http://a:1/prefix'], token: ['from-arg'] }), {
    CONES_SERVER: 'http://env:2', CONES_TOKEN: 'from-env', CONES_SERVER_TIMEOUT_MS: '1500', CONES_SERVER_MAX_FILE_BYTES: '1024',
  })!;
  assert.equal(cfg.base.href, 'http://a:1/prefix/');
  assert.equal(displayServer(cfg), 'http://a:1/prefix');
  assert.equal(cfg.token, 'from-arg');
  assert.deepEqual([cfg.idleTimeoutMs, cfg.maxFileBytes, cfg.connectTimeoutMs], [1500, 1024, 10_000]);
  const env = remoteConfig(opts(), { CONES_SERVER: 'https://env:2', CONES_TOKEN: 'from-env' })!;
  assert.deepEqual([env.base.href, env.token], ['https://env:2/', 'from-env']);
});

test('unusable URLs, tokens and bounds are usage errors', () => {
  const bad: Array<[Record<string, string[]>, Record<string, string>]> = [
    [{ server: ['not a url'] }, {}],
    [{ server: ['ftp://host/'] }, {}],
    [{ server: ['http://user:pw@host/'] }, {}],
    [{ server: ['http://host/?token=x'] }, {}],
    [{ server: ['http://host/'], token: ['with space'] }, {}],
    [{ server: ['http://host/'], token: ['line\nbreak'] }, {}],
    [{ server: ['http://host/'] }, { CONES_SERVER_TIMEOUT_MS: '0' }],
    [{ server: ['http://host/'] }, { CONES_SERVER_MAX_TOTAL_BYTES: '1e3x' }],
  ];
  for (const [o, env] of bad) assert.throws(() => remoteConfig(opts(o), env), UsageError, JSON.stringify([o, env]));
});
