/**
 * The one entry shape of every error code. Each layer keeps its own table (`engine/errors.ts`,
 * `diffusion/*\/codes.ts`, `server/codes.ts`, ...) written `{ ... } as const satisfies CodeTable`, so the
 * table's keys type the codes that layer throws; `errors/catalogue.ts` merges the tables.
 */
export interface CodeEntry {
  /** One line: what went wrong, in words a user can act on. */
  readonly summary: string;
  /** The HTTP status of a response carrying this code; only for codes the server answers with. */
  readonly status?: number;
}

export type CodeTable = Readonly<Record<string, CodeEntry>>;
