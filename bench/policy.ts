import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_DEFINITIONS, compile, compileDefinition, evaluate, evaluateAll, parseDefinition, type CompiledPolicy, type EvaluationContext, type Resource } from '../src/policy/index.js';

const root = fileURLToPath(new URL('../', import.meta.url)).replace(/\/dist\/$/, '/');
const SHARED = join(root, '../shared/azure-policy/definitions');

/** Every .json file under dir, sorted. */
const walk = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.json')).sort().map((n) => join(dir, n));

const PARAMS: Record<string, Record<string, { value: unknown }>> = {
  'VMSkusAllowed_Deny.json': { listOfAllowedSKUs: { value: ['Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_E4s_v5'] } },
  'VirtualMachines_ApprovedExtensions_Audit.json': { approvedExtensions: { value: ['CustomScript', 'AzureMonitorLinuxAgent'] } },
  'azurepolicy.json#allowed-image-publishers-policy': { listOfAllowedimagePublishers: { value: ['Canonical', 'RedHat'] } },
  'azurepolicy.json#allowed-custom-images': { imageIds: { value: ['/subscriptions/s/resourceGroups/images/providers/Microsoft.Compute/galleries/goldsmith/images/ubuntu/versions/1.0.0'] } },
};

/** A synthetic fleet over 20 subscriptions and 200 resource groups; nested parts vary by index. */
function fleet(n: number): Array<{ vm: Resource; ctx: EvaluationContext }> {
  const publishers = ['Canonical', 'RedHat', 'MicrosoftWindowsServer', 'debian', 'OpenLogic'];
  const sizes = ['Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_E4s_v5', 'Standard_M128s'];
  const lifecycles = ['active', 'active', 'active', 'aged', 'end-of-life'] as const;
  const out: Array<{ vm: Resource; ctx: EvaluationContext }> = [];
  for (let i = 0; i < n; i++) {
    const sub = `/subscriptions/00000000-0000-0000-0000-${String(i % 20).padStart(12, '0')}`;
    const rg = `${sub}/resourceGroups/rg-${i % 200}`;
    const gallery = i % 3 !== 0;
    const linux = i % 5 !== 2;
    const vm: Resource = {
      id: `${rg}/providers/Microsoft.Compute/virtualMachines/vm-${i}`,
      name: `vm-${i}`,
      type: 'Microsoft.Compute/virtualMachines',
      location: i % 2 ? 'westeurope' : 'eastus',
      tags: { team: `team-${i % 37}`, application: `app-${i % 101}`, role: i % 4 === 0 ? 'pet' : 'cattle' },
      properties: {
        hardwareProfile: { vmSize: sizes[i % sizes.length] },
        storageProfile: {
          imageReference: gallery
            ? { id: `/subscriptions/s/resourceGroups/images/providers/Microsoft.Compute/galleries/goldsmith/images/ubuntu/versions/1.${i % 7}.0` }
            : { publisher: publishers[i % publishers.length], offer: 'offer', sku: `${20 + (i % 5)}_04-lts`, version: 'latest' },
          osDisk: { osType: linux ? 'Linux' : 'Windows', managedDisk: { storageAccountType: 'Premium_LRS' } },
          dataDisks: Array.from({ length: i % 3 }, (_, k) => ({ lun: k, diskSizeGB: 128 * (k + 1) })),
        },
        osProfile: linux ? { computerName: `vm-${i}`, linuxConfiguration: { disablePasswordAuthentication: true } } : { computerName: `vm-${i}`, windowsConfiguration: {} },
        securityProfile: i % 6 ? { securityType: 'TrustedLaunch', uefiSettings: { secureBootEnabled: true, vTpmEnabled: i % 11 !== 0 }, encryptionAtHost: i % 2 === 0 } : undefined,
        networkProfile: { networkInterfaces: [{ id: `${rg}/providers/Microsoft.Network/networkInterfaces/nic-${i}` }] },
      },
    };
    const related: Resource[] = i % 2
      ? [{ id: `${vm.id}/providers/Microsoft.GuestConfiguration/guestConfigurationAssignments/PasswordPolicy_msid110`, name: 'PasswordPolicy_msid110', type: 'Microsoft.GuestConfiguration/guestConfigurationAssignments', properties: { complianceStatus: i % 4 === 1 ? 'Compliant' : 'NonCompliant' } }]
      : [];
    const lc = lifecycles[i % lifecycles.length]!;
    out.push({ vm, ctx: { related, now: '2026-06-01T00:00:00Z', computed: { image: { fromGallery: gallery, lifecycle: lc, isExcluded: i % 13 === 0, isLatest: i % 7 === 6, ageDays: (i % 200) } } } });
  }
  return out;
}

