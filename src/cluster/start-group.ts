// startGroup({replicas, mode, ...}): the one way to start a replica group in either mode.

import type { GroupHandle, GroupOptions } from './group.js';
import { ThreadGroup } from './thread-group.js';

export async function startGroup(options: GroupOptions): Promise<GroupHandle> {
  switch (options.config.mode) {
    case 'threads':
      return ThreadGroup.start(options);
    case 'process': {
      const { ProcessGroup } = await import('./process-group.js');
      return ProcessGroup.start(options);
    }
  }
}
