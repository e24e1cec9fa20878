// Types for the parts of the verovio npm package Rhythmix uses (it ships none): the wasm module
// factory and the ESM toolkit around it (https://book.verovio.org/toolkit-reference/).
declare module 'verovio/wasm' {
  /** Instantiates the Emscripten module (the engraver compiled to wasm, its music fonts inside). */
  export default function createVerovioModule(): Promise<unknown>;
}

declare module 'verovio/esm' {
  export class VerovioToolkit {
    constructor(module: unknown);
    /** Loads MEI, MusicXML, Humdrum …; 0 when the data could not be read (a C++ bool through wasm). */
    loadData(data: string): number;
    setOptions(options: Record<string, string | number | boolean>): void;
    getPageCount(): number;
    renderToSVG(page?: number, xmlDeclaration?: boolean): string;
    /** The loaded score as a base64 MIDI file. */
    renderToMIDI(): string;
    /** Lays the loaded score out again with the options set since. */
    redoLayout(options?: Record<string, string | number | boolean>): void;
    getLog(): string;
    getVersion(): string;
    destroy(): void;
  }
  /** 1: the log goes to a buffer (`getLog`) instead of the console. */
  export function enableLogToBuffer(value: number, module: unknown): void;
}
