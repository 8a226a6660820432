/**
 * Running a command under sudo without ever echoing or logging the password.
 * The command runs as `sudo -S -p <marker> -- sh -c '<ready marker>; <cmd>'`: the password is written
 * to stdin only when sudo actually prints the (random) prompt marker, so a cached or NOPASSWD sudo
 * never receives it as command input; the ready marker tells us sudo let the command start, and only
 * then is the caller's stdin data sent. Both markers are removed from the output.
 */
import { randomBytes } from 'node:crypto';
import { command } from './shell-quote';
import { SshError } from './ssh-errors';

export interface SudoOptions {
  /** The user's password; omit when sudo is passwordless. */
  password?: string;
}

export interface SudoSession {
  remoteCommand: string;
  /** Feeds stderr text; returns the part to show the user (markers removed). */
  filterStderr(text: string): string;
  /** True once sudo has started the command. */
  readonly started: boolean;
  /** Stderr held back while looking for a marker (shown when the channel closes). */
  flush(): string;
}

/**
 * @param writePassword called (at most once) when sudo asks for the password
 * @param fail called when sudo cannot proceed (password missing or wrong)
 */
export function sudoSession(cmd: string, sudo: SudoOptions, host: string, writePassword: (line: string) => void, onStarted: () => void, fail: (err: SshError) => void): SudoSession {
  const tag = randomBytes(8).toString('hex');
  const prompt = `[pcw-sudo-prompt-${tag}]`;
  const ready = `[pcw-sudo-ready-${tag}]`;
  let pending = '';
  let prompts = 0;
  let started = false;
  return {
    remoteCommand: command(['sudo', '-S', '-p', prompt, '--', 'sh', '-c', `printf '%s\\n' '${ready}' >&2; ${cmd}`]),
    get started() {
      return started;
    },
    filterStderr(text: string): string {
      if (started) return text;
      pending += text;
      let shown = '';
      for (;;) {
        const p = pending.indexOf(prompt);
        const r = pending.indexOf(`${ready}\n`);
        if (p >= 0 && (r < 0 || p < r)) {
          shown += pending.slice(0, p);
          pending = pending.slice(p + prompt.length);
          prompts++;
          if (prompts === 1 && sudo.password !== undefined) writePassword(`${sudo.password}\n`);
          else if (prompts === 1) fail(new SshError('SUDO_PASSWORD_REQUIRED', `sudo on ${host} asks for a password. Enter the password of the login user so the app can run administrative commands.`, host));
          else fail(new SshError('SUDO_PASSWORD_WRONG', `sudo on ${host} rejected the password. Enter the login user's current password (it may have been changed on first login).`, host));
          continue;
        }
        if (r >= 0) {
          shown += pending.slice(0, r) + pending.slice(r + ready.length + 1);
          pending = '';
          started = true;
          onStarted();
          return shown;
        }
        // hold back a trailing partial marker; show the rest
        const lastBracket = pending.lastIndexOf('[');
        const partial = lastBracket >= 0 ? pending.slice(lastBracket) : '';
        const holdFrom = partial && (prompt.startsWith(partial) || ready.startsWith(partial)) ? lastBracket : pending.length;
        shown += pending.slice(0, holdFrom);
        pending = pending.slice(holdFrom);
        return shown;
      }
    },
    flush(): string {
      const rest = pending;
      pending = '';
      return rest;
    },
  };
}
