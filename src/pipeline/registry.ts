import type { StepDefinition } from './step.js';
import { attestStep } from './steps/attest.js';
import { bootStep } from './steps/boot.js';
import { customize } from './steps/customize.js';
import { packageImage } from './steps/package.js';
import { prepare } from './steps/prepare.js';
import { publish } from './steps/publish.js';
import { resolveBase } from './steps/resolve-base.js';
import { sbom } from './steps/sbom.js';
import { tattoo } from './steps/tattoo.js';
import { validate } from './steps/validate.js';

/**
 * The pipeline, in order. A new step (the SBOM and attestation steps of the supply-chain work) is
 * one entry here. Step names are stored with runs:
 * never rename one.
 */
export const PIPELINE: readonly StepDefinition[] = [resolveBase, prepare, customize, tattoo, sbom, validate, packageImage, bootStep, attestStep, publish];
