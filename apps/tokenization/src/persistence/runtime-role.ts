import { type DataSource } from 'typeorm';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The role the vault runs as, apart from the owner that migrates its schema (PCI DSS 10.3.2: audit records are
 * protected from modification): it may read and write the vault's tables but only read and append the audit log,
 * never update, delete or truncate it, and as a non-owner it cannot disable the append-only trigger or alter the
 * table. Created here when missing and the migrating user may create roles (the local server); a bank's DBA
 * creates it otherwise. Run after every migration (grants are idempotent), so tables added later are covered.
 */
export async function grantVaultRuntimeRole(ds: DataSource, role: string): Promise<void> {
  if (!ROLE_NAME.test(role))
    throw new Error('TOKENIZATION_RUNTIME_ROLE: must be a lower-case SQL identifier');
  const [exists] = (await ds.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role])) as unknown[];
  if (!exists) await ds.query(`CREATE ROLE "${role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT`);
  const [{ db }] = (await ds.query(`SELECT current_database() AS db`)) as [{ db: string }];
  await ds.query(`GRANT CONNECT ON DATABASE "${db.replace(/"/g, '""')}" TO "${role}"`);
  await ds.query(`GRANT USAGE ON SCHEMA public TO "${role}"`);
  await ds.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${role}"`);
  await ds.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "${role}"`);
  await ds.query(`REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_entry FROM "${role}"`);
  // The migrations' bookkeeping is the owner's: the service only checks that none is pending.
  await ds.query(`REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM "${role}"`);
}
