import { lstatSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A worker's scratch folder (`<tmp>/cones-worker-<host>-<pid>-XXXXXX`: its model links and the output files of the runs
 * it holds). A worker that stops gracefully removes its own; one that is SIGKILLed, crashes or loses its machine
 * cannot, so each worker starting removes the folders of this host's workers that are no longer running.
 *
 * A folder is removed only when all of these hold, so that no live worker's files and nothing else is touched:
 * - its name is exactly this pattern, with this host's name and another process's pid;
 * - that pid is not running here (`kill(pid, 0)` says ESRCH);
 * - it is a real folder (not a symbolic link) owned by this user;
 * - its time stamp, which a running worker renews with every heartbeat (`touchScratch`), is older than `STALE_MS`:
 *   a worker of another pid namespace sharing this folder and host name is still seen as alive.
 */
export const SCRATCH_PREFIX = 'cones-worker-';
/** A scratch folder not renewed for this long, of a pid not running, belongs to a dead worker. */
export const STALE_MS = 60_000;

/** The host name as it appears in scratch folder names (anything but letters, digits, '.', '_' and '-' becomes '_'). */
export function scratchHost(host = hostname()): string {
  return host.replace(/[^A-Za-z0-9._-]/g, '_') || 'host';
}

const NAME = /^cones-worker-(.+)-(\d+)-[A-Za-z0-9]{6}$/;

/** Creates this process's scratch folder under `parent`. */
export function createScratch(parent = tmpdir()): string {
  return mkdtempSync(join(parent, `${SCRATCH_PREFIX}${scratchHost()}-${process.pid}-`));
}

/** Renews the folder's time stamp: this worker is alive. */
export function touchScratch(dir: string): void {
  const now = new Date();
  try {
    utimesSync(dir, now, now);
  } catch {
    // Removed under us (someone cleaned the temp folder): nothing to renew; the worker's own stop tolerates it too.
  }
}

/** True unless the process certainly does not exist (EPERM: it exists, as another user's). */
export function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export interface SweepOptions {
  host?: string;
  now?: number;
  running?: (pid: number) => boolean;
}

/** Removes the scratch folders of this host's dead workers under `parent`; returns their names. */
export function sweepScratch(parent = tmpdir(), opts: SweepOptions = {}): string[] {
  const host = opts.host ?? scratchHost();
  const now = opts.now ?? Date.now();
  const running = opts.running ?? pidRunning;
  const uid = process.getuid?.();
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || m[1] !== host) continue;
    const pid = Number(m[2]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || running(pid)) continue;
    const path = join(parent, name);
    try {
      const st = lstatSync(path);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || now - st.mtimeMs < STALE_MS) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Gone meanwhile (another worker swept it) or not ours to remove: left as it is.
    }
  }
  return removed;
}
