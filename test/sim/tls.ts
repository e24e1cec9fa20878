import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The voice gateway is always dialled as `wss://` by @discordjs/voice, so the simulator needs a
 * certificate the client trusts. We make a self-signed one (it is its own CA) and the client process
 * trusts it through NODE_EXTRA_CA_CERTS — TLS verification stays on everywhere.
 */
export interface TlsMaterial {
  dir: string;
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/** Environment variable naming a directory with `cert.pem` + `key.pem` shared by all simulators of a run. */
export const SIM_TLS_DIR_ENV = 'RHYTHMIX_SIM_TLS_DIR';

export function createSelfSignedCertificate(dir: string = mkdtempSync(path.join(tmpdir(), 'rhythmix-sim-tls-'))): TlsMaterial {
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '7',
        '-subj',
        '/CN=rhythmix-discord-simulator',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    throw new Error(`The Discord simulator needs the openssl command to make its voice TLS certificate (apt-get install openssl): ${String(error)}`);
  }
  return readTlsMaterial(dir);
}

export function readTlsMaterial(dir: string): TlsMaterial {
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  return { dir, certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

/** The run's shared certificate when the e2e global setup made one, else a fresh one owned by the caller. */
export function obtainTlsMaterial(): { material: TlsMaterial; owned: boolean } {
  const shared = process.env[SIM_TLS_DIR_ENV];
  if (shared && existsSync(path.join(shared, 'cert.pem'))) return { material: readTlsMaterial(shared), owned: false };
  return { material: createSelfSignedCertificate(), owned: true };
}

export function removeTlsMaterial(material: TlsMaterial): void {
  rmSync(material.dir, { recursive: true, force: true });
}

/** True when this process was started trusting the certificate (NODE_EXTRA_CA_CERTS is read once at startup). */
export function processTrusts(material: TlsMaterial): boolean {
  return process.env.NODE_EXTRA_CA_CERTS === material.certPath;
}
