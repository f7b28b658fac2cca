/**
 * DAP thread and frame ids of a guest: thread ids are vCPU numbers + 1; a frame id encodes
 * its vCPU and its depth (vcpu * FRAME_STRIDE + frame). Each check throws a RequestError of
 * one line for an id the client made up.
 */
import { Args, RequestError, field, shown } from './request-args';

/** Frame ids encode the vCPU and the frame's depth. */
export const FRAME_STRIDE = 1 << 16;

/** The frame id of displayed frame `frame` (0: innermost) of `vcpu`. */
export function frameId(vcpu: number, frame: number): number {
  return vcpu * FRAME_STRIDE + frame;
}

/** The vCPU of the `threadId` argument, for a guest of `vcpus` vCPUs. */
export function threadVcpu(vcpus: number, args: Args): number {
  const t = field(args, 'threadId');
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > vcpus) {
    throw new RequestError(`threadId ${t === undefined ? 'missing' : shown(t)} is not a vCPU thread (threads 1 to ${vcpus})`);
  }
  return t - 1;
}

/** The vCPU of a frame id, for a guest of `vcpus` vCPUs. */
export function frameVcpu(vcpus: number, id: unknown): number {
  const vcpu = typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? Math.floor(id / FRAME_STRIDE) : -1;
  if (vcpu < 0 || vcpu >= vcpus) throw new RequestError(`frameId ${shown(id)} is not a frame of this guest`);
  return vcpu;
}

/** The displayed frame (0: innermost) of a frame id. */
export function frameIndex(id: unknown): number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id % FRAME_STRIDE : 0;
}
