/**
 * One voice channel's DAVE (protocol v1) call, as Discord's voice gateway runs it: the gateway is
 * the MLS group's external sender; the bot (over its voice gateway connection) and the simulated
 * listeners (in-process davey sessions, one per scripted user in the channel) are the members.
 *
 * The gateway keeps the group in step with who is in the call: it proposes Add/Remove (op 27),
 * takes the first commit of the epoch (op 28 from the bot, or a listener's when the bot is not a
 * member), announces it (op 29 to members, op 30 with the welcome to joiners), waits for the bot's
 * ready (op 23) and executes the transition (op 22). When the bot is left alone the group is thrown
 * away (op 24 epoch 1 + op 21 transition 0) and the next joiner starts a new one. Listeners apply
 * every commit and welcome *before* the bot hears of it, so they can decrypt its next frame.
 * Flows and byte layouts: /work/shared/docs/dave-protocol.md.
 */
import { performance } from 'node:perf_hooks';
import davey, { type MediaType, type ProposalsOperationType } from '@snazzah/davey';
import {
  appendProposals,
  createExternalSender,
  daveGroupId,
  readCommitWelcome,
  readKeyPackage,
  signedProposal,
  type CommitWelcome,
  type ExternalSender,
} from './mls.js';

export const DaveOp = {
  ClientsConnect: 11,
  ClientDisconnect: 13,
  PrepareTransition: 21,
  ExecuteTransition: 22,
  TransitionReady: 23,
  PrepareEpoch: 24,
  ExternalSender: 25,
  KeyPackage: 26,
  Proposals: 27,
  CommitWelcome: 28,
  AnnounceCommit: 29,
  Welcome: 30,
  InvalidCommitWelcome: 31,
} as const;

/** How the call talks to the bot's voice gateway connection. */
export interface BotLink {
  readonly userId: string;
  sendJson(op: number, d: unknown): void;
  sendBinary(op: number, body: Buffer): void;
  /** A binary WebSocket message exactly as given (no sequence number or opcode added). */
  sendRaw(data: Buffer): void;
}

/** A DAVE frame as the simulated listeners received it. */
export interface DaveFrameResult {
  /** The Opus frame a listener heard (the frame itself when it was not end-to-end encrypted). */
  readonly opus: Buffer;
  /** The frame carried DAVE's `0xFAFA` trailer. */
  readonly e2ee: boolean;
  /** Listeners that were members (their transition executed) when it arrived. */
  readonly members: readonly string[];
  /** Listeners that decrypted it. */
  readonly heardBy: readonly string[];
}

export interface DaveTransition {
  readonly id: number;
  readonly at: number;
  readonly epoch: bigint;
  /** Who is in the group after it (user ids, the bot included when it is a member). */
  readonly members: readonly string[];
  readonly reason: string;
}

interface Listener {
  session: davey.DAVESession;
  /** In the MLS group (commit or welcome applied). */
  inGroup: boolean;
  /** Counted as a member of the call's audio: the transition that added it has executed. */
  hearing: boolean;
}

interface BotMember {
  link: BotLink;
  keyPackage: Buffer | undefined;
  inGroup: boolean;
}

type Busy =
  | { kind: 'commit'; epoch: bigint; removes: string[]; adds: string[]; committer: string; creating: boolean }
  | { kind: 'transition'; id: number; reason: string; resetBotAfter: boolean };

// davey's enums are `const enum`s, which this build cannot import as values.
export const APPEND = 0 as ProposalsOperationType;
export const REVOKE = 1 as ProposalsOperationType;
export const AUDIO = 0 as MediaType;

const DAVE_TRAILER = 0xfafa;
const TRANSITION_EXPIRY_SECONDS = 10;
const SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

export class DaveCall {
  readonly externalSender: ExternalSender = createExternalSender();
  readonly groupId: Buffer;
  readonly transitions: DaveTransition[] = [];
  /** What went on, for failure messages: `op 27 → bot (Add …)`. */
  readonly log: string[] = [];
  /** Problems the call ran into (bad key packages, commits a listener could not apply). */
  readonly errors: string[] = [];
  /** Transitions the bot reported it could not process (op 31). */
  readonly invalidCommitReports: number[] = [];
  epoch = 0n;
  /** Leaf index → user id (null for a blank leaf); empty while there is no group. */
  private leaves: Array<string | null> = [];
  private readonly listeners = new Map<string, Listener>();
  private bot: BotMember | undefined;
  private busy: Busy | undefined;
  private nextTransitionId = 1;
  /** Frames still to come that @discordjs/voice prepared before it applied the last transition. */
  private framesInFlight = 0;
  /**
   * Set when the bot enters the group, cleared by its first end-to-end encrypted frame. @discordjs/voice
   * encrypts every frame from the moment it processes the welcome, so plain frames before that one were
   * prepared before it had the group. Arrival order tells this where the clock cannot: a stalled
   * simulator may read them from the UDP buffer well after the transition executed.
   */
  private awaitingBotsFirstE2ee = false;

