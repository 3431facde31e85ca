import type { Check, CustomizeStep } from './types.js';

// Records keyed by the union members: adding a step or check type to types.ts without listing it
// here is a compile error, and a test holds these lists equal to the schema's enums.
const stepTypes: Record<CustomizeStep['type'], string> = {
  shell: 'run shell commands or a script file',
  file: 'copy a file into the image',
  packages: 'install pinned Debian packages with apt',
  'ca-certificate': 'install an enterprise root CA into the trust store',
};

const checkTypes: Record<Check['type'], string> = {
  'file-exists': 'a path exists',
  'file-absent': 'a path does not exist',
  'file-contains': 'a file matches a regular expression',
  'file-mode': 'a path has an exact octal mode',
  'package-installed': 'a package is installed (at a version, when given)',
  command: 'a command exits 0 inside the image',
  'service-enabled': 'a systemd service is enabled',
  'tattoo-complete': 'the tattoo has every required key',
};

export const STEP_TYPES = Object.keys(stepTypes) as Array<CustomizeStep['type']>;
export const CHECK_TYPES = Object.keys(checkTypes) as Array<Check['type']>;

export function describeStepType(type: CustomizeStep['type']): string {
  return stepTypes[type];
}

export function describeCheckType(type: Check['type']): string {
  return checkTypes[type];
}

/** Paths of files a step reads from the template's directory (script, file source, CA), with their pinned digest. */
export function stepFileRef(step: CustomizeStep): { path: string; sha256: string; field: 'script' | 'source' } | undefined {
  switch (step.type) {
    case 'shell':
      return step.script !== undefined ? { path: step.script, sha256: step.sha256 ?? '', field: 'script' } : undefined;
    case 'file':
    case 'ca-certificate':
      return { path: step.source, sha256: step.sha256, field: 'source' };
    case 'packages':
      return undefined;
  }
}
