/** Discord-shaped snowflake ids: discord.js derives `createdAt` from them, so they must be real snowflakes. */
const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

export function nextSnowflake(now: number = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  const worker = BigInt(process.pid & 0x3ff) << 12n;
  return (((BigInt(now) - DISCORD_EPOCH) << 22n) | worker | increment).toString();
}

export function randomToken(bytes = 24): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let token = '';
  for (let i = 0; i < bytes; i++) token += alphabet[Math.floor(Math.random() * alphabet.length)];
  return token;
}