  constructor(
    readonly channelId: string,
    private readonly onChange: () => void,
  ) {
    this.groupId = daveGroupId(channelId);
  }

  /** User ids in the MLS group now. */
  get groupMembers(): string[] {
    return this.leaves.filter((id): id is string => id !== null);
  }

  get botInGroup(): boolean {
    return this.bot?.inGroup ?? false;
  }

  /** Listeners whose davey session is in the group. */
  listenersInGroup(): string[] {
    return [...this.listeners].filter(([, listener]) => listener.inGroup).map(([id]) => id);
  }

  /** The group is settled: no proposal or transition outstanding. */
  get idle(): boolean {
    return this.busy === undefined;
  }

  // ---- roster ----

  listenerJoined(userId: string): void {
    if (this.listeners.has(userId)) return;
    const session = new davey.DAVESession(1, userId, this.channelId);
    session.setExternalSender(this.externalSender.package);
    this.listeners.set(userId, { session, inGroup: false, hearing: false });
    if (this.bot) this.bot.link.sendJson(DaveOp.ClientsConnect, { user_ids: [userId] });
    this.reconcile();
  }

  listenerLeft(userId: string): void {
    if (!this.listeners.delete(userId)) return;
    if (this.bot) this.bot.link.sendJson(DaveOp.ClientDisconnect, { user_id: userId });
    this.reconcile();
  }

  /** The bot's voice connection negotiated DAVE v1: tell it who is here and who the external sender is. */
  attachBot(link: BotLink): void {
    this.bot = { link, keyPackage: undefined, inGroup: false };
    link.sendJson(DaveOp.ClientsConnect, { user_ids: [...this.listeners.keys()] });
    link.sendBinary(DaveOp.ExternalSender, this.externalSender.package);
    this.record(`bot attached; listeners ${[...this.listeners.keys()].join(',') || 'none'}`);
  }

  detachBot(link: BotLink): void {
    if (this.bot?.link !== link) return;
    this.bot = undefined;
    this.record('bot detached');
    if (this.busy?.kind === 'transition') this.finishTransition(this.busy);
    else if (this.busy?.committer === link.userId) this.busy = undefined;
    this.reconcile();
  }

  // ---- messages from the bot ----

  onBotBinary(op: number, body: Buffer): void {
    if (!this.bot) return;
    if (op === DaveOp.KeyPackage) {
      try {
        const info = readKeyPackage(body);
        if (info.userId !== this.bot.link.userId) throw new Error(`key package of user ${info.userId}, not the bot`);
        this.bot.keyPackage = info.keyPackage;
        this.record(`op 26 ← bot (${body.length} B)`);
      } catch (error) {
        this.errors.push(`bot key package: ${(error as Error).message}`);
      }
      this.reconcile();
    } else if (op === DaveOp.CommitWelcome) {
      let parsed: CommitWelcome;
      try {
        parsed = readCommitWelcome(body);
      } catch (error) {
        this.errors.push(`bot commit: ${(error as Error).message}`);
        return;
      }
      this.record(`op 28 ← bot (epoch ${parsed.epoch}, ${parsed.commit.length} B commit, welcome ${parsed.welcome?.length ?? 0} B)`);
      this.onCommit(parsed, this.bot.link.userId);
    }
  }

  onBotJson(op: number, d: Record<string, unknown>): void {
    if (!this.bot) return;
    const transitionId = Number(d.transition_id);
    if (op === DaveOp.TransitionReady) {
      this.record(`op 23 ← bot (${transitionId})`);
      if (this.busy?.kind === 'transition' && this.busy.id === transitionId) {
        this.bot.link.sendJson(DaveOp.ExecuteTransition, { transition_id: transitionId });
        this.finishTransition(this.busy);
      }
    } else if (op === DaveOp.InvalidCommitWelcome) {
      // The bot could not apply a commit or welcome: it starts over with a new key package; re-add it.
      this.record(`op 31 ← bot (${transitionId})`);
      this.invalidCommitReports.push(transitionId);
      this.bot.inGroup = false;
      this.bot.keyPackage = undefined;
      if (this.busy?.kind === 'transition' || this.busy?.committer === this.bot.link.userId) this.busy = undefined;
      this.reconcile();
    }
  }

