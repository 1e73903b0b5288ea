import { AppError } from '../../shared/errors';

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}

/** Runs an insert and turns a unique-key violation into a 409 ALREADY_EXISTS. */
export async function translateUnique<T>(
  what: string,
  key: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError('ALREADY_EXISTS', `${what} ${key} already exists`, { what, key });
    }
    throw error;
  }
}
