/** Long work runs as a job: progress, a collapsible log, re-attached after a reload, cancellable. */
import { expect, practiceOn, test } from './fixtures';

test('a running job survives a reload of the window and can be cancelled from the jobs panel', async ({ app }) => {
  const page = await app.start();
  await practiceOn(page);
  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page.getByTestId('save-status')).toHaveText('Plan saved.');
  await page.getByRole('navigation').getByRole('button', { name: /3\. Boot & discover/ }).click();
  // No Pi is powered on: the search keeps watching until the user stops it.
  await page.getByRole('button', { name: 'Start searching' }).click();
  const jobs = page.getByRole('region', { name: 'Jobs' });
  const job = jobs.locator('[data-job-kind="find-nodes"]');
  await expect(job).toContainText('Find the cluster’s nodes');
  await expect(job.getByRole('button', { name: 'Cancel' })).toBeVisible();

  await page.reload();
  const again = page.getByRole('region', { name: 'Jobs' }).locator('[data-job-kind="find-nodes"]');
  await expect(again.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await again.getByRole('button', { name: 'Show log' }).click();
  await expect(again.locator('pre.log')).toContainText('Searching 127.77.');
  await expect(again.locator('pre.log')).toContainText('for pi-01, pi-02');
  await again.getByRole('button', { name: 'Cancel' }).click();
  await expect(again.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  await expect(again.locator('pre.log')).toContainText('Cancelled.');
  await expect(page.getByRole('button', { name: 'Start searching' })).toBeVisible();
});

test('a subnet typed in with a too-wide prefix is refused with what to write instead, and nothing is searched', async ({ app }) => {
  const page = await app.start();
  await page.getByRole('button', { name: 'Save plan' }).click();
  await expect(page.getByTestId('save-status')).toHaveText('Plan saved.');
  await page.getByRole('navigation').getByRole('button', { name: /3\. Boot & discover/ }).click();
  await page.getByLabel(/Also search these hosts or networks/).fill('203.0.113.0/8');
  await page.getByRole('button', { name: 'Start searching' }).click();
  await expect(page.getByRole('alert')).toContainText('Write a subnet as address/prefix with a prefix from 16 to 32');
  await expect(page.getByRole('region', { name: 'Jobs' })).toHaveCount(0);
});
