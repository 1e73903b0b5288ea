/** The web app's form kit (issue 19): state, inputs with server errors at their field, dialog, pickers. */
export { useForm, valuesOf, type FormState } from './use-form';
export { FormDialog } from './form-dialog';
export { DateField, MoneyField, PasswordField, SelectField, TextField } from './fields';
export { DealerPicker } from './server-picker';
export { saveTo, useFormSave, useSave } from './use-form-save';
export { CommentDialog, ConfirmDialog } from './confirm-dialog';
export { CodeField, RecordFormDialog, useRecordForm, type RecordForm } from './record-form';
