/**
 * The model registry's database side. At most one version is `active` per scope (the global
 * model, or one guild's taste variant); activating one retires the previous one in the same
 * transaction, so readers never see zero or two active models. Rolling back = activating an
 * older version again.
 */
import { InvalidInputError } from '../util/errors.js';
import type { ModelVersion as ModelVersionRow, PrismaClient } from './generated/sqlite/client.js';
import { decodeJsonObject, encodeJsonObject, type JsonObject } from './encoding.js';
import { ensureGuild, type Db } from './members.js';

export const MODEL_STATUSES = ['candidate', 'active', 'rejected', 'retired'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

export interface StoredModelVersion {
  readonly id: number;
  readonly name: string;
  readonly parentName: string | null;
  /** Set for a guild's own variant; null for the global model. */
  readonly guildId: string | null;
  readonly status: ModelStatus;
  readonly reason: string | null;
  readonly metrics: JsonObject;
  readonly cardPath: string | null;
  readonly createdAt: Date;
  readonly activatedAt: Date | null;
}

export interface NewModelVersion {
  name: string;
  parentName?: string | null;
  guildId?: string | null;
  /** Default `candidate`. Use activateModelVersion to make one active. */
  status?: Exclude<ModelStatus, 'active'>;
  reason?: string | null;
  metrics?: JsonObject;
  cardPath?: string | null;
}

function toStored(row: ModelVersionRow): StoredModelVersion {
  return {
    ...row,
    status: (MODEL_STATUSES as readonly string[]).includes(row.status) ? (row.status as ModelStatus) : 'candidate',
    metrics: decodeJsonObject(row.metrics),
  };
}

export async function registerModelVersion(prisma: PrismaClient, input: NewModelVersion): Promise<StoredModelVersion> {
  return prisma.$transaction(async (tx) => {
    if (await tx.modelVersion.findUnique({ where: { name: input.name }, select: { id: true } })) {
      throw new InvalidInputError(`model version "${input.name}" already exists`);
    }
    if (input.parentName && !(await tx.modelVersion.findUnique({ where: { name: input.parentName }, select: { id: true } }))) {
      throw new InvalidInputError(`parent model version "${input.parentName}" is not registered`);
    }
    if (input.guildId) await ensureGuild(tx, { id: input.guildId });
    const row = await tx.modelVersion.create({
      data: {
        name: input.name,
        parentName: input.parentName ?? null,
        guildId: input.guildId ?? null,
        status: input.status ?? 'candidate',
        reason: input.reason ?? null,
        metrics: encodeJsonObject(input.metrics),
        cardPath: input.cardPath ?? null,
      },
    });
    return toStored(row);
  });
}

/** Registers `name` unless it already is (e.g. the bundled base model at first start). */
export async function ensureModelVersion(prisma: PrismaClient, input: NewModelVersion): Promise<StoredModelVersion> {
  const existing = await prisma.modelVersion.findUnique({ where: { name: input.name } });
  return existing ? toStored(existing) : registerModelVersion(prisma, input);
}

export async function getModelVersion(db: Db, name: string): Promise<StoredModelVersion | null> {
  const row = await db.modelVersion.findUnique({ where: { name } });
  return row ? toStored(row) : null;
}

/** Newest first; `guildId: null` = global versions only, undefined = all. */
export async function listModelVersions(db: Db, options: { guildId?: string | null; status?: ModelStatus } = {}): Promise<StoredModelVersion[]> {
  const rows = await db.modelVersion.findMany({
    where: { ...(options.guildId !== undefined ? { guildId: options.guildId } : {}), ...(options.status ? { status: options.status } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
  return rows.map(toStored);
}

/** The active version of exactly this scope (null guildId = global). */
export async function getActiveModelVersion(db: Db, guildId: string | null = null): Promise<StoredModelVersion | null> {
  const row = await db.modelVersion.findFirst({ where: { guildId, status: 'active' }, orderBy: { activatedAt: 'desc' } });
  return row ? toStored(row) : null;
}

/** The model that serves a guild: its own active variant, else the global one. */
export async function activeModelFor(db: Db, guildId: string | null): Promise<StoredModelVersion | null> {
  return (guildId ? await getActiveModelVersion(db, guildId) : null) ?? getActiveModelVersion(db, null);
}

/**
 * Makes `name` the active version of its scope and retires the one it replaces. A rejected
 * version is refused unless `force` (it failed the guardrail).
 */
export async function activateModelVersion(
  prisma: PrismaClient,
  name: string,
  options: { reason?: string; force?: boolean; at?: Date } = {},
): Promise<{ activated: StoredModelVersion; retired: StoredModelVersion[] }> {
  return prisma.$transaction(async (tx) => {
    const target = await tx.modelVersion.findUnique({ where: { name } });
    if (!target) throw new InvalidInputError(`model version "${name}" is not registered`);
    if (target.status === 'rejected' && !options.force) {
      throw new InvalidInputError(`model version "${name}" was rejected${target.reason ? ` (${target.reason})` : ''}; activate it with force to override`);
    }
    const previous = await tx.modelVersion.findMany({ where: { guildId: target.guildId, status: 'active', NOT: { id: target.id } } });
    await tx.modelVersion.updateMany({ where: { id: { in: previous.map((p) => p.id) } }, data: { status: 'retired' } });
    const activated = await tx.modelVersion.update({
      where: { id: target.id },
      data: { status: 'active', activatedAt: options.at ?? new Date(), ...(options.reason ? { reason: options.reason } : {}) },
    });
    return { activated: toStored(activated), retired: previous.map((p) => toStored({ ...p, status: 'retired' })) };
  });
}

/** Marks a version rejected (guardrail failed, with the reason) or retired, or back to candidate. */
export async function setModelStatus(db: Db, name: string, status: Exclude<ModelStatus, 'active'>, reason?: string): Promise<StoredModelVersion> {
  const row = await db.modelVersion.update({ where: { name }, data: { status, ...(reason !== undefined ? { reason } : {}) } }).catch((error: unknown) => {
    throw (error as { code?: unknown }).code === 'P2025' ? new InvalidInputError(`model version "${name}" is not registered`) : error;
  });
  return toStored(row);
}

export async function updateModelMetrics(db: Db, name: string, metrics: JsonObject, cardPath?: string): Promise<StoredModelVersion> {
  const row = await db.modelVersion.update({ where: { name }, data: { metrics: encodeJsonObject(metrics), ...(cardPath ? { cardPath } : {}) } });
  return toStored(row);
}
