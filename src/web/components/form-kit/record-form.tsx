/**
 * The create-or-edit form of a catalog or network record known by its code (form kit): the
 * state, the save (POST to the collection, or PATCH the record), the check against the shared
 * create or update schema, and the dialog titled "New …" / "Edit …" with its code field.
 */
import type { ReactNode } from 'react';
import type { QueryKey } from '@tanstack/react-query';
import type { ZodType } from 'zod';
import { FormDialog } from './form-dialog';
import { TextField } from './fields';
import { useForm, type FormState } from './use-form';
import { saveTo, useFormSave } from './use-form-save';

export function useRecordForm<R extends { code: string }, V extends Record<string, unknown>>({
  record,
  collection,
  initial,
  fields,
  schemas,
  body,
  invalidates,
  onSaved,
}: {
  /** The record edited, or undefined for a new one. */
  record: R | undefined;
  /** e.g. '/dealers' */
  collection: string;
  initial: V | (() => V);
  fields: readonly string[];
  schemas: { create: ZodType; update: ZodType };
  /** The request's body from the form's values (before the schema's check). */
  body: (values: V, isEdit: boolean) => unknown;
  invalidates: QueryKey[] | ((saved: R) => QueryKey[]);
  onSaved: (saved: R) => void;
}) {
  const isEdit = record !== undefined;
  const form = useForm<V>(initial, fields);
  const save = useFormSave(form, {
    send: saveTo<R>(collection, record?.code),
    invalidates,
    onSaved,
  });
  function submit() {
    const data = form.check(isEdit ? schemas.update : schemas.create, body(form.values, isEdit));
    if (data) save.mutate(data);
  }
  return { form, save, isEdit, submit };
}

export type RecordForm<V extends Record<string, unknown>> = {
  form: FormState<V>;
  save: { isPending: boolean; error: unknown };
  isEdit: boolean;
  submit: () => void;
};

/** "New SKU" with "Create SKU", or "Edit <name>" with "Save". */
export function RecordFormDialog<V extends Record<string, unknown>>({
  recordForm,
  noun,
  name,
  isOpen,
  onClose,
  size,
  children,
}: {
  recordForm: RecordForm<V>;
  /** What a record is called, e.g. 'model line'. */
  noun: string;
  /** The edited record's name. */
  name: string | undefined;
  isOpen?: boolean;
  onClose: () => void;
  size?: string;
  children: ReactNode;
}) {
  const { form, save, isEdit, submit } = recordForm;
  return (
    <FormDialog
      title={isEdit ? `Edit ${name ?? ''}` : `New ${noun}`}
      isOpen={isOpen}
      onClose={onClose}
      onSubmit={submit}
      save={save}
      problems={form.rest}
      submitLabel={isEdit ? 'Save' : `Create ${noun}`}
      size={size}
    >
      {children}
    </FormDialog>
  );
}

/** The record's code: typed once when it is created, then never changed. */
export function CodeField<V extends { code: string }>({
  recordForm,
  example,
}: {
  recordForm: RecordForm<V>;
  /** A code like the one to type, shown under a new record's field. */
  example?: string;
}) {
  const { form, isEdit } = recordForm;
  return (
    <TextField
      form={form as unknown as FormState<{ code: string }>}
      name="code"
      label="Code"
      disabled={isEdit}
      required={!isEdit}
      description={example && (isEdit ? 'Codes never change' : `e.g. ${example}`)}
    />
  );
}