  // ---- media ----

  /** What the listeners make of one frame from the bot (after transport decryption). */
  decryptFrame(senderId: string, frame: Buffer): DaveFrameResult {
    const e2ee = frame.length > 2 && frame.readUInt16BE(frame.length - 2) === DAVE_TRAILER && !frame.equals(SILENCE);
    const members: string[] = [];
    const heardBy: string[] = [];
    let opus: Buffer | undefined;
    // @discordjs/voice prepares each packet one 20 ms cycle before it sends it: the first frame after a
    // transition was made before the bot applied it (with the old key, or unencrypted before its first
    // group), so a joiner cannot decrypt it — nor could a Discord client. It is not counted.
    if (e2ee) this.awaitingBotsFirstE2ee = false;
    const counted = (this.bot?.inGroup ?? false) && !this.awaitingBotsFirstE2ee && this.framesInFlight === 0;
    if (this.framesInFlight > 0) this.framesInFlight--;
    for (const [id, listener] of this.listeners) {
      if (listener.hearing && counted) members.push(id);
      // davey decides as a Discord client would: an unencrypted frame passes only in a transition's passthrough window.
      if (!listener.inGroup || frame.equals(SILENCE)) continue;
      try {
        const plain = listener.session.decrypt(senderId, AUDIO, frame);
        opus ??= plain;
        heardBy.push(id);
      } catch {
        // counted by the caller: a member that could not decrypt
      }
    }
    return { opus: opus ?? frame, e2ee, members, heardBy };
  }

  // ---- hostile gateway ----

  /**
   * Sends the bot an op 27 it cannot process: `wrong-epoch` (a correctly signed Remove for an
   * epoch the group is not at) or `malformed` (garbage where the proposal messages should be); or
   * `truncated-frame`, a binary message too short for its own header.
   * The call itself is not changed.
   */
  sendBadProposals(kind: 'wrong-epoch' | 'malformed' | 'truncated-frame'): void {
    if (!this.bot) throw new Error('the bot is not in this call');
    if (kind === 'truncated-frame') {
      // Two bytes: the sequence number and no opcode.
      this.record('binary frame → bot (hostile: truncated)');
      this.bot.link.sendRaw(Buffer.from([0, 1]));
      return;
    }
    const body =
      kind === 'wrong-epoch'
        ? appendProposals([signedProposal(this.externalSender, this.groupId, this.epoch + 5n, { removeLeaf: 1 })])
        : Buffer.from([0, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00]);
    this.record(`op 27 → bot (hostile: ${kind})`);
    this.bot.link.sendBinary(DaveOp.Proposals, body);
  }

  // ---- the group ----

  private record(line: string): void {
    this.log.push(`${performance.now().toFixed(0)} ${line}`);
    if (this.log.length > 400) this.log.splice(0, this.log.length - 400);
  }

  /** Who should be in the group: listeners in the channel, and the bot once it has a key package (or is in). */
  private present(): string[] {
    const ids = [...this.listeners.keys()];
    if (this.bot && (this.bot.inGroup || this.bot.keyPackage)) ids.unshift(this.bot.link.userId);
    return ids;
  }

  private isBot(id: string): boolean {
    return this.bot?.link.userId === id;
  }

  private inGroup(id: string): boolean {
    return this.isBot(id) ? (this.bot?.inGroup ?? false) : (this.listeners.get(id)?.inGroup ?? false);
  }

  /** Moves the group one step towards the roster; does nothing while a step is outstanding. */
  private reconcile(): void {
    if (this.busy) return;
    const present = this.present();
    if (this.leaves.length === 0) {
      if (present.length < 2) return;
      // A new group: the bot creates it when it is here, otherwise the first listener.
      const creator = present[0]!;
      const others = present.slice(1);
      this.propose({ creator, removes: [], adds: others, creating: true });
      return;
    }
    const members = this.groupMembers;
    // Members who left, and members whose session lost the group (op 31) and must be re-added.
    const removes = members.filter((id) => !present.includes(id) || !this.inGroup(id));
    const adds = present.filter((id) => !members.includes(id) || removes.includes(id));
    if (removes.length === 0 && adds.length === 0) return;
    const remaining = members.filter((id) => !removes.includes(id));
    if (remaining.length === 0) {
      this.dropGroup('every member left');
      this.reconcile();
      return;
    }
    if (remaining.length === 1 && adds.length === 0 && !this.isBot(remaining[0]!)) {
      // A listener alone: its group is of no use; it starts a new one with the next joiner.
      this.resetListener(remaining[0]!);
      this.dropGroup('one listener left alone');
      return;
    }
    const committer = remaining.find((id) => this.isBot(id)) ?? remaining[0]!;
    this.propose({ creator: committer, removes, adds, creating: false });
  }

