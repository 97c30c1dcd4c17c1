// The server command: parses options and environment, starts the server, prints its URL. Everything else
// lives in server/ (see server/README.md).
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { disableOrtTelemetry } from './diffusion/onnx/telemetry';
import { pluginModulesIn, PluginLoadError } from './engine';
import { DEFAULT_PORT, ServerError, startServer } from './server/index';

const INSTALL_ROOT = fileURLToPath(new URL('.', import.meta.url));
const USAGE = `Usage: node --import tsx server.ts [options]
  --host HOST         address to bind (default 127.0.0.1; another address needs a token)   env CONES_HOST
  --port N            port (default ${DEFAULT_PORT}; 0 = any free port)                          env CONES_PORT
  --token TOKEN       require "Authorization: Bearer TOKEN" (prefer the env variable)    env CONES_TOKEN
  --data-dir DIR      queue, history and the default folders below (default .cones-server)   env CONES_DATA_DIR
  --outputs DIR  --inputs DIR  --residuals DIR  --layouts DIR   served folders (default DIR/outputs, DIR/inputs, ...)
  --graphs DIR        example graphs (default the install's graphs/)
  --plugin MODULE     extra node types (a module exporting \`nodes\`), repeatable
  --plugins DIR       every module (.ts .mts .js .mjs) directly in DIR, as --plugin; repeatable
  --lib DIR           a library of subgraph node types (lib/NAME is DIR/NAME.json), before graphs/lib; repeatable
  --run-timeout S     stop a run after S seconds with E_RUN_TIMEOUT (default 3600; 0 = none)  env CONES_RUN_TIMEOUT
  --redis URL         run graphs on a farm of \`cones worker\` processes through this Redis (redis:// or rediss://)
                      instead of this process's worker thread (docs/scale-out.md)            env CONES_REDIS_URL`;

async function main(): Promise<number> {
  // Before the engine thread starts: onnxruntime sends nothing unless CONES_ORT_TELEMETRY=1 (diffusion/onnx/telemetry.ts).
  disableOrtTelemetry();
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, 'data-dir': { type: 'string' },
        outputs: { type: 'string' }, inputs: { type: 'string' }, residuals: { type: 'string' }, layouts: { type: 'string' },
        graphs: { type: 'string' }, plugin: { type: 'string', multiple: true }, plugins: { type: 'string', multiple: true },
        lib: { type: 'string', multiple: true },
        'run-timeout': { type: 'string' },
        redis: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const env = process.env;
  const portText = values.port ?? env.CONES_PORT;
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  const timeoutText = values['run-timeout'] ?? env.CONES_RUN_TIMEOUT;
  // Everything the server writes lives under its data folder unless a folder is given: nothing else in the cwd.
  const dataDir = values['data-dir'] || env.CONES_DATA_DIR || '.cones-server';
  const redisUrl = values.redis || env.CONES_REDIS_URL || undefined;
  try {
    const server = await startServer({
      host: values.host ?? env.CONES_HOST,
      port,
      token: values.token ?? env.CONES_TOKEN,
      dataDir,
      folders: {
        outputs: values.outputs ?? join(dataDir, 'outputs'),
        inputs: values.inputs ?? join(dataDir, 'inputs'),
        residuals: values.residuals ?? join(dataDir, 'residuals'),
        layouts: values.layouts ?? join(dataDir, 'layouts'),
        graphs: values.graphs ?? resolve(INSTALL_ROOT, 'graphs'),
      },
      registryModules: [...(values.plugin ?? []), ...(values.plugins ?? []).flatMap((dir) => pluginModulesIn(dir))],
      libraries: values.lib ?? [],
      runTimeoutMs: timeoutText === undefined || timeoutText === '' ? undefined : Number(timeoutText) * 1000,
      redisUrl,
    });
    console.log(`cones server listening on ${server.url} (websocket ${server.url.replace(/^http/, 'ws')}/ws)`);
    const stop = (): void => {
      console.log(redisUrl
        ? 'stopping: runs keep executing on the farm and stay queued in Redis; the next server on this data folder re-attaches to them'
        : 'stopping: the running run is recorded as interrupted, pending runs stay queued');
      server.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  } catch (err) {
    if (err instanceof ServerError || err instanceof PluginLoadError) {
      console.error(`${err.code}: ${err.message}${err.hint ? `\n${err.hint}` : ''}`);
      return 2;
    }
    throw err;
  }
}

const code = await main();
if (code >= 0) process.exitCode = code;
