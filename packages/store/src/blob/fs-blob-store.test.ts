import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { blobStoreContract } from './blob-store.contract.js';
import { FsBlobStore } from './fs-blob-store.js';

blobStoreContract('filesystem', async () => new FsBlobStore(await mkdtemp(path.join(tmpdir(), 'cz-blobs-'))));
