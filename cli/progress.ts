import type { RunEvent } from '../engine';

/**
 * Human-readable progress on stderr: one line per node, and a redrawn bar for node progress when
 * stderr is a terminal (in a CI log, bars are printed at quarter steps only so logs stay short).
 */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (e: RunEvent) => void {
  const tty = stream.isTTY === true;
  let total = 0;
  let done = 0;
  let lastQuarter = -1;
  let barShown = false;
  const clearBar = (): void => {
    if (barShown) stream.write('\r\x1b[K');
    barShown = false;
  };
  return (e) => {
    switch (e.type) {
      case 'run_start':
        total = e.nodes.length;
        stream.write(`Running ${total} node(s) for output(s) ${e.targets.join(', ')}\n`);
        break;
      case 'node_cached':
        done++;
        stream.write(`[${done}/${total}] ${e.nodeId} (${e.nodeType}) cached\n`);
        break;
      case 'node_start':
        lastQuarter = -1;
        break;
      case 'progress': {
        const frac = e.max > 0 ? Math.min(1, e.value / e.max) : 0;
        if (tty) {
          const width = 30;
          const filled = Math.round(frac * width);
          stream.write(`\r\x1b[K  ${e.nodeId} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.value}/${e.max}`);
          barShown = true;
        } else if (Math.floor(frac * 4) > lastQuarter) {
          lastQuarter = Math.floor(frac * 4);
          stream.write(`  ${e.nodeId}: ${e.value}/${e.max}\n`);
        }
        break;
      }
      case 'node_done': {
        clearBar();
        done++;
        const files = Array.isArray(e.ui?.files) ? ` -> ${(e.ui.files as string[]).join(', ')}` : '';
        stream.write(`[${done}/${total}] ${e.nodeId} (${e.nodeType}) ${e.ms.toFixed(0)} ms${files}\n`);
        break;
      }
      case 'run_done':
        stream.write(`Done in ${(e.ms / 1000).toFixed(2)} s: ${e.executed.length} ran, ${e.cached.length} cached.\n`);
        break;
      case 'run_error':
        clearBar();
        if (!e.issues) stream.write(`${e.code}: ${e.message}\n`);
        break;
      case 'interrupted':
        clearBar();
        stream.write(`Interrupted${e.nodeId ? ` during ${e.nodeId}` : ''}.\n`);
        break;
      case 'preview':
        break;
    }
  };
}