  private propose(step: { creator: string; removes: string[]; adds: string[]; creating: boolean }): void {
    const epoch = step.creating ? 0n : this.epoch;
    const messages: Buffer[] = [];
    for (const id of step.removes) messages.push(signedProposal(this.externalSender, this.groupId, epoch, { removeLeaf: this.leaves.indexOf(id) }));
    for (const id of step.adds) messages.push(signedProposal(this.externalSender, this.groupId, epoch, { add: this.keyPackageOf(id) }));
    const body = appendProposals(messages);
    this.busy = { kind: 'commit', epoch, removes: step.removes, adds: step.adds, committer: step.creator, creating: step.creating };
    this.record(`op 27 epoch ${epoch} committer ${step.creator}: remove [${step.removes.join(',')}] add [${step.adds.join(',')}]`);
    const recognised = (self: string) => [...new Set([...this.present(), ...this.groupMembers])].filter((id) => id !== self);
    // Members cache the proposals (to apply the winning commit); the committer's commit is the one taken.
    const receivers = step.creating ? [step.creator] : this.groupMembers.filter((id) => !step.removes.includes(id));
    let listenerCommit: CommitWelcome | undefined;
    for (const id of receivers) {
      if (this.isBot(id)) {
        this.bot!.link.sendBinary(DaveOp.Proposals, body);
        continue;
      }
      const listener = this.listeners.get(id);
      if (!listener) continue;
      try {
        const result = listener.session.processProposals(APPEND, body.subarray(1), recognised(id));
        if (id === step.creator && result.commit) listenerCommit = readCommitWelcome(Buffer.concat([result.commit, result.welcome ?? Buffer.alloc(0)]));
      } catch (error) {
        this.errors.push(`listener ${id} proposals: ${(error as Error).message}`);
      }
    }
    if (listenerCommit) this.onCommit(listenerCommit, step.creator);
    else if (!this.isBot(step.creator)) {
      this.errors.push(`listener ${step.creator} made no commit`);
      this.busy = undefined;
    }
  }

  private keyPackageOf(id: string): Buffer {
    if (this.isBot(id)) return this.bot!.keyPackage!;
    // A fresh key package each time: davey keeps only the latest one's private keys.
    return readKeyPackage(this.listeners.get(id)!.session.getSerializedKeyPackage()).keyPackage;
  }

  /** The first commit of the epoch wins; later ones (and stale ones) are ignored. */
  private onCommit(commit: CommitWelcome, committer: string): void {
    const busy = this.busy;
    if (busy?.kind !== 'commit' || commit.epoch !== busy.epoch || !commit.groupId.equals(this.groupId)) {
      this.record(`ignored a commit for epoch ${commit.epoch}`);
      return;
    }
    const before = busy.creating ? [busy.committer] : this.groupMembers.filter((id) => !busy.removes.includes(id));
    if (busy.creating) this.leaves = [busy.committer];
    for (const id of busy.removes) this.leaves[this.leaves.indexOf(id)] = null;
    for (const id of busy.adds) {
      const blank = this.leaves.indexOf(null);
      if (blank >= 0) this.leaves[blank] = id;
      else this.leaves.push(id);
    }
    while (this.leaves.length > 0 && this.leaves.at(-1) === null) this.leaves.pop();
    this.epoch = commit.epoch + 1n;
    // Listeners first, synchronously: the bot switches keys as soon as it sees op 29/30.
    for (const id of before) this.applyToListener(id, (session) => session.processCommit(commit.commit));
    for (const id of busy.adds) if (!this.isBot(id)) this.applyToListener(id, (session) => session.processWelcome(commit.welcome!));
    if (busy.creating) {
      // The call upgrades from unencrypted (pending) to E2EE: like a Discord client, accept plain frames for
      // the transition window (frames the bot prepared before it had the group).
      for (const id of this.groupMembers) {
        const session = this.listeners.get(id)?.session;
        session?.setPassthroughMode(true);
        session?.setPassthroughMode(false, TRANSITION_EXPIRY_SECONDS);
      }
    }
    for (const id of busy.removes) {
      const listener = this.listeners.get(id);
      if (listener) Object.assign(listener, { inGroup: false, hearing: false });
    }
    if (this.bot && !this.bot.inGroup && this.leaves.includes(this.bot.link.userId)) {
      this.bot.inGroup = true;
      this.awaitingBotsFirstE2ee = true;
    }
    const reason = `${busy.creating ? 'new group' : 'commit'}: remove [${busy.removes.join(',')}] add [${busy.adds.join(',')}] by ${committer}`;
    const botId = this.bot?.link.userId;
    const botNotified = botId !== undefined && (before.includes(botId) || busy.adds.includes(botId));
    if (!botNotified) {
      this.busy = { kind: 'transition', id: 0, reason, resetBotAfter: false };
      this.finishTransition(this.busy);
      return;
    }
    const id = this.nextTransitionId;
    this.nextTransitionId = (this.nextTransitionId % 0xffff) + 1;
    const header = Buffer.from([id >> 8, id & 0xff]);
    const resetBotAfter = this.groupMembers.length === 1;
    this.busy = { kind: 'transition', id, reason, resetBotAfter };
    if (busy.adds.includes(botId)) {
      this.bot!.link.sendBinary(DaveOp.Welcome, Buffer.concat([header, commit.welcome!]));
      this.record(`op 30 → bot (transition ${id})`);
    } else {
      this.bot!.link.sendBinary(DaveOp.AnnounceCommit, Buffer.concat([header, commit.commit]));
      this.record(`op 29 → bot (transition ${id})`);
    }
    this.onChange();
  }

