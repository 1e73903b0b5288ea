/** The SQL of programs and their versions (issue 19). */
import type { Queryable } from '../../db/db';
import type { ProgramDefinition } from '../../../shared/schemas/program';
import type { ProgramRow, VersionRow } from './incentives.repository';

const VERSION_SELECT = `select program_id as "programId", version_no as "versionNo", to_char(effective_from, 'YYYY-MM-DD') as "effectiveFrom",
  status, definition, sha256, warnings, published_by as "publishedBy", to_json(published_at)#>>'{}' as "publishedAt"
  from program_versions`;

export function createProgramsRepository(db: Queryable) {
  return {
    async findProgram(code: string): Promise<ProgramRow | undefined> {
      const { rows } = await db.query<ProgramRow>(
        `select id, code, status, created_by as "createdById", created_by_label as "createdBy" from programs where code = $1`,
        [code],
      );
      return rows[0];
    },

    async findPrograms(): Promise<ProgramRow[]> {
      const { rows } = await db.query<ProgramRow>(
        `select id, code, status, created_by as "createdById", created_by_label as "createdBy" from programs order by code`,
      );
      return rows;
    },

    async findVersions(programIds: number[]): Promise<VersionRow[]> {
      const { rows } = await db.query<VersionRow>(
        `${VERSION_SELECT} where program_id = any($1::int[]) order by program_id, version_no`,
        [programIds],
      );
      return rows;
    },

    async insertProgram(input: {
      code: string;
      createdById: number | null;
      createdBy: string;
    }): Promise<number> {
      const { rows } = await db.query<{ id: number }>(
        `insert into programs (code, created_by, created_by_label) values ($1, $2, $3) returning id`,
        [input.code, input.createdById, input.createdBy],
      );
      return rows[0]!.id;
    },

    async insertVersion(input: {
      programId: number;
      versionNo: number;
      effectiveFrom: string;
      definition: ProgramDefinition;
      warnings: unknown[];
      createdBy: string;
    }) {
      await db.query(
        `insert into program_versions (program_id, version_no, effective_from, definition, warnings, created_by_label)
         values ($1, $2, $3, $4, $5, $6)`,
        [
          input.programId,
          input.versionNo,
          input.effectiveFrom,
          JSON.stringify(input.definition),
          JSON.stringify(input.warnings),
          input.createdBy,
        ],
      );
    },

    async updateDraftVersion(input: {
      programId: number;
      versionNo: number;
      definition: ProgramDefinition;
      warnings: unknown[];
    }) {
      await db.query(
        `update program_versions set definition = $3, warnings = $4 where program_id = $1 and version_no = $2 and status = 'draft'`,
        [
          input.programId,
          input.versionNo,
          JSON.stringify(input.definition),
          JSON.stringify(input.warnings),
        ],
      );
    },

    async publishVersion(input: {
      programId: number;
      versionNo: number;
      canonical: string;
      sha256: string;
      by: string;
    }) {
      await db.query(
        `update program_versions set status = 'published', canonical = $3, sha256 = $4, published_by = $5, published_at = now()
         where program_id = $1 and version_no = $2`,
        [input.programId, input.versionNo, input.canonical, input.sha256, input.by],
      );
      await db.query(
        `update programs set status = 'published' where id = $1 and status = 'draft'`,
        [input.programId],
      );
    },

    async closeProgram(programId: number, by: string) {
      await db.query(
        `update programs set status = 'closed', closed_at = now(), closed_by = $2 where id = $1`,
        [programId, by],
      );
    },

    async findCanonical(code: string, versionNo: number): Promise<string | null | undefined> {
      const { rows } = await db.query<{ canonical: string | null }>(
        `select v.canonical from program_versions v join programs p on p.id = v.program_id where p.code = $1 and v.version_no = $2`,
        [code, versionNo],
      );
      return rows[0]?.canonical;
    },
  };
}
