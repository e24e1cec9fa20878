/**
 * The few MLS (RFC 9420) encodings a DAVE voice gateway needs as the group's external sender:
 * TLS-style vectors, the external sender package, signed Add/Remove proposals, proposal refs, and
 * reading key packages and commit(+welcome) messages. Ciphersuite 2 (P-256, SHA-256), DER signatures.
 * Layouts: /work/shared/docs/dave-protocol.md and RFC 9420 §2.1.2, §5.1.2, §6, §12.1, §12.4.3.1.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

const MLS10 = 1;
const WIRE_PUBLIC_MESSAGE = 1;
const SENDER_MEMBER = 1;
const SENDER_EXTERNAL = 2;
const CONTENT_PROPOSAL = 2;
const CONTENT_COMMIT = 3;
const PROPOSAL_ADD = 1;
const PROPOSAL_REMOVE = 3;
const CREDENTIAL_BASIC = 1;
const LEAF_SOURCE_KEY_PACKAGE = 1;
const LEAF_SOURCE_COMMIT = 3;

/** The MLS variable-length integer prefix (1, 2 or 4 bytes). */
export function varint(value: number): Buffer {
  if (value < 0x40) return Buffer.from([value]);
  if (value < 0x4000) return Buffer.from([0x40 | (value >> 8), value & 0xff]);
  if (value < 0x40000000) {
    const out = Buffer.alloc(4);
    out.writeUInt32BE((0x80000000 | value) >>> 0);
    return out;
  }
  throw new RangeError(`MLS vector too long: ${value}`);
}

/** `opaque data<V>`: the length prefix and the bytes. */
export function vector(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([varint(body.length), body]);
}

const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
const u32 = (value: number) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
};
const u64 = (value: bigint) => {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(value);
  return out;
};

/** Reads MLS structures front to back; every read checks the bounds (a short message throws). */
export class MlsReader {
  constructor(
    readonly bytes: Buffer,
    public offset = 0,
  ) {}

