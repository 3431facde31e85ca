import type { BootValidation, Check, CustomizeStep, GuestCheck, Template } from './types.js';

type Raw = Record<string, unknown>;

/**
 * Turn a schema-valid document (defaults already filled in by the validator) into the model:
 * every step and check gets a name (type-index when omitted), digests are lower-case, and
 * editor-only fields are dropped. The result is what the digest covers.
 */
export function normalizeTemplate(doc: Raw): Template {
  const steps = (list: unknown): CustomizeStep[] =>
    ((list as Raw[] | undefined) ?? []).map((s, i) => {
      const step = { ...s, name: (s.name as string | undefined) ?? `${String(s.type)}-${i + 1}` } as Raw;
      if (typeof step.sha256 === 'string') step.sha256 = step.sha256.toLowerCase();
      return step as unknown as CustomizeStep;
    });
  const validate = (doc.validate as Raw | undefined) ?? {};
  const checks = ((validate.checks as Raw[] | undefined) ?? []).map(
    (c, i) => ({ ...c, name: (c.name as string | undefined) ?? `${String(c.type)}-${i + 1}` }) as unknown as Check,
  );
  const repair: Record<string, CustomizeStep[]> = {};
  for (const [name, list] of Object.entries((doc.repair as Raw | undefined) ?? {})) repair[name] = steps(list);
  const template: Template = {
    name: doc.name as string,
    source: { version: 'latest', ...(doc.source as Raw) } as unknown as Template['source'],
    customize: steps(doc.customize),
    validate: { checks, maxRepairAttempts: (validate.maxRepairAttempts as number | undefined) ?? 2, ...bootValidation(validate.boot) },
    repair,
    distribute: doc.distribute as unknown as Template['distribute'],
  };
  if (typeof doc.description === 'string') template.description = doc.description;
  if (doc.schedule !== undefined) template.schedule = doc.schedule as Template['schedule'];
  return template;
}

function bootValidation(raw: unknown): { boot?: BootValidation | false } {
  if (raw === false) return { boot: false };
  if (!raw || typeof raw !== 'object') return {};
  const b = raw as Raw;
  const checks = ((b.checks as Raw[] | undefined) ?? []).map((c, i) => ({ ...c, name: (c.name as string | undefined) ?? `${String(c.type)}-${i + 1}` }) as unknown as GuestCheck);
  const boot: BootValidation = { maxSeconds: (b.maxSeconds as number | undefined) ?? 180, memoryMiB: (b.memoryMiB as number | undefined) ?? 1024, checks };
  for (const k of ['secureBoot', 'tpm'] as const) if (typeof b[k] === 'boolean') boot[k] = b[k] as boolean;
  if (Array.isArray(b.repair)) boot.repair = b.repair as string[];
  return { boot };
}
