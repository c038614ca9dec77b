import { quoteShell } from '../shell-quote.ts';

/**
 * Busybox has no usermod: rewrite the user's shell and home fields of /etc/passwd with awk. Values travel through the
 * environment (ENVIRON), never through awk's `-v`, which would interpret backslashes.
 */
export function rewritePasswdFields(passwdFile: string, user: string, shell: string, home: string): string {
  for (const [what, value] of [
    ['shell', shell],
    ['home', home],
  ] as const) {
    if (/[:\n]/.test(value))
      throw new Error(`a user's ${what} cannot contain ":" or a line break: ${JSON.stringify(value)}`);
  }
  const file = quoteShell(passwdFile);
  const next = quoteShell(`${passwdFile}.tnbuild`);
  return [
    `U=${quoteShell(user)} S=${quoteShell(shell)} H=${quoteShell(home)} awk -F: -v OFS=: '$1 == ENVIRON["U"] { $6 = ENVIRON["H"]; $7 = ENVIRON["S"] } { print }' ${file} > ${next}`,
    `cat ${next} > ${file}`,
    `rm -f ${next}`,
  ].join(' && ');
}
