import { describe, expect, it } from 'vitest';
import type { ResolvedStep } from '../../dsl/resolved-recipe.ts';
import { TnbuildError } from '../../errors/index.ts';
import { RemoteCommandError } from '../../provisioners/exec-error.ts';
import { toStepError } from '../../provisioners/step-error.ts';

const step = {
  type: 'shell',
  name: 'fill',
  field: 'steps[2]',
  run: 'dd if=/dev/zero of=/fill',
} as unknown as ResolvedStep;

describe('a step that fails', () => {
  it('names the step, its field and the file; a full guest disk says what to change', () => {
    const full = toStepError(
      new RemoteCommandError('shell', {
        command: 'dd if=/dev/zero of=/fill',
        exitCode: 1,
        stdout: '',
        stderr: "dd: error writing '/fill': No space left on device\n",
      }),
      step,
      'recipes/app.ts',
    );
    expect(full).toMatchObject({ code: 'TNB401', field: 'steps[2]', file: 'recipes/app.ts' });
    expect(full.message).toBe('step "fill" (shell): shell failed (exit 1)');
    expect(full.details).toContain("| dd: error writing '/fill': No space left on device");
    expect(full.hint).toMatch(/guest’s disk is full: .*`machine\.disk`/);

    const other = toStepError(
      new RemoteCommandError('shell', { command: 'false', exitCode: 1, stdout: '', stderr: 'nope' }),
      step,
      'recipes/app.ts',
    );
    expect(other.hint).not.toMatch(/disk is full/);
    const coded = toStepError(
      new TnbuildError('TNB402', 'timed out', { details: ['tar: write error: No space left on device'] }),
      step,
      undefined,
    );
    expect(coded).toMatchObject({ code: 'TNB402', hint: expect.stringMatching(/disk is full/) });
  });
});
