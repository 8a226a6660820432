/**
 * A Pi's SSH identity changes after its card was re-prepared (cloud-init makes new host keys):
 * the search stops at it, a dialog shows both fingerprints and why the change is expected, and
 * only after the user agrees is the new key trusted.
 */
import { defaultPlanInPractice, expect, test } from './fixtures';

test('a re-prepared card: the changed host key is explained and trusted only on request', async ({ app }) => {
  test.setTimeout(240_000);
  const page = await app.start();
  const lab = await defaultPlanInPractice(page);
  const shelf = lab.getByRole('list', { name: 'Card shelf' });
  await lab.getByRole('button', { name: 'Make card' }).click();
  await shelf.getByLabel('Put into… Card 1').selectOption({ label: 'Practice reader 1' });

  const nav = page.getByRole('navigation');
  const drives = page.getByRole('list', { name: 'Cards in this computer' });
  const prepare = async (button: string) => {
    await nav.getByRole('button', { name: /2\. Prepare SD cards/ }).click();
    await page.locator('[data-node="pi-01"]').getByRole('button', { name: button }).click();
    await drives.getByRole('listitem').filter({ hasText: 'Practice reader 1' }).getByRole('button', { name: 'Choose for pi-01' }).click();
    const single = page.getByRole('dialog', { name: 'Write to this card?' });
    await single.getByRole('checkbox', { name: /practice-reader-1\.img is the card for pi-01/ }).check();
    await single.getByRole('button', { name: 'Write and verify' }).click();
    await expect(page.getByText('The card for pi-01 is ready and verified.')).toBeVisible({ timeout: 30_000 });
  };
  const boot = async () => {
    const pi = lab.locator('[data-pi="pi-1"]');
    await pi.getByLabel('Insert a card Pi 1').selectOption({ label: 'Card 1 (pi-01)' });
    await pi.getByRole('button', { name: 'Power on Pi 1' }).click();
    await expect(pi).toContainText('pi-01', { timeout: 60_000 });
  };
  await prepare('Prepare card');
  await lab.getByRole('button', { name: 'Add a Pi' }).click();
  await boot();

  await nav.getByRole('button', { name: /3\. Boot & discover/ }).click();
  await page.getByRole('button', { name: 'Start searching' }).click();
  const row = page.locator('[data-node="pi-01"]');
  await expect(row).toContainText('SHA256:', { timeout: 90_000 });
  const first = (await row.locator('td').nth(3).textContent())!.trim();
  await page.getByRole('button', { name: 'Stop', exact: true }).click();

  // Re-prepare pi-01's card and boot it again.
  const pi = lab.locator('[data-pi="pi-1"]');
  await pi.getByRole('button', { name: 'Pull the power Pi 1' }).click();
  await pi.getByRole('button', { name: 'Take the card out' }).click();
  await shelf.getByLabel('Put into… Card 1').selectOption({ label: 'Practice reader 1' });
  await prepare('Prepare again');
  await boot();
  await nav.getByRole('button', { name: /3\. Boot & discover/ }).click();
  await page.getByRole('button', { name: 'Start searching' }).click();

  const dialog = page.getByRole('alertdialog', { name: 'The identity of pi-01 has changed' });
  await expect(dialog).toBeVisible({ timeout: 90_000 });
  await expect(dialog).toContainText(first);
  await expect(dialog).toContainText('You prepared a new card for pi-01');
  await expect(dialog).toContainText('sent it nothing');
  const presented = (await dialog.getByTestId('presented-fingerprint').textContent())!.trim();
  expect(presented).toMatch(/^SHA256:/);
  expect(presented).not.toBe(first);
  if (process.env.PCW_SCREENSHOTS) await page.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/host-key.png` });
  await dialog.getByRole('button', { name: 'It was re-installed: trust the new key' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText(presented, { timeout: 90_000 });
});
