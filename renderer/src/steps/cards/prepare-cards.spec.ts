/**
 * Playwright end-to-end test of this step (issue: "a Playwright test that prepares two virtual
 * cards through the UI"). Playwright runs tests/e2e only: move this file to
 * tests/e2e/cards.spec.ts and import from ./fixtures once the step is wired into the app.
 */
import { expect, test } from '../../../../tests/e2e/fixtures';

test.describe('Prepare SD cards', () => {
  test('prepares two practice cards through the UI, one per node, and shows their reports', async ({ app }) => {
    const page = await app.start();
    await page.getByLabel('Cluster name').fill('home-lab');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await expect(page.getByTestId('save-status')).toHaveText('Plan saved.');

    await page.getByRole('switch', { name: 'Practice mode' }).check();
    const lab = page.getByRole('region', { name: 'Practice lab' });
    const shelf = lab.getByRole('list', { name: 'Card shelf' });
    for (const reader of [1, 2]) {
      await lab.getByLabel('What is on the new card').selectOption('ubuntu-24.04');
      await lab.getByRole('button', { name: 'Make card' }).click();
      await expect(shelf.getByRole('listitem')).toHaveCount(reader);
      await shelf.getByRole('listitem').nth(reader - 1).getByRole('button', { name: `Insert into reader ${reader}` }).click();
      await expect(lab.locator(`[data-reader="${reader}"]`)).toContainText('Ubuntu Server 24.04');
    }

    await page.getByRole('navigation').getByRole('button', { name: /2\. Prepare SD cards/ }).click();
    const drives = page.getByRole('list', { name: 'Cards in this computer' });
    await expect(drives.getByRole('listitem')).toHaveCount(2);
    await expect(drives).toContainText('Ubuntu Server 24.04 LTS (noble) for Raspberry Pi');

    await page.getByRole('button', { name: 'Prepare all cards' }).click();
    for (const [host, reader] of [['pi-01', 1], ['pi-02', 2]] as const) {
      await expect(page.getByText(`Next: insert a card for ${host}`)).toBeVisible();
      await drives.getByRole('listitem').filter({ hasText: `Practice SD card reader ${reader}` }).getByRole('button', { name: `Choose for ${host}` }).click();
      const dialog = page.getByRole('dialog', { name: 'Write to this card?' });
      await expect(dialog).toContainText(`Practice SD card reader ${reader}`);
      await expect(dialog.getByRole('button', { name: 'Write and verify' })).toBeDisabled();
      await dialog.getByRole('checkbox').check();
      await dialog.getByRole('button', { name: 'Write and verify' }).click();
      await expect(page.getByTestId(`card-status-${host}`)).toContainText('Ready (24.04', { timeout: 30_000 });
    }
    await expect(page.getByText('Every card is ready.')).toBeVisible();
    await expect(lab.locator('[data-reader="1"]')).toContainText('Empty');
    await expect(page.locator('[data-report="pi-02"]')).toContainText('Ubuntu 24.04');
    await expect(page.getByRole('navigation').getByRole('button', { name: /2\. Prepare SD cards/ })).toContainText('Done');
  });
});
