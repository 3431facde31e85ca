import { RESULT_PORT } from './guest-script.js';
import type { Accelerator } from './types.js';

export interface QemuPlan {
  accelerator: Accelerator;
  secureBoot: boolean;
  memoryMiB: number;
  cpus: number;
  firmwareCode: string;
  varsFile: string;
  /** The private raw copy of the disk; absent for the KVM probe (firmware only). */
  disk?: string;
  /** swtpm's control socket, when there is a vTPM. */
  tpmSocket?: string;
  /** Goldsmith's listening socket for the guest's reports. */
  resultSocket?: string;
}

/**
 * QEMU's command line: no default devices, no network, no display; the serial console on stdout;
 * pflash firmware (code read-only); the disk through explicit blockdevs (no format probing, no
 * backing files); seccomp on with everything QEMU does not need to run a guest denied.
 */
export function qemuArgs(p: QemuPlan): string[] {
  const machine = `q35,accel=${p.accelerator}${p.secureBoot ? ',smm=on' : ''}`;
  const a = ['qemu-system-x86_64', '-nodefaults', '-no-user-config', '-machine', machine, '-m', String(p.memoryMiB), '-smp', String(p.cpus)];
  if (p.accelerator === 'kvm') a.push('-cpu', 'host');
  a.push('-display', 'none', '-nic', 'none', '-vga', 'none');
  a.push('-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny');
  if (p.secureBoot) a.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
  a.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${p.firmwareCode}`);
  a.push('-drive', `if=pflash,format=raw,unit=1,file=${p.varsFile}`);
  a.push('-chardev', 'stdio,id=con,signal=off', '-serial', 'chardev:con');
  if (p.disk) {
    a.push('-blockdev', `driver=file,filename=${p.disk},node-name=disk0-file,discard=unmap`);
    a.push('-blockdev', 'driver=raw,file=disk0-file,node-name=disk0');
    a.push('-device', 'virtio-blk-pci,drive=disk0,bootindex=0');
  }
  if (p.tpmSocket) {
    a.push('-chardev', `socket,id=tpmctl,path=${p.tpmSocket}`, '-tpmdev', 'emulator,id=tpm0,chardev=tpmctl', '-device', 'tpm-crb,tpmdev=tpm0');
  }
  if (p.resultSocket) {
    a.push('-device', 'virtio-serial-pci', '-chardev', `socket,id=results,path=${p.resultSocket}`, '-device', `virtserialport,chardev=results,name=${RESULT_PORT}`);
  }
  return a;
}
