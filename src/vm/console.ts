import { StringDecoder } from 'node:string_decoder';
import type { BootFailure } from './types.js';

/** How many console lines a result keeps, and how long each may be. */
export const TAIL_LINES = 50;
const MAX_CONSOLE_LINE = 1000;

/** What the console can tell about a boot that will not become ready (first match wins, in this order). */
const SIGNS: [BootFailure, RegExp][] = [
  ['secure-boot-rejected', /Security Violation|Verification failed|bad shim signature|prohibited by secure boot policy|shim_lock protocol not found|invalid signature/i],
  ['kernel-panic', /Kernel panic - not syncing/],
  ['emergency-mode', /You are in emergency mode|Cannot open access to console, the root account is locked|Give root password for maintenance/],
  ['no-kernel', /you need to load the kernel first|error: file '[^']*' not found/],
  ['no-bootable-device', /No bootable option or device was found|EFI Internal Shell|UEFI Interactive Shell/],
];

/** Remove ANSI escapes and control characters: the console is guest output and ends up in results. */
export function cleanConsoleLine(s: string): string {
  return s
    .replace(/\x1b\[[0-9;?=]*[A-Za-z]/g, '')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')
    .slice(0, MAX_CONSOLE_LINE);
}

export function classifyConsole(line: string): BootFailure | undefined {
  return SIGNS.find(([, re]) => re.test(line))?.[0];
}

/** Keeps the console's last lines and the first sign of a failed boot. */
export class ConsoleWatch {
  readonly tail: string[] = [];
  failure?: BootFailure;
  failureLine?: string;
  private partial = '';
  /** Keeps a UTF-8 sequence split across chunks whole. */
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onLine?: (line: string) => void) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + this.decoder.write(chunk)).split(/\r?\n|\r(?!\n)/);
    this.partial = (parts.pop() ?? '').slice(-MAX_CONSOLE_LINE * 4);
    for (const p of parts) this.line(p);
  }

  /** The unterminated rest (a prompt such as "login:" has no newline). */
  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(raw: string): void {
    const l = cleanConsoleLine(raw);
    if (!l.trim()) return;
    this.tail.push(l);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    if (!this.failure) {
      const f = classifyConsole(l);
      if (f) {
        this.failure = f;
        this.failureLine = l;
      }
    }
    try {
      this.onLine?.(l);
    } catch {
      /* a caller's listener must not stop the boot's bookkeeping */
    }
  }
}
