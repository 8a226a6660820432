/** The "Prepare SD cards" step end to end: two practice cards prepared through the UI. */
import { defaultPlanInPractice, expect, practiceOn, test } from './fixtures';

test.describe('Prepare SD cards', () => {
  test('prepares two practice cards through the UI, one per node, and shows their reports', async ({ app }) => {
    const page = await app.start();
    await practiceOn(page);
    await page.getByLabel('Cluster name').fill('home-lab');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await expect(page.getByTestId('save-status')).toHaveText('Plan saved.');

    const lab = page.getByRole('region', { name: 'Practice lab' });
    const shelf = lab.getByRole('list', { name: 'Card shelf' });
    for (const reader of [1, 2]) {
      await lab.getByLabel('What is on the new card').selectOption('ubuntu-24.04');
      await lab.getByRole('button', { name: 'Make card' }).click();
      await expect(shelf.getByRole('listitem')).toHaveCount(reader);
      await shelf.getByLabel(`Put into… Card ${reader}`).selectOption({ label: `Practice reader ${reader}` });
      await expect(lab.locator(`[data-reader="${reader}"]`)).toContainText('Ubuntu Server 24.04');
    }

    await page.getByRole('navigation').getByRole('button', { name: /2\. Prepare SD cards/ }).click();
    const drives = page.getByRole('list', { name: 'Cards in this computer' });
    await expect(drives.getByRole('listitem')).toHaveCount(2);
    await expect(drives).toContainText('Ubuntu Server 24.04 LTS (noble) for Raspberry Pi');

    // Two readers hold Ubuntu cards: "Prepare all" writes both at once after one confirmation.
    await page.getByRole('button', { name: 'Prepare all cards' }).click();
    const batch = page.getByRole('dialog', { name: 'Write 2 cards at once?' });
    await expect(batch).toContainText('pi-01 will be written to Practice reader 1');
    await expect(batch).toContainText('pi-02 will be written to Practice reader 2');
    await expect(batch.getByRole('button', { name: 'Write and verify' })).toBeDisabled();
    await batch.getByRole('checkbox').check();
    await batch.getByRole('button', { name: 'Write and verify' }).click();
    for (const host of ['pi-01', 'pi-02']) await expect(page.getByTestId(`card-status-${host}`)).toContainText('Ready (24.04', { timeout: 30_000 });
    await expect(page.getByText('Every card is ready.')).toBeVisible();
    await expect(lab.locator('[data-reader="1"]')).toContainText('Empty');
    await expect(page.locator('[data-report="pi-02"]')).toContainText('Ubuntu 24.04');
    await expect(page.getByRole('navigation').getByRole('button', { name: /2\. Prepare SD cards/ })).toContainText('Done');

    // Re-preparing one card later: put it back, choose it for its node, confirm naming the drive.
    await shelf.getByLabel('Put into… Card 1').selectOption({ label: 'Practice reader 1' });
    await expect(drives).toContainText('prepared for pi-01');
    await page.locator('[data-node="pi-01"]').getByRole('button', { name: 'Prepare again' }).click();
    await expect(page.getByText('Next: insert a card for pi-01')).toBeVisible();
    await drives.getByRole('listitem').filter({ hasText: 'Practice reader 1' }).getByRole('button', { name: 'Choose for pi-01' }).click();
    const single = page.getByRole('dialog', { name: 'Write to this card?' });
    await single.getByRole('checkbox', { name: /practice-reader-1\.img is the card for pi-01/ }).check();
    await single.getByRole('button', { name: 'Write and verify' }).click();
    await expect(page.getByText('The card for pi-01 is ready and verified.')).toBeVisible({ timeout: 30_000 });
  });

  test('"Prepare all" pressed before the cards are in: once two cards show up, writing both at once is offered', async ({ app }) => {
    const page = await app.start();
    const lab = await defaultPlanInPractice(page);
    const shelf = lab.getByRole('list', { name: 'Card shelf' });

    await page.getByRole('navigation').getByRole('button', { name: /2\. Prepare SD cards/ }).click();
    await page.getByRole('button', { name: 'Prepare all cards' }).click();
    const status = page.getByText('Preparing every card, one at a time (card 1 of 2): insert the card for pi-01');
    await expect(status).toBeVisible();
    const offer = page.getByRole('button', { name: 'Or write all 2 cards at once…' });
    for (const reader of [1, 2]) {
      await expect(offer).toHaveCount(0); // not before two cards can be written
      await lab.getByRole('button', { name: 'Make card' }).click();
      await expect(shelf.getByRole('listitem')).toHaveCount(reader);
      await shelf.getByLabel(`Put into… Card ${reader}`).selectOption({ label: `Practice reader ${reader}` });
    }
    await expect(offer).toBeVisible();
    if (process.env.PCW_SCREENSHOTS) await page.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/cards-offer.png` });
    await offer.click();
    const batch = page.getByRole('dialog', { name: 'Write 2 cards at once?' });
    await expect(batch).toContainText('pi-01 will be written to Practice reader 1');
    await expect(batch).toContainText('pi-02 will be written to Practice reader 2');
  });
});
