// Task factory: config → Task. The corpus can be passed in so tests and sweeps load it once.
import type { ExperimentConfig } from '../../schema/experiment';
import { AddingTask } from './adding';
import type { Corpus } from './language/corpus';
import { LanguageTask } from './language/task';
import { NavigationTask } from './navigation/task';
import type { Task } from './task';

export interface TaskFactoryOptions {
  corpus?: Corpus;
  /** The run may keep a second thread busy (threads ≥ 2): navigation computes the next batch on it. */
  backgroundThread?: boolean;
}

export function createTask(config: ExperimentConfig, initSeed: string, opts: TaskFactoryOptions = {}): Task {
  const t = config.task;
  switch (t.task) {
    case 'navigation':
      return new NavigationTask(t, config.seed, initSeed, { backgroundThread: opts.backgroundThread });
    case 'adding':
      return new AddingTask(t, config.seed, initSeed);
    case 'language':
      return new LanguageTask(t, config.seed, initSeed, opts.corpus);
  }
}
