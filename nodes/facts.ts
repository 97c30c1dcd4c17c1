/**
 * Facts the nodes' check hooks (engine/preflight.ts) declare about their outputs, by port type, and guards that
 * read them back. Facts arrive as `unknown` (a plugin node may declare anything for a port of the same type), so a
 * check only trusts what a guard accepts and otherwise skips what it cannot tell.
 *
 *   STRING        the string itself, when it is known before the run (a literal Text, a TextTemplate of literals)
 *   MODEL         ModelFacts: the folder's text width, VAE factor and tokenizer, read without opening a session
 *   TOKENS        TokensFacts: the prompt, tokenized with the model's tokenizer when both are known
 *   CONDITIONING  ConditioningFacts: the tokens Encode aligned, and the model's text width
 *   RESIDUAL      ResidualFacts: the residual file's width and base word
 *   LAYOUT        LayoutFacts: the subject phrases
 */
import type { SdFolderFacts } from '../diffusion/model/inspect-folder';
import type { Tokenized } from '../diffusion/tokenizer';

export type ModelFacts = SdFolderFacts & { kind: 'model' };

export interface TokensFacts {
  kind: 'tokens';
  prompt: string;
  tokenized: Tokenized;
}

export interface ConditioningFacts {
  kind: 'conditioning';
  tokens: Tokenized;
  modelId: string;
  textWidth?: number;
}

export interface ResidualFacts {
  kind: 'residual';
  width: number;
  baseWord?: string;
  model?: string;
}

export interface LayoutFacts {
  kind: 'layout';
  phrases: string[];
}

function ofKind<T extends { kind: string }>(kind: T['kind']): (value: unknown) => T | undefined {
  return (value) => (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === kind ? value as T : undefined);
}

export const modelFacts = ofKind<ModelFacts>('model');
export const tokensFacts = ofKind<TokensFacts>('tokens');
export const conditioningFacts = ofKind<ConditioningFacts>('conditioning');
export const residualFacts = ofKind<ResidualFacts>('residual');
export const layoutFacts = ofKind<LayoutFacts>('layout');

/** A STRING input's value before the run: its literal, or the upstream fact when that is a string. */
export function knownText(literal: string | undefined, fact: unknown): string | undefined {
  return literal ?? (typeof fact === 'string' ? fact : undefined);
}
