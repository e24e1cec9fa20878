import { Client, Events, GatewayIntentBits, type Message, type PartialMessage } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DiscordSimulator, guildIdOnShard, shardOf, ShardCloseCode } from '../sim/index.js';

const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages];

/** A discord.js client that runs only `shardId` of `shardCount`, as a ShardingManager child does. */
async function loginShard(sim: DiscordSimulator, shardId: number, shardCount: number): Promise<Client> {
  const client = new Client({ intents: INTENTS, shards: [shardId], shardCount, ...sim.clientOptions() });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(sim.token);
  await ready;
  return client;
}

/** A raw IDENTIFY with `shard` (undefined: none); resolves with the READY's shard or the close code. */
function identify(sim: DiscordSimulator, shard: unknown): Promise<{ ready?: unknown; closeCode?: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(sim.gatewayUrl);
    socket.on('message', (raw: Buffer) => {
      const packet = JSON.parse(raw.toString()) as { op: number; t?: string; d: { shard?: unknown } };
      if (packet.op === 10)
        socket.send(JSON.stringify({ op: 2, d: { token: sim.token, intents: 1, properties: {}, ...(shard === undefined ? {} : { shard }) } }));
      if (packet.t === 'READY') {
        resolve({ ready: packet.d.shard });
        socket.close();
      }
    });
    socket.on('close', (code) => resolve({ closeCode: code }));
  });
}

describe('simulator sharding (real discord.js clients, one per shard)', () => {
  let sim: DiscordSimulator | undefined;
  const clients: Client[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
    await sim?.close();
    sim = undefined;
  });

  it('gives each shard READY with only its guilds and routes guild events to the owning shard', async () => {
    const onZero = guildIdOnShard(0, 2);
    const onOne = guildIdOnShard(1, 2);
    sim = await DiscordSimulator.start({
      guilds: [
        { id: onZero, name: 'Zero', textChannels: ['general'], members: ['alice'] },
        { id: onOne, name: 'One', textChannels: ['general'], members: ['bob'] },
      ],
    });
    const [zero, one] = await Promise.all([loginShard(sim, 0, 2), loginShard(sim, 1, 2)]);
    clients.push(zero, one);
    expect([...zero.guilds.cache.keys()]).toEqual([onZero]);
    expect([...one.guilds.cache.keys()]).toEqual([onOne]);
    expect(sim.gateway.shardSessions(0)).toHaveLength(1);
    expect(sim.gateway.shardSessions(1)).toHaveLength(1);
    expect(sim.gateway.shardSessions(1)[0]!.events[0]).toMatchObject({ t: 'READY', d: { shard: [1, 2] } });

    const seen: Array<[shard: number, guild: string | null]> = [];
    const record = (shard: number) => (message: Message | PartialMessage) => void seen.push([shard, message.guildId]);
    zero.on(Events.MessageCreate, record(0));
    one.on(Events.MessageCreate, record(1));
    const channelOf = (guildId: string) => sim!.world.guilds.get(guildId)!.channels[0]!;
    sim.user('alice').say(channelOf(onZero), 'hello zero');
    sim.user('bob').say(channelOf(onOne), 'hello one');
    await sim.waitFor(() => seen.length >= 2, 'both messages to arrive');
    expect(seen.sort()).toEqual([
      [0, onZero],
      [1, onOne],
    ]);
    // Each event went to the owning session only (a later GUILD_CREATE too).
    const added = sim.addGuild({ id: guildIdOnShard(1, 2), name: 'Joined later', textChannels: ['general'] });
    await sim.waitFor(() => one.guilds.cache.has(added.id), 'shard 1 to learn of the new guild');
    expect(zero.guilds.cache.has(added.id)).toBe(false);
    const guildCreates = (shard: number) => sim!.gateway.shardSessions(shard)[0]!.events.filter((event) => event.t === 'GUILD_CREATE').length;
    expect([guildCreates(0), guildCreates(1)]).toEqual([1, 2]);
  });

  it('answers GET /gateway/bot with the configured recommended shard count', async () => {
    sim = await DiscordSimulator.start({ recommendedShards: 3 });
    const response = await fetch(`${sim.apiUrl}/v10/gateway/bot`, { headers: { Authorization: `Bot ${sim.token}` } });
    expect(await response.json()).toMatchObject({ url: sim.gatewayUrl, shards: 3 });
  });

  it('refuses invalid shards with 4010 and too many guilds for one session with 4011', async () => {
    const guilds = [0, 1, 2].map((shard) => ({ id: guildIdOnShard(shard, 3), name: `G${shard}` }));
    sim = await DiscordSimulator.start({ guilds, maxGuildsPerShard: 1 });
    expect(await identify(sim, [3, 3])).toEqual({ closeCode: ShardCloseCode.InvalidShard });
    expect(await identify(sim, [0, 0])).toEqual({ closeCode: ShardCloseCode.InvalidShard });
    expect(await identify(sim, undefined)).toEqual({ closeCode: ShardCloseCode.ShardingRequired });
    expect(guilds.map((guild) => shardOf(guild.id, 3))).toEqual([0, 1, 2]);

    // Once shard 0 of 3 is connected, an IDENTIFY with another count is an invalid shard.
    const zero = await loginShard(sim, 0, 3);
    clients.push(zero);
    expect(await identify(sim, [1, 2])).toEqual({ closeCode: ShardCloseCode.InvalidShard });
    expect(await identify(sim, [1, 3])).toEqual({ ready: [1, 3] });
  });
});
