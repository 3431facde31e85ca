/**
 * The log kept for one pipeline step (stored with the step's record). Each sandbox run's output is
 * capped, but one step runs many (every customize step of a template, each up to the cap): kept
 * whole, 17 steps printing 32 MiB each passed V8's largest string, `join` threw, and the run was
 * left `running` with nothing recorded. The head and the tail are kept, what lies between is
 * counted and elided.
 */
export const STEP_LOG_HEAD_BYTES = 2 * 2 ** 20;
export const STEP_LOG_TAIL_BYTES = 2 * 2 ** 20;

export class StepLog {
  private readonly head: string[] = [];
  private headBytes = 0;
  private tail: string[] = [];
  private tailBytes = 0;
  /** Index of the first kept line of `tail`. */
  private start = 0;
  private elidedLines = 0;
  private elidedBytes = 0;

  constructor(
    private readonly headMax = STEP_LOG_HEAD_BYTES,
    private readonly tailMax = STEP_LOG_TAIL_BYTES,
  ) {}

  push(line: string): void {
    // A line longer than a whole part is cut (its length in UTF-16 units is a fine bound here).
    if (line.length > this.tailMax) line = `${line.slice(0, this.tailMax - 40)}… (${line.length} characters)`;
    if (this.tail.length === this.start && this.elidedLines === 0 && this.headBytes + line.length + 1 <= this.headMax) {
      this.head.push(line);
      this.headBytes += line.length + 1;
      return;
    }
    this.tail.push(line);
    this.tailBytes += line.length + 1;
    while (this.tailBytes > this.tailMax) {
      const l = this.tail[this.start++]!;
      this.tailBytes -= l.length + 1;
      this.elidedLines++;
      this.elidedBytes += l.length + 1;
    }
    // Drop the elided lines in bulk once they are half the array: amortised O(1) per line.
    if (this.start > 1024 && this.start * 2 > this.tail.length) {
      this.tail = this.tail.slice(this.start);
      this.start = 0;
    }
  }

  text(): string {
    const middle = this.elidedLines ? [`… ${this.elidedLines} lines (${this.elidedBytes} bytes) of output elided …`] : [];
    return [...this.head, ...middle, ...this.tail.slice(this.start)].join('\n');
  }
}
