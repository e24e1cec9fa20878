/**
 * A voice server message that the DAVE session cannot process — a malformed MLS proposal, one for
 * the wrong epoch, a bad signature — makes davey throw inside @discordjs/voice's WebSocket message
 * handler. @discordjs/voice 0.19.2 catches that for commits and welcomes (it reports op 31 and starts
 * over) but not for proposals or the JSON transition ops, so the error escapes as an uncaught exception
 * and ends the voice thread: every guild's playback and queue with it.
 *
 * A binary frame too short to hold its header throws one step earlier, in `VoiceWebSocket#onMessage`.
 *
 * `guardDaveMessages` wraps those three handlers once (before any connection exists; the class binds
 * them in its constructor). A failure becomes the connection's 'error' event (the player logs it) and
 * the DAVE session recovers the way the protocol provides for a failed commit: op 31 and a new key
 * package, after which the voice server adds the bot to the group at its current epoch. Audio keeps
 * flowing meanwhile (unencrypted until the bot is back in the group, as during any join).
 */
import { Networking, VoiceWebSocket } from '@discordjs/voice';
import { errorMessage } from '../../util/errors.js';

type Handler = (this: GuardedNetworking, message: unknown) => void;

/** The parts of Networking this guard touches (its state's DAVE session is internal API). */
interface GuardedNetworking {
  readonly state: { readonly dave?: { readonly lastTransitionId?: number | undefined; recoverFromInvalidTransition(transitionId: number): void } };
  emit(event: 'error', error: Error): boolean;
}

const HANDLERS = ['onWsBinary', 'onWsPacket'] as const;
let guarded = false;

export function guardDaveMessages(): void {
  if (guarded) return;
  guarded = true;
  const socketPrototype = VoiceWebSocket.prototype as unknown as { onMessage?: (this: VoiceWebSocket, event: unknown) => void };
  const onMessage = socketPrototype.onMessage;
  if (typeof onMessage === 'function') {
    // An unreadable frame is dropped and reported; Networking passes the socket's errors on to the connection.
    socketPrototype.onMessage = function guardedOnMessage(this: VoiceWebSocket, event: unknown): void {
      try {
        onMessage.call(this, event);
      } catch (error) {
        this.emit('error', new Error(`the voice server sent a message that could not be read: ${errorMessage(error)}`, { cause: error }));
      }
    };
  }
  const prototype = Networking.prototype as unknown as Record<(typeof HANDLERS)[number], Handler>;
  for (const name of HANDLERS) {
    const original = prototype[name];
    if (typeof original !== 'function') continue; // another @discordjs/voice version: nothing to wrap
    prototype[name] = function guarded(this: GuardedNetworking, message: unknown): void {
      try {
        original.call(this, message);
      } catch (error) {
        this.emit('error', new Error(`the voice server sent a message the DAVE session could not process: ${errorMessage(error)}`, { cause: error }));
        try {
          const dave = this.state.dave;
          dave?.recoverFromInvalidTransition(dave.lastTransitionId ?? 0);
        } catch (recoveryError) {
          this.emit('error', new Error(`DAVE recovery failed: ${errorMessage(recoveryError)}`, { cause: recoveryError }));
        }
      }
    };
  }
}
