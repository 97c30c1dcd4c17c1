/** The CLI contract for CI. */
export const EXIT = {
  OK: 0,
  /** Bad usage, unreadable or invalid graph: nothing ran. */
  INVALID: 2,
  /** A node failed while running. */
  RUNTIME: 3,
  /** Interrupted (SIGINT/SIGTERM), as shells report 128 + SIGINT. */
  INTERRUPTED: 130,
} as const;
