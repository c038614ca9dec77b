import type { ProvisionEvent } from '../provisioners/index.ts';

/** The stages of one layer, in order. An ISO layer boots the installer; a child layer boots its parent's template. */
export type LayerStage =
  | 'fetch'
  | 'boot'
  | 'install'
  | 'reboot'
  | 'ssh-ready'
  | 'provision'
  | 'checks'
  | 'seal'
  | 'store';

/** What a progress view listens to. The runner emits; views (listr2 on a TTY, plain lines otherwise) only listen. */
export type BuildEvent =
  | {
      readonly type: 'layer-start';
      readonly recipe: string;
      readonly key: string;
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly type: 'layer-cached';
      readonly recipe: string;
      readonly key: string;
      readonly templateDir: string;
      readonly outcome: 'stored' | 'waited';
    }
  | {
      readonly type: 'layer-built';
      readonly recipe: string;
      readonly key: string;
      readonly templateDir: string;
      readonly elapsedMs: number;
    }
  | {
      readonly type: 'layer-failed';
      readonly recipe: string;
      readonly key: string;
      /** The error's first line; the whole error is the command's to report. */
      readonly message: string;
    }
  | {
      readonly type: 'stage';
      readonly recipe: string;
      readonly stage: LayerStage;
      readonly status: 'start' | 'done' | 'failed';
      readonly elapsedMs: number;
      readonly detail?: string;
    }
  | { readonly type: 'provision'; readonly recipe: string; readonly event: ProvisionEvent }
  | { readonly type: 'progress'; readonly recipe: string; readonly text: string }
  | {
      readonly type: 'log';
      readonly recipe: string;
      readonly level: 'info' | 'warn';
      readonly message: string;
    };

export type BuildListener = (event: BuildEvent) => void;
