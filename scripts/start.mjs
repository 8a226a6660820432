// `npm start`: open the Electron app; where the Electron binary is not installed, say so in
// one line and start the browser host instead.
import { spawn } from 'node:child_process';
import { electronBinary } from './electron-binary.mjs';

const bin = electronBinary();
if (bin && process.env.PCW_FORCE_BROWSER !== '1') {
  const child = spawn(bin, ['.'], { stdio: 'inherit', env: process.env });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log('Electron is not installed on this machine (its binary download is unavailable); starting the browser host instead.');
  await import('../dist/main/web-main.js');
}
