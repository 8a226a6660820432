/**
 * sudo as configured on Ubuntu: cloud-init's default user has NOPASSWD; members of `sudo`
 * need their password (asked on the terminal, or on stdin with -S; `-n` fails instead).
 * A terminal session remembers a correct password for 15 minutes.
 */
import type { CommandContext, CommandFn } from '../shell';

const TIMESTAMP_MS = 15 * 60_000;

async function authenticate(ctx: CommandContext, fromStdin: boolean, nonInteractive: boolean, customPrompt?: string): Promise<boolean> {
  const s = ctx.session;
  const name = s.user.name;
  if (s.user.sudo === 'nopasswd' || (s.tty && s.sudoUntil > ctx.machine.clock.now())) return true;
  if (nonInteractive) {
    ctx.stderr('sudo: a password is required\n');
    return false;
  }
  if (!fromStdin && !s.tty) {
    ctx.stderr('sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n');
    return false;
  }
  let failures = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    const prompt = customPrompt !== undefined ? customPrompt.replace(/%[up]/g, name).replace(/%[hH]/g, ctx.machine.hostname).replace(/%%/g, '%') : `[sudo] password for ${name}: `;
    if (fromStdin) ctx.stderr(prompt);
    else ctx.stdout(prompt);
    const password = await ctx.stdin.readLine({ echo: false });
    if (password === null) {
      if (fromStdin) ctx.stderr('\n');
      ctx.stderr('sudo: no password was provided\n');
      break;
    }
    if (ctx.machine.checkPassword(name, password)) {
      if (s.tty) s.sudoUntil = ctx.machine.clock.now() + TIMESTAMP_MS;
      return true;
    }
    failures++;
    if (attempt < 2) ctx.stderr('Sorry, try again.\n');
  }
  if (failures > 0) ctx.stderr(`sudo: ${failures} incorrect password attempt${failures === 1 ? '' : 's'}\n`);
  return false;
}

export const sudo: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1);
  let fromStdin = false;
  let nonInteractive = false;
  let prompt: string | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-')) break;
    if (a === '-u' || a === '-p') {
      if (a === '-p') prompt = args[i + 1];
      i++;
      continue;
    }
    if (a.includes('S')) fromStdin = true;
    if (a.includes('n')) nonInteractive = true;
    if (a === '-k' || a === '-K') ctx.session.sudoUntil = 0;
  }
  const command = args.slice(i);
  const account = ctx.session.user;
  if (account.sudo === 'none') {
    if (!(await authenticate(ctx, fromStdin, nonInteractive, prompt))) return 1;
    ctx.stderr(`${account.name} is not in the sudoers file.\n`);
    return 1;
  }
  if (command.length === 0) {
    if (args.includes('-v')) return (await authenticate(ctx, fromStdin, nonInteractive, prompt)) ? 0 : 1;
    ctx.stderr('usage: sudo -h | -K | -k | -V\n');
    return 1;
  }
  if (!(await authenticate(ctx, fromStdin, nonInteractive, prompt))) return 1;
  return ctx.run(command, true);
};
