/** The stages of turning an ISO into a reachable guest, in order. */
export type BuildStage = 'boot' | 'install' | 'reboot' | 'ssh-ready';

/** Emitted at the start and end of each stage; a listr2 view only listens to these. */
export interface StageEvent {
  readonly stage: BuildStage;
  readonly status: 'start' | 'done' | 'failed';
  /** Since this stage started (0 at `start`). */
  readonly elapsedMs: number;
  /** Since the build started. */
  readonly totalMs: number;
  readonly detail?: string;
}

export type StageListener = (event: StageEvent) => void;

/** Tracks stage timing and reports each change to the listener. */
export function createStageTracker(listener: StageListener = () => {}) {
  const buildStart = Date.now();
  let current: { stage: BuildStage; started: number } | undefined;
  const emit = (stage: BuildStage, status: StageEvent['status'], started: number, detail?: string): void => {
    const now = Date.now();
    listener({
      stage,
      status,
      elapsedMs: now - started,
      totalMs: now - buildStart,
      ...(detail ? { detail } : {}),
    });
  };
  return {
    start(stage: BuildStage, detail?: string): void {
      current = { stage, started: Date.now() };
      emit(stage, 'start', current.started, detail);
    },
    done(detail?: string): void {
      if (current === undefined) return;
      emit(current.stage, 'done', current.started, detail);
      current = undefined;
    },
    fail(detail?: string): void {
      if (current === undefined) return;
      emit(current.stage, 'failed', current.started, detail);
      current = undefined;
    },
    get stage(): BuildStage | undefined {
      return current?.stage;
    },
  };
}
