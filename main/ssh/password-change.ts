/**
 * Ubuntu's forced first-login password change. With an expired password OpenSSH lets the login
 * succeed, then instead of a shell prints
 *   WARNING: Your password has expired.
 *   You must change your password now and login again!        (with a terminal)
 *   Password change required but no TTY available.             (without one)
 * and runs passwd, which asks `Current password:` / `New password:` / `Retype new password:`
 * (older releases: `(current) UNIX password:` / `Enter new UNIX password:` / `Retype new UNIX password:`),
 * prints `passwd: password updated successfully` and disconnects. Where sshd uses PAM
 * keyboard-interactive, the same questions arrive as login prompts instead.
 */
import type { Client } from 'ssh2';
import { SshError } from './ssh-errors';

export function isPasswordExpiredNotice(text: string): boolean {
  return /Your password has expired|You are required to change your password immediately|Password change required but no TTY/i.test(text);
}

type PromptKind = 'current' | 'new' | 'retype' | undefined;

function promptKind(prompt: string): PromptKind {
  const p = prompt.trim();
  if (!/password:?$/i.test(p)) return undefined;
  if (/retype|re-enter|again|confirm/i.test(p)) return 'retype';
  if (/new/i.test(p)) return 'new';
  return 'current';
}

/** The answer to one keyboard-interactive prompt (PAM may ask for a password change during login). */
export function kbdInteractiveAnswer(prompt: string, password: string, newPassword: string | undefined): string {
  const kind = promptKind(prompt);
  return kind === 'new' || kind === 'retype' ? (newPassword ?? '') : password;
}

const SUCCESS = /password updated successfully|all authentication tokens updated successfully/i;
/** passwd's explanations of a refused password (pam_unix, pam_pwquality). */
const REFUSAL = /BAD PASSWORD|must choose|too (short|simple|similar)|unchanged|do not match|palindrome|dictionary|Authentication token/i;

/** Answers passwd's questions in a terminal session; resolves once the password was changed. */
export function changeExpiredPassword(client: Client, label: string, current: string, next: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client.shell({ term: 'dumb', cols: 200, rows: 24 }, (err, ch) => {
      if (err) {
        client.end();
        return reject(new SshError('PASSWORD_CHANGE_FAILED', `${label} did not open a terminal for the password change. Log in once with a terminal (ssh) and change the password by hand.`, label));
      }
      let transcript = '';
      let answeredAt = 0;
      ch.on('data', (d: Buffer) => {
        transcript += d.toString('utf8').replace(/\r/g, '');
        const pendingLine = transcript.slice(answeredAt).split('\n').pop() ?? '';
        const kind = promptKind(pendingLine);
        if (!kind) return;
        answeredAt = transcript.length;
        ch.write(`${kind === 'current' ? current : next}\n`);
      });
      ch.on('close', () => {
        client.end();
        if (SUCCESS.test(transcript)) return resolve();
        // passwd explains itself (e.g. "BAD PASSWORD: The password is shorter than 8 characters").
        const lines = transcript.split('\n').map((l) => l.trim());
        const reasons = lines.filter((l) => REFUSAL.test(l) && !/change your password now/i.test(l) && !l.includes(current) && !l.includes(next));
        const reason = [...new Set(reasons)].join(' ');
        reject(new SshError('PASSWORD_CHANGE_FAILED', `${label} did not accept the new password${reason ? `: ${reason}` : ''}. Choose a different, longer password (passwd refuses short, simple or unchanged ones) and try again.`, label));
      });
    });
  });
}
