import type { RunEvent } from '../engine';

/**
 * Human-readable progress on stderr: one line per node, and a redrawn bar for node progress when
 * stderr is a terminal (in a CI log, bars are printed at quarter steps only so logs stay short).
 */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (event: RunEvent) => void {
  const tty = stream.isTTY === true;
  let total = 0;
  let done = 0;
  let lastQuarter = -1;
  let barShown = false;
  const clearBar = (): void => {
    if (barShown) stream.write('\r\x1b[K');
    barShown = false;
  };
  return (event) => {
    switch (event.type) {
      case 'run_start':
        total = event.nodes.length;
        stream.write(`Running ${total} node(s) for output(s) ${event.targets.join(', ')}\n`);
        break;
      case 'node_cached':
        done++;
        stream.write(`[${done}/${total}] ${event.nodeId} (${event.nodeType}) cached\n`);
        break;
      case 'node_start':
        lastQuarter = -1;
        break;
      case 'progress': {
        const frac = event.max > 0 ? Math.min(1, event.value / event.max) : 0;
        if (tty) {
          const width = 30;
          const filled = Math.round(frac * width);
          stream.write(`\r\x1b[K  ${event.nodeId} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${event.value}/${event.max}`);
          barShown = true;
        } else if (Math.floor(frac * 4) > lastQuarter) {
          lastQuarter = Math.floor(frac * 4);
          stream.write(`  ${event.nodeId}: ${event.value}/${event.max}\n`);
        }
        break;
      }
      case 'node_done': {
        clearBar();
        done++;
        const files = Array.isArray(event.ui?.files) ? ` -> ${(event.ui.files as string[]).join(', ')}` : '';
        stream.write(`[${done}/${total}] ${event.nodeId} (${event.nodeType}) ${event.ms.toFixed(0)} ms${files}\n`);
        break;
      }
      case 'run_done':
        stream.write(`Done in ${(event.ms / 1000).toFixed(2)} s: ${event.executed.length} ran, ${event.cached.length} cached.\n`);
        break;
      case 'run_error':
        clearBar();
        if (!event.issues) stream.write(`${event.code}: ${event.message}\n`);
        break;
      case 'interrupted':
        clearBar();
        stream.write(`Interrupted${event.nodeId ? ` during ${event.nodeId}` : ''}.\n`);
        break;
      case 'preview':
        break;
    }
  };
}
