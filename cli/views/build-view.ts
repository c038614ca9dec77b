import type { ListrTaskWrapper } from 'listr2';
import type { BuildPlan } from '../../plan/plan-build.ts';
import type { BuildEvent, BuildListener } from '../../runner/build-event.ts';
import { isInteractive } from '../output.ts';
import { formatBuildEvent } from './format-build-event.ts';

/**
 * Shows a build while `run` executes it: listr2 (a task per layer, its current stage or step underneath) on a
 * TTY, one plain line per event elsewhere. The view only listens; the runner never prints.
 */
export async function showBuild<T>(
  plan: BuildPlan,
  run: (emit: BuildListener) => Promise<T>,
  write = (line: string) => console.log(line),
  json = false,
  concurrent = false,
): Promise<T> {
  // JSON lines for CI systems and wrappers: every event as it happens, one object a line, with the time.
  if (json) return run((event) => write(JSON.stringify({ time: new Date().toISOString(), ...event })));
  if (!isInteractive()) {
    const started = Date.now();
    return run((event) => {
      // One build's failure is the command's error; among several, the line says which one stopped and when.
      const line = event.type === 'layer-failed' && !concurrent ? undefined : formatBuildEvent(event);
      if (line) write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}`);
    });
  }
  return showWithListr(plan, run, concurrent);
}

type Task = ListrTaskWrapper<unknown, never, never>;

async function showWithListr<T>(
  plan: BuildPlan,
  run: (emit: BuildListener) => Promise<T>,
  concurrent: boolean,
): Promise<T> {
  const { Listr } = await import('listr2');
  const settle = plan.layers.map(() => createDeferred());
  const tasks: (Task | undefined)[] = [];
  const indexOf = (recipe: string) => plan.layers.findIndex((layer) => layer.recipe === recipe);
  const emit = (event: BuildEvent) => {
    const index = indexOf(event.recipe);
    const task = tasks[index];
    if (event.type === 'layer-cached' || event.type === 'layer-built') {
      if (task) task.title = `${event.recipe}: ${formatBuildEvent(event)?.replace(`${event.recipe}: `, '')}`;
      settle[index]?.resolve();
      return;
    }
    if (event.type === 'layer-failed') {
      settle[index]?.reject(new Error(event.message));
      return;
    }
    const line = formatBuildEvent(event);
    if (task && line && event.type !== 'layer-start') task.output = line.replace(`${event.recipe}: `, '');
  };
  const listr = new Listr(
    plan.layers.map((layer, index) => ({
      title: `${layer.recipe} (${layer.arch}, key ${layer.key.slice(0, 12)})`,
      task: async (_: unknown, task: Task) => {
        tasks[index] = task;
        await settle[index]!.promise;
      },
    })),
    // Several builds at once: each layer's task runs side by side, and one failing leaves the others running.
    { exitOnError: !concurrent, concurrent },
  );
  const running = run(emit).then(
    (result) => {
      // Layers a failed sibling never reached are not built: their tasks end too.
      for (const pending of settle) pending.reject(new Error('not built'));
      return result;
    },
    (error: unknown) => {
      for (const pending of settle) pending.reject(error);
      throw error;
    },
  );
  // The failure is reported once, by the caller; listr2 only shows which layer it stopped in.
  running.catch(() => {});
  await listr.run().catch(() => {});
  return running;
}

/** Promise.withResolvers, which Node 20 lacks. */
function createDeferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
