import { createDecipheriv } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

/** The two transport encryption modes @discordjs/voice 0.19 implements (voice gateway v8). */
export const ENCRYPTION_MODES = ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'] as const;
export type EncryptionMode = (typeof ENCRYPTION_MODES)[number];

export const OPUS_PAYLOAD_TYPE = 0x78;
const AUTH_TAG_LENGTH = 16;
const NONCE_TAIL_LENGTH = 4;

export interface RtpHeader {
  sequence: number;
  timestamp: number;
  ssrc: number;
  payloadType: number;
}

export function readRtpHeader(packet: Buffer): RtpHeader | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return undefined;
  return {
    payloadType: packet[1]! & 0x7f,
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
  };
}

/**
 * Decrypts an `_rtpsize` packet: the RTP header (plus the 4-byte extension header when present) is the
 * additional data, then ciphertext, a 16-byte tag and a 4-byte big-endian counter that starts the nonce
 * (see Networking#encryptOpusPacket in @discordjs/voice).
 */
export function decryptRtpSize(packet: Buffer, mode: EncryptionMode, secretKey: Uint8Array): Buffer {
  const csrcCount = packet[0]! & 0x0f;
  const hasExtension = Boolean(packet[0]! & 0x10);
  let headerSize = 12 + 4 * csrcCount;
  if (hasExtension) headerSize += 4;
  const additionalData = packet.subarray(0, headerSize);
  const tail = packet.subarray(packet.length - NONCE_TAIL_LENGTH);
  const tag = packet.subarray(packet.length - NONCE_TAIL_LENGTH - AUTH_TAG_LENGTH, packet.length - NONCE_TAIL_LENGTH);
  const ciphertext = packet.subarray(headerSize, packet.length - NONCE_TAIL_LENGTH - AUTH_TAG_LENGTH);
  let plain: Buffer;
  if (mode === 'aead_aes256_gcm_rtpsize') {
    const nonce = Buffer.alloc(12);
    tail.copy(nonce, 0);
    const decipher = createDecipheriv('aes-256-gcm', secretKey, nonce);
    decipher.setAAD(additionalData);
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } else {
    const nonce = new Uint8Array(24);
    nonce.set(tail, 0);
    plain = Buffer.from(xchacha20poly1305(secretKey, nonce, additionalData).decrypt(Buffer.concat([ciphertext, tag])));
  }
  if (hasExtension) {
    const extensionWords = packet.readUInt16BE(12 + 4 * csrcCount + 2);
    plain = plain.subarray(4 * extensionWords);
  }
  if (packet[0]! & 0x20) {
    const padding = plain[plain.length - 1]!;
    if (padding < plain.length) plain = plain.subarray(0, plain.length - padding);
  }
  return plain;
}
