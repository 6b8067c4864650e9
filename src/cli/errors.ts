/**
 * An error caused by the user's input (a flag, file or field). The CLI prints its message
 * without a stack trace and exits with code 1. Library code throws its own typed errors
 * (CameraError, DatasetError, ConfigError...); `isUserFacing` lets the CLI treat them alike.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
