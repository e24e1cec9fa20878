import OpusScript from 'opusscript';

export const SAMPLE_RATE = 48_000;
export const CHANNELS = 2;

/** Decodes Opus packets (48 kHz stereo) to interleaved 16-bit PCM with opusscript (wasm, no native build). */
export function decodeOpusPackets(packets: readonly Buffer[]): Int16Array {
  const decoder = new OpusScript(SAMPLE_RATE, CHANNELS, OpusScript.Application.AUDIO);
  try {
    const chunks = packets.map((packet) => {
      const pcm = decoder.decode(packet);
      return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength));
    });
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const out = new Int16Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  } finally {
    decoder.delete();
  }
}
