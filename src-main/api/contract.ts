// The API contract as both ends see it: method names and argument schemas (methods.ts), and the result of
// each method as its implementation returns it (service.ts), after the trip over HTTP (JSON: typed arrays
// become arrays) or IPC (structured clone: they stay typed) — so a result's typed arrays are ArrayLike.
// The renderer imports only this file (types) and methods.ts' names, never the implementation.
import type { z } from 'zod';
import type { API_METHODS, ApiMethod } from './methods';
import type { createService } from './service';

export type { ApiMethod } from './methods';
export type { ClientEvent, ClientTrainingEvent } from './client-events';
export type { AppInfo } from './service';
export type { RunRecord, Series } from '../schema/run';
export type { StudyDetail, StudyFigures, StudyListItem } from '../queries/study';
export type { MatrixStructure } from '../engine/study/structure';
export type { TemplateInfo } from '../engine/study/templates';
export type { Band } from '../engine/study/figures';
export type { PenaltyView } from '../engine/geometry/view';
export type { SnapshotMeta, SnapshotData, EpochRow } from '../store/run-store';

type Handlers = ReturnType<typeof createService>['handlers'];

/** A value as it arrives in the renderer: typed arrays may be plain arrays (HTTP) or typed arrays (IPC). */
export type OnWire<T> = T extends ArrayBufferView
  ? ArrayLike<number>
  : T extends readonly unknown[]
    ? { [K in keyof T]: OnWire<T[K]> }
    : T extends object
      ? { [K in keyof T]: OnWire<T[K]> }
      : T;

/** The arguments a method takes (its zod tuple schema's input type). */
export type ApiArgs<M extends ApiMethod> = z.input<(typeof API_METHODS)[M]>;

/** What a method resolves to in the renderer. */
export type ApiResult<M extends ApiMethod> = OnWire<Awaited<ReturnType<Handlers[M]>>>;
