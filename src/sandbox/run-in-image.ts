import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FailedError } from '../errors/index.js';
import { allowedMirrors, startMirrorProxy, type MirrorProxy } from './mirror-proxy.js';
import { runSandboxed, START_GATE_FD, type SandboxRun } from './run-sandboxed.js';
import { DEFAULT_LIMITS, type SandboxLimits, type SandboxMount, type SandboxNetwork } from './spec.js';

export interface ImageRunOptions {
  onOutput?: (line: string) => void;
  /** Extra environment (names are checked); the rest of the environment is fixed. */
  env?: Record<string, string>;
  /** The configured package mirrors through the builder's proxy (true), or no network at all (false, the default). */
  network?: boolean;
  timeoutMs?: number;
  limits?: Partial<SandboxLimits>;
  /** Host paths the command is explicitly given (read-only unless said). */
  mounts?: SandboxMount[];
}

/** Scripts longer than this are handed in as a file rather than an argument. */
const INLINE_SCRIPT_BYTES = 16 * 1024;

/** Where the proxy appears inside a sandbox that has mirror access. */
export const PROXY_PORT = 3142;
const FORWARDER = fileURLToPath(new URL('./forwarder.js', import.meta.url));

let mirrors: ReturnType<typeof allowedMirrors> | undefined;

/** Run the forwarder in the sandbox's network namespace; resolves once it listens. */
function startForwarder(pid: number, socketPath: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const f = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, '--', process.execPath, FORWARDER, socketPath, String(PROXY_PORT)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stop = () => {
      f.stdin.end();
      f.kill('SIGKILL');
    };
    let err = '';
    f.stderr.on('data', (d: Buffer) => (err += d.toString()));
    f.stdout.once('data', () => resolve(stop));
    f.once('error', (e) => reject(new FailedError('SANDBOX_NETWORK', `cannot start the mirror forwarder: ${e.message}`)));
    f.once('exit', (code) => reject(new FailedError('SANDBOX_NETWORK', `the mirror forwarder exited ${code}: ${err.trim()}`)));
  });
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Run a shell script inside an image root, in a sandbox (see run-sandboxed.ts): the image is `/`,
 * with its own /proc, a minimal /dev, private /tmp and /run, and nothing of the host but what
 * `mounts` names. With network, HTTP(S) reaches the configured mirrors through the builder's proxy
 * (http_proxy and apt's proxy are set) and nothing else; without it there is only loopback.
 */
export async function runInImage(root: string, script: string, opts: ImageRunOptions = {}): Promise<SandboxRun> {
  if (!existsSync(`${root}/bin/sh`) && !existsSync(`${root}/usr/bin/sh`)) {
    throw new FailedError('EXEC_NOT_A_ROOTFS', `no /bin/sh in ${root}: not a root filesystem`, { where: root });
  }
  const env: Record<string, string> = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    DEBIAN_FRONTEND: 'noninteractive',
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (!NAME.test(k)) throw new FailedError('EXEC_BAD_ENV', `invalid environment variable name ${JSON.stringify(k)}`);
    if (v.includes('\0')) throw new FailedError('EXEC_BAD_ENV', `environment variable ${k} contains a NUL character`);
    env[k] = v;
  }
  let proxy: MirrorProxy | undefined;
  let stopForwarder: (() => void) | undefined;
  let network: SandboxNetwork = { kind: 'none' };
  if (opts.network) {
    proxy = await startMirrorProxy(await (mirrors ??= allowedMirrors()));
    network = { kind: 'proxy', port: PROXY_PORT };
    const url = `http://127.0.0.1:${PROXY_PORT}`;
    Object.assign(env, { http_proxy: url, https_proxy: url, HTTP_PROXY: url, HTTPS_PROXY: url });
  }
  let scriptDir: string | undefined;
  try {
    const limits = { ...DEFAULT_LIMITS, ...opts.limits, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) };
    const mounts = [...(opts.mounts ?? [])];
    // The step starts only when Goldsmith says so (and is still there to stop it): see startGate.
    script = `read -r _ <&${START_GATE_FD} || exit 125\nexec ${START_GATE_FD}<&-\n${script}`;
    let argv = ['/bin/sh', '-ec', script];
    if (Buffer.byteLength(script) > INLINE_SCRIPT_BYTES) {
      // A long script would pass the kernel's limit on one argument (E2BIG): it goes in as a file.
      scriptDir = await mkdtemp(join(tmpdir(), 'goldsmith-script-'));
      const dir = join(scriptDir, 'script');
      await mkdir(dir, { mode: 0o755 });
      await chmod(dir, 0o755);
      await writeFile(join(dir, 'script.sh'), script, { mode: 0o644 });
      await chmod(join(dir, 'script.sh'), 0o644);
      mounts.push({ host: dir, inside: '/run/goldsmith-script', readOnly: true });
      argv = ['/bin/sh', '-e', '/run/goldsmith-script/script.sh'];
    }
    const r = await runSandboxed(
      { root, argv, env, mounts, network, limits, hostname: 'goldsmith-build', cwd: '/' },
      {
        onOutput: opts.onOutput,
        startGate: true,
        onStarted: proxy
          ? async (pid) => {
              stopForwarder = await startForwarder(pid, proxy!.socketPath);
            }
          : undefined,
      },
    );
    if (proxy?.refused.length) opts.onOutput?.(`goldsmith: the sandbox proxy refused ${proxy.refused.length} request(s), e.g. ${proxy.refused[0]} (only the configured mirrors are reachable)`);
    if (r.killed === 'timeout') opts.onOutput?.(`goldsmith: killed after the ${limits.timeoutMs} ms timeout`);
    if (r.killed === 'output-limit') opts.onOutput?.(`goldsmith: killed after printing more than ${limits.outputBytes} bytes`);
    if (r.killed === 'memory') opts.onOutput?.(`goldsmith: a process was killed for using more than the sandbox's ${limits.memoryBytes} bytes of memory (tmpfs included)`);
    return r;
  } finally {
    stopForwarder?.();
    await proxy?.close();
    if (scriptDir) await rm(scriptDir, { recursive: true, force: true });
  }
}
