import { useState } from 'react';
import { Button, Menu, Select, SimpleGrid, Stack, Text } from '@mantine/core';
import { ROLES, type Role } from '../../../shared/permissions';
import { userCreateSchema, userUpdateSchema, type User } from '../../../shared/schemas/accounts';
import { api } from '../../api';
import {
  ConfirmDialog,
  FormDialog,
  PasswordField,
  TextField,
  saveTo,
  useForm,
  useFormSave,
  useSave,
} from '../../components/form-kit';
import { IconChevronDown, IconPlus } from '../../components/icons';
import { SearchInput } from '../../components/list-query';
import { PageHeader } from '../../components/page-header';
import { DataTable, QueryView } from '../../components/data-table';
import { StatusBadge } from '../../components/dealers-table';
import { Empty } from '../../components/query-state';
import {
  EMPTY_SCOPE,
  RoleScopeFields,
  scopeLabel,
  scopeErrors,
} from '../../components/scope-picker';
import { formatDate, formatInt } from '../../format';
import { useUsers } from '../../queries';
import { roleLabel, useMe } from '../../session';

const USER_ROLES = ROLES.filter((r) => r !== 'integration');
const FIELDS = [
  'email',
  'name',
  'password',
  'role',
  'regionCode',
  'dealerCode',
  'dealerGroupCode',
] as const;

function CreateUserModal({ onClose }: { onClose: () => void }) {
  const form = useForm(
    { email: '', name: '', password: '', role: null as Role | null, scope: EMPTY_SCOPE },
    FIELDS,
  );
  const { values } = form;
  const create = useFormSave(form, {
    send: saveTo<User>('/users', undefined),
    invalidates: [['users']],
    onSaved: onClose,
  });

  function onSubmit() {
    const { role, scope } = values;
    const data = form.check(
      userCreateSchema,
      {
        email: values.email.trim(),
        name: values.name.trim(),
        password: values.password,
        role,
        ...scope,
      },
      scopeErrors(role, scope),
    );
    if (data) create.mutate(data);
  }

  return (
    <FormDialog
      title="New user"
      onClose={onClose}
      onSubmit={onSubmit}
      save={create}
      problems={form.rest}
      submitLabel="Create user"
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextField form={form} name="name" label="Name" required />
        <TextField form={form} name="email" label="E-mail" type="email" required />
        <PasswordField
          form={form}
          name="password"
          label="Initial password"
          description="At least 12 characters, not a common password; share it privately"
          autoComplete="new-password"
          required
        />
      </SimpleGrid>
      <RoleScopeFields form={form} roles={USER_ROLES} />
    </FormDialog>
  );
}

function ResetPasswordModal({ user, onClose }: { user: User; onClose: () => void }) {
  const form = useForm({ password: '' }, ['password']);
  const reset = useFormSave(form, {
    send: (body) => api.patch<User>(`/users/${user.id}`, body),
    invalidates: [['users']],
    onSaved: onClose,
  });
  function onSubmit() {
    const data = form.check(userUpdateSchema, { password: form.values.password });
    if (data) reset.mutate(data);
  }
  return (
    <FormDialog
      title={`New password for ${user.name}`}
      size="md"
      onClose={onClose}
      onSubmit={onSubmit}
      save={reset}
      problems={form.rest}
      submitLabel="Set password"
    >
      <PasswordField
        form={form}
        name="password"
        label="New password"
        description="At least 12 characters, not a common password"
        autoComplete="new-password"
        required
        data-autofocus
      />
    </FormDialog>
  );
}

function ActiveModal({ user, onClose }: { user: User; onClose: () => void }) {
  const change = useSave({
    send: () => api.patch<User>(`/users/${user.id}`, { isActive: !user.isActive }),
    invalidates: [['users']],
    onSaved: onClose,
  });
  return (
    <ConfirmDialog
      onClose={onClose}
      title={user.isActive ? `Deactivate ${user.name}?` : `Reactivate ${user.name}?`}
      onConfirm={() => change.mutate()}
      confirmLabel={user.isActive ? 'Deactivate' : 'Reactivate'}
      color={user.isActive ? 'red' : 'blue'}
      isPending={change.isPending}
      error={change.error}
    >
      <Text size="sm">
        {user.isActive
          ? 'They are signed out and can no longer sign in. Their history stays.'
          : 'They can sign in again with their password.'}
      </Text>
    </ConfirmDialog>
  );
}

