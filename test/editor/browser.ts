import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer, type ServerOptions } from '../../server/index';
import { scratchDir } from '../helpers/scratch';

// Browser globals used inside page.evaluate callbacks (they run in the page); declared here, module-scoped, so the
// repo's Node-only type environment stays free of DOM types.
declare const window: any, document: any, DataTransfer: any, DragEvent: any, File: any, requestAnimationFrame: any;


export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
export const CHROMIUM = process.env.CONES_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why the browser tests cannot run here, or false. CI installs Chromium with `apt-get install -y chromium`. */
export const NO_BROWSER: string | false = existsSync(CHROMIUM) ? false
  : `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CONES_CHROMIUM`;

export interface EditorSession {
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** Uncaught page errors: every test asserts there were none. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * A real server (temp data and output folders, the repo's graphs folder) and a page with the editor loaded.
 * `extra` adds server options; a function gets the session's temp folder (e.g. for a --lib folder inside it).
 */
export async function openEditor(extra: (dir: string) => Partial<ServerOptions> = () => ({})): Promise<EditorSession> {
  const dir = mkdtempSync(join(tmpdir(), 'cones-editor-'));
  const folders = {
    outputs: join(dir, 'out'), inputs: join(dir, 'in'), residuals: join(dir, 'res'), layouts: join(dir, 'lay'),
    graphs: join(REPO_ROOT, 'graphs'),
  };
  const server = await startServer({ port: 0, dataDir: join(dir, 'data'), folders, ...extra(dir) });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  // An explicit context, so a test can open a second tab of the same origin (shared localStorage) with context.newPage().
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // tsx compiles the tests with esbuild's keepNames, which wraps named functions in page.evaluate callbacks in
  // a `__name(...)` helper the page does not have.
  await page.addInitScript('window.__name = (f) => f;');
  await page.goto(`${server.url}/`);
  await page.evaluate(() => (window as any).cones.ready);
  await page.waitForFunction(() => (window as any).cones.connected);
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    server, browser, page, pageErrors,
    close: async () => {
      await browser.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens an example graph the way a user does: the Graphs menu, then its entry. */
export async function openExample(page: Page, name: string): Promise<void> {
  await page.evaluate(() => { document.getElementById('status')!.textContent = ''; });
  await page.click('#btn-graphs');
  await page.click(`#graphs-menu li[data-name="${name}"]`);
  await page.waitForFunction((n) => document.getElementById('status')!.textContent === `opened ${n}.json`, name);
  // Widgets learn their position when first drawn: wait for one frame of the canvas.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** Page coordinates of a point of a node, given in the node's own space (0, 0 = below the title, left edge). */
export async function nodePoint(page: Page, nodeId: string, x: number, y: number): Promise<{ x: number; y: number }> {
  return page.evaluate(({ nodeId, x, y }) => {
    const { canvas, node } = (window as any).cones;
    const n = node(nodeId);
    const rect = canvas.canvas.getBoundingClientRect();
    const { offset, scale } = canvas.ds;
    return { x: rect.left + (n.pos[0] + x + offset[0]) * scale, y: rect.top + (n.pos[1] + y + offset[1]) * scale };
  }, { nodeId, x, y });
}

/** Waits for the status line to match `pattern`; a timeout says what the status line said instead. */
export async function waitForStatus(page: Page, pattern: RegExp, timeout = 60_000): Promise<string> {
  try {
    await page.waitForFunction(
      (src) => new RegExp(src).test(document.getElementById('status')!.textContent!), pattern.source, { timeout, polling: 100 },
    );
  } catch (err) {
    const seen = await page.textContent('#status').catch(() => '(page closed)');
    throw new Error(`status never matched ${pattern} in ${timeout} ms; it says ${JSON.stringify(seen)}`, { cause: err });
  }
  return (await page.textContent('#status'))!;
}

/** One editor session for a test file: opened before its tests (unless skipped), checked for page errors and closed after. */
export function useEditor(skip: string | false, onOpen: (session: EditorSession) => void, extra?: (dir: string) => Partial<ServerOptions>): void {
  let session: EditorSession | undefined;
  before(async () => {
    if (skip) return;
    session = await openEditor(extra);
    onOpen(session);
  });
  after(async () => {
    if (!session) return;
    assert.deepEqual(session.pageErrors, [], 'the page threw');
    await session.close();
  });
}

let shotDir: string | undefined;

/**
 * Saves a screenshot of the page as a test artefact in this test file's scratch folder (test/helpers/scratch.ts:
 * removed when the test process exits; set CONES_KEEP_SCREENSHOTS=1 to write them to test-artifacts/ instead).
 * Returns the path.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = process.env.CONES_KEEP_SCREENSHOTS ? ARTIFACTS : (shotDir ??= scratchDir('editor-shots'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  assert.ok(existsSync(path), `screenshot ${path} written`);
  return path;
}

/** Page coordinates of a point given in canvas (graph) coordinates. */
export async function canvasPoint(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  return page.evaluate(({ x, y }) => {
    const { canvas } = (window as any).cones;
    const rect = canvas.canvas.getBoundingClientRect();
    const { offset, scale } = canvas.ds;
    return { x: rect.left + (x + offset[0]) * scale, y: rect.top + (y + offset[1]) * scale };
  }, { x, y });
}

/** A mouse drag between two page points, in steps, the way a user drags. */
export async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
}
