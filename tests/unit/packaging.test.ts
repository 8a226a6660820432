/**
 * What `npm run dist` builds, checked without the Electron binary: electron-builder.yml passes
 * electron-builder's own schema; its fuses, run through electron-builder's own fuse code onto a
 * stand-in binary that carries Electron's fuse wire, come out as intended; and the .deb's
 * administrator helper (a root-owned wrapper plus the polkit action naming its installed path)
 * fits how electron-builder installs the app and how the app starts the helper.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir } from '../../main/disk/testing/fat-test-tools';
import { INSTALLED_HELPER_NAME } from '../../main/disk/elevated/elevation-prompt';
import { HELPER_FLAG, helperArgv, helperChromiumSwitches } from '../../main/disk/elevated/helper-cli';
import pkg from '../../package.json' with { type: 'json' };
import type * as ElectronFuses from '@electron/fuses';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..', '..');

interface BuilderConfig {
  productName: string;
  electronFuses: Record<string, boolean>;
  linux: { extraResources: { from: string; to: string }[] };
  deb: { fpm: string[] };
  asarUnpack?: string[];
}

async function builderConfig(): Promise<BuilderConfig> {
  return parse(await readFile(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

/** Where electron-builder installs a Linux package's files (LinuxTargetHelper.installPrefix + sanitized product name). */
function installFolder(productName: string): string {
  const { installPrefix } = require('app-builder-lib/out/targets/LinuxTargetHelper') as { installPrefix: string };
  const { sanitizeFileName } = require('builder-util/out/filename') as { sanitizeFileName: (s: string) => string };
  return `${installPrefix}/${sanitizeFileName(productName)}`;
}

