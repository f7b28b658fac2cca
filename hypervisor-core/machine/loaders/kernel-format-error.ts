/**
 * The one error every kernel loader throws for an unusable file. Its message is a single
 * line meant for the user (the CLI prints it and exits with status 2), never a stack trace.
 */
export class KernelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelFormatError';
  }
}
