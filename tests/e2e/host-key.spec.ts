/**
 * Host keys without trust on first use, as a user sees them in "Boot & discover":
 *  - a node whose card the app prepared shows the key written to its card before it answers, is
 *    found with no question, and a re-prepared card's new key is taken without asking (the app
 *    made that change itself);
 *  - a host the app did not prepare (here a VM-like SSH server on the practice network that
 *    accepts the cluster key) waits until the user compares its fingerprint and trusts exactly it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { practiceLoopbackBase } from '../../main/practice/practice-service';
import { fingerprintOf } from '../../main/ssh/known-hosts';
import { Ssh2TestServer } from '../../main/ssh/ssh2-test-server';
import { defaultPlanInPractice, expect, test } from './fixtures';

test('prepared nodes are known by their card’s key; a host the app did not prepare is trusted only once confirmed', async ({ app }) => {
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
  const pi = lab.locator('[data-pi="pi-1"]');
  const boot = async () => {
    await pi.getByLabel('Insert a card Pi 1').selectOption({ label: 'Card 1 (pi-01)' });
    await pi.getByRole('button', { name: 'Power on Pi 1' }).click();
    await expect(pi).toContainText('pi-01', { timeout: 60_000 });
  };
  const search = async () => {
    await nav.getByRole('button', { name: /3\. Boot & discover/ }).click();
    await page.getByRole('button', { name: 'Start searching' }).click();
  };
  const row = page.locator('[data-node="pi-01"]');
  const keyCell = row.locator('td').nth(3);

  await prepare('Prepare card');
  // Known before the Pi was ever powered on.
  await nav.getByRole('button', { name: /3\. Boot & discover/ }).click();
  await expect(keyCell).toContainText('written to its card; not seen yet');
  const first = (await keyCell.textContent())!.split(' ')[0]!;
  expect(first).toMatch(/^SHA256:/);

  await lab.getByRole('button', { name: 'Add a Pi' }).click();
  await boot();

  // A VM the app did not prepare, on the practice network at the Pis' SSH port, saying it is pi-02.
  const port = Number(/-p (\d+)/.exec((await pi.textContent()) ?? '')?.[1] ?? 22);
  const vm = await Ssh2TestServer.start({
    address: `${practiceLoopbackBase(app.dataDir)}.50`,
    port,
    authorizedKeys: [(await readFile(path.join(app.dataDir, 'practice', 'keys', 'cluster_ed25519.pub'), 'utf8')).trim()], // the practice world's cluster key
    onExec: (command) => (command === 'hostname' ? { stdout: 'pi-02\n' } : { code: 127 }),
  });
  try {
    await search();
    await expect(row).toContainText('✓ found', { timeout: 90_000 });
    await expect(keyCell).toHaveText(`${first} (the key the app wrote to its card)`);
    await expect(page.getByRole('alertdialog')).toHaveCount(0);

    const confirm = page.getByRole('region', { name: 'New hosts: confirm their keys' });
    const where = `${vm.address}${port === 22 ? '' : `:${port}`}`;
    await expect(confirm).toContainText(`${where} says it is pi-02`, { timeout: 90_000 });
    const shown = fingerprintOf(vm.hostKeyBlob);
    await expect(confirm.getByTestId('unconfirmed-fingerprint')).toHaveText(shown);
    await expect(confirm).toContainText('sudo ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    await expect(page.locator('[data-node="pi-02"]')).not.toContainText('✓');
    if (process.env.PCW_SCREENSHOTS) {
      await confirm.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/host-key.png` });
    }
    await confirm.getByRole('button', { name: 'I compared it: trust this key' }).click();
    await expect(confirm).toHaveCount(0);
    await expect(page.locator('[data-node="pi-02"]')).toContainText(shown, { timeout: 90_000 });
    await expect(page.locator('[data-node="pi-02"]')).toContainText('✓ found');
    // Every planned node is found: the search ends by itself.
    await expect(page.getByRole('button', { name: 'Start searching' })).toBeVisible({ timeout: 30_000 });
  } finally {
    await vm.stop();
  }

  // Re-prepare pi-01's card and boot it again: a new key the app made, taken without a question.
  await pi.getByRole('button', { name: 'Pull the power Pi 1' }).click();
  await pi.getByRole('button', { name: 'Take the card out' }).click();
  await shelf.getByLabel('Put into… Card 1').selectOption({ label: 'Practice reader 1' });
  await prepare('Prepare again');
  await boot();
  await search();
  await expect(keyCell).not.toContainText(first, { timeout: 90_000 });
  await expect(keyCell).toContainText('(the key the app wrote to its card)', { timeout: 90_000 });
  await expect(row).toContainText('✓ found');
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Refused: not the Pi the app prepared' })).toHaveCount(0);
});
