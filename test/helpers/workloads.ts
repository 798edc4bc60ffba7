/**
 * Where the example workloads are: ../shared/workloads beside the repository (a developer's
 * machine, CI), else the copy kept in test/crash/workloads (a clone on its own).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'workloads');
const COPY = resolve(__dirname, '..', 'crash', 'workloads');

export const EXAMPLE_WORKLOADS = existsSync(SHARED) ? SHARED : COPY;
