/**
 * Imaging end to end, in practice mode: two blank cards in the two practice readers get Ubuntu
 * from the practice lab's catalogue at once, with their boot settings in the same job; the cards
 * step reports them, and the practice Pis boot from them into a formed cluster, with no card
 * imaged anywhere else.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { englishWords } from '../../renderer/src/i18n/english-words';
import { bootPracticePi, defaultPlanInPractice, discoverInstallAndForm, expect, test } from './fixtures';

/** English words a reader sees inside `selector` (names, paths and devices in .mono, and inputs, left out). */
async function englishIn(page: Page, selector: string): Promise<string[]> {
  const texts = await page.locator(selector).evaluate((root) => {
    const out: string[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = node.textContent?.trim();
      if (parent && text && !parent.closest('pre, code, .mono, input, option') && parent.checkVisibility()) out.push(text);
    }
    for (const el of root.querySelectorAll('[aria-label]')) out.push(el.getAttribute('aria-label') ?? '');
    return out;
  });
  return texts.flatMap((text) => (englishWords(text).length > 0 ? [`${englishWords(text).join(', ')} ← ${text}`] : []));
}

/** Serious or critical accessibility violations inside `selector`. */
async function violations(page: Page, selector: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).include(selector).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
}

test.describe('Imaging', () => {
  test('two blank practice cards imaged at once from the practice catalogue, then booted into a cluster', async ({ app }) => {
    test.setTimeout(600_000);
    const page = await app.start();
    const lab = await defaultPlanInPractice(page);
    const shelf = lab.getByRole('list', { name: 'Card shelf' });
    await page.getByRole('navigation').getByRole('button', { name: /2\. Prepare SD cards/ }).click();

    for (const reader of [1, 2]) {
      await lab.getByLabel('What is on the new card').selectOption('blank');
      await lab.getByRole('button', { name: 'Make card' }).click();
      await expect(shelf.getByRole('listitem')).toHaveCount(reader);
      await shelf.getByLabel(`Put into… Card ${reader}`).selectOption({ label: `Practice reader ${reader}` });
      await expect(lab.locator(`[data-reader="${reader}"]`)).toContainText('Blank');
    }

    const imaging = page.getByRole('region', { name: 'Write Ubuntu onto the cards' });
    // The practice lab's catalogue, the plan's release (24.04) chosen.
    await expect(imaging).toContainText('From the practice lab’s image mirror', { timeout: 60_000 });
    await expect(imaging.getByRole('radio', { name: /Ubuntu Server 24\.04 LTS \(64-bit, practice image\)/ })).toBeChecked();
    await expect(imaging.getByRole('radio', { name: /Ubuntu Server 22\.04 LTS/ })).not.toBeChecked();
    // Each blank card is given the next node without a card.
    await expect(imaging.getByLabel('Node for Practice reader 1')).toHaveValue('pi-01');
    await expect(imaging.getByLabel('Node for Practice reader 2')).toHaveValue('pi-02');
    // Blank cards cannot get boot settings before they hold Ubuntu.
    await page.locator('[data-node="pi-01"]').getByRole('button', { name: 'Prepare card' }).click();
    const drives = page.getByRole('list', { name: 'Cards in this computer' });
    await expect(drives.getByRole('listitem').filter({ hasText: 'Practice reader 1' }).getByRole('button', { name: 'Choose for pi-01' })).toBeDisabled();

    await imaging.getByRole('button', { name: 'Write Ubuntu onto 2 cards…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Erase these 2 cards and write Ubuntu?' });
    await expect(confirm).toContainText('Ubuntu Server 24.04 LTS (64-bit, practice image) will be written onto each card below.');
    for (const n of [1, 2]) {
      const line = confirm.getByRole('listitem').filter({ hasText: `pi-0${n}: Practice reader ${n}` });
      await expect(line).toContainText(`practice-reader-${n}.img`);
      await expect(line).toContainText('32 GB');
      await expect(line).toContainText(/blank card/i);
    }
    await expect(confirm.getByRole('button', { name: 'Erase and write' })).toBeDisabled();
    expect(await violations(page, '[data-testid="imaging-confirm"]')).toEqual([]);
    await confirm.getByRole('checkbox', { name: 'Yes, erase these 2 cards' }).check();
    await confirm.getByRole('button', { name: 'Erase and write' }).click();

    const progress = imaging.getByRole('region', { name: /^Writing Ubuntu Server 24\.04/ });
    await expect(progress).toBeVisible();
    if (process.env.PCW_SCREENSHOTS) await imaging.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/imaging-writing.png` });
    await expect(progress.getByTestId('imaging-summary')).toHaveText(/2 of 2 cards written, checked and configured\./, { timeout: 120_000 });
    for (const host of ['pi-01', 'pi-02']) {
      await expect(progress.getByTestId(`imaging-card-${host}`)).toHaveText('Done: written, checked and configured');
      await expect(page.getByTestId(`card-status-${host}`)).toContainText('Ready (24.04', { timeout: 30_000 });
    }
    // One download for both cards, kept in the cache; the cards step reports each card.
    await expect(progress.getByTestId('imaging-download')).toContainText(/Downloaded [\d.]+ MB of [\d.]+ MB/);
    await expect(imaging.getByTestId('imaging-cache')).toContainText('Downloaded images:');
    for (const host of ['pi-01', 'pi-02']) {
      const report = page.locator(`[data-report="${host}"]`);
      await expect(report).toContainText('Ubuntu 24.04');
      await report.locator('summary').click();
      await expect(report).toContainText('user-data');
      await expect(report).toContainText('network-config');
    }
    await expect(page.getByText('Every card is ready.')).toBeVisible();
    await expect(page.getByRole('navigation').getByRole('button', { name: /2\. Prepare SD cards/ })).toContainText('Done');
    // Both cards went back to the shelf (ejected), labelled with their node.
    for (const reader of [1, 2]) await expect(lab.locator(`[data-reader="${reader}"]`)).toContainText('Empty');
    if (process.env.PCW_SCREENSHOTS) await imaging.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/imaging.png` });
    expect(await violations(page, '.imaging')).toEqual([]);
    // The same in Chinese, with no English but names.
    await page.getByTestId('language').selectOption('zh-CN');
    await expect(page.locator('[data-testid="imaging-summary"]')).toContainText('2 张卡中有 2 张已写入、校验并配置。');
    expect(await englishIn(page, '.imaging')).toEqual([]);
    await page.getByTestId('language').selectOption('en');

    // The imaged cards boot the practice Pis; the rest of the journey as usual.
    for (const n of [1, 2]) await bootPracticePi(lab, n);
    await discoverInstallAndForm(page);
  });

  test("choosing the image: the app's list follows the plan's release, a local file is checked by main, a bad list address is said in words", async ({ app }) => {
    const page = await app.start();
    await page.getByLabel('Ubuntu Server release').selectOption('22.04');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await expect(page.getByTestId('save-status')).toHaveText('Plan saved.');
    await page.getByRole('navigation').getByRole('button', { name: /2\. Prepare SD cards/ }).click();
    const imaging = page.getByRole('region', { name: 'Write Ubuntu onto the cards' });

    // No blank card in: nothing is loaded until asked.
    await imaging.getByRole('button', { name: 'Write Ubuntu onto cards…' }).click();
    await expect(imaging).toContainText('From Ubuntu’s release area');
    await expect(imaging.getByRole('radio', { name: /Ubuntu Server 22\.04\.5 LTS/ })).toBeChecked();
    await expect(imaging.getByRole('radio', { name: /Ubuntu Server 24\.04\.\d LTS/ })).not.toBeChecked();
    await expect(imaging.locator('label').filter({ hasText: 'Ubuntu Server 22.04.5 LTS' })).toContainText('1 GB to download · 4.7 GB on the card');

    // A local file: main checks the path.
    await imaging.getByRole('radio', { name: 'Use a local file' }).check();
    const pathField = imaging.getByLabel(/Path of an image file/);
    await pathField.fill('/nonexistent/ubuntu.img.xz');
    await imaging.getByRole('button', { name: 'Use this file' }).click();
    await expect(imaging.getByRole('alert')).toContainText('/nonexistent/ubuntu.img.xz');
    const file = path.join(app.dataDir, 'my-ubuntu.img');
    await writeFile(file, Buffer.alloc(3 * 1024 * 1024, 1));
    await pathField.fill(file);
    await imaging.getByRole('button', { name: 'Use this file' }).click();
    await expect(imaging.getByTestId('imaging-local-file')).toHaveText('my-ubuntu.img: 3.1 MB · 3.1 MB unpacked');
    await expect(imaging.getByRole('alert')).toHaveCount(0);

    // Another list: a bad address and an unreachable one, each said in words; the app's own list stays in use.
    await imaging.locator('summary', { hasText: 'Another list or a mirror' }).click();
    const listField = imaging.getByRole('textbox', { name: /Address of the list/ });
    await listField.fill('ftp://mirror.example/os_list.json');
    await imaging.getByRole('button', { name: 'Use this list' }).click();
    await expect(imaging.getByRole('alert')).toContainText('“ftp://mirror.example/os_list.json” cannot be used as a list of images');
    await listField.fill('http://127.0.0.1:9/os_list.json');
    await imaging.getByRole('button', { name: 'Use this list' }).click();
    await expect(imaging.getByRole('alert')).toContainText('The list of images at http://127.0.0.1:9/os_list.json could not be fetched.');
    await expect(imaging).toContainText('From Ubuntu’s release area');

    await page.getByTestId('language').selectOption('zh-CN');
    const chinese = page.getByRole('region', { name: '把 Ubuntu 写入 SD 卡' });
    await expect(chinese.getByRole('alert')).toContainText('无法获取 http://127.0.0.1:9/os_list.json 上的映像列表');
    await expect(chinese.getByTestId('imaging-local-file')).toHaveText('my-ubuntu.img：3.1 MB · 解压后 3.1 MB');
  });
});
