/**
 * The practice journey in Simplified Chinese, as journey.spec.ts walks it in English: plan, two
 * cards, two Pis found, checks, install, the formed cluster. On every step the visible text of the
 * page (less command output, names, paths and addresses, which are in `pre`, `code` and `.mono`,
 * and inputs) must hold no English words but product names. On the way, one Pi is powered off:
 * "Check again" still checks the other node and says in the step why this one cannot be reached,
 * and an install started while it is off fails in the step, worded, also after a reload.
 * PCW_SCREENSHOTS=<dir> saves a screenshot of each step.
 */
import type { Page } from '@playwright/test';
import { englishWords } from '../../renderer/src/i18n/english-words';
import { messages as cards } from '../../renderer/src/steps/cards/messages';
import { messages as install } from '../../renderer/src/steps/install/messages';
import { messages as discover } from '../../renderer/src/steps/discover/messages';
import { messages as cluster } from '../../renderer/src/steps/cluster/messages';
import { messages as plan } from '../../renderer/src/steps/plan/messages';
import { messages as practice } from '../../renderer/src/practice/messages';
import { messages as shell } from '../../renderer/src/shell/messages';
import { messages as jobs } from '../../renderer/src/jobs/messages';
import { expect, test } from './fixtures';

const ZH: Record<string, string> = Object.assign({}, ...[cards, install, discover, cluster, plan, practice, shell, jobs].map((c) => c['zh-CN']));

/** A Chinese text as the window shows it (simple messages: placeholders filled, tags dropped). */
function zh(key: string, values: Record<string, string | number> = {}): string {
  const text = ZH[key];
  if (text === undefined) throw new Error(`no Chinese text for ${key}`);
  return text.replace(/<\/?mono>/g, '').replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

/** Every piece of text a user sees or hears, except command output, names, paths and addresses (pre, code, .mono) and inputs. */
async function visibleTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const skip = 'pre, code, .mono, input, textarea, option, script, style, .log';
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = node.textContent?.trim();
      if (!parent || !text || parent.closest(skip)) continue;
      if (!parent.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      out.push(text);
    }
    for (const select of document.querySelectorAll('select')) {
      if (select.checkVisibility() && !select.closest('.mono') && select.selectedOptions[0]) out.push(select.selectedOptions[0].text);
    }
    // What a screen reader says for an element.
    for (const el of document.querySelectorAll('[aria-label], [title]')) {
      if (el.closest('.mono, pre, code') || !(el as HTMLElement).checkVisibility()) continue;
      for (const attr of ['aria-label', 'title']) {
        const value = el.getAttribute(attr);
        if (value) out.push(value);
      }
    }
    return out;
  });
}

