// Errors a user of the storage engine sees. Every StorageError names the path it concerns and what
// went wrong, and carries a stable `code` (the errno name for file-system failures, or one of the
// storage codes below) so callers can branch without parsing messages.

export type StorageErrorCode =
  | 'ENOSPC'
  | 'EACCES'
  | 'EROFS'
  | 'ENOENT'
  | 'ENOTDIR'
  | 'EIO'
  | 'LOCKED'
  | 'CORRUPT'
  | 'INVALID'
  | 'CLOSED'
  | 'FAILED'
  | 'OVERLOADED'
  | string;

export class StorageError extends Error {
  override name = 'StorageError';
  readonly code: StorageErrorCode;
  readonly path: string;

  constructor(code: StorageErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.path = path;
  }
}

const EXPLANATIONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

/** Wraps a Node fs error: "<action> <path>: <what happened> (<code>)". Passes StorageErrors through. */
export function fsError(error: unknown, path: string, action: string): StorageError {
  if (error instanceof StorageError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const errno = typeof code === 'string' ? code : 'EIO';
  const what = EXPLANATIONS[errno] ?? (error instanceof Error ? error.message : String(error));
  return new StorageError(errno, path, `${action} ${path}: ${what} (${errno})`, { cause: error });
}
