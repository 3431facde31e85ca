import { rm, writeFile } from 'node:fs/promises';
import { captureTool, runTool, type OutputListener } from './run-tool.js';

/** Parse "12-40, 45, 50-51" (dumpe2fs ranges) into [from, to] pairs. */
function ranges(text: string): Array<[number, number]> {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((r) => {
      const [a, b] = r.split('-').map(Number);
      return [a!, b ?? a!];
    });
}

/**
 * The inodes in use in an ext4 image, from dumpe2fs's per-group free-inode ranges (pure: takes
 * dumpe2fs text). Used = every inode of a group that is not listed as free.
 */
export function usedInodes(dumpe2fs: string): number[] {
  const perGroup = Number(/^Inodes per group:\s+(\d+)/m.exec(dumpe2fs)?.[1]);
  if (!perGroup) throw new Error('dumpe2fs output has no "Inodes per group"');
  const used: number[] = [];
  const groups = dumpe2fs.split(/^Group (\d+): /m);
  for (let i = 1; i < groups.length; i += 2) {
    const g = Number(groups[i]);
    const free = ranges(/^\s+Free inodes:\s*(.*)$/m.exec(groups[i + 1]!)?.[1] ?? '');
    let next = g * perGroup + 1;
    const end = (g + 1) * perGroup;
    for (const [a, b] of [...free, [end + 1, end + 1] as [number, number]]) {
      for (let n = next; n < a; n++) used.push(n);
      next = b + 1;
    }
  }
  return used;
}

/**
 * `mke2fs -d` copies each inode's atime and ctime from the source tree, and a freshly unpacked tree's
 * ctimes are "now": set both to the epoch on every used inode so the image depends only on content.
 */
export async function pinInodeTimes(image: string, epoch: number, onOutput?: OutputListener): Promise<number> {
  const inodes = usedInodes(await captureTool('dumpe2fs', [image]));
  const script = `${image}.debugfs`;
  await writeFile(script, inodes.map((n) => `sif <${n}> ctime @${epoch}\nsif <${n}> atime @${epoch}\n`).join(''), { mode: 0o600 });
  try {
    // debugfs stamps the superblock's write time: pin its clock too.
    await runTool('debugfs', ['-w', '-f', script, image], {
      env: { ...process.env, E2FSPROGS_FAKE_TIME: String(epoch) },
      onOutput: onOutput && ((l) => /error|fail/i.test(l) && onOutput(l)),
    });
  } finally {
    await rm(script, { force: true });
  }
  return inodes.length;
}
