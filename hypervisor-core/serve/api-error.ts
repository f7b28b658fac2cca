/**
 * Errors of the management API: a machine-readable code, an HTTP status and one line for the
 * user. The client maps each code to its own exit status (cli/vm-command.ts).
 */

/** Error codes of the API, with their HTTP status. */
export const API_ERRORS = {
  /** A malformed request: bad JSON, a missing or unknown field, a value out of range. */
  'bad-request': 400,
  /** A file the VM needs (kernel, initrd, disk) is missing, unreadable or not a kernel. */
  'bad-file': 400,
  /** No VM has this name. */
  'no-such-vm': 404,
  /** No such route. */
  'not-found': 404,
  /** The route exists, not with this method. */
  'method-not-allowed': 405,
  /** A VM with this name exists already. */
  'vm-exists': 409,
  /** The VM is not in a state the action applies to (pausing a paused VM). */
  'wrong-state': 409,
  /** The daemon hosts as many VMs as it takes. */
  'too-many-vms': 409,
  /** The request body is larger than the route takes. */
  'too-large': 413,
  /** The request came from a web page or named another host (a browser must not drive the daemon). */
  'forbidden': 403,
  /** A live migration broke or the destination refused it; the VM runs on here. */
  'migration-failed': 502,
  /** Something failed inside the daemon; the VMs are unaffected. */
  'internal': 500,
} as const;

/** An API error code. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** A request the API refuses; nothing has changed. */
export class ApiError extends Error {
  constructor(readonly code: ApiErrorCode, message: string) {
    super(message);
  }

  /** The HTTP status for the code. */
  get status(): number {
    return API_ERRORS[this.code];
  }
}
