/**
 * The adapter's own requests (names and bodies as the extension uses them):
 * `hyperscope.exitStats` ({ reset? } -> ExitStatsReport), `hyperscope.exitTrace`
 * ({ count? } -> { exits, total }), `hyperscope.translate` ({ address, vcpu? } -> the two-stage
 * walk + text), `hyperscope.pageTable` ({ vcpu?, stage: 'vs' | 'g' } -> the tree of valid
 * entries; with `lazy` or `table`/`level`/`base`, one table of it; see page-table-json.ts), `hyperscope.input` ({ text } -> keystrokes for the guest
 * console, refused when the VM's bounded input queue has no room for them), `hyperscope.linux`
 * ({ vcpu?, maxLog? } -> KernelSnapshot: the Linux tasks and the newest log lines),
 * `hyperscope.exitStacks` ({ reason?: string | null, period?, clear? } -> ExitFlameGraph: a
 * reason starts sampling guest call stacks at its exits, one in `period`, forgetting earlier
 * samples; `reason: null` stops; `clear` forgets the samples; no argument just reports).
 * `hyperscope.goToExit` ({ seq }: reverse execution to a traced exit, then a 'goto' stop) is
 * answered by the session itself (session.ts), as stepBack is.
 */
import type { GuestDebugger } from '../hypervisor-core/debug/guest-debugger';
import { translateText } from '../hypervisor-core/debug/console-commands';
import { compileExpression } from '../hypervisor-core/debug/expression';
import { offerConsoleInput } from './console-input';
import { kernelSnapshot } from '../hypervisor-core/debug/linux/commands';
import { pageTableJson, pageTableLevelJson, translationJson } from './page-table-json';
import { Args, RequestError, field, intArg, shown, strArg } from './request-args';
import { exitRecordJson } from './variables';
import { MAX_PERIOD } from '../hypervisor-core/debug/exit-stacks';

/** The longest console input taken in one request. */
export const MAX_INPUT_TEXT = 64 * 1024;

/** The `vcpu` argument (default: the focused vCPU), checked. */
function vcpuArg(d: GuestDebugger, args: Args, focus: number): number {
  const v = field(args, 'vcpu') ?? focus;
  const n = d.vm.vcpus.length;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) throw new RequestError(`no vCPU ${shown(v)} (vcpu is from 0 to ${n - 1})`);
  return v;
}

/** A 64-bit address argument written "0x..." (as the answers write them). */
function hexArg(args: Args, name: string): bigint {
  const t = strArg(args, name, 20);
  if (!/^0x[0-9a-f]{1,16}$/i.test(t)) throw new RequestError(`${name} must be an address like 0x80200000, not ${shown(t)}`);
  return BigInt(t);
}

function needStopped(d: GuestDebugger): void {
  if (d.isEnded()) throw new RequestError('the guest has ended');
  if (d.state !== 'stopped') throw new RequestError('the guest is running: pause it first');
}

/** The response body of a custom request; throws RequestError for a bad one or an unknown command. */
export function customRequestBody(d: GuestDebugger, command: string, args: Args, focus: number): unknown {
  switch (command) {
    case 'hyperscope.exitStats':
      if (field(args, 'reset')) d.vm.stats.reset();
      return d.statsReport();
    case 'hyperscope.exitTrace': {
      const count = field(args, 'count') === undefined ? undefined : intArg(args, 'count', 0, 1_000_000);
      return { exits: d.vm.trace.recent(count).map(exitRecordJson), total: d.vm.trace.total };
    }
    case 'hyperscope.translate': {
      needStopped(d);
      const vcpu = vcpuArg(d, args, focus);
      const address = typeof field(args, 'address') === 'number' ? String(field(args, 'address')) : strArg(args, 'address', 4096);
      const v = compileExpression(address)(d.exprEnv(vcpu));
      if (typeof v !== 'bigint') throw new RequestError('address must be a number');
      return translationJson(d.memory.translate(d.hart(vcpu), v), translateText(d, vcpu, v));
    }
    case 'hyperscope.pageTable': {
      needStopped(d);
      const stage = field(args, 'stage') ?? 'vs';
      if (stage !== 'vs' && stage !== 'g') throw new RequestError(`stage must be 'vs' or 'g', not ${shown(stage)}`);
      const h = d.hart(vcpuArg(d, args, focus));
      if (field(args, 'table') !== undefined) {
        const address = hexArg(args, 'table'), base = hexArg(args, 'base');
        return pageTableLevelJson(stage, d.memory.pageTableLevel(h, stage, { address, level: intArg(args, 'level', 0, 4), base }));
      }
      if (field(args, 'lazy')) return pageTableLevelJson(stage, d.memory.pageTableLevel(h, stage));
      return pageTableJson(d.memory.pageTable(h, stage));
    }
    case 'hyperscope.linux':
      needStopped(d);
      return kernelSnapshot(d, vcpuArg(d, args, focus), field(args, 'maxLog') === undefined ? 500 : intArg(args, 'maxLog', 0, 100_000));
    case 'hyperscope.exitStacks': {
      const reason = field(args, 'reason');
      if (reason === null) {
        d.exitStacks.stop();
      } else if (reason !== undefined) {
        const name = strArg(args, 'reason', 64);
        const period = field(args, 'period') === undefined ? 1 : intArg(args, 'period', 1, MAX_PERIOD);
        try {
          d.exitStacks.start(name, period);
        } catch (e) {
          throw new RequestError((e as Error).message);
        }
      }
      if (field(args, 'clear')) d.exitStacks.clear();
      return d.exitFlameGraph();
    }
    case 'hyperscope.input': {
      const text = strArg(args, 'text', MAX_INPUT_TEXT);
      if (d.isEnded()) throw new RequestError('the guest has ended');
      const bytes = new TextEncoder().encode(text);
      if (!offerConsoleInput(d.vm, bytes)) {
        throw new RequestError(`the guest console's input is full (${d.vm.input.queued} bytes wait for the guest to read them): try again later`);
      }
      d.travel.noteInput(bytes); // replayed at the same instruction when stepping back over it
      return { accepted: true };
    }
    case 'hyperscope.saveSnapshot': {
      const path = strArg(args, 'path', 4096);
      try {
        return { path, ...d.saveSnapshot(path) };
      } catch (e) {
        throw new RequestError(`save snapshot: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    default:
      throw new RequestError(`unknown request '${command}'`);
  }
}
