// Undo / redo by snapshots: after each completed edit the graph is serialised as the file it saves to (graph-io.js),
// and undo restores the previous snapshot. Any edit (nodes added, removed, moved or linked, a widget value, a
// layout, a group, a control mode) changes the file, so every kind is covered by one mechanism. Edits are noticed
// by a debounced check after pointer and key events and by a slow poll (for edits made from scripts); a check never
// runs while a pointer button is down, so a drag is one step, not one per frame.

const CHECK_DELAY_MS = 120;
const POLL_MS = 400;
export const HISTORY_LIMIT = 100;

/**
 * `capture()` returns the graph as text; `restore(text)` replaces the graph with it. Returns the history; the
 * caller calls `reset()` whenever a different graph is opened.
 */
export function createHistory({ capture, restore, limit = HISTORY_LIMIT, onChange = () => {} }) {
  const undoStack = [];
  const redoStack = [];
  let current = null;
  let restoring = false;
  let pointerDown = false;
  let timer = null;

  /** Records the graph as one step when it differs from the last snapshot. Returns true when it recorded one. */
  function check() {
    clearTimeout(timer);
    timer = null;
    if (restoring || current === null) return false;
    const text = capture();
    if (text === current) return false;
    undoStack.push(current);
    if (undoStack.length > limit) undoStack.splice(0, undoStack.length - limit);
    redoStack.length = 0;
    current = text;
    onChange();
    return true;
  }

  const schedule = () => {
    if (pointerDown) return;
    clearTimeout(timer);
    timer = setTimeout(check, CHECK_DELAY_MS);
  };

  function apply(text) {
    restoring = true;
    try {
      restore(text);
    } finally {
      restoring = false;
    }
    current = capture(); // normally `text` itself; whatever the canvas made of it is the new baseline
    onChange();
  }

  function undo() {
    check(); // an edit made a moment ago is a step of its own
    if (!undoStack.length) return false;
    redoStack.push(current);
    apply(undoStack.pop());
    return true;
  }

  function redo() {
    check();
    if (!redoStack.length) return false;
    undoStack.push(current);
    apply(redoStack.pop());
    return true;
  }

  function reset() {
    undoStack.length = 0;
    redoStack.length = 0;
    current = capture();
    onChange();
  }

  /** The steps, to put aside while another graph level is edited (an open subgraph), and `resume` them after. */
  function suspend() {
    check();
    return { undo: undoStack.slice(), redo: redoStack.slice(), current };
  }

  /**
   * Brings back steps put aside by `suspend`; the graph as it is now (changed meanwhile, e.g. a subgraph's edits
   * written into the file) becomes one more step.
   */
  function resume(saved) {
    undoStack.splice(0, undoStack.length, ...saved.undo);
    redoStack.splice(0, redoStack.length, ...saved.redo);
    current = saved.current;
    check();
    onChange();
  }

  document.addEventListener('pointerdown', () => { pointerDown = true; }, true);
  const release = () => { pointerDown = false; schedule(); };
  document.addEventListener('pointerup', release, true);
  document.addEventListener('pointercancel', release, true);
  document.addEventListener('keyup', schedule, true);
  document.addEventListener('change', schedule, true);
  setInterval(() => { if (!pointerDown) check(); }, POLL_MS);

  return {
    undo, redo, reset, check, schedule, suspend, resume,
    get undoSize() { return undoStack.length; },
    get redoSize() { return redoStack.length; },
    get restoring() { return restoring; },
  };
}
