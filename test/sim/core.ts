import { EventEmitter } from 'node:events';
import { ApiError, unknown } from './api-error.js';
import { apiMessage } from './payloads.js';
import { applyMessagePayload, storeAttachment, type UploadedFile } from './message-payload.js';
import { nextSnowflake } from './snowflake.js';
import { MessageFlags, World, type Json, type SimAttachment, type SimInteractionRecord, type SimMessage } from './world.js';

/** Gateway intents the simulator filters dispatches by. */
export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildVoiceStates: 1 << 7,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
} as const;

export const InteractionType = { ApplicationCommand: 2, MessageComponent: 3, ModalSubmit: 5 } as const;
export const CallbackType = { Reply: 4, Deferred: 5, DeferredUpdate: 6, Update: 7, Autocomplete: 8, Modal: 9 } as const;

export interface Dispatcher {
  dispatch(event: string, data: Json, intent?: number): void;
}

export interface CoreOptions {
  interactionAckTimeoutMs: number;
  interactionTokenLifetimeMs: number;
}

/** What a callback or follow-up did, for tests: every response lands in `core.responses`. */
export interface InteractionResponseRecord {
  interactionId: string;
  kind: 'callback' | 'followup' | 'edit' | 'delete';
  callbackType: number | undefined;
  messageId: string | undefined;
  at: number;
  /** The request came after the acknowledgement deadline (Discord answers 10062). */
  late: boolean;
}

/** A scripted user joined, left or moved between voice channels (`signals` event `user-voice`). */
export interface UserVoiceChange {
  readonly userId: string;
  readonly from: string | null;
  readonly to: string | null;
}

/**
 * Shared state and the operations REST, the gateway and scripted users all go through. Every change
 * emits `change` on `signals`, which is what the awaitable test helpers listen to.
 */
export class SimCore {
  readonly signals = new EventEmitter();
  readonly responses: InteractionResponseRecord[] = [];
  dispatcher: Dispatcher | undefined;
  baseUrl = '';

  constructor(
    readonly world: World,
    readonly token: string,
    readonly options: CoreOptions,
  ) {
    this.signals.setMaxListeners(0);
  }

  get applicationId(): string {
    return this.world.bot.id;
  }

  changed(): void {
    this.signals.emit('change');
  }

  dispatch(event: string, data: Json, intent?: number): void {
    this.dispatcher?.dispatch(event, data, intent);
    this.changed();
  }

  storeUpload(channelId: string, file: { filename: string; contentType: string | undefined; data: Buffer; description?: string | undefined }): SimAttachment {
    return storeAttachment(this.world.attachments, this.baseUrl, channelId, file);
  }

  createMessage(init: {
    channelId: string;
    authorId: string;
    payload: Json;
    files?: UploadedFile[];
    interactionId?: string;
    type?: number;
    extraFlags?: number;
    referencedMessageId?: string;
  }): SimMessage {
    const channel = this.world.channel(init.channelId);
    if (!channel) throw unknown.channel();
    const message: SimMessage = {
      id: nextSnowflake(),
      channelId: channel.id,
      guildId: channel.guildId,
      authorId: init.authorId,
      content: '',
      embeds: [],
      components: [],
      attachments: [],
      flags: init.extraFlags ?? 0,
      type: init.type ?? 0,
      createdAt: Date.now(),
      editedAt: null,
      deleted: false,
      interactionId: init.interactionId,
      webhookId: init.interactionId ? this.applicationId : undefined,
      referencedMessageId: init.referencedMessageId,
      reactions: new Map(),
      history: [],
    };
    applyMessagePayload(message, init.payload, init.files ?? [], (file, description) => this.storeUpload(channel.id, { ...file, description }), 'create');
    this.world.messages.set(message.id, message);
    if (!(message.flags & MessageFlags.Ephemeral)) this.dispatch('MESSAGE_CREATE', apiMessage(this.world, message), Intents.GuildMessages);
    else this.changed();
    return message;
  }

  editMessage(message: SimMessage, payload: Json, files: UploadedFile[] = [], markEdited = true): SimMessage {
    if (message.deleted) throw unknown.message();
    const before = {
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      attachments: message.attachments.map((attachment) => attachment.filename),
      flags: message.flags,
      at: message.editedAt ?? message.createdAt,
    };
    const wasLoading = Boolean(message.flags & MessageFlags.Loading);
    const draft: SimMessage = { ...message, attachments: [...message.attachments], flags: message.flags & ~MessageFlags.Loading };
    applyMessagePayload(draft, payload, files, (file, description) => this.storeUpload(message.channelId, { ...file, description }), 'edit');
    Object.assign(message, draft);
    message.history.push(before);
    // Filling in a deferred "thinking" message is not an edit as far as users see it.
    if (markEdited && !wasLoading) message.editedAt = Date.now();
    if (!(message.flags & MessageFlags.Ephemeral)) this.dispatch('MESSAGE_UPDATE', apiMessage(this.world, message), Intents.GuildMessages);
    else this.changed();
    return message;
  }

  deleteMessage(message: SimMessage): void {
    if (message.deleted) throw unknown.message();
    message.deleted = true;
    this.dispatch('MESSAGE_DELETE', { id: message.id, channel_id: message.channelId, guild_id: message.guildId }, Intents.GuildMessages);
  }

  message(channelId: string, messageId: string): SimMessage {
    const message = this.world.messages.get(messageId);
    if (!message || message.deleted || message.channelId !== channelId) throw unknown.message();
    return message;
  }

