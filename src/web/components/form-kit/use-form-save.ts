/**
 * The save of a form (issue 19's form kit): one mutation that sends the checked body, refreshes
 * the lists it changed, then hands the saved record on; a rejected request's problems go to
 * their fields (FormState.fail). `saveTo` is the create-or-update of a collection's record.
 */
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { api } from '../../api';
import type { FormState } from './use-form';

type SaveOptions<R, B> = {
  send: (body: B) => Promise<R>;
  /** The queries the save changes (given the saved record). */
  invalidates: QueryKey[] | ((saved: R) => QueryKey[]);
  onSaved: (saved: R) => void;
};

/**
 * A save or a confirmed action (no form): sends, refreshes the queries it changed, then hands
 * the result on (a dialog closes); the error stays on the mutation for the dialog to show.
 */
export function useSave<R, B = void>(
  options: SaveOptions<R, B> & { onError?: (error: unknown) => void },
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: options.send,
    onSuccess: async (saved) => {
      const keys =
        typeof options.invalidates === 'function'
          ? options.invalidates(saved)
          : options.invalidates;
      for (const queryKey of keys) await queryClient.invalidateQueries({ queryKey });
      options.onSaved(saved);
    },
    onError: options.onError,
  });
}

/** The save of a form: `useSave` whose rejected problems go to the form's fields. */
export function useFormSave<R>(
  form: Pick<FormState<Record<string, unknown>>, 'fail'>,
  options: SaveOptions<R, unknown>,
) {
  return useSave({ ...options, onError: form.fail });
}

/** POST to `collection` when `code` is undefined, else PATCH `collection/code`. */
export function saveTo<R>(collection: string, code: string | undefined) {
  return (body: unknown) =>
    code === undefined
      ? api.post<R>(collection, body)
      : api.patch<R>(`${collection}/${encodeURIComponent(code)}`, body);
}
