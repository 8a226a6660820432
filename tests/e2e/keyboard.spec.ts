/**
 * The Plan and cards steps with the keyboard alone: every control is reached with Tab, used with
 * Space, Enter and the arrow keys, and the confirmation dialog keeps focus inside until it closes.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** Presses Tab until `target` has focus (it must be reachable by keyboard). */
async function tabTo(page: Page, target: Locator, max = 120): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

test('plan and prepare a practice card with the keyboard alone', async ({ app }) => {
  test.setTimeout(180_000);
  const page = await app.start();
  // As a user would: wait until the window shows the Plan step before pressing keys (under load
  // the first Tab could otherwise land before the page had rendered, and focus nothing).
  await expect(page.getByLabel('Cluster name')).toBeVisible();
  await page.locator('body').focus();

  // The skip link comes first.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to the step' })).toBeFocused();

  await tabTo(page, page.getByRole('switch', { name: 'Practice mode' }));
  await page.keyboard.press('Space');
  await expect(page.getByRole('region', { name: 'Practice lab' })).toBeVisible();

  await tabTo(page, page.getByLabel('Cluster name'));
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('keyboard-lab');
  await tabTo(page, page.getByRole('button', { name: 'Save plan' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('save-status')).toHaveText('Plan saved.');

  const lab = page.getByRole('region', { name: 'Practice lab' });
  await tabTo(page, lab.getByRole('button', { name: 'Make card' }));
  await page.keyboard.press('Enter');
  const put = lab.getByRole('list', { name: 'Card shelf' }).getByLabel('Put into… Card 1');
  await tabTo(page, put);
  await page.keyboard.press('ArrowDown');
  await expect(lab.locator('[data-reader="1"]')).toContainText('Ubuntu Server 24.04');

  await tabTo(page, page.getByRole('navigation').getByRole('button', { name: /2\. Prepare SD cards/ }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.locator('[data-node="pi-01"]').getByRole('button', { name: /^Prepare/ }));
  await page.keyboard.press('Enter');
  const choose = page.getByRole('list', { name: 'Cards in this computer' }).getByRole('button', { name: 'Choose for pi-01' });
  await expect(choose).toBeEnabled({ timeout: 30_000 });
  await tabTo(page, choose);
  await page.keyboard.press('Enter');

  const dialog = page.getByRole('dialog', { name: 'Write to this card?' });
  await expect(dialog).toBeVisible();
  // Focus is inside the dialog and stays there.
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await tabTo(page, dialog.getByRole('checkbox'));
  await page.keyboard.press('Space');
  await tabTo(page, dialog.getByRole('button', { name: 'Write and verify' }));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('card-status-pi-01')).toContainText('Ready (24.04', { timeout: 60_000 });

  // Escape closes a dialog without writing.
  await lab.getByRole('list', { name: 'Card shelf' }).getByLabel('Put into… Card 1').selectOption({ label: 'Practice reader 1' });
  await page.locator('[data-node="pi-02"]').getByRole('button', { name: /^Prepare/ }).click();
  await page.getByRole('list', { name: 'Cards in this computer' }).getByRole('button', { name: 'Choose for pi-02' }).click({ timeout: 30_000 });
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByTestId('card-status-pi-02')).toContainText('Not prepared yet');
});
