// The editor's keyboard shortcuts and their help overlay (`?`, closed with Escape or a click outside).
// Keys typed into a text field or a dialog are left alone: those keep the browser's own undo and copy.

export const SHORTCUTS = [
  ['Ctrl+Z', 'Undo'],
  ['Ctrl+Shift+Z, Ctrl+Y', 'Redo'],
  ['Ctrl+C', 'Copy the selected nodes (with their values)'],
  ['Ctrl+V', 'Paste at the mouse (links between the pasted nodes kept)'],
  ['Ctrl+Shift+V', 'Paste, also keeping links coming into the pasted nodes'],
  ['Delete, Backspace', 'Delete the selected nodes'],
  ['Ctrl+A', 'Select every node'],
  ['Ctrl+Enter', 'Queue the graph (as many runs as the count beside Run)'],
  ['Double-click', 'Search for a node type to add'],
  ['Right-click', 'Node, group and canvas menus (Add Group, colours, titles)'],
  ['Space + drag, drag empty space', 'Move the view'],
  ['Wheel', 'Zoom'],
  ['?', 'Show this help'],
  ['Escape', 'Close this help or a dialog'],
];

function typing(target) {
  const name = target?.localName;
  return name === 'input' || name === 'textarea' || name === 'select' || target?.isContentEditable
    || !!target?.closest?.('.dialog-backdrop, .litegraph .dialog, .graphdialog');
}

function overlay() {
  let el = document.getElementById('shortcuts');
  if (el) return el;
  el = document.createElement('div');
  el.id = 'shortcuts';
  el.className = 'dialog-backdrop';
  el.hidden = true;
  const table = document.createElement('table');
  for (const [keys, what] of SHORTCUTS) {
    const tr = table.insertRow();
    const k = tr.insertCell();
    for (const [i, key] of keys.split(', ').entries()) {
      if (i) k.append(' or ');
      k.append(Object.assign(document.createElement('kbd'), { textContent: key }));
    }
    tr.insertCell().textContent = what;
  }
  const dialog = document.createElement('div');
  dialog.className = 'dialog shortcuts';
  dialog.append(Object.assign(document.createElement('h3'), { textContent: 'Keyboard shortcuts' }), table,
    Object.assign(document.createElement('div'), { className: 'hint', textContent: 'Escape closes this help.' }));
  el.append(dialog);
  el.addEventListener('pointerdown', (e) => { if (e.target === el) el.hidden = true; });
  document.body.append(el);
  return el;
}

export const showShortcuts = (show = true) => { overlay().hidden = !show; };

/** actions: { undo, redo, copy, paste(withIncoming) }; Ctrl+Enter (run) is main.js's, active in text fields too. */
export function installShortcuts(actions) {
  document.addEventListener('keydown', (e) => {
    const help = document.getElementById('shortcuts');
    if (help && !help.hidden) {
      if (e.key === 'Escape' || e.key === '?') { help.hidden = true; e.preventDefault(); e.stopPropagation(); }
      return;
    }
    if (typing(e.target) || document.querySelector('.dialog-backdrop:not([hidden])')) return;
    const ctrl = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    let handled = true;
    if (ctrl && key === 'z' && !e.shiftKey) actions.undo();
    else if (ctrl && ((key === 'z' && e.shiftKey) || (key === 'y' && !e.shiftKey))) actions.redo();
    else if (ctrl && key === 'c' && !e.shiftKey) actions.copy();
    else if (ctrl && key === 'v') actions.paste(e.shiftKey);
    else if (!ctrl && !e.altKey && e.key === '?') showShortcuts(true);
    else handled = false;
    if (handled) {
      // capture phase on the document: litegraph's own copy/paste on the canvas never sees these keys
      e.preventDefault();
      e.stopPropagation();
    }
  }, true);
}
