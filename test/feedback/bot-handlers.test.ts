/** /retrain and /model handlers with a stand-in interaction (the Discord round trip is the bot core's e2e). */
import path from 'node:path';
import type { ChatInputCommandInteraction, Client } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as modelCommand from '../../src/bot/commands/model.js';
import * as retrainCommand from '../../src/bot/commands/retrain.js';
import { announceNewVersions, outcomeMessage } from '../../src/bot/commands/retrain.js';
import type { BotContext } from '../../src/bot/context.js';
import { parseRatingEmojis, ratingWeights } from '../../src/config/rating-emojis.js';
import { openDatabase, type OpenedDatabase } from '../../src/db/index.js';
import type { RetrainOutcome } from '../../src/feedback/retrain.js';
import { FeedbackService } from '../../src/feedback/service.js';
import { readCurrentPointer, setCurrentModel } from '../../src/model/registry.js';
import { tinyWorld, type TinyWorld } from './fixtures.js';

const weights = ratingWeights(parseRatingEmojis('👍=1,👎=-1').emojis);
let world: TinyWorld;
let db: OpenedDatabase;
beforeAll(async () => {
  world = await tinyWorld({ epochs: 2, pieces: 16 });
  db = await openDatabase(`file:${path.join(world.root, 'bot.db')}`);
}, 120_000);
afterAll(async () => {
  await db?.close();
  world?.cleanup();
});

interface Replies {
  content: string[];
}
function interaction(options: { admin: boolean; use?: string }, replies: Replies): ChatInputCommandInteraction {
  const record = async (payload: { content?: string }): Promise<void> => {
    replies.content.push(payload.content ?? '');
  };
  return {
    memberPermissions: { has: () => options.admin },
    options: { getString: (name: string) => (name === 'use' ? (options.use ?? null) : null) },
    user: { id: '42' },
    reply: record,
    deferReply: async () => undefined,
    editReply: record,
  } as unknown as ChatInputCommandInteraction;
}

const outcome: RetrainOutcome = {
  status: 'accepted',
  version: 'v2',
  parent: 'v1',
  reason: 'validation NLL 1.0 (+1.0 % vs 0.99), sample statistics in range',
  runId: 1,
  activated: true,
  ratingsUsed: 30,
  likedPieces: 9,
  dislikedPieces: 4,
  referenceNll: 0.99,
  parentNll: 0.99,
  candidateNll: 1,
  trainingSeconds: 3,
};

describe('bot feedback commands', () => {
  it('refuse non-admins', async () => {
    const replies: Replies = { content: [] };
    await retrainCommand.execute(interaction({ admin: false }, replies), {} as BotContext);
    await modelCommand.execute(interaction({ admin: false }, replies), {} as BotContext);
    expect(replies.content).toEqual([expect.stringMatching(/Only server admins/), expect.stringMatching(/Only server admins/)]);
  });

  it('/model lists versions and switches through the feedback service', async () => {
    const feedback = new FeedbackService({
      db,
      config: { ratingWeights: weights, retrain: { schedule: { kind: 'off' }, minRatings: 1 } },
      modelsDir: world.modelsDir,
    });
    const context = { feedback, db } as unknown as BotContext;
    const replies: Replies = { content: [] };
    await modelCommand.execute(interaction({ admin: true }, replies), context);
    expect(replies.content[0]).toMatch(new RegExp(`\`${world.baseName}\` base`));
    await modelCommand.execute(interaction({ admin: true, use: world.baseName }, replies), context);
    expect(replies.content[1]).toBe(`Now using model **${world.baseName}** for new pieces.`);
    expect(readCurrentPointer(world.modelsDir)?.model).toBe(world.baseName);
    await expect(modelCommand.execute(interaction({ admin: true, use: 'nope' }, replies), context)).rejects.toThrow(/no model version "nope"/);
  });

  it('/retrain replies with the verdict from the service', async () => {
    await setCurrentModel(world.baseName, { modelsDir: world.modelsDir });
    const feedback = new FeedbackService({
      db,
      config: { ratingWeights: weights, retrain: { schedule: { kind: 'off' }, minRatings: 1 } },
      modelsDir: world.modelsDir,
      runner: async (_input, options) => {
        options.onProgress?.({ stage: 'train', fraction: 0.5, message: 'epoch 1/2' });
        return outcome;
      },
    });
    const posted: Array<{ channel: string; content: string }> = [];
    const client = {
      channels: {
        fetch: async (id: string) => ({ isSendable: () => true, send: async (m: { content: string }) => posted.push({ channel: id, content: m.content }) }),
      },
    } as unknown as Client;
    announceNewVersions(feedback, client, '123456789', undefined);
    const replies: Replies = { content: [] };
    await retrainCommand.execute(interaction({ admin: true }, replies), { feedback } as unknown as BotContext);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(posted).toEqual([{ channel: '123456789', content: expect.stringMatching(/New model version \*\*v2\*\*, fine-tuned from v1/) }]);
    expect(replies.content.at(-1)).toBe(outcomeMessage(outcome));
    expect(outcomeMessage(outcome)).toMatch(/✅ \*\*v2\*\* accepted and now in use — fine-tuned from v1 on 9 liked piece\(s\), 30 rating\(s\)/);
    expect(outcomeMessage({ ...outcome, status: 'rejected', reason: 'samples out of range' })).toBe(
      '❌ **v2** rejected, v1 stays in use: samples out of range.',
    );
  });
});
