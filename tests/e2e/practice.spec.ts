import { expect, practiceOn, test } from './fixtures';

test.describe('Practice mode', () => {
  test('makes a virtual SD card, puts it into a practice reader, and keeps it after a restart', async ({ app }) => {
    let page = await app.start();
    const lab = page.getByRole('region', { name: 'Practice lab' });
    await expect(lab).toHaveCount(0);
    // While the world switches, the step area says so and cannot be acted on (it still shows the
    // other world). The notice may be brief: an observer records what the DOM showed.
    await page.evaluate(() => {
      const w = window as unknown as { sawSwitching?: { text: string; inert: boolean; busy: string | null } };
      new MutationObserver(() => {
        const notice = document.querySelector('[data-testid="switching-world"]');
        const content = document.getElementById('content');
        if (notice && content && !w.sawSwitching) w.sawSwitching = { text: notice.textContent ?? '', inert: content.inert, busy: content.getAttribute('aria-busy') };
      }).observe(document.body, { childList: true, subtree: true });
    });
    await practiceOn(page);
    expect(await page.evaluate(() => (window as unknown as { sawSwitching?: unknown }).sawSwitching)).toEqual({ text: 'Switching to the practice lab… The steps below wait until it answers.', inert: true, busy: 'true' });
    await expect(page.getByTestId('switching-world')).toHaveCount(0);
    expect(await page.locator('#content').evaluate((e) => (e as HTMLElement).inert)).toBe(false);
    await expect(lab.getByText('Simulated — no real hardware')).toBeVisible();

    await lab.getByLabel('What is on the new card').selectOption('ubuntu-22.04');
    await lab.getByRole('button', { name: 'Make card' }).click();
    const shelf = lab.getByRole('list', { name: 'Card shelf' });
    await expect(shelf.getByRole('listitem')).toHaveCount(1);
    await expect(shelf).toContainText('Card 1: Ubuntu Server 22.04 (as imaged) (32 GB)');
    await expect(shelf).toContainText('on the shelf');

    await shelf.getByLabel('Put into… Card 1').selectOption({ label: 'Practice reader 2' });
    await expect(lab.locator('[data-reader="2"]')).toContainText('Ubuntu Server 22.04');
    await expect(shelf).toContainText('in reader 2');

    page = await app.start();
    const again = page.getByRole('region', { name: 'Practice lab' });
    await expect(again.locator('[data-reader="2"]')).toContainText('Ubuntu Server 22.04');
    await again.locator('[data-reader="2"]').getByRole('button', { name: 'Eject' }).click();
    await expect(again.locator('[data-reader="2"]')).toContainText('Empty');
    await again.getByRole('button', { name: /Throw away/ }).click();
    await expect(again.getByRole('list', { name: 'Card shelf' }).getByRole('listitem')).toHaveCount(0);
  });
});

test.describe('Practice Pis', () => {
  test('a virtual Pi without a card does not boot; with a card it comes up and answers SSH', async ({ app }) => {
    const page = await app.start();
    await practiceOn(page);
    const lab = page.getByRole('region', { name: 'Practice lab' });
    await lab.getByLabel('Lab speed').selectOption('60');
    await lab.getByRole('button', { name: 'Make card' }).click();
    await lab.getByRole('button', { name: 'Add a Pi' }).click();
    const pi = lab.locator('[data-pi="pi-1"]');
    await expect(pi).toContainText('no card');

    await pi.getByRole('button', { name: 'Power on Pi 1' }).click();
    await expect(pi).toContainText('did not boot');
    await expect(pi).toContainText('there is no card in its slot');

    await pi.getByLabel('Insert a card Pi 1').selectOption({ label: 'Card 1' });
    await expect(pi).toContainText('card 1 in the slot');
    await pi.getByRole('button', { name: 'Power on Pi 1' }).click();
    await expect(pi).toContainText('running', { timeout: 30_000 });
    await expect(pi).toContainText('ubuntu');
    await expect(pi).toContainText(/ssh ubuntu@127\.77\.\d+\.11/);
    await pi.getByText('Faults').click();
    await pi.getByLabel('Port 25000 blocked Pi 1').check();
    await expect(pi.locator('summary')).toHaveText('Faults (1)');
    await pi.getByRole('button', { name: 'Pull the power Pi 1' }).click();
    await expect(pi.locator('.pi-state')).toHaveText('off');
  });
});
