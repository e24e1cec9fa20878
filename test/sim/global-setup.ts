import { createSelfSignedCertificate, removeTlsMaterial, SIM_TLS_DIR_ENV, type TlsMaterial } from './tls.js';

/**
 * Vitest global setup for the e2e config: makes one self-signed certificate for the run and exports
 * NODE_EXTRA_CA_CERTS before vitest forks its test workers, so in-process discord.js clients trust
 * the simulator's `wss://` voice gateway with verification left on.
 */
let material: TlsMaterial | undefined;

export function setup(): void {
  material = createSelfSignedCertificate();
  process.env[SIM_TLS_DIR_ENV] = material.dir;
  process.env.NODE_EXTRA_CA_CERTS = material.certPath;
}

export function teardown(): void {
  if (material) removeTlsMaterial(material);
}
