import { SamizdatError, type SamizdatErrorOptions } from '../errors.ts';

/** Base of every error a MirrorHost throws; `host` names the mirror (never a secret). */
export class HostError extends SamizdatError {
  readonly host: string;
  constructor(code: string, host: string, message: string, options: SamizdatErrorOptions = {}) {
    super(code, `mirror ${host}: ${message}`, options);
    this.name = 'HostError';
    this.host = host;
  }
}

export class HostNotFoundError extends HostError {
  constructor(host: string, path: string, options: SamizdatErrorOptions = {}) {
    super('HOST_NOT_FOUND', host, `${path} does not exist`, { ...options, retryable: false });
    this.name = 'HostNotFoundError';
  }
}

export class HostAuthError extends HostError {
  constructor(host: string, message = 'the server refused the credentials', options: SamizdatErrorOptions = {}) {
    super('HOST_AUTH', host, message, { hint: 'Check the environment variables named in the mirror file.', ...options, retryable: false });
    this.name = 'HostAuthError';
  }
}

export class HostKeyMismatchError extends HostError {
  constructor(host: string, expected: string, actual: string, options: SamizdatErrorOptions = {}) {
    super('HOST_KEY_MISMATCH', host, `the server's host key is ${actual}, but the mirror file pins ${expected}; refusing to connect`, {
      hint: 'If the server was reinstalled, confirm its new fingerprint out of band and update hostKeyFingerprint.',
      ...options,
      retryable: false,
    });
    this.name = 'HostKeyMismatchError';
  }
}

export class HostUnreachableError extends HostError {
  constructor(host: string, message: string, options: SamizdatErrorOptions = {}) {
    super('HOST_UNREACHABLE', host, message, { retryable: true, ...options });
    this.name = 'HostUnreachableError';
  }
}

export class HostTimeoutError extends HostError {
  constructor(host: string, what: string, ms: number, options: SamizdatErrorOptions = {}) {
    super('HOST_TIMEOUT', host, `${what} did not finish within ${ms} ms`, { retryable: true, ...options });
    this.name = 'HostTimeoutError';
  }
}
