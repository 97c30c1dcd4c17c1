import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numberedName, safeBasename } from '../../../cli/remote/safe-name';

const url = (name: string) => `/api/files/outputs/run/${name}`;

test('output names from the server become plain names: no folders, no traversal, no control characters', () => {
  const cases: Array<[string, string]> = [
    [url('shapes_00001.png'), 'shapes_00001.png'],
    [url('..%2F..%2Fescape.txt'), 'escape.txt'],
    [url('..%5C..%5Cwin.txt'), 'win.txt'],
    [url('%2Fetc%2Fpasswd'), 'passwd'],
    [url('C%3A%5CWindows%5Cx.dll'), 'x.dll'],
    [url('%2E%2E'), 'output'],
    [url('.'), 'output'],
    [url(''), 'output'],
    [url('.bashrc'), 'bashrc'],
    [url('a%00b.txt'), 'a_b.txt'],
    [url('%1B%5B2J.txt'), '_[2J.txt'],
    [url('a%3Cb%3E%3A%22%7C%3F%2A.txt'), 'a_b______.txt'],
    [url('name.txt%20.%20'), 'name.txt'],
    [url('CON.txt'), '_CON.txt'],
    [url('%E0%A4%A'), '%E0%A4%A'],
    [url('x.png?download=1#frag'), 'x.png'],
    [url('%E2%80%AEgnp.exe'), '_gnp.exe'],
  ];
  for (const [input, expected] of cases) assert.equal(safeBasename(input), expected, input);
});

test('long names are cut to 120 characters keeping the extension', () => {
  const name = safeBasename(url(`${'a'.repeat(500)}.png`));
  assert.equal(name.length, 120);
  assert.ok(name.endsWith('.png'));
});

test('numbered names for files that must not overwrite another', () => {
  assert.deepEqual([0, 1, 2].map((n) => numberedName('prompt.txt', n)), ['prompt.txt', 'prompt-1.txt', 'prompt-2.txt']);
  assert.equal(numberedName('output', 3), 'output-3');
});
