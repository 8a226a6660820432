/**
 * Step 11 by clicking, in practice mode: Recreate measured with a gap, RollingUpdate without one,
 * blue/green switched and switched back, a canary's share of the answers; every chart drawn.
 */
import { expect, formClusterByClicking, test } from './fixtures';

test('measure Recreate, RollingUpdate, blue/green and a canary on a practice cluster', async ({ app }) => {
  test.setTimeout(600_000);
  const page = await app.start();
  await formClusterByClicking(page, 2);

  await page.getByRole('navigation').getByRole('button', { name: /11\. Strategies/ }).click();
  await expect(page.getByRole('heading', { name: 'Strategies, measured' })).toBeVisible();
  // The lab runs 60× faster: the step says so and offers real speed, which makes the gap what a Pi shows.
  await expect(page.getByTestId('lab-speed')).toContainText('60× faster');
  await page.getByTestId('lab-speed').getByRole('button', { name: 'Run the lab at real speed (1×)' }).click();
  await expect(page.getByTestId('lab-speed')).toContainText('real speed');

  // Recreate: a gap of seconds.
  const recreateDeploy = page.getByTestId('strategies-recreate-deploy');
  await expect(recreateDeploy.locator('.yaml')).toContainText('type: Recreate');
  await recreateDeploy.getByRole('button', { name: 'Deploy strategy-recreate (nginx 1.14.2)' }).click();
  const recreate = page.getByTestId('strategies-recreate-measure');
  await expect(recreate.getByRole('button', { name: 'Measure: update 1.14.2 → 1.16.1' })).toBeEnabled({ timeout: 120_000 });
  await expect(recreate).toContainText('kubectl set image deployment/strategy-recreate nginx=nginx:1.16.1');
  await recreate.getByRole('button', { name: 'Measure: update 1.14.2 → 1.16.1' }).click();
  await expect(recreate).toHaveAttribute('data-phase', 'done', { timeout: 180_000 });
  await expect(recreate.getByTestId('strategies-recreate-measure-result')).toContainText(/For \d+(\.\d)? s nothing answered/);
  expect(Number(await recreate.getByTestId('strategies-recreate-measure-result').getAttribute('data-gap-ms'))).toBeGreaterThanOrEqual(1000);
  await expect(recreate.locator('canvas')).toHaveCount(1);
  await expect(recreate.locator('.chart-legend')).toContainText('nginx 1.14.2');
  await expect(recreate.locator('.chart-legend')).toContainText('nginx 1.16.1');

  // RollingUpdate: none.
  await page.getByTestId('strategies-rolling-deploy').getByRole('button', { name: 'Deploy strategy-rolling (nginx 1.14.2)' }).click();
  const rolling = page.getByTestId('strategies-rolling-measure');
  await expect(rolling.getByRole('button', { name: 'Measure: update 1.14.2 → 1.16.1' })).toBeEnabled({ timeout: 120_000 });
  await rolling.getByRole('button', { name: 'Measure: update 1.14.2 → 1.16.1' }).click();
  await expect(rolling).toHaveAttribute('data-phase', 'done', { timeout: 180_000 });
  await expect(rolling.getByTestId('strategies-rolling-measure-result')).toContainText('no gap');
  if (process.env.PCW_SCREENSHOTS) {
    await recreate.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/lesson-strategies.png` });
    // The same charts in the dark theme (they take the theme's colours).
    await page.getByTestId('theme').selectOption('dark');
    await rolling.scrollIntoViewIfNeeded();
    await rolling.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/lesson-strategies-dark.png` });
    await page.getByTestId('theme').selectOption('light');
  }

  // Blue/green: switch, then switch back.
  await page.getByTestId('strategies-blue-deploy').getByRole('button', { name: 'Deploy nginx-blue and the Service (selects blue)' }).click();
  await page.getByTestId('strategies-green-deploy').getByRole('button', { name: 'Deploy nginx-green beside it (no traffic yet)' }).click();
  await expect(page.getByTestId('bluegreen-selector')).toContainText('version=blue', { timeout: 60_000 });
  const toGreen = page.getByTestId('strategies-switch-green');
  await expect(toGreen.getByRole('button', { name: 'Measure: switch the Service to green' })).toBeEnabled({ timeout: 120_000 });
  await toGreen.getByRole('button', { name: 'Measure: switch the Service to green' }).click();
  await expect(toGreen).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await expect(toGreen.getByTestId('strategies-switch-green-result')).toContainText('no gap');
  await expect(page.getByTestId('bluegreen-selector')).toContainText('version=green');
  const toBlue = page.getByTestId('strategies-switch-blue');
  await toBlue.getByRole('button', { name: 'Measure the rollback: switch back to blue' }).click();
  await expect(toBlue).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('bluegreen-selector')).toContainText('version=blue');

  // Canary: about a quarter from 1.16.1.
  await page.getByTestId('strategies-canary-main').getByRole('button', { name: 'Deploy strategy-web (3 pods, 1.14.2) and its Service' }).click();
  await page.getByTestId('strategies-canary-deploy').getByRole('button', { name: 'Deploy the canary (1 pod, 1.16.1)' }).click();
  const share = page.getByTestId('strategies-canary-measure');
  await expect(page.locator('[data-pod^="strategy-web-canary-"][data-status="Running"]')).toHaveCount(1, { timeout: 120_000 });
  await expect(page.locator('[data-pod^="strategy-web-"][data-status="Running"]')).toHaveCount(4, { timeout: 120_000 });
  await share.getByRole('button', { name: 'Measure the share of answers (10 s)' }).click();
  await expect(share).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  const canaryShare = Number(await share.locator('[data-version="1.16.1"]').getAttribute('data-share'));
  expect(canaryShare).toBeGreaterThan(0.1);
  expect(canaryShare).toBeLessThan(0.45);
  await expect(page.getByRole('navigation').getByRole('button', { name: /11\. Strategies/ })).toContainText('Done');
  if (process.env.PCW_SCREENSHOTS) await share.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/lesson-strategies-canary.png` });
});
