/**
 * Import checks (`npm run lint:imports`, part of `npm test`).
 *
 * Cycles: a circular import in src/ fails it, between modules or between folders (src/config must
 * not import src/db while src/db imports src/config). None is tolerated.
 *
 * Layers: each folder only imports what is below it (docs/architecture.md).
 *   src/util      nothing of ours
 *   src/config    util
 *   src/music     util
 *   src/midi      music, util, config
 *   src/model     music, util, config
 *   src/datasets  music, midi, util, config
 *   src/jobs      util, config (the job queue and the off-thread runtime: everything may launch work)
 *   src/render    music, midi, util, config, jobs
 *   src/fuzz      music, midi, model, datasets, util, config (a developer tool: npm run fuzz)
 *   src/db        util, config
 *   src/compose   music, midi, model, render, jobs, util, config
 *   src/train     music, model, datasets, jobs, util, config (it measures; composing is app's)
 *   src/feedback  the feature layers above, db, jobs
 *   src/app       the use cases: every layer above, nothing of workers, bot or cli
 *   src/workers   app and the layers below it
 *   src/web      the web edge (gallery, playground): app and the layers below it, never bot or cli
 *   src/cluster   BullMQ on Redis: workers and the layers below them (the bot and the CLI use it)
 *   src/bot, src/cli are the edge: nothing else imports them (cli may start the bot).
 *
 * Type-only imports count too: they tie the modules' designs together just the same.
 * Prisma's generated client is left out (not ours to change).
 */

/** A rule that `folder` imports nothing in src/ outside itself and `allowed`. */
function layer(folder, allowed) {
  const ok = [folder, ...allowed].join('|');
  return {
    name: `layer-${folder}`,
    severity: 'error',
    comment: `src/${folder} may only import ${allowed.length ? allowed.map((a) => `src/${a}`).join(', ') : 'nothing else in src/'}: move what it needs down a layer.`,
    from: { path: `^src/${folder}/` },
    to: { path: '^src/', pathNot: `^src/(${ok})/` },
  };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other: move what both need into a module that both import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      severity: 'error',
      scope: 'folder',
      comment: 'Folders import each other: one of them should only be imported, not import back.',
      from: {},
      to: { circular: true },
    },
    layer('util', []),
    layer('config', ['util']),
    layer('music', ['util']),
    layer('midi', ['music', 'util', 'config']),
    layer('model', ['music', 'util', 'config']),
    layer('datasets', ['music', 'midi', 'util', 'config']),
    layer('jobs', ['util', 'config']),
    layer('render', ['music', 'midi', 'util', 'config', 'jobs']),
    layer('fuzz', ['music', 'midi', 'model', 'datasets', 'util', 'config']),
    layer('db', ['util', 'config']),
    layer('compose', ['music', 'midi', 'model', 'render', 'jobs', 'util', 'config']),
    layer('train', ['music', 'model', 'datasets', 'jobs', 'util', 'config']),
    layer('feedback', ['music', 'midi', 'model', 'render', 'datasets', 'compose', 'train', 'db', 'jobs', 'util', 'config']),
    layer('app', ['music', 'midi', 'model', 'render', 'datasets', 'compose', 'train', 'feedback', 'db', 'jobs', 'util', 'config']),
    layer('web', ['app', 'music', 'compose', 'db', 'jobs', 'util', 'config']),
    layer('workers', ['app', 'music', 'midi', 'model', 'render', 'datasets', 'compose', 'train', 'feedback', 'db', 'jobs', 'util', 'config']),
    layer('cluster', ['workers', 'app', 'music', 'midi', 'model', 'render', 'datasets', 'compose', 'train', 'feedback', 'db', 'jobs', 'util', 'config']),
    {
      name: 'edge-bot-cli',
      severity: 'error',
      comment: 'src/bot and src/cli are the edge: nothing below them imports them.',
      from: { path: '^src/', pathNot: '^src/(bot|cli)/' },
      to: { path: '^src/(bot|cli)/' },
    },
    {
      name: 'edge-bot-not-cli',
      severity: 'error',
      comment: 'The bot does not import the command line (the command line may start the bot).',
      from: { path: '^src/bot/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/db/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
