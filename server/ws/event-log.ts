import type { RunEvent } from '../../engine';

/** A run event as sent to clients: engine events, plus `removed` interruptions, with previews base64-encoded. */
export type WireEvent = Record<string, unknown> & { type: string; runId: string };

interface RunLog {
  clientId?: string;
  events: WireEvent[];
  /** Next sequence number: every event of a run (previews included) is numbered 0, 1, 2, ... */
  seq: number;
  done: boolean;
}

/** How many finished runs keep their events for late subscribers. */
const FINISHED_RUNS_KEPT = 64;
/** Progress events beyond this per run are not kept for replay (lifecycle events always are). */
const MAX_LOGGED_EVENTS = 5000;
const LIFECYCLE = new Set(['run_start', 'node_cached', 'node_start', 'node_done', 'run_done', 'run_error', 'interrupted']);

/**
 * The events of recent runs and who submitted them, so a client that subscribes to a run after it started
 * is first replayed what it missed (previews excepted: they are large and superseded by the final output).
 */
export class EventLog {
  private readonly runs = new Map<string, RunLog>();

  open(runId: string, clientId?: string): void {
    if (!this.runs.has(runId)) this.runs.set(runId, { clientId, events: [], seq: 0, done: false });
  }

  ownerOf(runId: string): string | undefined {
    return this.runs.get(runId)?.clientId;
  }

  /** Numbers the event (`seq`) and keeps it for replay. */
  record(event: WireEvent): WireEvent {
    const log = this.runs.get(event.runId);
    if (!log) return event;
    const numbered = { ...event, seq: log.seq++ };
    if (event.type !== 'preview' && (log.events.length < MAX_LOGGED_EVENTS || LIFECYCLE.has(event.type))) log.events.push(numbered);
    return numbered;
  }

  close(runId: string): void {
    const log = this.runs.get(runId);
    if (!log) return;
    log.done = true;
    const finished = [...this.runs.entries()].filter(([, l]) => l.done);
    for (const [id] of finished.slice(0, Math.max(0, finished.length - FINISHED_RUNS_KEPT))) this.runs.delete(id);
  }

  eventsOf(runId: string): readonly WireEvent[] {
    return this.runs.get(runId)?.events ?? [];
  }
}

/** JSON-safe form of an engine event: preview bytes become base64 `data`. */
export function toWire(event: RunEvent): WireEvent {
  if (event.type === 'preview') return { ...event, data: Buffer.from(event.data).toString('base64') };
  return { ...event } as WireEvent;
}
