/**
 * Import-cycle check (`npm run lint:imports`, part of `npm test`): a circular import in src/ fails
 * it, between modules or between folders (src/config must not import src/db while src/db imports
 * src/config). Type-only imports count too: they tie the modules' designs together just the same.
 * Prisma's generated client is left out (not ours to change). None is tolerated.
 */
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
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/db/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
