/**
 * Watches every `hyperscope` debug session through a DebugAdapterTracker (it sees the DAP
 * messages in both directions) and turns them into the events the views use: the VM state,
 * stops (with the vCPU), guest console output and streamed exit statistics.
 */
import * as vscode from 'vscode';
import type { ExitStatsReport } from '../hypervisor-core/hypervisor/stats/report';
import { DEBUG_TYPE } from './debug-config';
import { DapMessage, VmState, outputText, stateAfter, stoppedThread } from './session-state';

/** Name of the custom DAP event that streams exit statistics. */
const STATS_EVENT = 'hyperscope.exitStats';

/** A session and something that happened to it. */
export interface SessionEvent<T> {
  session: vscode.DebugSession;
  value: T;
}

/** The hub: one per extension. */
export class HyperscopeSessions implements vscode.Disposable {
  private readonly states = new Map<string, VmState>();
  private readonly lastStoppedVcpu = new Map<string, number>();
  private readonly stateEmitter = new vscode.EventEmitter<SessionEvent<VmState>>();
  private readonly stopEmitter = new vscode.EventEmitter<SessionEvent<number | undefined>>();
  private readonly outputEmitter = new vscode.EventEmitter<SessionEvent<string>>();
  private readonly statsEmitter = new vscode.EventEmitter<SessionEvent<ExitStatsReport>>();
  private readonly startEmitter = new vscode.EventEmitter<vscode.DebugSession>();
  private readonly disposables: vscode.Disposable[] = [];

  /** The VM state of a session changed. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** A session stopped; the value is the vCPU the stop names, if any. */
  readonly onDidStop = this.stopEmitter.event;
  /** The guest wrote to its console (DAP `output` events of category stdout). */
  readonly onDidOutput = this.outputEmitter.event;
  /** The adapter streamed an exit-statistics report. */
  readonly onDidReceiveStats = this.statsEmitter.event;
  /** A session's adapter started (the tracker was created). */
  readonly onDidStartSession = this.startEmitter.event;

  constructor() {
    this.disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, { createDebugAdapterTracker: (s) => this.track(s) }),
      this.stateEmitter, this.stopEmitter, this.outputEmitter, this.statsEmitter, this.startEmitter,
    );
  }

  /** The VM state of a session ('stopped' when unknown). */
  state(session: vscode.DebugSession | undefined): VmState {
    return (session && this.states.get(session.id)) ?? 'stopped';
  }

  /** The vCPU of the session's latest stop (0 before any). */
  stoppedVcpu(session: vscode.DebugSession): number {
    return this.lastStoppedVcpu.get(session.id) ?? 0;
  }

  /**
   * The active Hyperscope session if its guest is paused; otherwise the one line a view shows
   * instead, `shown` saying what the view would show ("the page tables show").
   */
  pausedSession(shown: string): { session: vscode.DebugSession } | { why: string } {
    const session = vscode.debug.activeDebugSession;
    if (!session || session.type !== DEBUG_TYPE) return { why: 'No Hyperscope debug session.' };
    const state = this.state(session);
    if (state !== 'paused') return { why: `The guest is ${state}: ${shown} when it stops.` };
    return { session };
  }

  private setState(session: vscode.DebugSession, next: VmState): void {
    if (this.states.get(session.id) === next) return;
    this.states.set(session.id, next);
    this.stateEmitter.fire({ session, value: next });
  }

  private track(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    this.states.set(session.id, 'starting');
    this.startEmitter.fire(session);
    this.stateEmitter.fire({ session, value: 'starting' });
    const onMessage = (m: DapMessage, toAdapter: boolean): void => {
      this.setState(session, stateAfter(this.state(session), m, toAdapter));
      if (toAdapter) return;
      const thread = stoppedThread(m);
      if (m.type === 'event' && m.event === 'stopped') {
        if (thread !== undefined) this.lastStoppedVcpu.set(session.id, thread - 1);
        this.stopEmitter.fire({ session, value: thread !== undefined ? thread - 1 : undefined });
      }
      const text = outputText(m);
      if (text !== undefined) this.outputEmitter.fire({ session, value: text });
      if (m.type === 'event' && m.event === STATS_EVENT && m.body) {
        this.statsEmitter.fire({ session, value: m.body as ExitStatsReport });
      }
    };
    return {
      onWillReceiveMessage: (m: DapMessage) => onMessage(m, true),
      onDidSendMessage: (m: DapMessage) => onMessage(m, false),
      onExit: () => this.setState(session, 'stopped'),
      onWillStopSession: () => this.setState(session, 'stopped'),
    };
  }

  /** Disposes the tracker registration and the emitters. */
  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
