import type { InputOverride } from '../engine';
import { CodedError } from '../errors/coded-error';

/** Minimal argv parsing for the `cones` CLI: positionals, `--flag`, `--opt value`, `--opt=value`, repeatable options. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

export class UsageError extends CodedError<'E_USAGE'> {
  constructor(message: string) {
    super('E_USAGE', message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: readonly string[], spec: { options: readonly string[]; flags: readonly string[] }): ParsedArgs {
  const out: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (spec.flags.includes(name)) {
      if (eq !== -1) throw new UsageError(`Flag --${name} takes no value.`);
      out.flags.add(name);
    } else if (spec.options.includes(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`Option --${name} needs a value.`);
      out.options.set(name, [...(out.options.get(name) ?? []), value]);
    } else {
      throw new UsageError(`Unknown option --${name}. Known: ${[...spec.options, ...spec.flags].map((o) => `--${o}`).join(', ')}.`);
    }
  }
  return out;
}

/** `NODE.INPUT=TEXT` -> an override the engine's loader applies (it decides text vs JSON from the input's schema; node ids may contain dots). */
export function parseSet(assignment: string): InputOverride {
  const eq = assignment.indexOf('=');
  const target = eq === -1 ? '' : assignment.slice(0, eq);
  const dot = target.lastIndexOf('.');
  if (eq === -1 || dot <= 0 || dot === target.length - 1) {
    throw new UsageError(`Expected --set NODE.INPUT=VALUE but received "${assignment}".`);
  }
  return { nodeId: target.slice(0, dot), input: target.slice(dot + 1), text: assignment.slice(eq + 1) };
}
