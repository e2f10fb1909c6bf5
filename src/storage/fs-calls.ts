// Promise wrappers over the fs *callback* API for the writer's hot path. Measured on this project's
// 2-core test machine (4 KiB write + fdatasync, 2000 serial ops): fs.writev/fs.fdatasync callbacks
// p50 ≈ 317–425 µs, FileHandle.writev/datasync promises ≈ 430 µs, synchronous calls ≈ 230–330 µs.
// FileHandle promises add a per-call allocation and an extra tick; callbacks are cheaper, and a small
// write is cheaper still done synchronously (it only copies into the page cache), leaving one
// thread-pool hop (fdatasync) per group commit. See SYNC_WRITE_BYTES_MAX in file-store.ts.

import { fdatasync, fdatasyncSync, ftruncate, writev } from 'node:fs';

export function writevAt(fd: number, buffers: Uint8Array[], position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    writev(fd, buffers, position, (error, written) => (error === null ? resolve(written) : reject(error)));
  });
}

/**
 * The "slow disk" fault: every fdatasync of this thread completes this much later. Set by the
 * nemesis through the replica's control channel; 0 (the default) costs one comparison.
 */
let fsyncDelayMs = 0;

export function setFsyncDelayMs(ms: number): void {
  if (!Number.isFinite(ms) || ms < 0 || ms > 60_000) throw new RangeError(`fsync delay: expected 0..60000 ms, got ${ms}`);
  fsyncDelayMs = ms;
}

export function fdatasyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fdatasync(fd, (error) => {
      if (error !== null) reject(error);
      else if (fsyncDelayMs > 0) setTimeout(resolve, fsyncDelayMs);
      else resolve();
    });
  });
}

/**
 * fdatasync on the calling thread. For a lone small batch this saves the thread-pool round trip
 * (two cross-thread wake-ups): 1 KiB write+fdatasync p50 on the 2-core test machine, one file,
 * 224 µs synchronous vs 289 µs through the pool (145 vs 298 in another run), both measured in
 * one process, one after the other. Returns false (and does nothing) while the slow-disk fault is on, so the
 * caller takes the asynchronous path, which applies the delay.
 */
export function fdatasyncFdNow(fd: number): boolean {
  if (fsyncDelayMs > 0) return false;
  fdatasyncSync(fd);
  return true;
}

export function ftruncateFd(fd: number, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    ftruncate(fd, bytes, (error) => (error === null ? resolve() : reject(error)));
  });
}
