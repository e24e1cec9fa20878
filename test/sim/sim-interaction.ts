import type { SimCore } from './core.js';
import { waitUntil } from './wait.js';
import { MessageFlags, type SimInteractionRecord, type SimMessage } from './world.js';

/** A handle on an interaction a scripted user started: what the bot answered, awaitable. */
export class SimInteraction {
  constructor(
    private readonly core: SimCore,
    readonly record: SimInteractionRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  /** Callback types the bot sent (4 reply, 5 deferred, 6 deferred update, 7 update, 9 modal). */
  get callbackTypes(): number[] {
    return this.record.callbacks.map((callback) => callback.type);
  }

  get deferred(): boolean {
    return this.callbackTypes.includes(5) || this.callbackTypes.includes(6);
  }

  /** The response message (`@original`) as it is now. */
  reply(): SimMessage | undefined {
    const id = this.record.originalMessageId;
    return id ? this.core.world.messages.get(id) : undefined;
  }

  /** Resolves with the modal (`data` of callback type 9) once the bot opens one. */
  waitForModal(timeoutMs?: number): Promise<Record<string, unknown>> {
    return waitUntil(this.core.signals, () => this.record.modal, `the bot to open a modal for ${this.describe()}`, timeoutMs);
  }

  followUps(): SimMessage[] {
    return this.record.followUpIds.map((id) => this.core.world.messages.get(id)).filter((message): message is SimMessage => message !== undefined);
  }

  /**
   * Ends the interaction token's life now, as Discord does after 15 minutes: from here on the
   * webhook routes (edit the reply, follow-ups) answer 401 Invalid Webhook Token.
   */
  expireToken(): void {
    this.record.tokenExpired = true;
  }

  /** Resolves with the first callback type once the bot acknowledged the interaction. */
  waitForAck(timeoutMs?: number): Promise<number> {
    return waitUntil(this.core.signals, () => this.record.callbacks[0]?.type, `the bot to acknowledge interaction ${this.describe()}`, timeoutMs);
  }

  /**
   * Resolves with the response message once it matches `predicate` (default: it is no longer the
   * deferred "thinking" placeholder).
   */
  waitForReply(predicate: (message: SimMessage) => boolean = (message) => !(message.flags & MessageFlags.Loading), timeoutMs?: number): Promise<SimMessage> {
    return waitUntil(
      this.core.signals,
      () => {
        const message = this.reply();
        return message && !message.deleted && predicate(message) ? message : undefined;
      },
      `a reply to ${this.describe()} matching the predicate`,
      timeoutMs,
      () => `current reply: ${JSON.stringify(this.reply() ? summarise(this.reply()!) : null)}`,
    );
  }

  waitForFollowUp(predicate: (message: SimMessage) => boolean = () => true, timeoutMs?: number): Promise<SimMessage> {
    return waitUntil(
      this.core.signals,
      () => this.followUps().find((message) => !message.deleted && predicate(message)),
      `a follow-up to ${this.describe()}`,
      timeoutMs,
    );
  }

  private describe(): string {
    return this.record.commandName ? `/${this.record.commandName}` : `component "${this.record.customId}"`;
  }
}

export function summarise(message: SimMessage): Record<string, unknown> {
  return {
    id: message.id,
    content: message.content,
    flags: message.flags,
    embeds: message.embeds.length,
    components: message.components.length,
    attachments: message.attachments.map((attachment) => attachment.filename),
    deleted: message.deleted,
  };
}
