/**
 * The cluster's model registry for a bot process (REDIS_URL): `/model` lists the versions of the
 * model store the workers compose with (model-store.ts), the active one marked, and `/model use`
 * switches the store's current version — not this machine's models folder, which in a cluster
 * holds none of the versions retrained on a worker.
 */
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { VersionRegistry } from '../feedback/service.js';
import { checkNotRejected, hasModelFiles, isVersionName, readCard, type CurrentPointer } from '../model/registry.js';
import { InvalidInputError } from '../util/errors.js';
import { quoteInput } from '../util/text.js';
import { inStore, publishModel, setStoreCurrent, storeCard, storeCurrent, storeVersions } from './model-store.js';

/**
 * `localModelsDir`: this machine's models folder. A version found there but not yet in the store
 * (the bundled models, one trained by hand) is published when switched to, as before.
 */
export function storeRegistry(redis: Redis, localModelsDir: string): VersionRegistry {
  return {
    list: () => storeVersions(redis),
    async use(version, options = {}) {
      if (!isVersionName(version)) throw new InvalidInputError(`${quoteInput(version)} is not a model version name`);
      const local = path.join(localModelsDir, version);
      if (await inStore(redis, version)) checkNotRejected(version, await storeCard(redis, version), options.force);
      else if (hasModelFiles(local)) {
        checkNotRejected(version, await readCard(local), options.force);
        await publishModel(redis, version, local);
      } else {
        throw new InvalidInputError(`no model version "${version}" in the cluster's model store (see \`/model\`)`);
      }
      const before = await storeCurrent(redis);
      await setStoreCurrent(redis, version);
      return { model: version, previous: before !== version ? before : null, updatedAt: new Date().toISOString() } satisfies CurrentPointer;
    },
  };
}