/** The 50 assigned definitions: every shared built-in and Goldsmith's, plus re-parameterised copies. */
function assigned(): { compiled: CompiledPolicy[]; compileMs: number; sharedCount: number } {
  const files = walk(SHARED);
  const t0 = performance.now();
  const compiled: CompiledPolicy[] = [];
  for (const f of files) {
    const json = JSON.parse(readFileSync(f, 'utf8'));
    const base = f.split('/').pop()!;
    const key = base === 'azurepolicy.json' ? `${base}#${json.name}` : base;
    compiled.push(compileDefinition(json, PARAMS[key]));
  }
  const compileMs = performance.now() - t0;
  for (const d of BUILTIN_DEFINITIONS) compiled.push(compileDefinition(d));
  const skus = JSON.parse(readFileSync(join(SHARED, 'VMSkusAllowed_Deny.json'), 'utf8'));
  const ast = parseDefinition(skus);
  for (let k = 0; compiled.length < 50; k++) {
    if (k % 2) compiled.push(compiledCopy(ast, k));
    else compiled.push(compileDefinition(BUILTIN_DEFINITIONS[k % 3]!, k % 3 === 1 ? { requireLatest: { value: k % 4 === 0 } } : undefined));
  }
  return { compiled, compileMs, sharedCount: files.length };
}

/** The same parsed definition assigned again with other parameters (as several assignments would). */
function compiledCopy(ast: ReturnType<typeof parseDefinition>, k: number): CompiledPolicy {
  return compile(ast, { listOfAllowedSKUs: { value: ['Standard_D2s_v5', `Standard_X${k}`] } });
}

export async function benchPolicy(): Promise<void> {
  const { compiled, compileMs, sharedCount } = assigned();
  console.log(`policy: compiled ${sharedCount} shared Azure built-ins in ${compileMs.toFixed(1)} ms (parse + compile)`);
  const n = Number(process.env.POLICY_BENCH_VMS ?? 100_000);
  const tf = performance.now();
  const vms = fleet(n);
  console.log(`policy: built a synthetic fleet of ${n} VMs in ${(performance.now() - tf).toFixed(0)} ms`);
  // Warm up the JIT on a slice, then time the full scan.
  for (let i = 0; i < Math.min(2000, n); i++) for (const p of compiled) evaluate(p, vms[i]!.vm, vms[i]!.ctx);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let nonCompliant = 0;
  for (let i = 0; i < n; i++) {
    const { vm, ctx } = vms[i]!;
    const results = evaluateAll(compiled, vm, ctx);
    for (let k = 0; k < results.length; k++) if (results[k]!.complianceState === 'NonCompliant') nonCompliant++;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const evals = n * compiled.length;
  // On a shared machine wall time includes waiting for a core; CPU time is what one core spent.
  console.log(`policy: full scan CPU time ${(cpuMs / 1000).toFixed(2)} s (${Math.round(evals / (cpuMs / 1000)).toLocaleString('en-US')} evaluations per CPU-second)`);
  console.log(`policy: full scan ${n} VMs x ${compiled.length} definitions = ${evals} evaluations in ${(ms / 1000).toFixed(2)} s on one core (${Math.round(evals / (ms / 1000)).toLocaleString('en-US')} evaluations/s; target < 5 s); ${nonCompliant} NonCompliant`);
  const one = vms[0]!;
  const t1 = performance.now();
  for (const p of compiled) evaluate(p, one.vm, one.ctx).trace;
  console.log(`policy: re-evaluating one VM against ${compiled.length} definitions with full traces: ${(performance.now() - t1).toFixed(2)} ms`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchPolicy();
