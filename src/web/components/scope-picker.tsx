/**
 * Where a user or API key may look, by role: a region for regional managers, a dealer or a dealer
 * group for dealer roles, optionally a dealer or group for integration keys, the whole network
 * otherwise.
 */
import { useState } from 'react';
import { SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { isDealerRole, type Role } from '../../shared/permissions';
import { regionOptions, useDealerGroups, useRegions } from '../queries';
import { DealerPicker, type FormState } from './form-kit';
import { roleLabel } from '../session';
import { QuerySelect } from './query-select';

export { DealerPicker };

export type ScopeValue = {
  regionCode: string | null;
  dealerCode: string | null;
  dealerGroupCode: string | null;
};

export const EMPTY_SCOPE: ScopeValue = {
  regionCode: null,
  dealerCode: null,
  dealerGroupCode: null,
};

type ScopeKind = 'network' | 'region' | 'dealer' | 'group';

export function scopeKindsFor(role: Role | null): ScopeKind[] {
  if (role === 'regional_manager') return ['region'];
  if (role && isDealerRole(role)) return ['dealer', 'group'];
  if (role === 'integration') return ['network', 'dealer', 'group'];
  return ['network'];
}

/** A problem with the scope for this role, or null. */
export function scopeProblem(role: Role | null, scope: ScopeValue): string | null {
  if (role === 'regional_manager' && !scope.regionCode) return 'Choose the region';
  if (role && isDealerRole(role) && !scope.dealerCode && !scope.dealerGroupCode) {
    return 'Choose the dealer or the dealer group';
  }
  return null;
}

/** The role and scope errors a form of users or API keys adds to its schema's (form kit). */
export function scopeErrors(role: Role | null, scope: ScopeValue): Record<string, string> {
  const problem = scopeProblem(role, scope);
  return { ...(problem ? { scope: problem } : {}), ...(role ? {} : { role: 'Choose a role' }) };
}

export function scopeLabel(scope: ScopeValue): string {
  if (scope.regionCode) return `Region ${scope.regionCode}`;
  if (scope.dealerCode) return `Dealer ${scope.dealerCode}`;
  if (scope.dealerGroupCode) return `Group ${scope.dealerGroupCode}`;
  return 'Whole network';
}

const KIND_LABELS: Record<ScopeKind, string> = {
  network: 'Whole network',
  region: 'Region',
  dealer: 'One dealer',
  group: 'Dealer group',
};

export function ScopePicker({
  role,
  value,
  onChange,
  error,
}: {
  role: Role | null;
  value: ScopeValue;
  onChange: (value: ScopeValue) => void;
  error?: string;
}) {
  const kinds = scopeKindsFor(role);
  const regions = useRegions();
  const groups = useDealerGroups();
  const initial: ScopeKind = value.regionCode
    ? 'region'
    : value.dealerGroupCode
      ? 'group'
      : value.dealerCode
        ? 'dealer'
        : kinds[0]!;
  const [kind, setKind] = useState<ScopeKind>(initial);
  const shownKind = kinds.includes(kind) ? kind : kinds[0]!;

  if (kinds.length === 1 && kinds[0] === 'network') {
    return (
      <Text size="sm" c="dimmed">
        Scope: the whole network (this role is not limited to a region or dealer).
      </Text>
    );
  }

  return (
    <Stack gap="xs">
      {kinds.length > 1 && (
        <div>
          <Text size="sm" fw={500} mb={4}>
            Scope
          </Text>
          <SegmentedControl
            size="xs"
            data={kinds.map((k) => ({ value: k, label: KIND_LABELS[k] }))}
            value={shownKind}
            onChange={(k) => {
              setKind(k as ScopeKind);
              onChange(EMPTY_SCOPE);
            }}
          />
        </div>
      )}
      {shownKind === 'region' && (
        <QuerySelect
          query={regions}
          label="Region"
          data={regionOptions(regions.data ?? [])}
          value={value.regionCode}
          onChange={(code) => onChange({ ...EMPTY_SCOPE, regionCode: code })}
          error={error}
          searchable
          required
        />
      )}
      {shownKind === 'dealer' && (
        <DealerPicker
          value={value.dealerCode}
          onChange={(code) => onChange({ ...EMPTY_SCOPE, dealerCode: code })}
          error={error}
        />
      )}
      {shownKind === 'group' && (
        <QuerySelect
          query={groups}
          label="Dealer group"
          data={(groups.data ?? []).map((g) => ({
            value: g.code,
            label: `${g.name} (${g.dealerCount} dealers)`,
          }))}
          value={value.dealerGroupCode}
          onChange={(code) => onChange({ ...EMPTY_SCOPE, dealerGroupCode: code })}
          error={error}
          searchable
          required
        />
      )}
      {shownKind === 'network' && (
        <Text size="sm" c="dimmed">
          The key can send and read data for every dealer.
        </Text>
      )}
    </Stack>
  );
}

/** The fields of a role with its scope, as the new-user and new-API-key forms keep them. */
type RoleScopeValues = { role: Role | null; scope: ScopeValue };

/**
 * The role select and, under it, the scope picker (new user, new API key): choosing another role
 * empties the scope; the server's scope problems show at the picker.
 */
export function RoleScopeFields<V extends RoleScopeValues>({
  form,
  roles,
  description,
}: {
  form: Pick<FormState<V>, 'values' | 'errors' | 'set'>;
  roles: readonly Role[];
  description?: string;
}) {
  const { values, errors } = form;
  // The two fields this component owns, whatever else the form holds.
  const set = form.set as unknown as <K extends keyof RoleScopeValues>(
    field: K,
    value: RoleScopeValues[K],
  ) => void;
  return (
    <>
      <Select
        label="Role"
        description={description}
        data={roles.map((r) => ({ value: r, label: roleLabel(r) }))}
        value={values.role}
        onChange={(r) => {
          set('role', r as Role | null);
          set('scope', EMPTY_SCOPE);
        }}
        error={errors.role}
        allowDeselect={false}
        required
      />
      <ScopePicker
        key={values.role ?? 'none'}
        role={values.role}
        value={values.scope}
        onChange={(scope) => set('scope', scope)}
        error={errors.scope ?? errors.regionCode ?? errors.dealerCode ?? errors.dealerGroupCode}
      />
    </>
  );
}
