import type { Command } from 'commander';
import { registerBuild } from './build.js';
import { registerComplianceCommands } from './compliance.js';
import type { CliContext } from './context.js';
import { registerCve } from './cve.js';
import { registerDemo } from './demo.js';
import { registerFleet } from './fleet.js';
import { registerGallery } from './gallery.js';
import { registerKeys } from './keys.js';
import { registerMarketplace } from './marketplace.js';
import { registerPolicy } from './policy.js';
import { registerSbom } from './sbom.js';
import { registerSchedule } from './schedule.js';
import { registerServe } from './serve.js';
import { registerTemplate } from './template.js';
import { registerVerify } from './verify.js';
import { registerWorker } from './worker.js';
import { registerJobs } from './jobs.js';

/** Every command group, in help order. Each lives in its own file under src/cli/. */
const groups: Array<(program: Command, ctx: CliContext) => void> = [registerDemo, registerMarketplace, registerTemplate, registerBuild, registerSchedule, registerGallery, registerFleet, registerSbom, registerCve, registerPolicy, registerComplianceCommands, registerKeys, registerVerify, registerWorker, registerJobs, registerServe];

export function registerCommands(program: Command, ctx: CliContext): void {
  for (const g of groups) g(program, ctx);
}
