// The API's method names without their schemas, for the sandboxed preload (which should not bundle zod).
// test/main/ipc.spec.ts keeps this list equal to Object.keys(API_METHODS).
export const API_METHOD_NAMES = [
  'appInfo',
  'listRuns',
  'getRun',
  'series',
  'compareSeries',
  'snapshots',
  'snapshot',
  'startRuns',
  'cancelRun',
  'pauseRun',
  'resumeRun',
  'tagRun',
  'noteRun',
  'deleteRuns',
  'runGeometry',
  'previewPenalty',
  'runStructure',
  'listStudies',
  'getStudy',
  'studyFigures',
  'studyReport',
  'studyTemplates',
  'createStudy',
  'resumeStudy',
] as const;

export const API_CHANNEL = 'moduli:api';
export const EVENT_CHANNEL = 'moduli:event';
