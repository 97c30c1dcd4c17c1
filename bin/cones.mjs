#!/usr/bin/env node
// Launcher: registers the TypeScript loader relative to this package, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
