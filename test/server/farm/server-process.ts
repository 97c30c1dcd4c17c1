import { spawn, type ChildProcess } from 'node:child_process';
import { apiClient, REPO_ROOT, TEST_MODULES } from '../helpers';

/** The server started as users start it (`node --import tsx server.ts ...`), in its own process so a test can SIGKILL it. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<{ status: number; body: any }>;
}

/** `env` is added to the test's environment (e.g. CONES_REDIS_CA). */
export async function startServerProcess(dataDir: string, redisUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const args = ['--import', 'tsx', 'server.ts', '--port', '0', '--data-dir', dataDir, '--redis', redisUrl,
    ...TEST_MODULES.flatMap((m) => ['--plugin', m])];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: '', CONES_TOKEN: '', CONES_HOST: '127.0.0.1', CONES_RUN_TIMEOUT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no URL within 30 s: ${out}`)), 30_000);
    const look = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => reject(new Error(`the server exited with ${code}: ${out}`)));
  });
  return { child, url, output: () => out, exited, api: apiClient(url) };
}

export async function killServer(s: ServerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill(signal);
  return s.exited;
}
