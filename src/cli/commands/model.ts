/**
 * `rhythmix model list [--json]` and `rhythmix model use VERSION [--force]`: the versions under
 * models/ with their cards, and switching (or rolling back) the model that compose and the bot
 * use. The switch is one atomic rename of models/current.json; running jobs keep the model they
 * loaded, the next job loads the new one. `rhythmix model index-originality MODEL` builds the
 * originality index beside a model (docs/originality.md).
 */
import type { Command } from 'commander';
import { loadCliConfig } from '../../config/index.js';
import { openDatabase } from '../../db/index.js';
import { syncModelVersions } from '../../feedback/versions-db.js';
import { formatShare, likedSharesByVersion, type LikedShare } from '../../feedback/liked-share.js';
import { modelRows } from '../../feedback/model-rows.js';
import { readCurrentPointer, setCurrentModel } from '../../model/registry.js';
import { errorMessage } from '../../util/errors.js';
import { indexOriginality, indexOriginalityInputSchema } from '../../app/index-originality.js';
import { fieldParser, flagNamer, withFlagNames } from '../flags.js';
import { createProgressDisplay } from './render.js';

const INDEX_FLAGS = flagNamer();

/** Liked share per version from the configured database; none when it cannot be read (the list comes from the disk). */
async function likedShares(): Promise<Map<string, LikedShare> | undefined> {
  try {
    const config = loadCliConfig();
    const db = await openDatabase(config.databaseUrl);
    try {
      return await likedSharesByVersion(db.prisma, { weights: config.ratingWeights });
    } finally {
      await db.close();
    }
  } catch {
    return undefined;
  }
}

export function register(program: Command): void {
  const model = program.command('model').description('List model versions and choose the one compose and the bot use');
  model
    .command('list')
    .description('Model versions under models/ (status, parent, validation NLL; * = current)')
    .option('--json', 'print a JSON array')
    .action(async (flags: { json?: boolean }) => {
      const rows = await modelRows(undefined, await likedShares());
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      if (rows.length === 0) {
        console.log('no models yet (train one with `rhythmix train`)');
        return;
      }
      for (const row of rows) {
        const nll = row.validationNll === null ? '' : ` nll ${row.validationNll.toFixed(4)}`;
        const parent = row.parent ? ` ← ${row.parent}` : '';
        const liked = row.liked ? ` liked ${formatShare(row.liked)}` : '';
        const why = row.status === 'rejected' && row.reason ? ` (${row.reason})` : '';
        console.log(`${row.current ? '*' : ' '} ${row.name}  ${row.status}${parent}${nll}${liked}${why}`);
      }
    });
  model
    .command('use')
    .description('Make VERSION the current model (roll back or forward); new compose jobs use it at once')
    .argument('<version>', 'a name from `rhythmix model list`')
    .option('--force', 'use it even though the guardrail rejected it')
    .action(async (version: string, flags: { force?: boolean }) => {
      const before = readCurrentPointer()?.model ?? null;
      const pointer = await setCurrentModel(version, { force: flags.force ?? false });
      // The database's record follows the pointer; the pointer alone decides what serves.
      try {
        const db = await openDatabase(loadCliConfig().databaseUrl);
        try {
          await syncModelVersions(db.prisma);
        } finally {
          await db.close();
        }
      } catch (error) {
        console.error(`rhythmix: warning: the database did not record the switch: ${errorMessage(error)}`);
      }
      console.log(`current model: ${pointer.model}${before && before !== pointer.model ? ` (was ${before})` : ''}`);
    });
  model
    .command('index-originality')
    .description("Index the model's training pieces (the data sets its card names, train split) for the originality check: writes originality.bin beside it")
    .argument('<model>', 'model name (models/<name>/) or folder')
    .option(
      '--datasets <list>',
      "comma-separated data-set specs instead of the card's data.datasets",
      fieldParser(indexOriginalityInputSchema, 'datasets', INDEX_FLAGS),
    )
    .option('--shards <dir>', "token shard folder whose train split names the pieces (default: the card's data.source when present)")
    .option('--json', 'print one JSON document {model, file, bytes, datasets, split, pieces, ngrams, failed}')
    .action(
      withFlagNames(INDEX_FLAGS, async (name: string, flags: { datasets?: string[]; shards?: string; json?: boolean }) => {
        const display = createProgressDisplay(flags.json);
        let summary;
        try {
          summary = await indexOriginality(
            { model: name, ...(flags.datasets ? { datasets: flags.datasets } : {}), ...(flags.shards ? { shards: flags.shards } : {}) },
            { onProgress: (done, total) => display.update('reading training pieces', done / total) },
          );
        } finally {
          display.stop();
        }
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return;
        }
        console.log(
          `${summary.file}: ${summary.pieces} training pieces of ${summary.datasets.join(', ')} (train split from ${summary.split === 'shards' ? 'the shards' : "the preset's rule"}), ` +
            `${summary.ngrams} n-grams, ${(summary.bytes / 1e6).toFixed(1)} MB${summary.failed ? `; ${summary.failed} unreadable piece(s) left out` : ''}`,
        );
      }),
    );
}