describe('electron-builder.yml', () => {
  it('is valid for electron-builder 26', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as { validateConfiguration: (c: unknown, l: unknown) => Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(await builderConfig(), new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('flips Electron\'s fuses: no RunAsNode, no NODE_OPTIONS, no --inspect, cookies encrypted, app only from an integrity-checked asar', async () => {
    const { FuseV1Options, flipFuses, getCurrentFuseWire } = require('@electron/fuses') as typeof ElectronFuses;
    const { FuseState, SENTINEL } = require('@electron/fuses/dist/constants') as { FuseState: { ENABLE: number; DISABLE: number }; SENTINEL: string };
    const { PlatformPackager } = require('app-builder-lib') as { PlatformPackager: { prototype: { generateFuseConfig(f: unknown): Promise<Record<string, unknown>> } } };
    const { dir, cleanup } = await makeTempDir('fuses-');
    try {
      // A stand-in binary carrying fuse wire v1 with Electron's defaults (RunAsNode on, cookie encryption off, ...).
      const defaults = [FuseState.ENABLE, FuseState.DISABLE, FuseState.ENABLE, FuseState.ENABLE, FuseState.DISABLE, FuseState.DISABLE, FuseState.DISABLE, FuseState.ENABLE];
      const binary = join(dir, 'pi-cluster-wizard');
      await writeFile(binary, Buffer.concat([randomBytes(4096), Buffer.from(SENTINEL), Buffer.from([1, defaults.length, ...defaults]), randomBytes(4096)]));
      // electron-builder's own translation of our config, applied the way it applies it after packing.
      const config = await PlatformPackager.prototype.generateFuseConfig.call({}, (await builderConfig()).electronFuses);
      await flipFuses(binary, config as Parameters<typeof flipFuses>[1]);
      const wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
      const on = (option: number) => wire[option] === FuseState.ENABLE;
      expect(on(FuseV1Options.RunAsNode)).toBe(false);
      expect(on(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(false);
      expect(on(FuseV1Options.EnableNodeCliInspectArguments)).toBe(false);
      expect(on(FuseV1Options.EnableCookieEncryption)).toBe(true);
      expect(on(FuseV1Options.OnlyLoadAppFromAsar)).toBe(true);
      expect(on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(true);
      expect(on(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(false);
    } finally {
      await cleanup();
    }
  });

  it('unpacks both xz decoders and what they load at run time, which the decoder thread loads from app.asar.unpacked', async () => {
    const { minimatch } = createRequire(require.resolve('app-builder-lib'))('minimatch') as { minimatch: (path: string, pattern: string, options: { dot: boolean }) => boolean };
    const patterns = (await builderConfig()).asarUnpack ?? [];
    const unpacked = (path: string) => patterns.some((pattern) => minimatch(path, pattern, { dot: true }));
    // Each decoder package and its run-time dependencies (installed optional ones included: the
    // platform packages), as their package.json lies in the packaged app's node_modules.
    const seen = new Set<string>();
    /** Node's lookup: node_modules/<name> in the folder of `from` and each folder above it. */
    const find = (name: string, from: string): string | undefined => {
      for (let dir = dirname(from); ; dir = dirname(dir)) {
        const manifest = join(dir, 'node_modules', name, 'package.json');
        if (existsSync(manifest)) return manifest;
        if (dir === dirname(dir)) return undefined;
      }
    };
    const visit = (name: string, from: string) => {
      const manifest = find(name, from);
      if (!manifest) return; // an optional dependency for another platform
      if (seen.has(manifest)) return;
      seen.add(manifest);
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
      // node-addon-api is C++ headers for building the addon, not loaded at run time.
      for (const dependency of Object.keys({ ...json.dependencies, ...json.optionalDependencies })) if (dependency !== 'node-addon-api') visit(dependency, manifest);
    };
    visit('node-liblzma', join(root, 'package.json'));
    visit('@napi-rs/lzma', join(root, 'package.json'));
    const inApp = [...seen].map((path) => relative(root, path));
    expect(inApp).toEqual(expect.arrayContaining(['node_modules/node-liblzma/package.json', 'node_modules/node-gyp-build/package.json', 'node_modules/@napi-rs/lzma/package.json']));
    expect(inApp.filter((path) => !unpacked(path))).toEqual([]);
  });

  it('no longer unpacks a helper script from the asar (the packaged app is its own helper)', async () => {
    expect((await builderConfig()).asarUnpack ?? []).not.toContain('dist/main/raw-device-helper.mjs');
  });
});

describe('the .deb\'s administrator helper', () => {
  it('the polkit action names exactly where the .deb installs the helper wrapper', async () => {
    const config = await builderConfig();
    const resource = config.linux.extraResources.find((r) => r.to === INSTALLED_HELPER_NAME);
    expect(resource?.from).toBe('assets/linux/pcw-raw-device-helper');
    const installed = `${installFolder(config.productName)}/resources/${INSTALLED_HELPER_NAME}`;
    expect(installed).toBe('/opt/Pi Cluster Wizard/resources/pcw-raw-device-helper');

    const [source, target] = config.deb.fpm.find((arg) => arg.endsWith('.policy'))!.split('=');
    const policy = await readFile(join(root, source!), 'utf8');
    const action = /<action id="([^"]+)">/.exec(policy)![1]!;
    expect(target).toBe(`/usr/share/polkit-1/actions/${action}.policy`);
    expect([...policy.matchAll(/<annotate key="org\.freedesktop\.policykit\.exec\.path">([^<]+)<\/annotate>/g)].map((m) => m[1])).toEqual([installed]);
    expect(policy).toMatch(/<allow_active>auth_admin<\/allow_active>/);
    expect(policy).not.toMatch(/<allow_(any|inactive|active)>yes</);
  });

  it('the wrapper is executable and starts the app binary beside it as the helper, arguments untouched', async () => {
    const wrapper = join(root, 'assets', 'linux', 'pcw-raw-device-helper');
    expect((await stat(wrapper)).mode & 0o111).toBe(0o111);
    const { dir, cleanup } = await makeTempDir('deb-wrapper-');
    try {
      // The .deb's layout: /opt/<product>/<executable> and /opt/<product>/resources/<wrapper>.
      const product = join(dir, 'opt', 'Pi Cluster Wizard');
      await mkdir(join(product, 'resources'), { recursive: true });
      await copyFile(wrapper, join(product, 'resources', INSTALLED_HELPER_NAME));
      await chmod(join(product, 'resources', INSTALLED_HELPER_NAME), 0o755);
      const executable = pkg.name.toLowerCase(); // electron-builder's Linux executableName: the package name
      await writeFile(join(product, executable), "#!/bin/sh\nprintf '%s\\n' \"$@\"\n", { mode: 0o755 });
      const helperArgs = ['--device', "/dev/sd'b $(id)", '--socket', '/tmp/pcw-raw-x/s', '--key-file', '/tmp/pcw-raw-x/key', '--size', '1'];
      const { stdout } = await run(join(product, 'resources', INSTALLED_HELPER_NAME), helperArgs);
      const argv = stdout.split('\n').slice(0, -1);
      expect(argv).toEqual([...helperChromiumSwitches('linux'), HELPER_FLAG, '--', ...helperArgs]);
      expect(helperArgv(['app', ...argv])).toEqual(helperArgs);
    } finally {
      await cleanup();
    }
  });
});