/** Fails with every English word found on the page (and where), then saves a screenshot when asked. */
async function noEnglish(page: Page, step: string): Promise<void> {
  const texts = await visibleTexts(page);
  const english = texts.flatMap((text) => {
    const words = englishWords(text);
    return words.length > 0 ? [`${words.join(', ')}  ←  “${text.slice(0, 160)}”`] : [];
  });
  expect.soft(english, `English on the ${step} step`).toEqual([]);
  expect(texts.join('').length, `${step}: the page shows text`).toBeGreaterThan(50);
  if (process.env.PCW_SCREENSHOTS) await page.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/zh-${step}.png`, fullPage: true });
}

test('the practice journey in Chinese shows no English, and failures where the user looks', async ({ app }) => {
  test.setTimeout(600_000);
  const page = await app.start();
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.getByRole('switch', { name: zh('practice.mode') }).check();
  const lab = page.getByRole('region', { name: zh('practice.title') });
  await lab.getByLabel(zh('practice.speed')).selectOption('60');
  const rail = page.getByRole('navigation');
  const step = (n: number, id: string) => rail.getByRole('button', { name: new RegExp(`${n}\\. ${zh(`steps.${id}.title`)}`) });

  // 1. Plan
  await page.getByRole('button', { name: zh('plan.save') }).click();
  await expect(page.getByTestId('save-status')).toHaveText(zh('plan.saved'));
  await noEnglish(page, 'plan');

  // The practice bench: two cards in two readers.
  const shelf = lab.getByRole('list', { name: zh('practice.shelf') });
  for (const n of [1, 2]) {
    await lab.getByRole('button', { name: zh('practice.make') }).click();
    await expect(shelf.getByRole('listitem')).toHaveCount(n);
    await shelf.getByLabel(`${zh('practice.putInto')} ${zh('practice.card', { n })}`).selectOption({ label: zh('practice.reader', { n }) });
  }

  // 2. Cards
  await step(2, 'cards').click();
  const drives = page.getByRole('list', { name: zh('cards.drives') });
  await expect(drives.getByRole('listitem').filter({ hasText: 'Ubuntu Server 24.04' })).toHaveCount(2);
  await noEnglish(page, 'cards-inserted');
  await page.getByRole('button', { name: zh('cards.prepareAll') }).click();
  const batch = page.getByRole('dialog', { name: zh('cards.confirmManyTitle', { count: 2 }) });
  await batch.getByRole('checkbox').check();
  await noEnglish(page, 'cards-confirm');
  await batch.getByRole('button', { name: zh('cards.write') }).click();
  await expect(page.getByText(zh('cards.allReady'))).toBeVisible({ timeout: 60_000 });
  await noEnglish(page, 'cards');

  for (const n of [1, 2]) {
    await lab.getByRole('button', { name: zh('practice.addPi') }).click();
    const pi = lab.locator(`[data-pi="pi-${n}"]`);
    await pi.getByLabel(`${zh('practice.plug')} ${zh('practice.pi')} ${n}`).selectOption({ label: `${zh('practice.card', { n })} (pi-0${n})` });
    await pi.getByRole('button', { name: `${zh('practice.powerOn')} ${zh('practice.pi')} ${n}` }).click();
  }

  // 3. Boot & discover
  await step(3, 'discover').click();
  await expect(page.getByRole('heading', { name: zh('find.heading') })).toBeVisible();
  await page.getByRole('button', { name: zh('find.start') }).click();
  for (const node of ['pi-01', 'pi-02']) await expect(page.locator(`[data-node="${node}"]`)).toContainText(zh('find.found'), { timeout: 90_000 });
  await expect(step(3, 'discover')).toContainText(zh('status.done'));
  await expect(page.getByRole('button', { name: zh('find.start') })).toBeVisible({ timeout: 15_000 });
  await noEnglish(page, 'discover');

  // 4. Install: checks
  await step(4, 'install').click();
  await page.getByRole('button', { name: zh('install.check') }).click();
  await expect(page.getByText(zh('install.allGood'))).toBeVisible({ timeout: 90_000 });
  await noEnglish(page, 'install-checked');

  // pi-02 loses power: checking again still checks pi-01 and says, in the step, why pi-02 is not.
  const piTwo = lab.locator('[data-pi="pi-2"]');
  const power = async (on: boolean) => {
    await piTwo.getByRole('button', { name: `${zh(on ? 'practice.powerOn' : 'practice.powerOff')} ${zh('practice.pi')} 2` }).click();
    await expect(piTwo.locator('.pi-state')).toHaveText(zh(on ? 'practice.state.running' : 'practice.state.off'), { timeout: 60_000 });
  };
  await power(false);
  await page.getByRole('button', { name: zh('install.checkAgain') }).click();
  const unreachable = page.locator('[data-checks="pi-02"] [data-check="reachable"]');
  await expect(unreachable).toContainText('✗', { timeout: 60_000 });
  await expect(unreachable).toContainText(zh('install.check.reachable'));
  await expect(page.locator('[data-checks="pi-01"] [data-check="memory-cgroup"]')).toContainText('✓');
  await expect(page.getByRole('button', { name: zh('install.build') })).toBeDisabled();
  await noEnglish(page, 'install-unreachable');

  // Back on, checked again; then off while installing: the install fails in the step, worded, also after a reload.
  await power(true);
  await page.getByRole('button', { name: zh('install.checkAgain') }).click();
  await expect(page.getByText(zh('install.allGood'))).toBeVisible({ timeout: 90_000 });
  await power(false);
  await page.getByRole('button', { name: zh('install.build') }).click();
  const failure = page.getByRole('main').getByTestId('job-failure');
  await expect(failure).toBeVisible({ timeout: 60_000 });
  await expect(failure).toHaveAttribute('data-job-kind', 'cluster.build');
  await expect(failure).toContainText('pi-02');
  await noEnglish(page, 'install-failed');
  await page.reload();
  await expect(page.getByRole('main').getByTestId('job-failure')).toBeVisible();
  const job = page.getByRole('region', { name: zh('jobs.title') }).locator('[data-job-kind="cluster.build"]');
  await expect(job).toHaveAttribute('data-job-state', 'failed');
  await expect(job).not.toContainText(zh('jobs.phase.starting'));
  await noEnglish(page, 'install-failed-reloaded');

  // Back on: the install goes through.
  await power(true);
  await page.getByRole('button', { name: zh('install.checkAgain') }).click();
  await expect(page.getByText(zh('install.allGood'))).toBeVisible({ timeout: 90_000 });
  await page.getByRole('button', { name: zh('install.build') }).click();
  await expect(page.getByRole('main').getByTestId('job-failure')).toHaveCount(0);
  await expect(step(5, 'cluster')).toContainText(zh('status.done'), { timeout: 180_000 });
  await noEnglish(page, 'install');

  // 5. The cluster
  await step(5, 'cluster').click();
  await expect(page.getByRole('heading', { name: zh('cluster.heading') })).toBeVisible();
  await expect(page.locator('[data-cluster-node="pi-02"]')).toContainText('✓');
  await noEnglish(page, 'cluster');
});
