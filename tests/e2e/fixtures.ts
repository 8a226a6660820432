/**
 * Fixtures: start the app the way a user does (browser host in Chromium, or the Electron app)
 * with its own data directory, and give the spec a page plus a way to restart the app.
 */
import { test as base, chromium, _electron as electron, expect } from '@playwright/test';
import type { Browser, ElectronApplication, Locator, Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { electronBinary } from '../../scripts/electron-binary.mjs';

export type HostKind = 'browser' | 'electron';

export const CHROMIUM = process.env.PCW_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-gpu', '--disable-sync'];

export { electronBinary };

interface RunningApp {
  page: Page;
  close(): Promise<void>;
}

async function startBrowserHost(dataDir: string, browser: Browser): Promise<RunningApp & { process: ChildProcess }> {
  const child = spawn(process.execPath, ['dist/main/web-main.js'], { env: { ...process.env, PCW_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`The browser host did not start:\n${out}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /Open: (\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`The browser host exited with ${code}:\n${out}`)));
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  return {
    page,
    process: child,
    close: async () => {
      await context.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function startElectron(dataDir: string): Promise<RunningApp> {
  const executablePath = electronBinary() ?? undefined;
  const app: ElectronApplication = await electron.launch({ executablePath, args: ['.'], env: { ...process.env, PCW_DATA_DIR: dataDir } });
  const page = await app.firstWindow();
  return { page, close: () => app.close() };
}

export interface AppFixture {
  /** Start (or restart, keeping the data directory) the app and return its window. */
  start(): Promise<Page>;
  stop(): Promise<void>;
  dataDir: string;
}

export const test = base.extend<{ host: HostKind; app: AppFixture }, { browser: Browser }>({
  host: ['browser', { option: true }],
  browser: [
    async ({}, use) => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  app: async ({ host, browser }, use, testInfo) => {
    if (host === 'electron') {
      testInfo.skip(!electronBinary(), 'The Electron binary is not installed on this machine (its download is unavailable); the same specs ran in the browser project.');
    }
    const dataDir = await mkdtemp(path.join(tmpdir(), 'pcw-e2e-'));
    let running: RunningApp | null = null;
    const fixture: AppFixture = {
      dataDir,
      async start() {
        await running?.close();
        running = host === 'electron' ? await startElectron(dataDir) : await startBrowserHost(dataDir, browser);
        return running.page;
      },
      async stop() {
        await running?.close();
        running = null;
      },
    };
    await use(fixture);
    await fixture.stop();
  },
});

export { expect } from '@playwright/test';

/**
 * Turns practice mode on and waits until the window shows the practice world: what is typed or
 * saved while main is still switching worlds belongs to the world being left.
 */
export async function practiceOn(page: Page) {
  await page.getByRole('switch', { name: 'Practice mode' }).check();
  await expect(page.locator('.practice-badge')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('switch', { name: 'Practice mode' })).toBeEnabled({ timeout: 60_000 });
}

/** Turns practice mode on at a lab speed and saves the default plan there; returns the practice panel. */
export async function defaultPlanInPractice(page: Page, speed = '60') {
  await practiceOn(page);
  const lab = page.getByRole('region', { name: 'Practice lab' });
  await lab.getByLabel('Lab speed').selectOption(speed);
  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page.getByTestId('save-status')).toHaveText('Plan saved.');
  return lab;
}

/**
 * The practice journey by clicking, from an empty app to a formed cluster of `count` nodes
 * (pi-01 the control plane, or pi-01..pi-03 with `highAvailability`, the plan's "3 control
 * planes" option): plan, cards, virtual Pis, discovery, install. Lessons start here.
 */
export async function formClusterByClicking(page: Page, count = 2, speed = '60', highAvailability = false): Promise<void> {
  const lab = await defaultPlanInPractice(page, speed);
  if (count !== 2 || highAvailability) {
    await page.getByLabel('Number of nodes').fill(String(count));
    if (highAvailability) await page.getByRole('checkbox', { name: /Use 3 control planes/ }).check();
    await page.getByRole('button', { name: 'Save plan' }).click();
    await expect(page.getByTestId('save-status')).toHaveText('Plan saved.');
  }
  const shelf = lab.getByRole('list', { name: 'Card shelf' });
  await page.getByRole('navigation').getByRole('button', { name: /2\. Prepare SD cards/ }).click();
  for (let n = 1; n <= count; n++) {
    await lab.getByRole('button', { name: 'Make card' }).click();
    await expect(shelf.getByRole('listitem')).toHaveCount(n);
    await shelf.getByLabel(`Put into… Card ${n}`).selectOption({ label: 'Practice reader 1' });
    await page.locator(`[data-node="pi-0${n}"]`).getByRole('button', { name: /^Prepare/ }).click();
    const drives = page.getByRole('list', { name: 'Cards in this computer' });
    await drives.getByRole('listitem').filter({ hasText: 'Practice reader 1' }).getByRole('button', { name: `Choose for pi-0${n}` }).click({ timeout: 30_000 });
    const single = page.getByRole('dialog', { name: 'Write to this card?' });
    await single.getByRole('checkbox').first().check();
    await single.getByRole('button', { name: 'Write and verify' }).click();
    await expect(page.getByTestId(`card-status-pi-0${n}`)).toContainText('Ready (24.04', { timeout: 60_000 });
    await bootPracticePi(lab, n);
  }
  await discoverInstallAndForm(page);
}

/** Adds practice Pi `n`, puts Card `n` (prepared for pi-0n, on the shelf) into it and powers it on. */
export async function bootPracticePi(lab: Locator, n: number): Promise<void> {
  const shelf = lab.getByRole('list', { name: 'Card shelf' });
  await lab.getByRole('button', { name: 'Add a Pi' }).click();
  const pi = lab.locator(`[data-pi="pi-${n}"]`);
  await expect(shelf).toContainText(`Card ${n}: prepared for pi-0${n}`);
  await pi.getByLabel(`Insert a card Pi ${n}`).selectOption({ label: `Card ${n} (pi-0${n})` });
  await pi.getByRole('button', { name: `Power on Pi ${n}` }).click();
}

/** Steps 3 to 5 by clicking once the Pis are on: search, check, install, until the cluster is formed. */
export async function discoverInstallAndForm(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: /3\. Boot & discover/ }).click();
  await page.getByRole('button', { name: 'Start searching' }).click();
  await expect(page.getByRole('navigation').getByRole('button', { name: /3\. Boot & discover/ })).toContainText('Done', { timeout: 120_000 });
  await page.getByRole('navigation').getByRole('button', { name: /4\. Install MicroK8s/ }).click();
  await page.getByRole('button', { name: 'Check the nodes' }).click();
  await expect(page.getByText('Every node is ready for MicroK8s.')).toBeVisible({ timeout: 120_000 });
  await page.getByRole('button', { name: 'Install MicroK8s and form the cluster' }).click();
  await expect(page.getByRole('navigation').getByRole('button', { name: /5\. Form the cluster/ })).toContainText('Done', { timeout: 180_000 });
}

/**
 * A README screenshot of the whole page when `PCW_SCREENSHOTS` names a folder. The viewport is
 * made as tall as the page first: pod chips are `content-visibility: auto`, so Chromium does not
 * paint those outside the viewport, and a plain full-page capture would show empty node columns.
 */
export async function readmeShot(page: Page, name: string): Promise<void> {
  const dir = process.env.PCW_SCREENSHOTS;
  if (!dir) return;
  const before = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: before?.width ?? 1280, height: Math.min(height, 16_000) });
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
  if (before) await page.setViewportSize(before);
}
