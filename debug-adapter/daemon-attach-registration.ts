/** Registers the DAP attach session as the debug host of a daemon VM's worker (see daemon-vm-worker.ts). */
import { setDebugHost } from '../hypervisor-core/serve/debug-host';
import { dapAttachHost } from './attach-host';

setDebugHost(dapAttachHost);
