import type { GlobalOptions } from './global-options.ts';

export async function doctor(_options: GlobalOptions): Promise<{ ok: boolean; text: string }> {
  return { ok: false, text: 'doctor: not wired yet' };
}
