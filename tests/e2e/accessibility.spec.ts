/**
 * Accessibility (axe-core through Playwright): every step the user can open, and the dialogs,
 * in both themes and both languages, with no serious or critical violation. Keyboard-only use of
 * the Plan and cards steps is covered in keyboard.spec.ts.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { STEP_IDS } from '../../preload/contract/steps';
import { expect, formClusterByClicking, test } from './fixtures';

async function serious(page: Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

async function setLook(page: Page, theme: 'light' | 'dark', language: 'en' | 'zh-CN') {
  await page.getByTestId('theme').selectOption(theme);
  await page.getByTestId('language').selectOption(language);
  await expect(page.locator('html')).toHaveAttribute('lang', language);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

test('every step and dialog, in both themes and languages, has no serious accessibility violation', async ({ app }) => {
  test.setTimeout(900_000);
  const page = await app.start();
  await formClusterByClicking(page, 2);
  // Steps 7 and 8 open once step 6's nginx runs.
  await page.locator('[data-step="deploy"]').click();
  await page.getByTestId('deploy-apply').getByRole('button', { name: 'Deploy nginx' }).click();
  await expect(page.getByTestId('deploy-goal')).toContainText('Done: nginx runs on 2 different nodes', { timeout: 120_000 });
  const found: string[] = [];
  const steps = STEP_IDS; // every step of the journey, the lessons included
  for (const theme of ['light', 'dark'] as const) {
    for (const language of ['en', 'zh-CN'] as const) {
      await setLook(page, theme, language);
      for (const step of steps) {
        await page.locator(`[data-step="${step}"]`).click({ timeout: 15_000 }); // a locked step fails here, not at the test's end
        await expect(page.locator(`[data-step="${step}"]`)).toHaveAttribute('aria-current', 'step');
        await page.waitForTimeout(200); // let lazy step views and live data paint (not a condition we assert on)
        found.push(...(await serious(page, `${step} ${theme} ${language}`)));
      }
      // Dialogs: removing a node (step 5) and resetting the lessons (step 6).
      await page.locator('[data-step="cluster"]').click();
      await page.locator('[data-cluster-node="pi-02"] button').click();
      await expect(page.getByRole('dialog')).toBeVisible();
      found.push(...(await serious(page, `remove dialog ${theme} ${language}`)));
      await page.keyboard.press('Escape');
      await expect(page.getByRole('dialog')).toHaveCount(0);
      await page.locator('[data-step="deploy"]').click();
      await page.locator('.lesson-reset button').click();
      await expect(page.getByRole('dialog')).toBeVisible();
      found.push(...(await serious(page, `reset dialog ${theme} ${language}`)));
      await page.keyboard.press('Escape');
    }
  }
  expect(found).toEqual([]);
});
