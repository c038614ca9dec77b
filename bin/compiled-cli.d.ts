/** `dist/cli/main.js` under `root` when dist/ is current, else undefined (see compiled-cli.js). */
export function compiledCli(root: string): string | undefined;
