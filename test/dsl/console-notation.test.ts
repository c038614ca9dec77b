import { describe, expect, it } from 'vitest';
import { KeyNotationError, parseKeys } from '../../dsl/console-notation.ts';

describe('parseKeys', () => {
  it('types text as it is and special keys as the bytes a VT100 sends', () => {
    expect(parseKeys('e<down><down><ctrl-e> console=ttyS0<ctrl-x>')).toEqual([
      { text: 'e', keys: false },
      { text: '\x1b[B\x1b[B\x05', keys: true },
      { text: ' console=ttyS0', keys: false },
      { text: '\x18', keys: true },
    ]);
    expect(parseKeys('<esc><tab><enter><f10><bs>')).toEqual([{ text: '\x1b\t\r\x1b[21~\x7f', keys: true }]);
  });

  it('pauses for <wait>, <wait5> and <wait500ms>', () => {
    expect(parseKeys('a<wait>b<wait5><wait500ms>')).toEqual([
      { text: 'a', keys: false },
      { waitMs: 1000 },
      { text: 'b', keys: false },
      { waitMs: 5000 },
      { waitMs: 500 },
    ]);
  });

  it('types a < only as <lt>; a misspelt key or a stray < is refused with where it is', () => {
    expect(parseKeys('a <lt> b')).toEqual([
      { text: 'a ', keys: false },
      { text: '<', keys: true },
      { text: ' b', keys: false },
    ]);
    expect(() => parseKeys('install<entr>')).toThrow(/<entr> is not a key; use one of <enter>/);
    expect(() => parseKeys('a < b')).toThrow(KeyNotationError);
    try {
      parseKeys('ok<ctrl-1>');
    } catch (error) {
      expect((error as KeyNotationError).offset).toBe(2);
    }
    // Object's own names are not keys.
    expect(() => parseKeys('<constructor>')).toThrow(/is not a key/);
    expect(() => parseKeys('<toString>')).toThrow(/is not a key/);
  });
});
