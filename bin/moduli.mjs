#!/usr/bin/env node
// `npx moduli …`: runs the TypeScript CLI through tsx, so no build step is needed after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src-main/cli/main.ts');
