/**
 * The Electronegativity gate (scripts/electronegativity.mjs) fails CI on a HIGH or MEDIUM finding
 * nobody explained, on a stale acceptance, and passes once each finding has its reason. It runs the
 * real scanner, offline, over a small app written the insecure way.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../main/disk/testing/fat-test-tools';

const script = join(import.meta.dirname, '..', '..', 'scripts', 'electronegativity.mjs');

function gate(config: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, '--config', config], { timeout: 120_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: stdout + stderr }));
  });
}

describe('npm run electronegativity', () => {
  it('fails on an unexplained finding and on a stale acceptance; passes when each is explained', async () => {
    const { dir, cleanup } = await makeTempDir('electronegativity-');
    try {
      await mkdir(join(dir, 'src'));
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'insecure', devDependencies: { electron: '45.5.0' } }));
      await writeFile(
        join(dir, 'src', 'main.js'),
        "const { app, BrowserWindow } = require('electron');\napp.whenReady().then(() => {\n  const win = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n  win.loadURL('http://example.invalid/');\n});\n",
      );
      const config = (accepted: { check: string; file: string; reason: string }[]) => JSON.stringify({ scan: ['src', 'package.json'], excludeChecks: [{ check: 'AvailableSecurityFixesGlobalCheck', reason: 'offline' }], accepted });
      await writeFile(join(dir, 'strict.json'), config([{ check: 'PRELOAD_JS_CHECK', file: 'src/gone.js', reason: 'a file that no longer exists' }]));
      const strict = await gate(join(dir, 'strict.json'));
      expect(strict.code).toBe(1);
      expect(strict.stdout).toMatch(/FAIL +HIGH .*CONTEXT_ISOLATION_JS_CHECK +src\/main\.js:3/);
      expect(strict.stdout).toMatch(/FAIL +MEDIUM .*SANDBOX_JS_CHECK +src\/main\.js:3/);
      expect(strict.stdout).toMatch(/FAIL +HIGH .*LIMIT_NAVIGATION_GLOBAL_CHECK/);
      expect(strict.stdout).toMatch(/FAIL +the acceptance of PRELOAD_JS_CHECK in src\/gone\.js matches no finding any more/);
      expect(strict.stdout).toContain('findings above need a fix or an accepted reason');

      // Every HIGH/MEDIUM finding accepted with a reason: the gate passes and prints the reasons.
      const findings = [...strict.stdout.matchAll(/FAIL +(?:HIGH|MEDIUM) +\S+ +(\S+) +([^\s:]+)/g)].map((m) => ({ check: m[1]!, file: m[2]!, reason: `reason for ${m[1]}` }));
      expect(findings.length).toBeGreaterThanOrEqual(2);
      await writeFile(join(dir, 'explained.json'), config(findings));
      const explained = await gate(join(dir, 'explained.json'));
      expect(explained.code, explained.stdout).toBe(0);
      expect(explained.stdout).toMatch(/accepted HIGH .*CONTEXT_ISOLATION_JS_CHECK .*: reason for CONTEXT_ISOLATION_JS_CHECK/);
      expect(explained.stdout).toContain('no HIGH or MEDIUM finding left unexplained');
    } finally {
      await cleanup();
    }
  }, 120_000);
});