  private take(length: number): Buffer {
    if (this.offset + length > this.bytes.length) throw new RangeError(`MLS message truncated at byte ${this.offset} (wanted ${length})`);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  u16(): number {
    return this.take(2).readUInt16BE(0);
  }

  u32(): number {
    return this.take(4).readUInt32BE(0);
  }

  u64(): bigint {
    return this.take(8).readBigUInt64BE(0);
  }

  varint(): number {
    const first = this.u8();
    const prefix = first >> 6;
    if (prefix === 0) return first & 0x3f;
    if (prefix === 1) return ((first & 0x3f) << 8) | this.u8();
    if (prefix === 2) return (first & 0x3f) * 0x1000000 + this.u8() * 0x10000 + this.u8() * 0x100 + this.u8();
    throw new RangeError('invalid MLS varint');
  }

  vector(): Buffer {
    return this.take(this.varint());
  }

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  rest(): Buffer {
    return this.bytes.subarray(this.offset);
  }
}

/** Group id of a DAVE call: the channel id as a big-endian uint64. */
export function daveGroupId(channelId: string): Buffer {
  return u64(BigInt(channelId));
}

/** The gateway's signing key and its `ExternalSender` (op 25 body). */
export interface ExternalSender {
  readonly privateKey: KeyObject;
  readonly package: Buffer;
}

export function createExternalSender(): ExternalSender {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // The uncompressed point (04‖X‖Y) is the last 65 bytes of the SPKI DER.
  const point = publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
  return { privateKey, package: Buffer.concat([vector(point), u16(CREDENTIAL_BASIC), vector(Buffer.from([0]))]) };
}

export type ProposalBody = { readonly add: Buffer } | { readonly removeLeaf: number };

/**
 * A proposal from the external sender (sender index 0) as a signed PublicMessage `MLSMessage`.
 * External senders sign the content without a group context and add no membership tag.
 */
export function signedProposal(sender: ExternalSender, groupId: Buffer, epoch: bigint, body: ProposalBody): Buffer {
  const proposal = 'add' in body ? Buffer.concat([u16(PROPOSAL_ADD), body.add]) : Buffer.concat([u16(PROPOSAL_REMOVE), u32(body.removeLeaf)]);
  const content = Buffer.concat([vector(groupId), u64(epoch), Buffer.from([SENDER_EXTERNAL]), u32(0), vector(), Buffer.from([CONTENT_PROPOSAL]), proposal]);
  const tbs = Buffer.concat([u16(MLS10), u16(WIRE_PUBLIC_MESSAGE), content]);
  const signature = sign('sha256', Buffer.concat([vector(Buffer.from('MLS 1.0 FramedContentTBS')), vector(tbs)]), sender.privateKey);
  return Buffer.concat([u16(MLS10), u16(WIRE_PUBLIC_MESSAGE), content, vector(signature)]);
}

/** ProposalRef: RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent) — the message less its version. */
export function proposalRef(message: Buffer): Buffer {
  const input = Buffer.concat([vector(Buffer.from('MLS 1.0 Proposal Reference')), vector(message.subarray(2))]);
  return createHash('sha256').update(input).digest();
}

/** op 27 bodies: append these proposal messages, or revoke these refs. */
export const appendProposals = (messages: readonly Buffer[]): Buffer => Buffer.concat([Buffer.from([0]), vector(...messages)]);
export const revokeProposals = (refs: readonly Buffer[]): Buffer => Buffer.concat([Buffer.from([1]), vector(...refs.map((ref) => vector(ref)))]);

function skipCapabilities(reader: MlsReader): void {
  for (let i = 0; i < 5; i++) reader.vector(); // versions, cipher_suites, extensions, proposals, credentials
}

/** Reads a LeafNode and returns the identity of its basic credential. */
function readLeafNode(reader: MlsReader): Buffer {
  reader.vector(); // encryption_key
  reader.vector(); // signature_key
  const credentialType = reader.u16();
  if (credentialType !== CREDENTIAL_BASIC) throw new Error(`unexpected credential type ${credentialType}`);
  const identity = reader.vector();
  skipCapabilities(reader);
  const source = reader.u8();
  if (source === LEAF_SOURCE_KEY_PACKAGE) {
    reader.u64();
    reader.u64();
  } else if (source === LEAF_SOURCE_COMMIT) {
    reader.vector(); // parent_hash
  }
  reader.vector(); // extensions
  reader.vector(); // signature
  return identity;
}

export interface KeyPackageInfo {
  /** The bare KeyPackage (an `MLSMessage` wrapper, if the client sent one, is removed). */
  readonly keyPackage: Buffer;
  /** The user id in the credential (a big-endian uint64). */
  readonly userId: string;
  readonly cipherSuite: number;
}

/** Reads an op 26 body; throws on anything that is not one complete key package. */
export function readKeyPackage(body: Buffer): KeyPackageInfo {
  const bare = body.readUInt16BE(0) === MLS10 && body.readUInt16BE(2) === 5 ? body.subarray(4) : body;
  const reader = new MlsReader(bare);
  if (reader.u16() !== MLS10) throw new Error('key package: not MLS 1.0');
  const cipherSuite = reader.u16();
  reader.vector(); // init_key
  const identity = readLeafNode(reader);
  reader.vector(); // extensions
  reader.vector(); // signature
  if (!reader.done) throw new Error('key package: trailing bytes');
  if (identity.length !== 8) throw new Error(`key package: identity of ${identity.length} bytes`);
  return { keyPackage: bare, userId: identity.readBigUInt64BE(0).toString(), cipherSuite };
}

export interface CommitWelcome {
  /** The commit `MLSMessage` as sent (what op 29 announces). */
  readonly commit: Buffer;
  /** The epoch the commit was made in; the group is at `epoch + 1` after it. */
  readonly epoch: bigint;
  readonly groupId: Buffer;
  /** The committer's leaf. */
  readonly senderLeaf: number;
  /** The `Welcome` after the commit, when it adds anyone. */
  readonly welcome: Buffer | undefined;
}

/** Splits an op 28 body: nothing separates the commit from the welcome, so the commit is parsed to its end. */
export function readCommitWelcome(body: Buffer): CommitWelcome {
  const reader = new MlsReader(body);
  if (reader.u16() !== MLS10 || reader.u16() !== WIRE_PUBLIC_MESSAGE) throw new Error('commit: not an MLS 1.0 PublicMessage');
  const groupId = reader.vector();
  const epoch = reader.u64();
  if (reader.u8() !== SENDER_MEMBER) throw new Error('commit: sender is not a member');
  const senderLeaf = reader.u32();
  reader.vector(); // authenticated_data
  if (reader.u8() !== CONTENT_COMMIT) throw new Error('commit: content is not a commit');
  reader.vector(); // proposals (by reference)
  if (reader.u8() === 1) {
    readLeafNode(reader);
    reader.vector(); // UpdatePath nodes
  }
  reader.vector(); // signature
  reader.vector(); // confirmation_tag
  reader.vector(); // membership_tag
  const commit = body.subarray(0, reader.offset);
  return { commit, epoch, groupId, senderLeaf, welcome: reader.done ? undefined : reader.rest() };
}
