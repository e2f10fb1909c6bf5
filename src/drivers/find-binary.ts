// Locates a peer's server binary (etcd, nats-server). A missing binary is a user error whose
// message says exactly how to install it; it is never a silent skip.

import * as fs from 'node:fs';
import * as path from 'node:path';

export class MissingBinaryError extends Error {
  override name = 'MissingBinaryError';
}

export interface BinarySpec {
  /** Executable name looked up in PATH, e.g. "etcd". */
  name: string;
  /** Path given by the user (an option or flag); when set, only this path is tried. */
  explicitPath?: string | undefined;
  /** Name of the option/flag that carries explicitPath, quoted in the error. */
  optionName: string;
  /** Debian package that ships it, e.g. "etcd-server". */
  debianPackage: string;
}

// Debian puts nats-server in /usr/sbin, which is not in every user's PATH.
const EXTRA_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'];

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findBinary(spec: BinarySpec): string {
  const install = `install it with \`apt-get install -y ${spec.debianPackage}\``;
  if (spec.explicitPath !== undefined) {
    if (isExecutableFile(spec.explicitPath)) return spec.explicitPath;
    throw new MissingBinaryError(`${spec.name} binary not found at "${spec.explicitPath}" (${spec.optionName}): ${install}, or point ${spec.optionName} at an executable ${spec.name}`);
  }
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter((d) => d !== ''), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, spec.name);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new MissingBinaryError(`${spec.name} binary not found in PATH or ${EXTRA_DIRS.join(', ')}: ${install}, or give its path with ${spec.optionName}`);
}
