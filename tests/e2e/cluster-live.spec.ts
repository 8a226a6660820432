/** Step 5 follows the cluster live: a practice Pi whose power is pulled turns NotReady, with the node controller's reason, and the step needs attention; powered on again, it is Ready again. */
import { expect, formClusterByClicking, test } from './fixtures';

test('pulling a practice Pi’s power shows in step 5 within the node monitor grace period', async ({ app }) => {
  test.setTimeout(420_000);
  const page = await app.start();
  await formClusterByClicking(page, 2);
  await page.getByRole('navigation').getByRole('button', { name: /5\. Form the cluster/ }).click();
  await expect(page.getByTestId('node-ready-pi-02')).toContainText('✓ Ready');
  await expect(page.getByTestId('live-line')).toContainText('Live from https://');

  const lab = page.getByRole('region', { name: 'Practice lab' });
  await lab.locator('[data-pi="pi-2"]').getByRole('button', { name: 'Pull the power' }).click();
  await expect(page.getByTestId('node-ready-pi-02')).toContainText('NotReady', { timeout: 60_000 });
  await expect(page.getByTestId('node-why-pi-02')).toContainText('Kubelet stopped posting node status');
  await expect(page.getByRole('navigation').getByRole('button', { name: /5\. Form the cluster/ })).toContainText('Needs attention');
  if (process.env.PCW_SCREENSHOTS) await page.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/cluster-node-down.png`, fullPage: true });
  // After a reload the window still shows what the API says.
  await page.reload();
  await expect(page.getByTestId('node-ready-pi-02')).toContainText('NotReady');

  await lab.locator('[data-pi="pi-2"]').getByRole('button', { name: /Power on/ }).click();
  await expect(page.getByTestId('node-ready-pi-02')).toContainText('✓ Ready', { timeout: 120_000 });
  await expect(page.getByRole('navigation').getByRole('button', { name: /5\. Form the cluster/ })).toContainText('Done');
});
