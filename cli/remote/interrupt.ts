import type { RemoteConfig } from './config';
import { ServerAnswerError } from './errors';
import { requestJson } from './http';

/**
 * Stops this command's own run: POST /api/interrupt { runId } when it runs, DELETE /api/queue/:runId when it is
 * still waiting (E_RUN_NOT_RUNNING). Returns a line for stderr when neither worked (the run may have just ended).
 */
export async function interruptRun(cfg: RemoteConfig, runId: string): Promise<string | undefined> {
  try {
    await requestJson(cfg, 'POST', 'api/interrupt', { runId });
    return undefined;
  } catch (err) {
    if (!(err instanceof ServerAnswerError && err.code === 'E_RUN_NOT_RUNNING')) return describe(err);
  }
  try {
    await requestJson(cfg, 'DELETE', `api/queue/${encodeURIComponent(runId)}`);
    return undefined;
  } catch (err) {
    // Started between the two requests: interrupt it after all.
    if (err instanceof ServerAnswerError && err.code === 'E_RUN_NOT_PENDING') {
      return requestJson(cfg, 'POST', 'api/interrupt', { runId }).then(() => undefined, describe);
    }
    return describe(err);
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `Could not interrupt the run on the server: ${e.code ?? 'E_INTERNAL'}: ${e.message ?? String(err)}`;
}