export function UsersPage() {
  const me = useMe();
  const users = useUsers();
  const [search, setSearch] = useState('');
  const [roleFilter, setRoleFilter] = useState<string | null>(null);
  const [dialog, setDialog] = useState<
    { kind: 'create' } | { kind: 'password'; user: User } | { kind: 'active'; user: User } | null
  >(null);

  const needle = search.trim().toLowerCase();
  const shown = (users.data ?? []).filter(
    (u) =>
      (!needle ||
        u.name.toLowerCase().includes(needle) ||
        u.email.toLowerCase().includes(needle)) &&
      (!roleFilter || u.role === roleFilter),
  );

  return (
    <>
      <PageHeader
        title="Users"
        description="People who sign in, with their role and what they may see."
        actions={
          <Button
            leftSection={<IconPlus size={16} />}
            onClick={() => setDialog({ kind: 'create' })}
          >
            New user
          </Button>
        }
      />
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="xs">
          <SearchInput
            label="Search users"
            placeholder="Search name or e-mail"
            value={search}
            onChange={setSearch}
          />
          <Select
            aria-label="Role"
            placeholder="All roles"
            data={USER_ROLES.map((r) => ({ value: r, label: roleLabel(r) }))}
            value={roleFilter}
            onChange={setRoleFilter}
            clearable
          />
        </SimpleGrid>
        <QueryView
          query={users}
          isEmpty={() => shown.length === 0}
          empty={<Empty title="No users match" />}
        >
          {() => (
            <DataTable
              testId="users-table"
              fz="sm"
              rows={shown}
              rowKey={(u) => u.id}
              rowProps={(u) => ({ c: u.isActive ? undefined : 'dimmed' })}
              columns={[
                {
                  header: 'User',
                  td: () => ({ style: { minWidth: 0 } }),
                  cell: (u) => (
                    <>
                      <Text size="sm" fw={600}>
                        {u.name}
                      </Text>
                      <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                        {u.email}
                      </Text>
                      <Text size="xs" c="dimmed" hiddenFrom="sm">
                        {roleLabel(u.role)} · {scopeLabel(u)}
                        {!u.isActive && ' · inactive'}
                      </Text>
                    </>
                  ),
                },
                { header: 'Role', from: 'sm', cell: (u) => roleLabel(u.role) },
                { header: 'Scope', from: 'md', cell: (u) => scopeLabel(u) },
                { header: 'Created', from: 'lg', cell: (u) => formatDate(u.createdAt) },
                {
                  header: 'Status',
                  from: 'sm',
                  cell: (u) => <StatusBadge status={u.isActive ? 'active' : 'inactive'} />,
                },
                {
                  key: 'actions',
                  width: 90,
                  cell: (u) => (
                    <Menu position="bottom-end" withinPortal>
                      <Menu.Target>
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          rightSection={<IconChevronDown size={12} />}
                          aria-label={`Actions for ${u.name}`}
                        >
                          Actions
                        </Button>
                      </Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item onClick={() => setDialog({ kind: 'password', user: u })}>
                          Reset password
                        </Menu.Item>
                        <Menu.Item
                          color={u.isActive ? 'red' : undefined}
                          disabled={u.id === me.id && me.kind === 'user'}
                          onClick={() => setDialog({ kind: 'active', user: u })}
                        >
                          {u.isActive ? 'Deactivate' : 'Reactivate'}
                        </Menu.Item>
                      </Menu.Dropdown>
                    </Menu>
                  ),
                },
              ]}
            />
          )}
        </QueryView>
        {users.data && (
          <Text size="sm" c="dimmed">
            {formatInt(shown.length)} of {formatInt(users.data.length)} users
          </Text>
        )}
      </Stack>
      {dialog?.kind === 'create' && <CreateUserModal onClose={() => setDialog(null)} />}
      {dialog?.kind === 'password' && (
        <ResetPasswordModal user={dialog.user} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'active' && (
        <ActiveModal user={dialog.user} onClose={() => setDialog(null)} />
      )}
    </>
  );
}