  /** The interaction a webhook token belongs to, while the token is alive. */
  interactionByToken(applicationId: string, token: string): SimInteractionRecord {
    if (applicationId !== this.applicationId) throw unknown.webhook();
    for (const interaction of this.world.interactions.values()) {
      if (interaction.token !== token) continue;
      if (interaction.tokenExpired || Date.now() - interaction.createdAt > this.options.interactionTokenLifetimeMs)
        throw new ApiError(401, 50027, 'Invalid Webhook Token');
      if (interaction.callbacks.length === 0) throw unknown.webhook();
      return interaction;
    }
    throw unknown.webhook();
  }

  interactionCallback(id: string, token: string, body: Json, files: UploadedFile[]): { interaction: SimInteractionRecord; message: SimMessage | undefined } {
    const interaction = this.world.interactions.get(id);
    if (!interaction || interaction.token !== token) throw unknown.interaction();
    const late = Date.now() - interaction.createdAt > this.options.interactionAckTimeoutMs;
    if (late) {
      this.responses.push({ interactionId: id, kind: 'callback', callbackType: Number(body.type), messageId: undefined, at: Date.now(), late });
      this.changed();
      throw unknown.interaction();
    }
    if (interaction.callbacks.length > 0) throw new ApiError(400, 40060, 'Interaction has already been acknowledged.');
    const type = Number(body.type);
    const data = (body.data && typeof body.data === 'object' ? body.data : {}) as Json;
    const isComponent = interaction.type === InteractionType.MessageComponent;
    // Component clicks, and modals opened from one, may update the message they came from.
    const onMessage = interaction.sourceMessageId !== undefined && interaction.type !== InteractionType.ApplicationCommand;
    const ephemeral = typeof data.flags === 'number' ? data.flags & MessageFlags.Ephemeral : 0;
    let message: SimMessage | undefined;
    switch (type) {
      case CallbackType.Reply:
        message = this.createMessage({
          channelId: interaction.channelId,
          authorId: this.applicationId,
          payload: data,
          files,
          interactionId: interaction.id,
          type: isComponent ? 0 : 20,
        });
        interaction.originalMessageId = message.id;
        break;
      case CallbackType.Deferred:
        message = this.createMessage({
          channelId: interaction.channelId,
          authorId: this.applicationId,
          payload: {},
          interactionId: interaction.id,
          type: isComponent ? 0 : 20,
          extraFlags: MessageFlags.Loading | ephemeral,
        });
        interaction.originalMessageId = message.id;
        break;
      case CallbackType.DeferredUpdate:
      case CallbackType.Update:
        if (!onMessage || !interaction.sourceMessageId) {
          throw new ApiError(400, 40004, `Callback type ${type} is only valid for component interactions`);
        }
        message = this.world.messages.get(interaction.sourceMessageId);
        if (message && type === CallbackType.Update) this.editMessage(message, data, files);
        interaction.originalMessageId = interaction.sourceMessageId;
        break;
      case CallbackType.Modal:
        if (interaction.type === InteractionType.ModalSubmit) throw new ApiError(400, 50035, 'A modal submit cannot be answered with a modal');
        interaction.modal = data;
        break;
      case CallbackType.Autocomplete:
        break;
      default:
        throw new ApiError(400, 50035, `Invalid interaction callback type ${type}`);
    }
    interaction.callbacks.push({ type, at: Date.now() });
    this.responses.push({ interactionId: id, kind: 'callback', callbackType: type, messageId: message?.id, at: Date.now(), late });
    this.changed();
    return { interaction, message };
  }

  followUp(interaction: SimInteractionRecord, payload: Json, files: UploadedFile[]): SimMessage {
    const original = interaction.originalMessageId ? this.world.messages.get(interaction.originalMessageId) : undefined;
    let message: SimMessage;
    // Discord: after a deferred reply, the first follow-up fills in the "thinking" message.
    if (original && original.flags & MessageFlags.Loading && interaction.followUpIds.length === 0) {
      // It keeps the visibility chosen when deferring.
      const ephemeral = original.flags & MessageFlags.Ephemeral;
      message = this.editMessage(original, payload, files, false);
      message.flags = (message.flags & ~MessageFlags.Ephemeral) | ephemeral;
    } else {
      const ephemeral = typeof payload.flags === 'number' ? payload.flags & MessageFlags.Ephemeral : 0;
      message = this.createMessage({
        channelId: interaction.channelId,
        authorId: this.applicationId,
        payload,
        files,
        interactionId: interaction.id,
        type: 0,
        extraFlags: ephemeral,
      });
    }
    interaction.followUpIds.push(message.id);
    this.responses.push({ interactionId: interaction.id, kind: 'followup', callbackType: undefined, messageId: message.id, at: Date.now(), late: false });
    this.changed();
    return message;
  }

  /** `@original` or a follow-up id of the interaction behind a webhook token. */
  interactionMessage(interaction: SimInteractionRecord, messageId: string): SimMessage {
    const id = messageId === '@original' ? interaction.originalMessageId : messageId;
    const belongs = id === interaction.originalMessageId || (id !== undefined && interaction.followUpIds.includes(id));
    const message = id && belongs ? this.world.messages.get(id) : undefined;
    if (!message || message.deleted) throw unknown.message();
    return message;
  }

  recordInteractionEdit(interaction: SimInteractionRecord, kind: 'edit' | 'delete', messageId: string): void {
    this.responses.push({ interactionId: interaction.id, kind, callbackType: undefined, messageId, at: Date.now(), late: false });
    this.changed();
  }
}
