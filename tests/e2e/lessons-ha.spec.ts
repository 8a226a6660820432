/**
 * Step 12 by clicking, in practice mode, on three control planes: microk8s status says HA and
 * names the three voters; a node loses its power and the timeline shows NotReady, the taints, the
 * eviction and the replacements with upstream's texts; it comes back; the control plane the
 * kubeconfig names goes and the app reads through another; drain and uncordon (in Chinese).
 */
import { expect, formClusterByClicking, test } from './fixtures';

test('lose a node, then the saved control plane, on a three-control-plane practice cluster; drain and uncordon', async ({ app }) => {
  test.setTimeout(900_000);
  const page = await app.start();
  await formClusterByClicking(page, 3, '60', true);

  await page.getByRole('navigation').getByRole('button', { name: /12\. High availability/ }).click();
  await expect(page.getByRole('heading', { name: 'High availability', exact: true })).toBeVisible();
  await expect(page.getByTestId('ha-not-ha')).toHaveCount(0);

  await page.getByTestId('ha-status').getByRole('button', { name: 'Run microk8s status on a control plane' }).click();
  const status = page.getByTestId('ha-status-output');
  await expect(status).toContainText('high-availability: yes', { timeout: 60_000 });
  await expect(status).toHaveAttribute('data-ha', 'yes');
  for (const node of ['pi-01', 'pi-02', 'pi-03']) await expect(page.getByTestId('ha-masters')).toContainText(node);

  // Lose a node: its pod is replaced elsewhere after the grace period and the toleration.
  await page.getByTestId('ha-deploy').getByRole('button', { name: 'Deploy ha-drill (3 pods)' }).click();
  await expect(page.locator('[data-pod^="ha-drill-"][data-status="Running"]')).toHaveCount(3, { timeout: 120_000 });
  await page.getByTestId('ha-node-choice').selectOption('pi-03');
  await page.getByTestId('ha-worker').getByRole('button', { name: 'Pull the power of pi-03' }).click();
  const timeline = page.getByTestId('drill-timeline');
  await expect(timeline.locator('[data-kind="node-not-ready"]:not([data-waiting])')).toContainText('Node pi-03 status is now: NodeNotReady', { timeout: 120_000 });
  await expect(timeline.locator('[data-kind="taint-no-execute"]:not([data-waiting])')).toContainText('node.kubernetes.io/unreachable:NoExecute', { timeout: 60_000 });
  await expect(timeline.locator('[data-kind="pod-marked-for-deletion"]:not([data-waiting])')).toContainText('Marking for deletion Pod default/ha-drill-', { timeout: 120_000 });
  await expect(timeline.locator('[data-kind="replacements-running"]:not([data-waiting])')).toBeVisible({ timeout: 120_000 });
  await expect(timeline).toContainText('60× faster');
  await expect(page.getByTestId('ha-never-back')).toContainText('Remove it in step 5');
  if (process.env.PCW_SCREENSHOTS) {
    await page.getByTestId('ha-drill').scrollIntoViewIfNeeded();
    await page.getByTestId('ha-drill').screenshot({ path: `${process.env.PCW_SCREENSHOTS}/lesson-ha.png` });
  }
  await page.getByTestId('ha-bring-back').click();
  await expect(page.getByTestId('ha-drill-over')).toContainText('pi-03 is back and Ready', { timeout: 120_000 });
  await expect(timeline.locator('[data-kind="old-pods-gone"]')).toBeVisible();
  await page.getByRole('button', { name: 'End this drill' }).click();

  // The control plane the kubeconfig names: the app reads through another and says so.
  await page.getByTestId('ha-cp').getByRole('button', { name: /Pull the power of pi-01/ }).click();
  await expect(page.getByTestId('connection')).toContainText('Live from', { timeout: 120_000 });
  await expect(page.getByTestId('ha-failover')).toContainText('The saved control plane', { timeout: 120_000 });
  await expect(page.getByTestId('drill-timeline').locator('[data-kind="api-failover"]:not([data-waiting])')).toBeVisible({ timeout: 60_000 });
  if (process.env.PCW_SCREENSHOTS) await page.screenshot({ path: `${process.env.PCW_SCREENSHOTS}/lesson-ha-failover.png`, fullPage: true });
  await page.getByTestId('ha-bring-back').click();
  await expect(page.getByTestId('ha-drill-over')).toContainText('the cluster never stopped answering', { timeout: 180_000 });
  await page.getByRole('button', { name: 'End this drill' }).click();

  // The graceful way, in Chinese: kubectl's own output stays as kubectl prints it.
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.getByRole('heading', { name: '优雅的方式：先清空，再关机' })).toBeVisible();
  await page.getByTestId('ha-drain-choice').selectOption('pi-02');
  await page.getByTestId('ha-drain-run').getByRole('button', { name: 'kubectl drain pi-02', exact: true }).click();
  await expect(page.getByTestId('ha-drain-output')).toContainText('node/pi-02 drained', { timeout: 120_000 });
  await expect(page.getByTestId('ha-drain-output')).toContainText('node/pi-02 cordoned');
  await expect(page.getByTestId('ha-drain-run')).toContainText('pi-02 已清空');
  await expect(page.locator('[data-node-column="pi-02"]')).toContainText('不接收新 Pod');
  await page.getByTestId('ha-uncordon').getByRole('button', { name: 'kubectl uncordon pi-02', exact: true }).click();
  await expect(page.getByTestId('ha-drain-output')).toContainText('node/pi-02 uncordoned');
  await expect(page.getByRole('navigation').getByRole('button', { name: /12\. 高可用/ })).toContainText('完成', { timeout: 30_000 });
});
