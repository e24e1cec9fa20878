import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ButtonBuilder,
  ButtonStyle,
  DiscordAPIError,
  Events,
  ModalBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type Client,
  type Interaction,
  type MessageReaction,
  type PartialMessageReaction,
  type TextChannel,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordSimulator, MessageFlags, simFile } from '../sim/index.js';
import { loginClient } from './support/client.js';

describe('simulator REST and gateway with a real discord.js client', () => {
  let sim: DiscordSimulator | undefined;
  let client: Client | undefined;

  afterEach(async () => {
    await client?.destroy();
    await sim?.close();
    client = undefined;
    sim = undefined;
  });

  it('serves guilds, members, users and the application from GUILD_CREATE and REST', async () => {
    sim = await DiscordSimulator.start();
    client = await loginClient(sim);
    const guild = client.guilds.cache.get(sim.guild.id)!;
    expect(guild.name).toBe('Rhythmix Lab');
    expect(guild.channels.cache.map((channel) => channel.name).sort()).toEqual(['Lounge', 'Music', 'compositions', 'general']);
    expect(guild.members.cache.has(sim.user('bob').id)).toBe(true);
    expect(client.user!.id).toBe(sim.applicationId);
    const application = await client.application!.fetch();
    expect(application.id).toBe(sim.applicationId);
    const member = await guild.members.fetch({ user: sim.user('carol').id, force: true });
    expect(member.user.username).toBe('carol');
    const me = await client.users.fetch(client.user!.id, { force: true });
    expect(me.bot).toBe(true);
    expect(sim.requests('GET /gateway/bot')).toHaveLength(1);
  });

  it('answers with Discord error bodies and survives injected 429s', async () => {
    sim = await DiscordSimulator.start();
    client = await loginClient(sim);
    const channel = client.channels.cache.get(sim.channel('general').id) as TextChannel;

    const missing = await channel.messages.fetch('123456789012345678').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(DiscordAPIError);
    expect((missing as DiscordAPIError).code).toBe(10008);
    expect((missing as DiscordAPIError).status).toBe(404);

    const empty = await channel.send({ content: '' }).catch((error: unknown) => error);
    expect((empty as DiscordAPIError).code).toBe(50006);

    sim.rest.failNext({ method: 'POST', path: '/messages', retryAfter: 0.1, times: 2 });
    const sent = await channel.send('after two 429s');
    expect(sent.content).toBe('after two 429s');
    const posts = sim.requests('POST /channels/:channel/messages').map((entry) => entry.status);
    expect(posts.slice(-3)).toEqual([429, 429, 200]);
    expect(sim.messages((message) => message.content === 'after two 429s')).toHaveLength(1);

    const edited = await sent.edit({ content: 'edited', files: [{ attachment: Buffer.from('hello'), name: 'hello.txt' }] });
    expect(edited.attachments.first()!.name).toBe('hello.txt');
    const stored = sim.world.messages.get(sent.id)!;
    expect(stored.content).toBe('edited');
    expect(stored.history[0]!.content).toBe('after two 429s');
    const download = await fetch(stored.attachments[0]!.url);
    expect(await download.text()).toBe('hello');
  });

  it('delivers slash commands, buttons and reactions and records every kind of response', async () => {
    sim = await DiscordSimulator.start();
    client = await loginClient(sim);
    const guild = client.guilds.cache.get(sim.guild.id)!;
    await guild.commands.set([
      {
        name: 'echo',
        description: 'Echo text and a file back',
        options: [
          { name: 'text', description: 'What to say', type: ApplicationCommandOptionType.String, required: true },
          { name: 'file', description: 'A file', type: ApplicationCommandOptionType.Attachment },
        ],
      },
    ]);
    const withResponseIds: string[] = [];
    const reactions: string[] = [];
    const handle = async (interaction: Interaction): Promise<void> => {
      if (interaction.isChatInputCommand()) {
        const text = interaction.options.getString('text', true);
        const file = interaction.options.getAttachment('file');
        const body = file ? Buffer.from(await (await fetch(file.url)).arrayBuffer()) : Buffer.from('none');
        const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId('again').setLabel('Again').setStyle(ButtonStyle.Primary),
        );
        const response = await interaction.reply({
          content: `echo: ${text}`,
          files: [{ attachment: body, name: 'copy.bin' }],
          components: [row],
          withResponse: true,
        });
        withResponseIds.push(response.resource!.message!.id);
        await interaction.followUp({ content: 'follow-up', flags: MessageFlags.Ephemeral });
      } else if (interaction.isButton()) {
        await interaction.update({ content: `clicked by ${interaction.user.username}`, components: [] });
        const reply = await interaction.followUp({ content: 'temporary' });
        await interaction.webhook.deleteMessage(reply.id);
      }
    };
    client.on(Events.InteractionCreate, (interaction) => void handle(interaction));
    const onReaction = (verb: string) => (reaction: MessageReaction | PartialMessageReaction, user: { id: string }) => {
      reactions.push(`${verb} ${reaction.emoji.name} ${user.id === client!.user!.id ? 'bot' : 'user'}`);
      if (verb === 'add' && user.id !== client!.user!.id) void reaction.message.react('🎵');
    };
    client.on(Events.MessageReactionAdd, onReaction('add'));
    client.on(Events.MessageReactionRemove, onReaction('remove'));

    const alice = sim.user('alice');
    expect(() => alice.slash('echo', {})).toThrow(/requires option "text"/);
    const command = alice.slash('echo', { text: 'hi', file: simFile('data.bin', Buffer.from([1, 2, 3])) });
    const reply = await command.waitForReply((message) => message.attachments.length === 1);
    expect(command.callbackTypes).toEqual([4]);
    expect(reply.content).toBe('echo: hi');
    expect([...reply.attachments[0]!.data]).toEqual([1, 2, 3]);
    await sim.waitFor(() => withResponseIds.length === 1, 'the bot to get the with_response body');
    expect(withResponseIds).toEqual([reply.id]);
    const followUp = await command.waitForFollowUp();
    expect(followUp.flags & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(
      sim
        .requests('POST /interactions/:interaction/:token/callback')
        .at(-1)!
        .files.map((file) => file.field),
    ).toEqual(['files[0]']);

    const click = alice.click(reply, 'again');
    await click.waitForAck();
    expect(click.callbackTypes).toEqual([7]);
    await sim.waitFor(
      () => sim!.interactionResponses.some((response) => response.kind === 'delete' && response.interactionId === click.id),
      'the temporary follow-up to be deleted',
    );
    expect(sim.world.messages.get(reply.id)!.content).toBe('clicked by alice');
    expect(sim.world.messages.get(reply.id)!.components).toEqual([]);
    expect(() => alice.click(reply, 'again')).toThrow(/no component "again"/);

    alice.react(reply, '👍');
    await sim.waitFor(() => sim!.world.messages.get(reply.id)!.reactions.get('🎵')?.has(sim!.applicationId), 'the bot to react');
    const message = await (client.channels.cache.get(reply.channelId) as TextChannel).messages.fetch(reply.id);
    const thumbsUsers = await message.reactions.cache.get('👍')!.users.fetch();
    expect([...thumbsUsers.keys()]).toEqual([alice.id]);
    alice.unreact(reply, '👍');
    await sim.waitFor(() => reactions.includes('remove 👍 user'), 'the bot to see the reaction removed');
    expect(reactions).toEqual(expect.arrayContaining(['add 👍 user', 'add 🎵 bot', 'remove 👍 user']));
  });

  it('round-trips select menus and modals, and announces guilds added later', async () => {
    sim = await DiscordSimulator.start();
    client = await loginClient(sim);
    await client.application!.commands.set([
      { name: 'rate', description: 'Rate a piece' },
      { name: 'vanish', description: 'Reply, then delete the reply' },
    ]);
    client.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand() && interaction.commandName === 'vanish') {
        void interaction.reply('gone soon').then(() => interaction.deleteReply());
      } else if (interaction.isChatInputCommand()) {
        const menu = new StringSelectMenuBuilder().setCustomId('stars').addOptions({ label: 'One', value: '1' }, { label: 'Five', value: '5' });
        void interaction.reply({ content: 'How many stars?', components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)] });
      } else if (interaction.isStringSelectMenu()) {
        const modal = new ModalBuilder().setCustomId(`why:${interaction.values[0]}`).setTitle('Why?');
        const input = new TextInputBuilder().setCustomId('reason').setLabel('Reason').setStyle(TextInputStyle.Short);
        void interaction.showModal(modal.addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input)));
      } else if (interaction.isModalSubmit() && interaction.isFromMessage()) {
        void interaction.update({ content: `${interaction.customId.split(':')[1]} stars: ${interaction.fields.getTextInputValue('reason')}`, components: [] });
      }
    });
    const bob = sim.user('bob');
    const question = await bob.slash('rate').waitForReply();
    const pick = bob.select(question, 'stars', ['5']);
    const modal = await pick.waitForModal();
    expect(modal.custom_id).toBe('why:5');
    expect(() => bob.submitModal(pick, {})).toThrow(/"reason" is required/);
    const submit = bob.submitModal(pick, { reason: 'lovely cadence' });
    await submit.waitForAck();
    expect(submit.callbackTypes).toEqual([7]);
    expect(sim.world.messages.get(question.id)!.content).toBe('5 stars: lovely cadence');

    const vanish = bob.slash('vanish');
    await sim.waitFor(() => vanish.reply()?.deleted, 'the @original reply to be deleted');
    expect(sim.requests('DELETE /webhooks/:application/:token/messages/:message').at(-1)!.path).toMatch(/\/messages\/@original$/);
    expect(sim.messages((message) => message.content === 'gone soon')).toHaveLength(0);

    const joined = new Promise<string>((resolve) => client!.once(Events.GuildCreate, (guild) => resolve(guild.name)));
    sim.addGuild({ name: 'Second Lab', textChannels: ['lobby'], members: ['dave'] });
    expect(await joined).toBe('Second Lab');
  });

  it('answers 10062 to a callback after the acknowledgement deadline', async () => {
    sim = await DiscordSimulator.start({ interactionAckTimeoutMs: 150 });
    client = await loginClient(sim);
    await client.application!.commands.set([{ name: 'slow', description: 'Answers too late' }]);
    const failure = new Promise<unknown>((resolve) => {
      client!.on(Events.InteractionCreate, (interaction) => {
        if (!interaction.isChatInputCommand()) return;
        void sleep(400).then(() => interaction.reply('too late').then(resolve, resolve));
      });
    });
    const interaction = sim.user('bob').slash('slow');
    const error = await failure;
    expect((error as DiscordAPIError).code).toBe(10062);
    expect(interaction.callbackTypes).toEqual([]);
    expect(sim.interactionResponses.filter((response) => response.late)).toHaveLength(1);
  });

  it('resumes a stalled connection and re-identifies after a non-resumable invalid session', async () => {
    sim = await DiscordSimulator.start({ heartbeatIntervalMs: 300 });
    client = await loginClient(sim);
    const first = sim.gateway.session!;
    let shardResumes = 0;
    client.on(Events.ShardResume, () => shardResumes++);

    sim.gateway.stall();
    sim.user('bob').joinVoice('Lounge');
    await sim.waitFor(() => first.resumes === 1, 'the client to notice the zombie link and resume', 10_000);
    const bobVoice = await sim.waitFor(
      () => client!.guilds.cache.get(sim!.guild.id)!.voiceStates.cache.get(sim!.user('bob').id)?.channelId,
      'the replayed voice state',
    );
    expect(bobVoice).toBe(sim.channel('Lounge').id);

    sim.gateway.requestReconnect();
    await sim.waitFor(() => first.resumes === 2, 'a resume after op 7');
    await sim.waitFor(() => shardResumes === 2, 'discord.js to handle both RESUMED dispatches');

    let shardReadies = 0;
    client.on(Events.ShardReady, () => shardReadies++);
    sim.gateway.invalidateSession(false);
    // discord.js waits out its 5 s identify throttle before identifying again.
    const second = await sim.waitFor(() => (sim!.gateway.session !== first ? sim!.gateway.session : undefined), 'a fresh IDENTIFY');
    expect(second.identifies).toBe(1);
    expect(first.resumable).toBe(false);
    await sim.waitFor(() => shardReadies === 1, 'discord.js to process the new READY and GUILD_CREATE');
    expect(client.guilds.cache.get(sim.guild.id)!.voiceStates.cache.get(sim.user('bob').id)?.channelId).toBe(sim.channel('Lounge').id);
  });

  it('starts several simulators in parallel on their own ports and leaves no handles behind', async () => {
    const before = process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap');
    const sims = await Promise.all([1, 2, 3, 4].map(() => DiscordSimulator.start()));
    const ports = new Set(sims.flatMap((s) => [s.baseUrl, s.voice.endpoint, String(s.voice.udpPort)]));
    expect(ports.size).toBe(12);
    console.info(`simulator start-up: ${sims.map((s) => `${s.startupMs.toFixed(0)} ms`).join(', ')}`);
    await Promise.all(sims.map((s) => s.close()));
    await sleep(50);
    const after = process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap');
    const count = (list: string[], name: string): number => list.filter((entry) => entry === name).length;
    // Servers, UDP sockets and connections of the four simulators are all gone (earlier tests' clients may still be winding down).
    for (const kind of ['TCPServerWrap', 'UDPWrap', 'TCPSocketWrap']) expect(count(after, kind)).toBeLessThanOrEqual(count(before, kind));
  });
});