  private applyToListener(id: string, apply: (session: davey.DAVESession) => void): void {
    const listener = this.listeners.get(id);
    if (!listener) return;
    try {
      apply(listener.session);
      listener.inGroup = true;
    } catch (error) {
      this.errors.push(`listener ${id}: ${(error as Error).message}`);
      listener.inGroup = false;
      listener.hearing = false;
    }
  }

  private finishTransition(busy: Extract<Busy, { kind: 'transition' }>): void {
    // Counted from the next frame on. Deferred past this poll phase: frames the bot sent before its
    // ready (op 23) may sit in the UDP buffer behind it when this process was stalled.
    setImmediate(() => {
      for (const listener of this.listeners.values()) listener.hearing = listener.inGroup;
      this.framesInFlight = 1;
    });
    this.transitions.push({ id: busy.id, at: performance.now(), epoch: this.epoch, members: this.groupMembers, reason: busy.reason });
    this.record(`transition ${busy.id} executed at epoch ${this.epoch}: ${busy.reason}`);
    this.busy = undefined;
    if (busy.resetBotAfter && this.bot && this.groupMembers.length === 1 && this.isBot(this.groupMembers[0]!)) {
      // Alone: throw the group away; the bot re-initialises and sends a new key package.
      this.dropGroup('the bot is alone');
      this.bot.inGroup = false;
      this.bot.keyPackage = undefined;
      this.bot.link.sendJson(DaveOp.PrepareEpoch, { epoch: 1, protocol_version: 1 });
      this.bot.link.sendJson(DaveOp.PrepareTransition, { transition_id: 0, protocol_version: 1 });
      this.transitions.push({ id: 0, at: performance.now(), epoch: 0n, members: [], reason: 'sole-member reset' });
      this.record('op 24 epoch 1 + op 21 transition 0 → bot');
    }
    this.onChange();
    this.reconcile();
  }

  private dropGroup(why: string): void {
    this.record(`group dropped: ${why}`);
    this.leaves = [];
    this.epoch = 0n;
    for (const listener of this.listeners.values()) Object.assign(listener, { inGroup: false, hearing: false });
  }

  private resetListener(id: string): void {
    const listener = this.listeners.get(id);
    if (!listener) return;
    listener.session = new davey.DAVESession(1, id, this.channelId);
    listener.session.setExternalSender(this.externalSender.package);
  }
}

/**
 * Over the bot's audio frames: how many (listener, frame) pairs had the listener as a member of the
 * call's group when the frame arrived (`sent`), how many of those it decrypted, and the misses.
 */
export function daveFrameReport(
  packets: ReadonlyArray<{
    sequence: number;
    silence: boolean;
    receivedAtMs: number;
    dave?: { e2ee: boolean; members: readonly string[]; heardBy: readonly string[] };
  }>,
) {
  let sent = 0;
  let decrypted = 0;
  const missed: Array<{ sequence: number; listener: string; at: number; e2ee: boolean }> = [];
  for (const packet of packets) {
    if (packet.silence || !packet.dave) continue;
    for (const listener of packet.dave.members) {
      sent++;
      if (packet.dave.heardBy.includes(listener)) decrypted++;
      else missed.push({ sequence: packet.sequence, listener, at: Math.round(packet.receivedAtMs), e2ee: packet.dave.e2ee });
    }
  }
  return { sent, decrypted, missed };
}
