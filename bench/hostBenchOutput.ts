import { promises as fs } from 'node:fs';

/** What a benchmark running in the extension host hands back to bench/runExtensionBench.ts. */
export interface BenchOutput {
  phase: string;
  samples: Record<string, number[]>;
  info: Record<string, unknown>;
}

export function add(out: BenchOutput, key: string, ms: number): void {
  (out.samples[key] ??= []).push(ms);
}

/**
 * Runs one phase of an in-host benchmark and writes its samples (and any error) to $SIDELIGHT_BENCH_OUT:
 * code-server's extension host has no stdout the runner can read, so the file is the only channel.
 */
export async function runPhase(out: BenchOutput, phase: (out: BenchOutput) => Promise<void>): Promise<void> {
  try {
    await phase(out);
  } catch (e) {
    out.info.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    throw e;
  } finally {
    const file = process.env.SIDELIGHT_BENCH_OUT;
    if (file) await fs.writeFile(file, JSON.stringify(out, null, 2));
  }
}
