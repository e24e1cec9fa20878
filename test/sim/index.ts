export { DiscordSimulator, DEFAULT_GUILD, type GuildSpec, type SimulatorOptions } from './simulator.js';
export { SimUser, type ChannelRef, type MessageRef } from './sim-user.js';
export { SimInteraction } from './sim-interaction.js';
export { simFile, type SimFile, type OptionValue } from './interaction-options.js';
export { ReceivedAudio, type AudioWindow, type VoiceConnectionRecord, type VoiceOptions } from './voice-server.js';
export {
  analyseTiming,
  compareWithSource,
  correlation,
  pcmStats,
  SILENCE_FRAME,
  type AudioComparison,
  type PcmStats,
  type ReceivedPacket,
  type TimingReport,
} from './audio-analysis.js';
export { readOggOpus, readOggPackets } from './ogg.js';
export { decodeOpusPackets } from './opus-decode.js';
export { renderChordOgg } from './audio-fixture.js';
export { ENCRYPTION_MODES, type EncryptionMode } from './rtp.js';
export { Intents, CallbackType } from './core.js';
export { MessageFlags, type SimMessage, type SimAttachment, type SimChannel, type SimGuild, type SimUserRecord } from './world.js';
export type { RestLogEntry, InjectedFailure } from './rest.js';
export type { GatewaySession } from './gateway.js';
export { DaveCall, daveFrameReport, type DaveTransition, type DaveFrameResult } from './dave-call.js';
export { guildIdOnShard, shardOf, ShardCloseCode, type ShardPair } from './sharding.js';
