import { lstat, rm, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ServerError } from './codes';

/** Run ids are the UUIDs POST /api/runs makes (crypto.randomUUID: lower-case hex). */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && RUN_ID.test(value);
}

/** Throws 400 E_BAD_REQUEST unless `value` is a run id; checked before any path is built from it. */
export function checkRunId(value: string): string {
  if (RUN_ID.test(value)) return value;
  throw new ServerError('E_BAD_REQUEST', `Expected a run id (a UUID, as POST /api/runs returns) but received ${JSON.stringify(value.slice(0, 80))}.`, {
    hint: 'GET /api/history lists the run ids.',
  });
}

/**
 * Removes a run's output folder `outputs/<runId>/` and nothing else: the id must be a UUID (so the path is one plain
 * child of the outputs folder), a symbolic link in its place is removed itself (never its target), and the removal
 * does not follow links inside the folder. Resolves with true when something was removed.
 */
export async function removeRunOutputs(outputs: string, runId: string): Promise<boolean> {
  checkRunId(runId);
  const folder = resolve(outputs);
  const target = join(folder, runId);
  if (dirname(target) !== folder) throw new ServerError('E_PATH_OUTSIDE_FOLDER', `Run ${runId} does not name a folder inside the outputs folder.`);
  let info;
  try {
    info = await lstat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (!info.isDirectory()) {
    await unlink(target); // a file or a symbolic link where the folder should be: the entry goes, its target stays
    return true;
  }
  await rm(target, { recursive: true, force: true }); // unlinks symbolic links inside, never follows them
  return true;
}
