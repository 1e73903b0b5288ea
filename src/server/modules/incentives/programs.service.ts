/**
 * Programs and their versions (issue 19): create, edit the draft, publish (ledger), new
 * versions effective from a date, close; the list and one program as the actor may see them.
 */
import { AppError } from '../../../shared/errors';
import { parseProgramDefinition } from '../../../shared/schemas/program';
import type { ProgramSummary, ProgramView } from '../../../shared/schemas/incentives';
import { type Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { translateUnique } from '../../db/errors';
import { canonicalJson, sha256Hex } from '../ledger/canonical-json';
import { findFilterWarnings } from './calc';
import { createProgramsRepository } from './programs.repository';
import {
  type IncentivesContext,
  type Ctx,
  type Loaded,
  actorLabel,
  userId,
  invalid,
  need,
  latest,
  versionAndPeriod,
} from './incentives-context';
import { createStatementsRepository } from './statements.repository';

/**
 * A period with an approved or paid statement whose window a version effective from
 * `effectiveFrom` would govern (its window starts on or after that date), or undefined. Approved
 * money must not change: the new version would re-rate the window and, through the cumulative
 * formula, pay the difference in a later period of it. (A window only closed may take a new
 * version: its approvals are then refused until it is re-closed and reviewed again.)
 */
async function settledWindowFrom(
  db: Queryable,
  p: Loaded,
  effectiveFrom: string,
  fiscalYearStartMonth: number,
): Promise<{ period: string; windowStart: string } | undefined> {
  const stored = await createStatementsRepository(db).findStoredStatements(p.row.id, null);
  const settled = new Set(stored.filter((s) => s.status !== 'closed').map((s) => s.period));
  for (const period of [...settled].sort()) {
    const { window } = versionAndPeriod(p, period, fiscalYearStartMonth).settlement;
    if (window.start >= effectiveFrom) return { period, windowStart: window.start };
  }
  return undefined;
}

/** What a program's view and its summary both say: code, status, author, latest version. */
function head(p: Loaded) {
  const v = latest(p);
  return {
    code: p.row.code,
    status: p.row.status,
    createdBy: p.row.createdBy,
    versionNo: v.versionNo,
    warnings: v.warnings,
  };
}

function view(p: Loaded): ProgramView {
  return {
    ...head(p),
    definition: latest(p).definition as unknown as Record<string, unknown>,
    versions: p.versions.map((x) => ({
      versionNo: x.versionNo,
      effectiveFrom: x.effectiveFrom,
      status: x.status,
      sha256: x.sha256,
      publishedBy: x.publishedBy,
      publishedAt: x.publishedAt,
    })),
  };
}

export function createProgramsService({ shared }: { shared: IncentivesContext }) {
  const { deps, visibility, context, loadProgram } = shared;
  const repoOf = (db: Queryable = deps.db) => createProgramsRepository(db);

  function parseDefinition(input: unknown, ctx: Ctx, path = '') {
    const parsed = parseProgramDefinition(input);
    if (!parsed.ok) {
      throw invalid(
        parsed.problems.map((p) => ({ ...p, path: path ? `${path}.${p.path}` : p.path })),
      );
    }
    const warnings = findFilterWarnings({
      program: parsed.program,
      catalog: [...ctx.skus.values()].map((s) => ({
        code: s.code,
        modelLineCode: s.modelLineCode,
        powertrain: s.powertrain,
        segment: s.segment,
      })),
    });
    return { program: parsed.program, warnings };
  }

  return {
    async createProgram({ actor, data }: { actor: Actor; data: unknown }): Promise<ProgramView> {
      need(actor, 'programs:write');
      const ctx = await context();
      const { program, warnings } = parseDefinition(data, ctx);
      await deps.db.transaction(async (tx) => {
        const repo = repoOf(tx);
        const id = await translateUnique('Program', program.code, () =>
          repo.insertProgram({
            code: program.code,
            createdById: userId(actor),
            createdBy: actorLabel(actor),
          }),
        );
        await repo.insertVersion({
          programId: id,
          versionNo: 1,
          effectiveFrom: program.startDate,
          definition: program,
          warnings,
          createdBy: actorLabel(actor),
        });
      });
      return view(await loadProgram(program.code));
    },

    async updateProgram({ actor, code, data }: { actor: Actor; code: string; data: unknown }) {
      need(actor, 'programs:write');
      const ctx = await context();
      const p = await loadProgram(code);
      const v = latest(p);
      if (v.status !== 'draft') {
        throw new AppError(
          'CONFLICT',
          `Program ${code} version ${v.versionNo} is published and immutable; create a new version`,
        );
      }
      const { program, warnings } = parseDefinition(data, ctx);
      if (program.code !== code) {
        throw invalid([{ path: 'code', code: 'code_changed', message: `must stay ${code}` }]);
      }
      await repoOf().updateDraftVersion({
        programId: p.row.id,
        versionNo: v.versionNo,
        definition: program,
        warnings,
      });
      return view(await loadProgram(code));
    },

    async findPrograms({ actor }: { actor: Actor }): Promise<ProgramSummary[]> {
      need(actor, 'programs:read');
      const repo = repoOf();
      const rows = await repo.findPrograms();
      const versions = await repo.findVersions(rows.map((r) => r.id));
      const visible = await visibility.visibleCodes(actor);
      return rows
        .map((row) => ({ row, versions: versions.filter((v) => v.programId === row.id) }))
        .filter((p) => p.versions.length > 0)
        .filter((p) => visible === null || visible.has(p.row.code))
        .map((p) => {
          const v = latest(p);
          return {
            ...head(p),
            name: v.definition.name,
            currency: v.definition.currency,
            startDate: v.definition.startDate,
            endDate: v.definition.endDate,
            measure: v.definition.measure,
          };
        });
    },

    async getProgram({ actor, code }: { actor: Actor; code: string }): Promise<ProgramView> {
      need(actor, 'programs:read');
      await visibility.requireVisible(actor, code);
      const p = await loadProgram(code);
      if (actor.scope.kind !== 'dealers') return view(p);
      // a dealer sees the published versions only, without the budget and others' names
      const v = view({ ...p, versions: p.versions.filter((x) => x.status === 'published') });
      return { ...v, definition: await visibility.redactDefinition(actor, v.definition) };
    },

    async publishProgram({ actor, code }: { actor: Actor; code: string }): Promise<ProgramView> {
      need(actor, 'programs:write');
      await deps.db.transaction(async (tx) => {
        const p = await loadProgram(code, tx);
        const v = latest(p);
        if (p.row.status === 'closed') throw new AppError('CONFLICT', `Program ${code} is closed`);
        if (v.status !== 'draft') {
          throw new AppError(
            'CONFLICT',
            `Program ${code} version ${v.versionNo} is already published`,
          );
        }
        const settled =
          v.versionNo > 1
            ? await settledWindowFrom(tx, p, v.effectiveFrom, (await context(tx)).fy)
            : undefined;
        if (settled)
          throw new AppError(
            'CONFLICT',
            `Version ${v.versionNo} of ${code} would be in force from ${v.effectiveFrom}, but period ${settled.period} (window from ${settled.windowStart}) has approved statements: approved money cannot change; draft a version effective after that window's start`,
            { path: 'effectiveFrom', period: settled.period },
          );
        const canonical = canonicalJson(v.definition);
        const sha256 = sha256Hex(canonical);
        await repoOf(tx).publishVersion({
          programId: p.row.id,
          versionNo: v.versionNo,
          canonical,
          sha256,
          by: actorLabel(actor),
        });
        await deps.ledger.append(tx, {
          entityType: 'program_version',
          entityId: `${code}/v${v.versionNo}`,
          action: 'published',
          payload: v.definition,
          actor: actorLabel(actor),
        });
      });
      return view(await loadProgram(code));
    },

    async createVersion({
      actor,
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: { effectiveFrom: string; definition: unknown };
    }): Promise<ProgramView> {
      need(actor, 'programs:write');
      const ctx = await context();
      const { program, warnings } = parseDefinition(data.definition, ctx, 'definition');
      if (program.code !== code) {
        throw invalid([
          { path: 'definition.code', code: 'code_changed', message: `must stay ${code}` },
        ]);
      }
      if (data.effectiveFrom < program.startDate || data.effectiveFrom > program.endDate) {
        throw invalid([
          {
            path: 'effectiveFrom',
            code: 'outside_program',
            message: `must be inside the program (${program.startDate} to ${program.endDate})`,
          },
        ]);
      }
      await deps.db.transaction(async (tx) => {
        const p = await loadProgram(code, tx);
        const v = latest(p);
        if (p.row.status === 'closed') throw new AppError('CONFLICT', `Program ${code} is closed`);
        if (v.status === 'draft') {
          throw new AppError(
            'CONFLICT',
            `Version ${v.versionNo} of ${code} is still a draft; edit it`,
          );
        }
        const settled = await settledWindowFrom(tx, p, data.effectiveFrom, ctx.fy);
        if (settled)
          throw invalid([
            {
              path: 'effectiveFrom',
              code: 'period_approved',
              message: `period ${settled.period} (window from ${settled.windowStart}) has approved statements: approved money cannot change; choose a date after that window's start`,
            },
          ]);
        await repoOf(tx).insertVersion({
          programId: p.row.id,
          versionNo: v.versionNo + 1,
          effectiveFrom: data.effectiveFrom,
          definition: program,
          warnings,
          createdBy: actorLabel(actor),
        });
      });
      return view(await loadProgram(code));
    },

    async closeProgram({ actor, code }: { actor: Actor; code: string }): Promise<ProgramView> {
      need(actor, 'programs:write');
      await deps.db.transaction(async (tx) => {
        const p = await loadProgram(code, tx);
        if (p.row.status !== 'published') {
          throw new AppError(
            'CONFLICT',
            `Only a published program can be closed; ${code} is ${p.row.status}`,
          );
        }
        await repoOf(tx).closeProgram(p.row.id, actorLabel(actor));
        await deps.ledger.append(tx, {
          entityType: 'program',
          entityId: code,
          action: 'closed',
          payload: { code },
          actor: actorLabel(actor),
        });
      });
      return view(await loadProgram(code));
    },
  };
}

export type ProgramsService = ReturnType<typeof createProgramsService>;
