import { createCipheriv, randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { decryptRtpSize, readRtpHeader, type EncryptionMode } from './rtp.js';

/** Encrypts like @discordjs/voice's Networking#createAudioPacket (optionally with a header extension). */
function encrypt(mode: EncryptionMode, key: Buffer, counter: number, payload: Buffer, extension?: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header[0] = extension ? 0x90 : 0x80;
  header[1] = 0x78;
  header.writeUInt16BE(513, 2);
  header.writeUInt32BE(96_000, 4);
  header.writeUInt32BE(4242, 8);
  const aad = extension ? Buffer.concat([header, Buffer.from([0xbe, 0xde, 0, extension.length / 4])]) : header;
  const plain = extension ? Buffer.concat([extension, payload]) : payload;
  const nonce = Buffer.alloc(mode === 'aead_aes256_gcm_rtpsize' ? 12 : 24);
  nonce.writeUInt32BE(counter, 0);
  let sealed: Buffer;
  if (mode === 'aead_aes256_gcm_rtpsize') {
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(aad);
    sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  } else {
    sealed = Buffer.from(xchacha20poly1305(key, nonce, aad).encrypt(plain));
  }
  return Buffer.concat([aad, sealed, nonce.subarray(0, 4)]);
}

describe('decryptRtpSize', () => {
  const key = randomBytes(32);
  const opus = Buffer.from([0xfc, 0x01, 0x02, 0x03, 0x04]);

  for (const mode of ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'] as const) {
    it(`recovers the Opus payload in ${mode}`, () => {
      const packet = encrypt(mode, key, 7, opus);
      expect(readRtpHeader(packet)).toEqual({ payloadType: 0x78, sequence: 513, timestamp: 96_000, ssrc: 4242 });
      expect(decryptRtpSize(packet, mode, key).equals(opus)).toBe(true);
    });

    it(`strips a header extension body in ${mode}`, () => {
      const packet = encrypt(mode, key, 8, opus, Buffer.from([9, 9, 9, 9]));
      expect(decryptRtpSize(packet, mode, key).equals(opus)).toBe(true);
    });

    it(`rejects a tampered packet in ${mode}`, () => {
      const packet = encrypt(mode, key, 9, opus);
      packet[13] = packet[13]! ^ 0xff;
      expect(() => decryptRtpSize(packet, mode, key)).toThrow();
    });
  }
});
