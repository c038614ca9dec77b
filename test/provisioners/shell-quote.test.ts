import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { quoteForEval, quoteShell, quoteWords, quoteWordsForEval } from '../../provisioners/shell-quote.ts';
import { wrapCommand } from '../../provisioners/wrap-command.ts';
import { HOSTILE_VALUES } from './helpers/hostile.ts';

// Every value is checked through real shells: dash (Debian's /bin/sh) and busybox ash (Alpine's /bin/sh).
const SHELLS = [['/bin/sh'], ['busybox', 'sh']] as const;

async function runIn(shell: readonly string[], script: string): Promise<string> {
  const [file, ...args] = shell;
  const result = await execa(file as string, [...args, '-c', script], {
    cwd: '/tmp',
    stripFinalNewline: false,
  });
  return result.stdout;
}

describe('quoteShell', () => {
  it('leaves plain words bare and single-quotes the rest', () => {
    expect(quoteShell('/usr/local/bin/cometbft')).toBe('/usr/local/bin/cometbft');
    expect(quoteShell('warden:warden')).toBe('warden:warden');
    expect(quoteShell('')).toBe("''");
    expect(quoteShell('a=b')).toBe("'a=b'");
    expect(quoteShell(`it's`)).toBe(`'it'\\''s'`);
    expect(quoteShell('$(id)')).toBe(`'$(id)'`);
  });

  it('refuses a NUL byte, which no shell word can hold', () => {
    expect(() => quoteShell('a\0b')).toThrow(/NUL/);
  });

  for (const shell of SHELLS) {
    it(`round-trips every hostile value through ${shell.join(' ')}`, async () => {
      for (const value of HOSTILE_VALUES) {
        expect(await runIn(shell, `printf '%s' ${quoteShell(value)}`)).toBe(value);
      }
      const words = await runIn(shell, `printf '%s\\0' ${quoteWords(HOSTILE_VALUES)}`);
      expect(words.split('\0').slice(0, -1)).toEqual(HOSTILE_VALUES);
    });

    it(`survives a second parse by eval in ${shell.join(' ')} (OpenRC's command_args)`, async () => {
      // As OpenRC does: assign, then expand unquoted into eval.
      const values = HOSTILE_VALUES.filter((value) => !/\s{2}|\t|\n/.test(value));
      for (const value of values) {
        const out = await runIn(shell, `v=${quoteForEval(value)}\neval printf "'%s\\0'" $v`);
        expect(out).toBe(`${value}\0`);
      }
      const out = await runIn(shell, `args=${quoteWordsForEval(values)}\neval printf "'%s\\0'" $args`);
      expect(out.split('\0').slice(0, -1)).toEqual(values);
    });
  }

  it('runs a hostile value as another user through su, as root does for `user:` steps', async () => {
    if (process.getuid?.() !== 0) return;
    for (const value of HOSTILE_VALUES) {
      const command = wrapCommand(`printf '%s' ${quoteShell(value)}`, {
        loginUser: 'root',
        asUser: 'nobody',
        become: 'none',
      });
      const result = await execa('/bin/sh', ['-c', command], { cwd: '/tmp', stripFinalNewline: false });
      expect(result.stdout).toBe(value);
    }
  });
});

describe('wrapCommand', () => {
  it('sends the command as is for the login user, and wraps it otherwise', () => {
    const command = "echo 'hi'";
    expect(wrapCommand(command, { loginUser: 'root', become: 'none' })).toBe(command);
    expect(wrapCommand(command, { loginUser: 'root', asUser: 'warden', become: 'none' })).toBe(
      `su -s /bin/sh warden -c 'echo '\\''hi'\\'''`,
    );
    expect(wrapCommand(command, { loginUser: 'keeper', become: 'sudo' })).toBe(
      `sudo -n -H -- sh -c 'echo '\\''hi'\\'''`,
    );
    expect(wrapCommand(command, { loginUser: 'keeper', asUser: 'warden', become: 'sudo' })).toBe(
      `sudo -n -H -u warden -- sh -c 'echo '\\''hi'\\'''`,
    );
    expect(wrapCommand(command, { loginUser: 'keeper', become: 'doas' })).toBe(
      `doas -n -- sh -c 'echo '\\''hi'\\'''`,
    );
    expect(wrapCommand(command, { loginUser: 'keeper', asUser: 'keeper', become: 'none' })).toBe(command);
  });

  it('says why when it cannot become another user', () => {
    expect(() => wrapCommand('id', { loginUser: 'keeper', become: 'none' })).toThrow(
      /needs to run as root.*become: 'none'/,
    );
  });
});
