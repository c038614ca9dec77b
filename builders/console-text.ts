// Terminal control sequences the firmware and getty print (colours, cursor moves, resets).
const ESC = String.fromCharCode(27);
const CONTROL = new RegExp(`${ESC}\\[[0-9;?=]*[A-Za-z]|${ESC}[()][A-Z0-9]|${ESC}[c78=>]`, 'g');

/** Console output as a person would read it: no escape sequences, no carriage returns. */
export function cleanConsoleText(text: string): string {
  return text.replace(CONTROL, '').replace(/\r/g, '');
}

/** The last `count` non-empty lines of console output, cleaned. */
export function tailLines(text: string, count = 20): string[] {
  return cleanConsoleText(text)
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-count);
}

export { describePattern } from '../dsl/console-notation.ts';

/** `0.3 s`, `12 s`: whole seconds unless that would hide a short timeout. */
export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 1000)} s`;
}
