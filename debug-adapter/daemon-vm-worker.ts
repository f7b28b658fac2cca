/**
 * The worker entry point of a `hyperscope serve` VM (dist/vm-worker.js): the core's VM worker
 * with the debug adapter's attach session registered, so a debugger can attach to the VM
 * (DAP over the daemon's debug route). The registration comes first: the worker starts on import.
 */
import './daemon-attach-registration';
import '../hypervisor-core/serve/vm-worker';
