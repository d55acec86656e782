import path from 'node:path';
import { FolderHost } from '../../src/mirrors/hosts/folder.ts';
import { tempDir } from '../support/net.ts';
import { describeMirrorHost } from './conformance.ts';

let root: { dir: string; cleanup: () => Promise<void> };

describeMirrorHost({
  name: 'folder (local disk)',
  async setup() {
    root = await tempDir('samizdat-folder-host-');
    return { host: new FolderHost('local', path.join(root.dir, 'mirror')) };
  },
  async teardown() {
    await root.cleanup();
  },
  skip: {
    'bad-credentials': 'a local folder has no credentials (and root bypasses file permissions)',
    'wrong-host-key': 'a local folder has no host key',
    'stall-timeout': 'a local disk has no server that can stop answering',
    'killed-mid-put': 'a local disk has no server to kill; an interrupted put is covered by abort-midway',
  },
});
