/**
 * `npm run fuzz -- [--count N] [--seed S] [--budget B] [--from I]`: a longer fuzz campaign than the CI
 * test (same guests, fuzz-guests.ts; guest i of seed S is the same on every machine). Prints
 * progress, then the count, how the runs ended and every failure (an exception, an unhandled
 * trap, or a guest over the host-time guard) with its seed and index to replay; exit status
 * 1 when any failed, 2 on bad arguments.
 */
import { runFuzzGuest } from './fuzz-guests';

const GUARD_MS = 10_000;

function parseArgs(argv: string[]): { count: number; seed: number; budget: number; from: number } {
  const o = { count: 20_000, seed: 1, budget: 200_000, from: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!(key in o) || !Number.isSafeInteger(value) || value < 0) {
      throw new Error(`usage: npm run fuzz -- [--count N] [--seed S] [--budget B] [--from I] (bad '${argv[i]} ${argv[i + 1] ?? ''}')`);
    }
    o[key as keyof typeof o] = value;
  }
  return o;
}

function main(): number {
  let o: ReturnType<typeof parseArgs>;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const ends = new Map<string, number>();
  const failures: string[] = [];
  const t0 = performance.now();
  let slowest = 0;
  const fail = (f: string): void => {
    failures.push(f);
    process.stderr.write(`FAILED ${f}\n`);
  };
  for (let i = o.from; i < o.from + o.count; i++) {
    const g0 = performance.now();
    try {
      const out = runFuzzGuest(o.seed, i, o.budget);
      const key = `${out.kind} ${out.end}`;
      ends.set(key, (ends.get(key) ?? 0) + 1);
      if (out.end === 'fatal' && /unhandled trap/.test(out.message ?? '')) fail(`guest ${i}: ${out.message}`);
    } catch (e) {
      fail(`guest ${i}: threw ${(e as Error).stack ?? e}`);
    }
    const ms = performance.now() - g0;
    slowest = Math.max(slowest, ms);
    if (ms > GUARD_MS) fail(`guest ${i}: took ${ms.toFixed(0)} ms`);
    if ((i + 1 - o.from) % 1000 === 0) process.stderr.write(`fuzz: ${i + 1 - o.from}/${o.count} guests, ${failures.length} failed\n`);
  }
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`fuzz: seed ${o.seed}, ${o.count} guests from ${o.from} (budget ${o.budget} each) in ${s} s, slowest ${slowest.toFixed(0)} ms\n`);
  for (const [k, n] of [...ends].sort()) process.stdout.write(`  ${k}: ${n}\n`);
  for (const f of failures) process.stdout.write(`FAILED ${f}\n`);
  process.stdout.write(failures.length === 0 ? 'fuzz: all passed\n' : `fuzz: ${failures.length} failed (replay one: --seed ${o.seed} --from <index> --count 1)\n`);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = main();
