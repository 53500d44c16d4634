import { createPrivateKey, type KeyObject } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { type ApiV3Key, isPublicKeyId, normalizeSerial } from '@wxpay/wechatpay';
import { type KeyMode, type SimConfig } from '../config/sim-config';
import { type SimLogger } from '../logging/logger';
import { writeFileAtomic } from '../store/atomic-file';
import {
  keyPaths,
  newPublicKeyId,
  newRsaKeyPair,
  privatePem,
  publicPem,
  readIfExists,
  type KeyPaths,
} from './key-files';
import { createPlatformKey, loadApiV3Key, loadMerchant, loadPlatformKey } from './key-loading';

export interface PlatformKey {
  readonly serial: string;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface SigningKey {
  readonly serial: string;
  readonly privateKey: KeyObject;
}

export interface MerchantRegistration {
  readonly mchid: string;
  readonly appid: string;
  /** Serial of the merchant API certificate, upper-case hex. */
  readonly serial: string;
  readonly publicKey: KeyObject;
  /** True when the simulator generated the merchant identity (dev). */
  readonly generated: boolean;
}

interface KeysManifest {
  version: 1;
  keyMode: KeyMode;
  publicKeyId: string;
  platformSerials: string[];
  activePlatformSerial: string;
}

/**
 * WeChat Pay's key material as the simulator holds it: platform certificates (rotatable), the WeChat Pay public
 * key, the registered merchant's public key, and the APIv3 key. Generated on first start into the data dir
 * (dev only) and reloaded afterwards, so the merchant side's copies stay valid across restarts.
 */
export class KeyMaterial {
  private constructor(
    readonly paths: KeyPaths,
    readonly apiV3Key: ApiV3Key,
    readonly merchant: MerchantRegistration,
    readonly publicKey: { readonly id: string; readonly pem: string; readonly privateKey: KeyObject },
    private platform: PlatformKey[],
    private activeSerial: string,
    private mode: KeyMode,
    private readonly migrationShare: number,
    private readonly logger: SimLogger,
  ) {}

  static async loadOrCreate(config: SimConfig, logger: SimLogger): Promise<KeyMaterial> {
    const paths = keyPaths(config.dataDir);
    await mkdir(config.dataDir, { recursive: true });
    const apiV3Key = await loadApiV3Key(config, paths, logger);
    const merchant = await loadMerchant(config, paths, logger);
    const manifestText = await readIfExists(paths.manifest);
    let km: KeyMaterial;
    if (manifestText) {
      const manifest = JSON.parse(manifestText) as KeysManifest;
      const platform = await Promise.all(manifest.platformSerials.map((s) => loadPlatformKey(paths, s)));
      const pkPem = (await readIfExists(paths.publicKeyPem)) ?? '';
      const pkPrivate = createPrivateKey((await readIfExists(paths.publicKeyPrivatePem)) ?? '');
      km = new KeyMaterial(
        paths,
        apiV3Key,
        merchant,
        { id: manifest.publicKeyId, pem: pkPem, privateKey: pkPrivate },
        platform,
        manifest.activePlatformSerial,
        config.keyMode,
        config.migrationPublicKeyShare,
        logger,
      );
      logger.info(
        { publicKeyId: manifest.publicKeyId, platformSerials: manifest.platformSerials },
        'keys loaded',
      );
    } else {
      const pk = await newRsaKeyPair();
      const publicKey = {
        id: newPublicKeyId(config.mchid),
        pem: publicPem(pk.publicKey),
        privateKey: pk.privateKey,
      };
      await writeFileAtomic(paths.publicKeyPem, publicKey.pem);
      await writeFileAtomic(paths.publicKeyPrivatePem, privatePem(pk.privateKey), 0o600);
      const first = await createPlatformKey(paths);
      km = new KeyMaterial(
        paths,
        apiV3Key,
        merchant,
        publicKey,
        [first],
        first.serial,
        config.keyMode,
        config.migrationPublicKeyShare,
        logger,
      );
      logger.info({ publicKeyId: publicKey.id, platformSerial: first.serial }, 'keys generated (dev only)');
    }
    await chmod(`${config.dataDir}/private`, 0o700).catch(() => undefined);
    await km.persist();
    return km;
  }

  get keyMode(): KeyMode {
    return this.mode;
  }

