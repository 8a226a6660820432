/**
 * The administrator helper as a file of its own, dist/main/raw-device-helper.mjs: what the browser
 * host (running under plain Node) starts through the password prompt. Takes the helper's arguments
 * plain, or after `--pcw-raw-device-helper --` the way the app binary is started (helper-cli.ts).
 */
import { helperArgv } from './helper-cli';
import { runRawDeviceHelper } from './raw-device-helper';

const args = process.argv.slice(2);
process.exitCode = await runRawDeviceHelper(helperArgv(args) ?? args);
