import type { Kysely, Migration, MigrationProvider } from 'kysely';

/**
 * Versioned migrations, applied in name order at start by every process that opens the database.
 * Never edit one that has shipped: add the next.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_accounts_rooms_transcripts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('users_issuer_subject', ['issuer', 'subject'])
        .execute();
      await db.schema
        .createTable('rooms')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('capacity', 'integer')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('removed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['room_id', 'user_id'])
        .execute();
      await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
      await db.schema
        .createTable('invites')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('created_by', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('refresh_hash', 'text', (c) => c.unique())
        .execute();
      await db.schema
        .createTable('desktop_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('code_challenge', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Segments are kept by room name, not a foreign key: rooms of guests (AUTH=off) have no row.
      await db.schema
        .createTable('transcript_segments')
        .addColumn('utterance_id', 'text', (c) => c.primaryKey())
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('speaker_id', 'text', (c) => c.notNull())
        .addColumn('speaker_name', 'text', (c) => c.notNull())
        .addColumn('src_lang', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('stt_engine', 'text', (c) => c.notNull())
        .addColumn('started_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('ended_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('stored_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('transcript_segments_room_order').on('transcript_segments').columns(['room_id', 'ended_at_ms', 'utterance_id']).execute();
      await db.schema.createIndex('transcript_segments_stored').on('transcript_segments').column('stored_at').execute();
      await db.schema
        .createTable('transcript_translations')
        .addColumn('utterance_id', 'text', (c) => c.notNull().references('transcript_segments.utterance_id').onDelete('cascade'))
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('engine', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('transcript_translations_pk', ['utterance_id', 'lang'])
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