  async setKeyMode(mode: KeyMode): Promise<void> {
    this.mode = mode;
    await this.persist();
    this.logger.info({ keyMode: mode }, 'key mode changed');
  }

  /** Adds a certificate (listed at once, as WeChat lists a new one 24 h ahead); `activate` makes it sign. */
  async rotatePlatformCertificate(activate: boolean): Promise<PlatformKey> {
    const next = await createPlatformKey(this.paths);
    this.platform.push(next);
    if (activate) this.activeSerial = next.serial;
    await this.persist();
    this.logger.info({ serial: next.serial, activate }, 'platform certificate added');
    return next;
  }

  async activatePlatformCertificate(serial: string): Promise<boolean> {
    if (!this.platform.some((p) => p.serial === normalizeSerial(serial))) return false;
    this.activeSerial = normalizeSerial(serial);
    await this.persist();
    return true;
  }

  /** Certificates `/v3/certificates` lists: every unexpired one. */
  listedCertificates(now = Date.now()): PlatformKey[] {
    return this.platform.filter((p) => p.notAfter.getTime() > now);
  }

  /**
   * Who signs an API answer. Migration: the public key only when the request announced a `PUB_KEY_ID_` in
   * `Wechatpay-Serial` (WeChat's documented behaviour), the platform certificate otherwise.
   */
  responseSigner(requestSerial: string | undefined): SigningKey {
    if (this.mode === 'public-key') return this.publicKeySigner();
    if (this.mode === 'migration' && requestSerial && isPublicKeyId(requestSerial))
      return this.publicKeySigner();
    return this.certificateSigner();
  }

  /** Who signs a notification attempt. Migration: a configurable share moves to the public key. */
  notificationSigner(): SigningKey {
    if (this.mode === 'public-key') return this.publicKeySigner();
    if (this.mode === 'migration' && Math.random() < this.migrationShare) return this.publicKeySigner();
    return this.certificateSigner();
  }

  /** The private key for a `Wechatpay-Serial` naming what encrypted the request's sensitive fields. */
  decryptionKey(serial: string | undefined): KeyObject | undefined {
    if (!serial) return undefined;
    if (isPublicKeyId(serial))
      return this.mode !== 'certificate' && serial === this.publicKey.id
        ? this.publicKey.privateKey
        : undefined;
    if (this.mode === 'public-key') return undefined;
    return this.platform.find((p) => p.serial === normalizeSerial(serial))?.privateKey;
  }

  /** Public facts the merchant side needs, plus where the dev secrets are (paths, never contents). */
  merchantBundle(): Record<string, unknown> {
    return {
      mchid: this.merchant.mchid,
      appid: this.merchant.appid,
      keyMode: this.mode,
      publicKeyId: this.publicKey.id,
      publicKeyPem: this.publicKey.pem,
      publicKeyFile: this.paths.publicKeyPem,
      platformCertsDir: this.paths.platformCertsDir,
      activePlatformSerial: this.activeSerial,
      platformCertificates: this.listedCertificates().map((p) => ({
        serial: p.serial,
        file: this.paths.platformCert(p.serial),
        notBefore: p.notBefore.toISOString(),
        notAfter: p.notAfter.toISOString(),
        pem: p.certificatePem,
      })),
      merchantSerial: this.merchant.serial,
      merchantPrivateKeyFile: this.merchant.generated ? this.paths.merchantKey : undefined,
      merchantCertificateFile: this.merchant.generated ? this.paths.merchantCert : undefined,
      apiV3KeyFile: this.paths.apiV3Key,
    };
  }

  private publicKeySigner(): SigningKey {
    return { serial: this.publicKey.id, privateKey: this.publicKey.privateKey };
  }

  private certificateSigner(): SigningKey {
    const active = this.platform.find((p) => p.serial === this.activeSerial) ?? this.platform[0];
    return { serial: active.serial, privateKey: active.privateKey };
  }

  private async persist(): Promise<void> {
    const manifest: KeysManifest = {
      version: 1,
      keyMode: this.mode,
      publicKeyId: this.publicKey.id,
      platformSerials: this.platform.map((p) => p.serial),
      activePlatformSerial: this.activeSerial,
    };
    await writeFileAtomic(this.paths.manifest, JSON.stringify(manifest, null, 2));
    await writeFileAtomic(this.paths.bundle, JSON.stringify(this.merchantBundle(), null, 2));
  }
}
