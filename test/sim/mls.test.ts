import davey from '@snazzah/davey';
import { describe, expect, it } from 'vitest';
import { APPEND, AUDIO, REVOKE } from './dave-call.js';
import {
  MlsReader,
  appendProposals,
  createExternalSender,
  daveGroupId,
  proposalRef,
  readCommitWelcome,
  readKeyPackage,
  revokeProposals,
  signedProposal,
  varint,
} from './mls.js';

const CHANNEL = '1234567890123456789';
const [BOT, L1, L2] = ['1000000000000000001', '1000000000000000002', '1000000000000000003'];
const OPUS = Buffer.from('fc0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

describe('MLS encodings of the simulated DAVE gateway (against davey)', () => {
  it('writes and reads varints at every width', () => {
    for (const value of [0, 63, 64, 16383, 16384, 1 << 29]) expect(new MlsReader(varint(value)).varint()).toBe(value);
  });

  it('adds, removes and revokes through davey sessions; the groups agree and frames decrypt', () => {
    const sender = createExternalSender();
    const groupId = daveGroupId(CHANNEL);
    const bot = new davey.DAVESession(1, BOT, CHANNEL);
    const l1 = new davey.DAVESession(1, L1, CHANNEL);
    const l2 = new davey.DAVESession(1, L2, CHANNEL);
    for (const session of [bot, l1, l2]) session.setExternalSender(sender.package);
    expect(readKeyPackage(bot.getSerializedKeyPackage())).toMatchObject({ userId: BOT, cipherSuite: 2 });

    // The bot creates the group by committing Add(L1) at epoch 0.
    const addL1 = signedProposal(sender, groupId, 0n, { add: readKeyPackage(l1.getSerializedKeyPackage()).keyPackage });
    const first = bot.processProposals(APPEND, appendProposals([addL1]).subarray(1), [L1]);
    const split = readCommitWelcome(Buffer.concat([first.commit!, first.welcome!]));
    expect(split.commit.equals(first.commit!)).toBe(true);
    expect(split.welcome!.equals(first.welcome!)).toBe(true);
    expect(split).toMatchObject({ epoch: 0n, senderLeaf: 0 });
    bot.processCommit(split.commit);
    l1.processWelcome(split.welcome!);
    expect([bot.epoch, l1.epoch]).toEqual([1n, 1n]);
    expect(l1.decrypt(BOT, AUDIO, bot.encryptOpus(OPUS)).equals(OPUS)).toBe(true);

    // A proposal that is revoked leaves nothing to commit.
    const revoked = signedProposal(sender, groupId, 1n, { add: readKeyPackage(l2.getSerializedKeyPackage()).keyPackage });
    bot.processProposals(APPEND, appendProposals([revoked]).subarray(1), [L1, L2]);
    expect(bot.processProposals(REVOKE, revokeProposals([proposalRef(revoked)]).subarray(1), [L1, L2]).commit).toBeUndefined();

    // L2 joins (both members commit, the bot's commit wins), then L1 is removed.
    const addL2 = appendProposals([signedProposal(sender, groupId, 1n, { add: readKeyPackage(l2.getSerializedKeyPackage()).keyPackage })]).subarray(1);
    const second = bot.processProposals(APPEND, addL2, [L1, L2]);
    l1.processProposals(APPEND, addL2, [BOT, L2]);
    const commit2 = readCommitWelcome(Buffer.concat([second.commit!, second.welcome!]));
    for (const member of [bot, l1]) member.processCommit(commit2.commit);
    l2.processWelcome(commit2.welcome!);
    expect(l2.ownLeafIndex).toBe(2);
    const remove = appendProposals([signedProposal(sender, groupId, 2n, { removeLeaf: 1 })]).subarray(1);
    const third = bot.processProposals(APPEND, remove, [L2]);
    l2.processProposals(APPEND, remove, [BOT]);
    const commit3 = readCommitWelcome(third.commit!);
    expect(commit3.welcome).toBeUndefined();
    for (const member of [bot, l2]) member.processCommit(commit3.commit);
    expect(bot.getUserIds().sort()).toEqual([BOT, L2].sort());
    expect(l2.decrypt(BOT, AUDIO, bot.encryptOpus(OPUS)).equals(OPUS)).toBe(true);

    // What a hostile gateway might send: davey refuses a wrong epoch and a foreign signature.
    const wrongEpoch = appendProposals([signedProposal(sender, groupId, 7n, { removeLeaf: 2 })]).subarray(1);
    expect(() => bot.processProposals(APPEND, wrongEpoch, [L2])).toThrow(/epoch/i);
    const foreign = appendProposals([signedProposal(createExternalSender(), groupId, 3n, { removeLeaf: 2 })]).subarray(1);
    expect(() => bot.processProposals(APPEND, foreign, [L2])).toThrow(/signature/i);
  });

  it('refuses a truncated key package or commit', () => {
    const kp = new davey.DAVESession(1, BOT, CHANNEL).getSerializedKeyPackage();
    expect(() => readKeyPackage(kp.subarray(0, kp.length - 3))).toThrow();
    expect(() => readCommitWelcome(Buffer.from([0, 1, 0, 1, 8]))).toThrow(/truncated/);
  });
});
