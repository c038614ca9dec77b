/** What a probe saw: the guest printed on its serial console in time (ok) or not (with why). */
export interface AccelProbeResult {
  readonly ok: boolean;
  readonly elapsedMs: number;
  readonly reason?: string;
}

/**
 * Boots a tiny guest under one accelerator and reports whether its console showed `proof` in time. Tests pass a
 * fake.
 */
export interface AccelProbe {
  probe(binary: string, args: readonly string[], timeoutMs: number, proof: RegExp): Promise<AccelProbeResult>;
}
